package io.chainmesh.sim;

/**
 * The faults of a run, parsed from a short text; who is hit and when is drawn from the run's seed.
 * Comma-separated items (times in simulated seconds, shares of the listed members):
 * <pre>
 *   down=2%                  listed but down from the start (never up)
 *   crash=5%@10-40+5         each crashes at a time drawn in [10 s, 40 s] and restarts 5 s later,
 *                            every other one with its state kept, the rest from nothing
 *   partition=30%@20+60      that share is cut off from the rest at 20 s, healed at 80 s
 *   slow=1%                  uplink at the slow rate (SimConfig.uplink)
 *   kill=1@20                that many hosts vanish at 20 s and stay down (no reset reaches their peers:
 *                            links to them close on missed heartbeats)
 *   churn=0.5%@30+2          at each block (every 30 s) that share of the listed members leaves the list and as
 *                            many new members join it; each member sees the block 0-2 s after it is found
 *                            (drawn per member and block); "churn=0.5%" takes a 30 s block and 2 s of skew
 *   quit=1                   with churn: that many publishers leave the list at the first block (one of the
 *                            block's leavers), so what becomes of a leaver's batches is measured
 *   forge=3@5                from 5 s, that many byzantine members send each of their peers a forged batch
 *                            (a publisher's origin, a real batch's payload changed, not its signature) each second
 *   lie=5                    that many byzantine members answer every WANT with a WANT_MISS saying it is all gone
 *   narrow=5                 that many byzantine members forward every batch with an explicit range narrower than
 *                            the one the tree gives the receiver
 *   flood=3@2/20             from 2 s, that many byzantine members send each of their peers a WANT for everything
 *                            of every publisher, 20 times a second ("/20" is the default)
 *   replay=3@4               from 4 s, that many byzantine members re-send each of their peers the oldest genuine
 *                            batches they hold, a round each second
 * </pre>
 * Publishers are never picked: what is measured is what happens to their batches.
 *
 * @param downShare      share down from the start.
 * @param crashShare     share that crashes and restarts.
 * @param crashFrom      earliest crash, seconds.
 * @param crashTo        latest crash, seconds.
 * @param crashDowntime  seconds down before the restart.
 * @param partitionShare share on the minority side.
 * @param partitionAt    when the partition starts, seconds.
 * @param partitionFor   how long it lasts, seconds.
 * @param slowShare      share with a slow uplink.
 * @param kills          members that die and stay down.
 * @param killAt         when they die, seconds.
 * @param forgers        byzantine members sending forged batches.
 * @param forgeFrom      when they start, seconds.
 * @param liars          byzantine members lying in WANT_MISS.
 * @param churnShare     share of the listed members leaving (and as many joining) at each block.
 * @param blockSeconds   seconds between blocks.
 * @param skewSeconds    longest delay between a block and a member seeing it.
 * @param narrowers      byzantine members forwarding with too narrow a range.
 * @param flooders       byzantine members flooding WANTs.
 * @param floodFrom      when they start, seconds.
 * @param floodPerSecond WANT rounds per second per flooder.
 * @param replayers      byzantine members re-sending old genuine batches.
 * @param replayFrom     when they start, seconds.
 * @param quitters       publishers leaving the list at the first block.
 */
