package io.chainmesh.engine.broadcast;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;

import org.agrona.concurrent.NanoClock;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The egress ring's wait strategy when batches linger ({@link BroadcastContext#batchLingerNanos}).
 * <p>
 * With no batch open, the batcher blocks until a message is offered, and the first offer of an idle spell wakes
 * it ({@link BlockingBackoffWaitStrategy}'s wait). While a batch is open, offers do not wake it: it sleeps until the batch's linger is up, in slices of at most
 * {@value #MAX_SLICE_NANOS} ns, and only the offer that makes a quarter of the ring wait wakes it early (so offers
 * are not refused as back-pressured while it sleeps, whatever the rate). Waking the batcher for every offer, as a
 * blocking strategy does, costs the publishing thread a futex wake and the batcher a context switch per message,
 * only for the batcher to append one message and sleep again: at thousands of messages a second that is most of a
 * lingering node's hand-off cost.
 * <p>
 * The batcher is the ring's only consumer and the one thread that calls {@link #waitFor}; the deadline it is
 * given is read on that thread. Offering threads read what it waits for and unpark it at most once per sleep.
 */
final class LingerWaitStrategy implements WaitStrategy
{
    /** What {@code lingerDeadlineNanos} answers while no batch is open. */
    static final long NO_BATCH_OPEN = Long.MIN_VALUE;
    /** Longest sleep between two looks at the ring while a batch lingers. */
    static final long MAX_SLICE_NANOS = 5_000_000;

    private final BlockingBackoffWaitStrategy idle = new BlockingBackoffWaitStrategy();
    private final LongSupplier lingerDeadlineNanos;
    private final NanoClock clock;
    private final long sliceNanos;
    private final long wakeEarlyAt;
    /** The batcher while it sleeps on an open batch; an offering thread takes it (once) to wake it early. */
    private final AtomicReference<Thread> lingering = new AtomicReference<>();
    /** The ring's cursor and the sequence the sleeping batcher waits for (written before {@link #lingering}). */
    private volatile Sequence lingeringCursor;
    private volatile long lingeringFor;

    /**
     * @param lingerDeadlineNanos the open batch's deadline on {@code clock}'s scale, or {@link #NO_BATCH_OPEN};
     *                            called on the batcher's thread.
     * @param clock               the batcher's clock.
     * @param lingerNanos         the linger, so the sleep is cut into a few slices of it.
     * @param ringSize            the egress ring's size.
     */
    LingerWaitStrategy(final LongSupplier lingerDeadlineNanos, final NanoClock clock, final long lingerNanos,
        final int ringSize)
    {
        this(lingerDeadlineNanos, clock, ringSize, Math.max(1, Math.min(MAX_SLICE_NANOS, lingerNanos / 4)));
    }

    /**
     * @param sliceNanos the longest sleep between two looks at the ring (tests set it long, to see that offers
     *                   wake the batcher early).
     */
    LingerWaitStrategy(final LongSupplier lingerDeadlineNanos, final NanoClock clock, final int ringSize,
        final long sliceNanos)
    {
        this.lingerDeadlineNanos = lingerDeadlineNanos;
        this.clock = clock;
        this.sliceNanos = sliceNanos;
        this.wakeEarlyAt = Math.max(1, ringSize / 4);
    }

    @Override
    public long waitFor(final long sequence, final Sequence cursor, final Sequence dependentSequence,
        final SequenceBarrier barrier) throws AlertException, InterruptedException, TimeoutException
    {
        final long deadline = lingerDeadlineNanos.getAsLong();
        if (NO_BATCH_OPEN == deadline)
        {
            return idle.waitFor(sequence, cursor, dependentSequence, barrier);
        }
        while (true)
        {
            barrier.checkAlert();
            final long available = cursor.get();
            final long left = deadline - clock.nanoTime();
            if (left <= 0)
            {
                if (available >= sequence)
                {
                    return available;
                }
                // Nothing more came: the batcher's onTimeout signs the batch.
                throw TimeoutException.INSTANCE;
            }
            if (available - sequence + 1 >= wakeEarlyAt)
            {
                return available;
            }
            sleep(sequence, cursor, Math.min(left, sliceNanos));
        }
    }

    private void sleep(final long sequence, final Sequence cursor, final long nanos)
    {
        lingeringCursor = cursor;
        lingeringFor = sequence;
        final Thread self = Thread.currentThread();
        lingering.set(self);
        // An offer that counted before the set above saw no one to wake: look once more before sleeping.
        if (cursor.get() - sequence + 1 < wakeEarlyAt)
        {
            LockSupport.parkNanos(this, nanos);
        }
        lingering.compareAndSet(self, null);
    }

    @Override
    public void signalAllWhenBlocking()
    {
        final Thread sleeper = lingering.get();
        if (null != sleeper && lingeringCursor.get() - lingeringFor + 1 >= wakeEarlyAt &&
            lingering.compareAndSet(sleeper, null))
        {
            LockSupport.unpark(sleeper);
        }
        idle.signalAllWhenBlocking();
    }
}
