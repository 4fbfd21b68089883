package io.chainmesh.perf.direct;

import org.HdrHistogram.Histogram;

/**
 * Point-to-point figures at one payload size, chainmesh and raw Netty from the same run
 * ({@link DirectMessagingHarness#measure}).
 *
 * @param payloadBytes             payload bytes per message.
 * @param chainmeshMsgsPerSec      chainmesh {@code send} throughput, median round.
 * @param rawEventLoopMsgsPerSec   raw Netty with the producer on the event loop (the ceiling), median round.
 * @param rawCallerThreadMsgsPerSec raw Netty written from a caller thread, flush every 32 frames, median round.
 * @param chainmeshRttNanos        chainmesh round trips, one message in flight.
 * @param rawRttNanos              raw Netty round trips, one message in flight.
 */
public record DirectResult(
    int payloadBytes,
    double chainmeshMsgsPerSec,
    double rawEventLoopMsgsPerSec,
    double rawCallerThreadMsgsPerSec,
    Histogram chainmeshRttNanos,
    Histogram rawRttNanos)
{
}
