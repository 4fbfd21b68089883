package io.chainmesh.engine.broadcast;

import com.lmax.disruptor.EventHandler;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.batch.BatchDecoder;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.function.Supplier;

/**
 * Verify stage, one of {@code workers}: handles the remote batches whose ring sequence modulo
 * {@code workers} is its ordinal. Checks structure, membership of the origin, the timestamp window
 * and the signature, and records a verdict in the event; it changes no shared state, so a forged copy
 * leaves no trace. A copy the commit stage has already committed is recognised first (a read-only,
 * racy look at its replay window) and not verified. Owns its decoder and verifier (not shared).
 */
final class VerifyHandler implements EventHandler<IngressEvent>
{
    private static final int CACHE_LINE = 64;

    private final int ordinal;
    private final int workers;
    private final Supplier<DirectorySnapshot> directory;
    private final EpochClock clock;
    private final long maxAgeMillis;
    private final long maxFutureMillis;
    private final BatchDecoder decoder = new BatchDecoder();
    private final BatchSignatures.Verifier verifier;
    private final int maxFrameLength;
    private final SeenWindows seen;
    // What touchLines read, kept so the JIT cannot drop its loads; never used otherwise.
    private long touchedWords;

    VerifyHandler(
        final int ordinal,
        final int workers,
        final Supplier<DirectorySnapshot> directory,
        final EpochClock clock,
        final long maxAgeMillis,
        final long maxFutureMillis,
        final int maxFrameLength,
        final SeenWindows seen,
        final BatchSignatures.Verifier verifier)
    {
        this.verifier = verifier;
        this.seen = seen;
        this.ordinal = ordinal;
        this.workers = workers;
        this.directory = directory;
        this.clock = clock;
        this.maxAgeMillis = maxAgeMillis;
        this.maxFutureMillis = maxFutureMillis;
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    public void onEvent(final IngressEvent event, final long sequence, final boolean endOfBatch)
    {
        if (event.kind != IngressEvent.REMOTE_BATCH || (sequence % workers) != ordinal)
        {
            return;
        }
        event.verdict = check(event);
    }

    private int check(final IngressEvent event)
    {
        touchLines(event.buffer, event.length);
        try
        {
            decoder.wrap(event.buffer, 0, event.length);
        }
        catch (final CodecException ex)
        {
            return IngressEvent.MALFORMED;
        }
        if (event.length > maxFrameLength || decoder.batchSeq() < 0)
        {
            // Sequences are time based and positive; a negative one would wrap the replay window's arithmetic.
            return IngressEvent.MALFORMED;
        }
        if (seen.isKnownDuplicate(decoder.originId(), decoder.batchSeq()))
        {
            // A copy of a batch already committed (flooding, overlapping repair): the signature check, by far
            // the dearest step, would change nothing. A forgery with a committed sequence is a no-op too.
            return IngressEvent.KNOWN_DUPLICATE;
        }
        final DirectorySnapshot dir = directory.get();
        final int originIndex = dir.indexOfOriginId(decoder.originId());
        if (originIndex < 0)
        {
            return IngressEvent.NOT_A_MEMBER;
        }
        final Member origin = dir.member(originIndex);
        final long age = clock.time() - decoder.timestampMillis();
        if (age > maxAgeMillis)
        {
            return IngressEvent.TOO_OLD;
        }
        if (-age > maxFutureMillis)
        {
            return IngressEvent.FROM_THE_FUTURE;
        }
        if (!verifier.verify(origin.publicKey(), event.buffer, 0, event.length))
        {
            return IngressEvent.FORGED;
        }
        event.origin = origin;
        event.originIndex = originIndex;
        event.directory = dir;
        return IngressEvent.VALID;
    }

    /**
     * Reads one word per cache line of the frame before anything walks it. An IO thread on another core has just
     * copied the frame in, and the walk over its entries is a chain of dependent loads, each waiting for its own
     * line to come over; these loads are independent, so the lines come over in parallel and the walk and the hash
     * then find them at hand.
     */
    private void touchLines(final UnsafeBuffer buffer, final int length)
    {
        long sum = 0;
        for (int i = 0, end = length - Long.BYTES; i <= end; i += CACHE_LINE)
        {
            sum += buffer.getLong(i);
        }
        touchedWords += sum;
    }
}
