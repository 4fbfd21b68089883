package io.chainmesh.sim;

import java.util.concurrent.TimeUnit;

/**
 * The settings of one simulated run: fluent setters, defaults, {@link #conclude()} validates them with the
 * setting's name in the message. Everything a run depends on is here or derived from {@link #seed()}.
 */
public final class SimConfig
{
    /** Listed entries of the mainnet-shaped list (some are not members: no address, repeated endpoint). */
    public static final int MAINNET = 13_047;

    private int members = 1_000;
    private double seconds = 10;
    private long seed = 1;
    private double batchesPerSecond = 4;
    private int publishers = 4;
    private int payloadBytes = 256;
    private double drainSeconds = 3;
    private double uplinkMbps = 100;
    private double slowUplinkMbps = 2;
    private long verifyNanos = 56_000;
    private long commitNanos = 8_000;
    private long controlNanos = 4_000;
    private double jitter = 0.1;
    private boolean heartbeats = true;
    private long heartbeatIntervalNanos = TimeUnit.SECONDS.toNanos(1);
    private int missedHeartbeats = 3;
    private int retentionBytes = 128 << 10;
    private long retentionMillis = 60_000;
    private int replayWindowBits = 1024;
    private int linkBudgetBytes = 1 << 20;
    private int ringSuccessors = 2;
    private int ingressRingSize = 1024;
    private String faults = "";
    private int digestPeersPerSecond;

    /**
     * @param members listed entries, mainnet-shaped ({@link #MAINNET} is Flux mainnet's size).
     * @return this.
     */
    public SimConfig members(final int members)
    {
        this.members = members;
        return this;
    }

    /**
     * @param seconds simulated seconds.
     * @return this.
     */
    public SimConfig seconds(final double seconds)
    {
        this.seconds = seconds;
        return this;
    }

    /**
     * @param seed the one seed everything random in a run derives from.
     * @return this.
     */
    public SimConfig seed(final long seed)
    {
        this.seed = seed;
        return this;
    }

    /**
     * @param batchesPerSecond batches published per second, network-wide.
     * @param publishers       how many members publish them (round robin).
     * @param payloadBytes     bytes of the one message each batch carries.
     * @return this.
     */
    public SimConfig load(final double batchesPerSecond, final int publishers, final int payloadBytes)
    {
        this.batchesPerSecond = batchesPerSecond;
        this.publishers = publishers;
        this.payloadBytes = payloadBytes;
        return this;
    }

    /**
     * @param seconds publishing stops this long before the end, so what was published can settle.
     * @return this.
     */
    public SimConfig drainSeconds(final double seconds)
    {
        this.drainSeconds = seconds;
        return this;
    }

    /**
     * @param mbps      each member's uplink.
     * @param slowMbps  the uplink of a member the fault plan makes slow.
     * @return this.
     */
    public SimConfig uplink(final double mbps, final double slowMbps)
    {
        this.uplinkMbps = mbps;
        this.slowUplinkMbps = slowMbps;
        return this;
    }

    /**
     * @param verifyNanos  CPU time of one signature check.
     * @param commitNanos  CPU time of committing, delivering and forwarding one batch.
     * @param controlNanos CPU time of one control frame or tick.
     * @return this.
     */
    public SimConfig cpu(final long verifyNanos, final long commitNanos, final long controlNanos)
    {
        this.verifyNanos = verifyNanos;
        this.commitNanos = commitNanos;
        this.controlNanos = controlNanos;
        return this;
    }

    /**
     * @param heartbeats whether links run PING/PONG (the engine's {@code HeartbeatMonitor}) and close on missed ones.
     * @return this.
     */
    public SimConfig heartbeats(final boolean heartbeats)
    {
        this.heartbeats = heartbeats;
        return this;
    }

    /**
     * @param peersPerSecond the engine's {@code digestPeersPerSecond} (0 keeps the engine's default).
     * @return this.
     */
    public SimConfig digestPeersPerSecond(final int peersPerSecond)
    {
        this.digestPeersPerSecond = peersPerSecond;
        return this;
    }

    /**
     * @param bytes   each member's retention ring (a power of two).
     * @param millis  how long batches are retained.
     * @return this.
     */
    public SimConfig retention(final int bytes, final long millis)
    {
        this.retentionBytes = bytes;
        this.retentionMillis = millis;
        return this;
    }