record FaultPlan(
    double downShare,
    double crashShare,
    double crashFrom,
    double crashTo,
    double crashDowntime,
    double partitionShare,
    double partitionAt,
    double partitionFor,
    double slowShare,
    int kills,
    double killAt,
    int forgers,
    double forgeFrom,
    int liars,
    double churnShare,
    double blockSeconds,
    double skewSeconds,
    int narrowers,
    int flooders,
    double floodFrom,
    double floodPerSecond,
    int replayers,
    double replayFrom,
    int quitters)
{
    /** Flux's block interval (FluxOS refetches the list at most once per block). */
    static final double DEFAULT_BLOCK_SECONDS = 30;
    static final double DEFAULT_SKEW_SECONDS = 2;
    static final double DEFAULT_FLOOD_PER_SECOND = 20;
    static final FaultPlan NONE = new Builder().build();

    /**
     * @param text the plan, e.g. {@code down=2%,crash=5%@10-40+5,partition=30%@20+60}; empty for none.
     * @return the plan.
     * @throws IllegalArgumentException naming the item that does not parse.
     */
    static FaultPlan parse(final String text)
    {
        final Builder plan = new Builder();
        if (null == text || text.isBlank())
        {
            return plan.build();
        }
        for (final String item : text.split(","))
        {
            final int eq = item.indexOf('=');
            if (eq < 0)
            {
                throw new IllegalArgumentException("fault '" + item + "' is not name=value");
            }
            try
            {
                plan.with(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
            }
            catch (final RuntimeException ex)
            {
                throw new IllegalArgumentException("fault '" + item + "' does not parse: " + ex.getMessage(), ex);
            }
        }
        return plan.build();
    }

    /** @return true if membership changes at block boundaries. */
    boolean churns()
    {
        return churnShare > 0;
    }

    private static final class Builder
    {
        double downShare;
        double crashShare;
        double crashFrom;
        double crashTo;
        double crashDowntime;
        double partitionShare;
        double partitionAt;
        double partitionFor;
        double slowShare;
        int kills;
        double killAt;
        int forgers;
        double forgeFrom;
        int liars;
        double churnShare;
        double blockSeconds = DEFAULT_BLOCK_SECONDS;
        double skewSeconds = DEFAULT_SKEW_SECONDS;
        int narrowers;
        int flooders;
        double floodFrom;
        double floodPerSecond = DEFAULT_FLOOD_PER_SECOND;
        int replayers;
        double replayFrom;
        int quitters;

        void with(final String name, final String value)
        {
            switch (name)
            {
                case "down":
                    downShare = share(value);
                    break;
                case "crash":
                {
                    final String[] shareWhen = value.split("@");
                    final String[] windowDown = shareWhen[1].split("\\+");
                    final String[] window = windowDown[0].split("-");
                    crashShare = share(shareWhen[0]);
                    crashFrom = Double.parseDouble(window[0]);
                    crashTo = Double.parseDouble(window[1]);
                    crashDowntime = Double.parseDouble(windowDown[1]);
                    break;
                }
                case "partition":
                {
                    final String[] shareWhen = value.split("@");
                    final String[] atFor = shareWhen[1].split("\\+");
                    partitionShare = share(shareWhen[0]);
                    partitionAt = Double.parseDouble(atFor[0]);
                    partitionFor = Double.parseDouble(atFor[1]);
                    break;
                }
                case "slow":
                    slowShare = share(value);
                    break;
                case "kill":
                {
                    final String[] countAt = value.split("@");
                    kills = count(countAt[0]);
                    killAt = Double.parseDouble(countAt[1]);
                    break;
                }
                case "churn":
                {
                    final String[] shareWhen = value.split("@");
                    churnShare = share(shareWhen[0]);
                    if (shareWhen.length > 1)
                    {
                        final String[] blockSkew = shareWhen[1].split("\\+");
                        blockSeconds = positive(blockSkew[0]);
                        skewSeconds = blockSkew.length > 1 ? Double.parseDouble(blockSkew[1]) : DEFAULT_SKEW_SECONDS;
                        if (skewSeconds < 0 || skewSeconds >= blockSeconds)
                        {
                            throw new IllegalArgumentException("skew " + skewSeconds + " s must be in [0, block time)");
                        }
                    }
                    break;
                }
                case "forge":
                {
                    final String[] countAt = value.split("@");
                    forgers = count(countAt[0]);
                    forgeFrom = Double.parseDouble(countAt[1]);
                    break;
                }
                case "lie":
                    liars = count(value);
                    break;
                case "quit":
                    quitters = count(value);
                    break;
                case "narrow":
                    narrowers = count(value);
                    break;
                case "flood":
                {
                    final String[] countAt = value.split("@");
                    final String[] atRate = countAt[1].split("/");
                    flooders = count(countAt[0]);
                    floodFrom = Double.parseDouble(atRate[0]);
                    floodPerSecond = atRate.length > 1 ? positive(atRate[1]) : DEFAULT_FLOOD_PER_SECOND;
                    break;
                }
                case "replay":
                {
                    final String[] countAt = value.split("@");
                    replayers = count(countAt[0]);
                    replayFrom = Double.parseDouble(countAt[1]);
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown fault '" + name + "'");
            }
        }

        FaultPlan build()
        {
            return new FaultPlan(downShare, crashShare, crashFrom, crashTo, crashDowntime, partitionShare, partitionAt,
                partitionFor, slowShare, kills, killAt, forgers, forgeFrom, liars, churnShare, blockSeconds, skewSeconds,
                narrowers, flooders, floodFrom, floodPerSecond, replayers, replayFrom, quitters);
        }
    }

    private static int count(final String text)
    {
        final int value = Integer.parseInt(text);
        if (value < 0)
        {
            throw new IllegalArgumentException("count " + text + " must be >= 0");
        }
        return value;
    }

    private static double positive(final String text)
    {
        final double value = Double.parseDouble(text);
        if (!(value > 0) || Double.isInfinite(value))
        {
            throw new IllegalArgumentException(text + " must be a positive number");
        }
        return value;
    }

    private static double share(final String percent)
    {
        final double value = Double.parseDouble(percent.endsWith("%") ? percent.substring(0, percent.length() - 1) : percent);
        if (value < 0 || value > 50)
        {
            throw new IllegalArgumentException("share " + percent + " must be in [0%, 50%]");
        }
        return value / 100.0;
    }
}
