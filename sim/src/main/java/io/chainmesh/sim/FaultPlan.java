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
 *   forge=3@5                from 5 s, that many byzantine members send each of their peers a forged batch
 *                            (a publisher's origin, a real batch's payload changed, not its signature) each second
 *   lie=5                    that many byzantine members answer every WANT with a WANT_MISS saying it is all gone
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
    int liars)
{
    static final FaultPlan NONE = new FaultPlan(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /**
     * @param text the plan, e.g. {@code down=2%,crash=5%@10-40+5,partition=30%@20+60}; empty for none.
     * @return the plan.
     * @throws IllegalArgumentException naming the item that does not parse.
     */
    static FaultPlan parse(final String text)
    {
        FaultPlan plan = NONE;
        if (null == text || text.isBlank())
        {
            return plan;
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
                plan = plan.with(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
            }
            catch (final RuntimeException ex)
            {
                throw new IllegalArgumentException("fault '" + item + "' does not parse: " + ex.getMessage(), ex);
            }
        }
        return plan;
    }

    private FaultPlan with(final String name, final String value)
    {
        switch (name)
        {
            case "down":
                return new FaultPlan(share(value), crashShare, crashFrom, crashTo, crashDowntime, partitionShare,
                    partitionAt, partitionFor, slowShare, kills, killAt, forgers, forgeFrom, liars);
            case "crash":
            {
                final String[] shareWhen = value.split("@");
                final String[] windowDown = shareWhen[1].split("\\+");
                final String[] window = windowDown[0].split("-");
                return new FaultPlan(downShare, share(shareWhen[0]), Double.parseDouble(window[0]),
                    Double.parseDouble(window[1]), Double.parseDouble(windowDown[1]), partitionShare, partitionAt,
                    partitionFor, slowShare, kills, killAt, forgers, forgeFrom, liars);
            }
            case "partition":
            {
                final String[] shareWhen = value.split("@");
                final String[] atFor = shareWhen[1].split("\\+");
                return new FaultPlan(downShare, crashShare, crashFrom, crashTo, crashDowntime, share(shareWhen[0]),
                    Double.parseDouble(atFor[0]), Double.parseDouble(atFor[1]), slowShare, kills, killAt, forgers,
                    forgeFrom, liars);
            }
            case "slow":
                return new FaultPlan(downShare, crashShare, crashFrom, crashTo, crashDowntime, partitionShare,
                    partitionAt, partitionFor, share(value), kills, killAt, forgers, forgeFrom, liars);
            case "kill":
            {
                final String[] countAt = value.split("@");
                return new FaultPlan(downShare, crashShare, crashFrom, crashTo, crashDowntime, partitionShare,
                    partitionAt, partitionFor, slowShare, Integer.parseInt(countAt[0]), Double.parseDouble(countAt[1]),
                    forgers, forgeFrom, liars);
            }
            case "forge":
            {
                final String[] countAt = value.split("@");
                return new FaultPlan(downShare, crashShare, crashFrom, crashTo, crashDowntime, partitionShare,
                    partitionAt, partitionFor, slowShare, kills, killAt, Integer.parseInt(countAt[0]),
                    Double.parseDouble(countAt[1]), liars);
            }
            case "lie":
                return new FaultPlan(downShare, crashShare, crashFrom, crashTo, crashDowntime, partitionShare,
                    partitionAt, partitionFor, slowShare, kills, killAt, forgers, forgeFrom, Integer.parseInt(value));
            default:
                throw new IllegalArgumentException("unknown fault '" + name + "'");
        }
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