    /**
     * @param faults the fault plan ({@link FaultPlan#parse}).
     * @return this.
     */
    public SimConfig faults(final String faults)
    {
        this.faults = faults;
        return this;
    }

    /**
     * @param jitter latency jitter as a fraction of the one-way delay.
     * @return this.
     */
    public SimConfig jitter(final double jitter)
    {
        this.jitter = jitter;
        return this;
    }

    /**
     * @return this, validated.
     * @throws IllegalArgumentException naming the first invalid setting.
     */
    public SimConfig conclude()
    {
        check(members >= 8 && members <= 100_000, "members=" + members + " must be in [8, 100000]");
        check(seconds > 0 && seconds <= 3_600, "seconds=" + seconds + " must be in (0, 3600]");
        check(batchesPerSecond >= 0, "batchesPerSecond=" + batchesPerSecond + " must be >= 0");
        check(publishers >= 1 && publishers <= members / 2, "publishers=" + publishers + " must be in [1, members/2]");
        check(payloadBytes >= 16 && payloadBytes <= 16 * 1024, "payloadBytes=" + payloadBytes + " must be in [16, 16384]");
        check(drainSeconds >= 0 && drainSeconds < seconds, "drainSeconds=" + drainSeconds + " must be in [0, seconds)");
        check(uplinkMbps > 0 && slowUplinkMbps > 0, "uplink=" + uplinkMbps + "/" + slowUplinkMbps + " must be > 0");
        check(verifyNanos >= 0 && commitNanos >= 0 && controlNanos >= 0, "cpu costs must be >= 0");
        check(jitter >= 0 && jitter < 1, "jitter=" + jitter + " must be in [0, 1)");
        check(Integer.bitCount(retentionBytes) == 1 && retentionBytes >= 64 << 10,
            "retentionBytes=" + retentionBytes + " must be a power of two >= 65536");
        FaultPlan.parse(faults);
        return this;
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(message);
        }
    }

    int members()
    {
        return members;
    }

    double seconds()
    {
        return seconds;
    }

    long seed()
    {
        return seed;
    }

    double batchesPerSecond()
    {
        return batchesPerSecond;
    }

    int publishers()
    {
        return publishers;
    }

    int payloadBytes()
    {
        return payloadBytes;
    }

    double drainSeconds()
    {
        return drainSeconds;
    }

    double uplinkMbps()
    {
        return uplinkMbps;
    }

    double slowUplinkMbps()
    {
        return slowUplinkMbps;
    }

    long verifyNanos()
    {
        return verifyNanos;
    }

    long commitNanos()
    {
        return commitNanos;
    }

    long controlNanos()
    {
        return controlNanos;
    }

    double jitter()
    {
        return jitter;
    }

    boolean heartbeats()
    {
        return heartbeats;
    }

    long heartbeatIntervalNanos()
    {
        return heartbeatIntervalNanos;
    }

    int missedHeartbeats()
    {
        return missedHeartbeats;
    }

    int retentionBytes()
    {
        return retentionBytes;
    }

    long retentionMillis()
    {
        return retentionMillis;
    }

    int replayWindowBits()
    {
        return replayWindowBits;
    }

    int linkBudgetBytes()
    {
        return linkBudgetBytes;
    }

    int ringSuccessors()
    {
        return ringSuccessors;
    }

    int ingressRingSize()
    {
        return ingressRingSize;
    }

    int digestPeersPerSecond()
    {
        return digestPeersPerSecond;
    }

    String faults()
    {
        return faults;
    }

    /**
     * @return the CLI arguments that reproduce this configuration.
     */
    public String toArgs()
    {
        return "--members " + members + " --seconds " + seconds + " --seed " + seed + " --rate " + batchesPerSecond +
            " --publishers " + publishers + " --payload " + payloadBytes + " --drain " + drainSeconds +
            " --uplink-mbps " + uplinkMbps + " --retention-kib " + (retentionBytes >> 10) +
            (retentionMillis == 60_000 ? "" : " --retention-seconds " + retentionMillis / 1000.0) +
            (heartbeats ? "" : " --no-heartbeats") +
            (digestPeersPerSecond > 0 ? " --digest-peers " + digestPeersPerSecond : "") + (faults.isEmpty() ? "" : " --faults " + faults);
    }
}
