package io.chainmesh.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CPU speed in events per second (EPS), the unit FluxBench reports.
 * <p>
 * One event is the work of sysbench's {@code cpu} test at its default {@code --cpu-max-prime=10000}:
 * test every number from 3 to 10,000 for primality by trial division up to its square root. The
 * figure is therefore comparable in magnitude with FluxBench's EPS, though not identical (JIT vs C).
 * Single-threaded EPS uses one thread; multi-threaded EPS runs one thread per available processor
 * and sums their events.
 */
public final class CpuBenchmark
{
    /** Upper bound of the primes tested in one event (sysbench's default). */
    public static final int MAX_PRIME = 10_000;

    private CpuBenchmark()
    {
    }

    /**
     * Runs the benchmark on {@code threads} threads for about {@code durationNanos}.
     *
     * @param threads       number of worker threads, at least 1.
     * @param durationNanos how long each thread works.
     * @return events per second, summed over the threads.
     * @throws InterruptedException if interrupted while waiting for the workers.
     */
    public static double eventsPerSecond(final int threads, final long durationNanos) throws InterruptedException
    {
        if (threads < 1)
        {
            throw new IllegalArgumentException("threads=" + threads + " must be >= 1");
        }
        final AtomicLong events = new AtomicLong();
        final CountDownLatch done = new CountDownLatch(threads);
        final long[] elapsed = new long[threads];
        final Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            final int index = t;
            workers[t] = new Thread(() ->
            {
                try
                {
                    final long start = System.nanoTime();
                    long count = 0;
                    long sink = 0;
                    do
                    {
                        sink += oneEvent();
                        count++;
                    }
                    while (System.nanoTime() - start < durationNanos);
                    elapsed[index] = System.nanoTime() - start;
                    events.addAndGet(count + (sink == Long.MIN_VALUE ? 1 : 0));
                }
                finally
                {
                    done.countDown();
                }
            }, "chainmesh-bench-cpu-" + t);
            workers[t].setDaemon(true);
            workers[t].start();
        }
        done.await();
        long longest = 1;
        for (final long e : elapsed)
        {
            longest = Math.max(longest, e);
        }
        return events.get() * 1e9 / longest;
    }

    /**
     * @return the number of primes in {@code [3, MAX_PRIME]}: one event's work, returned so the JIT keeps it.
     */
    static int oneEvent()
    {
        int primes = 0;
        for (int candidate = 3; candidate <= MAX_PRIME; candidate++)
        {
            final int limit = (int)Math.sqrt(candidate);
            boolean prime = true;
            for (int divisor = 2; divisor <= limit; divisor++)
            {
                if (candidate % divisor == 0)
                {
                    prime = false;
                    break;
                }
            }
            if (prime)
            {
                primes++;
            }
        }
        return primes;
    }
}
