package io.chainmesh.engine.broadcast;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.chainmesh.codec.batch.BatchEncoder;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;

/**
 * The egress stage: packs offered messages into one {@code BATCH} and signs it once, when the
 * Disruptor signals the end of what is available ({@code endOfBatch}) or the batch is full. Under
 * light load a batch holds one message (lowest latency); under heavy load hundreds share one
 * signature. An optional linger keeps a batch open up to that long after its first message so more
 * messages share its signature, trading latency for the receivers' verification work. The signed batch is handed to the ingress ring as a local event, so the commit stage
 * remains the only owner of retention and forwarding.
 * <p>
 * Batch sequences are {@code start time in microseconds + n}: contiguous within a run (so repair can
 * see gaps) and still rising across restarts (so a restarted origin is not taken for a replay),
 * as long as it originates fewer than a million batches per second on average.
 */
final class Batcher implements EventHandler<EgressEvent>
{
    private final BatchEncoder encoder = new BatchEncoder();
    private final BatchSignatures.Signer signer;
    private final UnsafeBuffer batchBuffer;
    private final long originId;
    private final EpochClock clock;
    private final RingBuffer<IngressEvent> ingress;
    private final BroadcastCounters counters;
    private final IdleStrategy idle;
    private final BooleanSupplier closed;
    private final AtomicLongArray batchSizes;
    private final long lingerNanos;
    private final int maxMessagesPerBatch;
    /** Own batches ahead of the commit stage, at most (the owed-entry marks count batches, not bytes). */
    static final int MAX_LOCAL_BATCHES_IN_FLIGHT = 64;

    private final LocalCommitProgress localCommitted;
    private final long maxLocalBytesInFlight;
    private long localBytesPublished;
    private long localBatchesPublished;
    private long nextSeq;
    private long openedAtNanos;
    private boolean open;

    Batcher(
        final BatchSignatures.Signer signer,
        final long originId,
        final int maxBatchFrameLength,
        final EpochClock clock,
        final RingBuffer<IngressEvent> ingress,
        final BroadcastCounters counters,
        final IdleStrategy idle,
        final BooleanSupplier closed,
        final AtomicLongArray batchSizes,
        final long lingerNanos,
        final int maxMessagesPerBatch,
        final LocalCommitProgress localCommitted,
        final long maxLocalBytesInFlight)
    {
        this.localCommitted = localCommitted;
        this.maxLocalBytesInFlight = maxLocalBytesInFlight;
        this.lingerNanos = lingerNanos;
        this.maxMessagesPerBatch = maxMessagesPerBatch;
        this.signer = signer;
        this.batchBuffer = new UnsafeBuffer(new byte[maxBatchFrameLength]);
        this.originId = originId;
        this.clock = clock;
        this.ingress = ingress;
        this.counters = counters;
        this.idle = idle;
        this.closed = closed;
        this.batchSizes = batchSizes;
        this.nextSeq = clock.time() * 1000;
    }

    @Override
    public void onEvent(final EgressEvent event, final long sequence, final boolean endOfBatch)
    {
        if (!open)
        {
            begin();
        }
        if (!encoder.tryAppend(event.topic, event.buffer, 0, event.length))
        {
            flush();
            begin();
            if (!encoder.tryAppend(event.topic, event.buffer, 0, event.length))
            {
                throw new IllegalStateException("message length " + event.length + " does not fit an empty batch");
            }
        }
        if (encoder.entryCount() >= maxMessagesPerBatch ||
            (endOfBatch && (lingerNanos == 0 || System.nanoTime() - openedAtNanos >= lingerNanos)))
        {
            flush();
        }
    }

    @Override
    public void onTimeout(final long sequence)
    {
        // The ring went quiet while a lingering batch was open: sign it now that its time is up.
        if (open && System.nanoTime() - openedAtNanos >= lingerNanos)
        {
            flush();
        }
    }

    /**
     * @return when the open batch's linger is up ({@link System#nanoTime()} scale), or
     *         {@link LingerWaitStrategy#NO_BATCH_OPEN}; batcher thread only.
     */
    long lingerDeadlineNanos()
    {
        return open ? openedAtNanos + lingerNanos : LingerWaitStrategy.NO_BATCH_OPEN;
    }

    private void begin()
    {
        encoder.wrap(batchBuffer, 0, batchBuffer.capacity()).begin(originId, nextSeq, clock.time());
        openedAtNanos = System.nanoTime();
        open = true;
    }

    private void flush()
    {
        final int count = encoder.entryCount();
        if (!open || count == 0)
        {
            return;
        }
        final int length = signer.sign(encoder);
        // Our own batches wait in the ingress ring behind peers' until the commit stage forwards them; bounding
        // how many bytes of them are ahead of it keeps the origin's pause (taken there) from being overrun.
        while (localBytesPublished + length - localCommitted.bytes() > maxLocalBytesInFlight ||
            localBatchesPublished - localCommitted.batches() >= MAX_LOCAL_BATCHES_IN_FLIGHT)
        {
            if (closed.getAsBoolean())
            {
                return;
            }
            idle.idle();
        }
        long sequence;
        while (true)
        {
            try
            {
                sequence = ingress.tryNext();
                break;
            }
            catch (final InsufficientCapacityException ex)
            {
                if (closed.getAsBoolean())
                {
                    return;
                }
                idle.idle();
            }
        }
        idle.reset();
        final IngressEvent event = ingress.get(sequence);
        event.clear();
        event.kind = IngressEvent.LOCAL_BATCH;
        event.ensureCapacity(length);
        event.buffer.putBytes(0, batchBuffer, 0, length);
        event.length = length;
        localBytesPublished += length;
        localBatchesPublished++;
        ingress.publish(sequence);
        counters.batchesPublished.incrementRelease();
        counters.messagesPublished.getAndAddRelease(count);
        batchSizes.incrementAndGet(31 - Integer.numberOfLeadingZeros(count));
        nextSeq++;
        open = false;
    }
}
