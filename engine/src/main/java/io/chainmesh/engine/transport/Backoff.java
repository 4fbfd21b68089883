package io.chainmesh.engine.transport;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter, capped: the {@code n}-th consecutive failure waits a random time in
 * {@code [d/2, d]} where {@code d = min(max, min * 2^n)}. Owned by one thread (the connection manager).
 */
public final class Backoff
{
    private final long minNs;
    private final long maxNs;
    private int failures;

    /**
     * @param minNs first delay.
     * @param maxNs cap.
     */
    public Backoff(final long minNs, final long maxNs)
    {
        this.minNs = minNs;
        this.maxNs = maxNs;
    }

    /**
     * Records a failure.
     *
     * @return the delay before the next attempt, in nanoseconds.
     */
    public long onFailure()
    {
        final int shift = Math.min(failures, 40);
        failures++;
        final long ceiling = minNs << shift;
        final long d = (ceiling <= 0 || ceiling > maxNs || (ceiling >> shift) != minNs) ? maxNs : ceiling;
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
    }

    /**
     * Forgets past failures after a success.
     */
    public void reset()
    {
        failures = 0;
    }

    /**
     * @return consecutive failures so far.
     */
    public int failures()
    {
        return failures;
    }
}
