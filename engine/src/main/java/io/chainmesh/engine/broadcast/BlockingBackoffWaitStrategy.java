package io.chainmesh.engine.broadcast;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The default wait strategy of the pipeline's rings, for machines where many nodes share few cores.
 * <p>
 * Waiting for the producer (an idle ring) blocks on a condition, and a producer takes the lock only when
 * a consumer is actually blocked, so a busy ring publishes lock-free. Waiting for an earlier stage (the
 * commit stage waiting on verify workers) backs off instead — spin, then yield, then park for
 * {@code maxParkNanos} — because the Disruptor's own blocking strategy busy-spins there, and a dozen
 * spinning commit threads starve the very verifiers they wait for.
 */
public final class BlockingBackoffWaitStrategy implements WaitStrategy
{
    private static final int SPINS = 100;
    private static final int YIELDS = 100;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition producerAdvanced = lock.newCondition();
    private final AtomicBoolean signalNeeded = new AtomicBoolean(false);
    private final long maxParkNanos;
    private final long timeoutNanos;

    /**
     * @param maxParkNanos longest park while waiting for an earlier stage.
     * @param timeoutNanos if above 0, an idle wait for the producer ends after this long with a
     *                     {@link TimeoutException}, so the consumer's {@code onTimeout} runs.
     */
    public BlockingBackoffWaitStrategy(final long maxParkNanos, final long timeoutNanos)
    {
        this.maxParkNanos = maxParkNanos;
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * With a 50 µs park and no timeout.
     */
    public BlockingBackoffWaitStrategy()
    {
        this(50_000, 0);
    }

    @Override
    public long waitFor(final long sequence, final Sequence cursor, final Sequence dependentSequence,
        final SequenceBarrier barrier) throws AlertException, InterruptedException, TimeoutException
    {
        if (cursor.get() < sequence)
        {
            lock.lock();
            try
            {
                long remaining = timeoutNanos;
                while (cursor.get() < sequence)
                {
                    signalNeeded.set(true);
                    if (cursor.get() >= sequence)
                    {
                        break;
                    }
                    barrier.checkAlert();
                    if (timeoutNanos > 0)
                    {
                        if (remaining <= 0)
                        {
                            throw TimeoutException.INSTANCE;
                        }
                        remaining = producerAdvanced.awaitNanos(remaining);
                    }
                    else
                    {
                        producerAdvanced.await();
                    }
                }
            }
            finally
            {
                lock.unlock();
            }
        }
        long available;
        int waits = 0;
        while ((available = dependentSequence.get()) < sequence)
        {
            barrier.checkAlert();
            if (waits < SPINS)
            {
                Thread.onSpinWait();
            }
            else if (waits < SPINS + YIELDS)
            {
                Thread.yield();
            }
            else
            {
                LockSupport.parkNanos(maxParkNanos);
            }
            waits++;
        }
        return available;
    }

    @Override
    public void signalAllWhenBlocking()
    {
        // A plain read first: while the consumer runs, publishing costs no atomic write here.
        if (signalNeeded.get() && signalNeeded.getAndSet(false))
        {
            lock.lock();
            try
            {
                producerAdvanced.signalAll();
            }
            finally
            {
                lock.unlock();
            }
        }
    }
}
