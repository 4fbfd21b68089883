package io.chainmesh.perf.direct;

import org.HdrHistogram.Histogram;

/**
 * Point-to-point figures at one payload size, chainmesh and raw Netty from the same run
 * ({@link DirectMessagingHarness#measure}). Throughputs are median rounds; each comparison pairs producers with
 * the same placement (on the link's event loop, or on a caller thread).
 *
 * @param payloadBytes                    payload bytes per message.
 * @param chainmeshEventLoopMsgsPerSec    chainmesh {@code send} from a task on the link's event loop.
 * @param chainmeshCallerThreadMsgsPerSec chainmesh {@code send} from a caller thread (ring + IO-thread drain).
 * @param rawEventLoopMsgsPerSec          raw Netty, producer on the event loop, receiver slicing frames (the ceiling).
 * @param rawEventLoopInPlaceMsgsPerSec   the same ceiling with a receiver that decodes in place, as chainmesh does.
 * @param rawCallerThreadMsgsPerSec       raw Netty written from a caller thread, flush every 32 frames.
 * @param chainmeshRttNanos               chainmesh round trips, one message in flight.
 * @param rawRttNanos                     raw Netty round trips, one message in flight.
 */
public record DirectResult(
    int payloadBytes,
    double chainmeshEventLoopMsgsPerSec,
    double chainmeshCallerThreadMsgsPerSec,
    double rawEventLoopMsgsPerSec,
    double rawEventLoopInPlaceMsgsPerSec,
    double rawCallerThreadMsgsPerSec,
    Histogram chainmeshRttNanos,
    Histogram rawRttNanos)
{
}
