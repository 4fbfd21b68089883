package io.chainmesh.sim;

import java.util.SplittableRandom;

/**
 * Where members are and how far apart: five regions with a round-trip matrix from 20 ms (inside a region) to
 * 300 ms (Europe to Oceania), each pair of members a fixed ±15 % off its regions' figure (a hash of the pair and
 * the seed, so no table per pair), and per-frame jitter drawn from the run's random stream.
 */
final class Regions
{
    static final String[] NAMES = {"europe", "north-america-east", "north-america-west", "asia", "oceania"};
    /** Share of members per region (Flux nodes sit mostly in Europe and North America). */
    private static final double[] WEIGHTS = {0.45, 0.25, 0.10, 0.15, 0.05};
    private static final int[][] RTT_MILLIS = {
        {20, 90, 150, 220, 300},
        {90, 20, 70, 200, 230},
        {150, 70, 20, 140, 160},
        {220, 200, 140, 30, 120},
        {300, 230, 160, 120, 25},
    };

    private final byte[] regionOf;
    private final long seed;
    private final double jitter;
    private final SplittableRandom random;

    Regions(final int members, final long seed, final double jitter, final SplittableRandom random)
    {
        this.regionOf = new byte[members];
        this.seed = seed;
        this.jitter = jitter;
        this.random = random;
        for (int i = 0; i < members; i++)
        {
            double u = random.nextDouble();
            int region = 0;
            while (region < WEIGHTS.length - 1 && u >= WEIGHTS[region])
            {
                u -= WEIGHTS[region];
                region++;
            }
            regionOf[i] = (byte)region;
        }
    }

    /**
     * @param a a member.
     * @param b another.
     * @return their base round trip in nanoseconds (symmetric).
     */
    long rttNanos(final int a, final int b)
    {
        final int lo = Math.min(a, b);
        final int hi = Math.max(a, b);
        long h = seed ^ (lo * 0x9E3779B97F4A7C15L) ^ (hi * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        final double spread = 0.85 + 0.30 * ((h >>> 11) * 0x1.0p-53);
        return (long)(RTT_MILLIS[regionOf[a]][regionOf[b]] * 1_000_000L * spread);
    }

    /**
     * @param a sender.
     * @param b receiver.
     * @return this frame's one-way delay: half the round trip plus jitter.
     */
    long oneWayNanos(final int a, final int b)
    {
        final long half = rttNanos(a, b) / 2;
        return half + (long)(half * jitter * random.nextDouble());
    }

    int regionOf(final int member)
    {
        return regionOf[member];
    }
}
