package io.chainmesh.sim;

import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;

/**
 * Simulated time, the one clock of a run: every member's monotonic clock and wall clock read it (the wall clock
 * from a fixed epoch, so batch timestamps are the same in every run of a seed).
 */
final class SimClock implements NanoClock, EpochClock
{
    /** The wall-clock time a run starts at (milliseconds since 1970). */
    static final long EPOCH_MILLIS = 1_800_000_000_000L;

    long now;

    @Override
    public long nanoTime()
    {
        return now;
    }

    @Override
    public long time()
    {
        return EPOCH_MILLIS + now / 1_000_000;
    }
}
