package io.chainmesh.bench;

import io.chainmesh.chain.Tier;

/**
 * The minimums a node must meet for one tier. {@link #FLUX_DEFAULTS} holds Flux's published
 * figures (cores / RAM / SSD from the tier table; EPS, disk write speed and bandwidth as FluxBench
 * applies them); sizes are decimal (1 GB = 10^9 bytes) because that is how providers sell them and
 * how an "8 GB" machine still qualifies after the kernel keeps its share.
 *
 * @param tier                 the tier these minimums grant.
 * @param minCores             logical processors.
 * @param minRamBytes          physical memory.
 * @param minStorageBytes      total storage.
 * @param minEps               multi-threaded CPU events per second.
 * @param minDiskWriteMBps     sequential write speed with fsync, MB/s.
 * @param minThroughputMbps    network throughput, Mb/s; checked only when measured.
 */
public record TierRequirement(
    Tier tier,
    int minCores,
    long minRamBytes,
    long minStorageBytes,
    double minEps,
    double minDiskWriteMBps,
    double minThroughputMbps)
{
    private static final long GB = 1_000_000_000L;

    /** Flux's minimums, lowest tier first. */
    public static final TierRequirement[] FLUX_DEFAULTS = {
        new TierRequirement(Tier.CUMULUS, 2, 8 * GB, 220 * GB, 240, 180, 25),
        new TierRequirement(Tier.NIMBUS, 4, 32 * GB, 440 * GB, 640, 250, 50),
        new TierRequirement(Tier.STRATUS, 8, 64 * GB, 880 * GB, 1520, 400, 100),
    };

    /**
     * @param m measurements of a node.
     * @return null if {@code m} meets every minimum, else the first unmet one as
     *         {@code "NIMBUS needs cores >= 4, has 2"}.
     */
    public String firstShortfall(final NodeMeasurements m)
    {
        if (m.cores() < minCores)
        {
            return tier + " needs cores >= " + minCores + ", has " + m.cores();
        }
        if (m.ramBytes() < minRamBytes)
        {
            return tier + " needs ram >= " + gb(minRamBytes) + " GB, has " + gb(m.ramBytes()) + " GB";
        }
        if (m.storageBytes() < minStorageBytes)
        {
            return tier + " needs storage >= " + gb(minStorageBytes) + " GB, has " + gb(m.storageBytes()) + " GB";
        }
        if (!(m.epsMulti() >= minEps))
        {
            return tier + " needs eps >= " + minEps + ", has " + String.format("%.1f", m.epsMulti());
        }
        if (!(m.diskWriteMBps() >= minDiskWriteMBps))
        {
            return tier + " needs disk write >= " + minDiskWriteMBps + " MB/s, has " +
                String.format("%.1f", m.diskWriteMBps());
        }
        if (!Double.isNaN(m.networkThroughputMbps()) && m.networkThroughputMbps() < minThroughputMbps)
        {
            return tier + " needs throughput >= " + minThroughputMbps + " Mb/s, has " +
                String.format("%.1f", m.networkThroughputMbps());
        }
        return null;
    }

    private static String gb(final long bytes)
    {
        return String.format("%.1f", bytes / (double)GB);
    }
}
