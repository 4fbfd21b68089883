package io.chainmesh.engine.broadcast;

import org.agrona.collections.Object2LongHashMap;

/**
 * Origin flow control. Owed forwards point into the retention, so a backlog that outgrows it is lost.
 * While a peer that still takes frames is owed more than the high-water mark, this node's own offers
 * are refused (the publisher slows to what the links carry) until every such peer is below the low-water
 * mark; the digests say so ({@link #linksBackedUp()}) and neighbours pause theirs too, since the backlog
 * is made of what they originate as well. A peer that holds publishing back for longer than the
 * slow-peer time is not waited for. A neighbour's "backed up" pauses us for {@link RepairTimings#neighbourPause()},
 * within a budget per neighbour and for all of them together. Commit thread only; the decision is
 * published through {@link OriginPause}.
 *
 * @param <P> how a peer is identified.
 */
final class OriginFlowControl<P>
{
    private final RepairTimings timings;
    private final OriginPause pause;
    private final BroadcastCounters counters;
    private final long owedHighWaterBytes;
    private final long owedLowWaterBytes;
    private final long turnoverHighBytes;
    private final long turnoverLowBytes;
    private final Object2LongHashMap<P> pauseBudgetByNeighbour = new Object2LongHashMap<>(RepairTimings.NEVER);
    private long pauseBudgetOfAll = RepairTimings.NEVER;
    /** Our own forwards are backed up (hysteresis between the water marks); sent to neighbours in digests. */
    private boolean linksBackedUp;
    /** A neighbour said its forwards are backed up: our publishing pauses until then (if set). */
    private long neighbourPauseUntil;
    private boolean neighbourPauseSet;
    private boolean paused;

    /**
     * @param timings        the timings.
     * @param retentionBytes the retention's size, from which the water marks derive.
     * @param pause          where the decision is published.
     * @param counters       counters.
     */
    OriginFlowControl(
        final RepairTimings timings, final long retentionBytes, final OriginPause pause, final BroadcastCounters counters)
    {
        this.timings = timings;
        this.pause = pause;
        this.counters = counters;
        // The marks leave room for what is already in flight when the origin pauses.
        this.owedHighWaterBytes = retentionBytes / 8;
        this.owedLowWaterBytes = retentionBytes / 32;
        this.turnoverHighBytes = retentionBytes / 4;
        this.turnoverLowBytes = retentionBytes / 8;
    }

    /** @return true while our own forwards are backed up (told to neighbours in digests). */
    boolean linksBackedUp()
    {
        return linksBackedUp;
    }

    /** @return true while our own offers are refused. */
    boolean paused()
    {
        return paused;
    }

    /**
     * @param owedTotal forwards owed to all peers.
     * @return true if {@link #update} has anything to decide.
     */
    boolean needsUpdate(final int owedTotal)
    {
        return owedTotal > 0 || paused || linksBackedUp;
    }

    /**
     * Re-decides the pause from the owed queues.
     *
     * @param now           the monotonic clock.
     * @param queues        every peer's owed queue.
     * @param writePosition the retention's write position (how far it has turned over).
     */
    void update(final long now, final Iterable<OwedQueue> queues, final long writePosition)
    {
        boolean aboveHigh = false;
        boolean belowLow = true;
        for (final OwedQueue owed : queues)
        {
            // How far the retention has turned over since the oldest owed batch was retained: once that nears the
            // retention's size the batch is evicted before it can be resent. Measured, so in-flight backlog counts.
            final long turnover = owed.size() == 0 ? 0 : writePosition - owed.firstRetainedMark();
            final boolean high = owed.bytes() > owedHighWaterBytes || owed.size() > OwedQueue.CAPACITY / 2 ||
                turnover > turnoverHighBytes;
            if (owed.size() <= OwedQueue.CAPACITY / 8 && owed.bytes() <= owedLowWaterBytes && turnover <= turnoverLowBytes)
            {
                owed.holdingBackSince = RepairTimings.NEVER;
                owed.slow = false;
                continue;
            }
            if (owed.holdingBackSince == RepairTimings.NEVER && (high || linksBackedUp))
            {
                // From when it holds publishing back (a peer slowly filling towards the mark is not timed).
                owed.holdingBackSince = now;
            }
            if (owed.holdingBackSince != RepairTimings.NEVER && now - owed.holdingBackSince > timings.slowPeer())
            {
                // It cannot keep up even while we publish slower (or takes nothing and its heartbeats have not
                // yet timed out): it is in repair mode and does not hold the others back.
                if (!owed.slow)
                {
                    owed.slow = true;
                    counters.slowPeers.incrementRelease();
                }
                continue;
            }
            aboveHigh |= high;
            belowLow = false;
        }
        if (!linksBackedUp && aboveHigh)
        {
            linksBackedUp = true;
            counters.originPauses.incrementRelease();
        }
        else if (linksBackedUp && belowLow)
        {
            linksBackedUp = false;
        }
        publish(linksBackedUp || neighbourPauseSet && neighbourPauseUntil - now > 0);
    }

    /**
     * A neighbour's forwards are backed up: the backlog is downstream of us, and what we originate is part
     * of what it cannot forward, so we pause ours for a few digest intervals. Honoured for at most the
     * slow-peer time in each pause budget window per neighbour and for all of them together, so neighbours
     * that keep saying so (slow, or lying, or taking turns) cannot stop our publishing for ever.
     *
     * @param from     the neighbour.
     * @param backedUp what its digest said.
     * @param now      the monotonic clock.
     */
    void onNeighbourBackedUp(final P from, final boolean backedUp, final long now)
    {
        if (!backedUp)
        {
            return;
        }
        final long since = budgetStart(pauseBudgetByNeighbour.getValue(from), now);
        pauseBudgetByNeighbour.put(from, since);
        if (now - since > timings.slowPeer())
        {
            return;
        }
        pauseBudgetOfAll = budgetStart(pauseBudgetOfAll, now);
        if (now - pauseBudgetOfAll > timings.slowPeer())
        {
            return;
        }
        neighbourPauseUntil = now + timings.neighbourPause();
        neighbourPauseSet = true;
        if (!paused)
        {
            publish(true);
        }
    }

    /**
     * @param out the port: budgets of neighbours no longer linked are forgotten.
     */
    void forgetDisconnected(final Outbound<P> out)
    {
        if (!pauseBudgetByNeighbour.isEmpty())
        {
            pauseBudgetByNeighbour.keySet().removeIf(peer -> !out.isConnected(peer));
        }
    }

    /** @return when the budget that holds at {@code now} started: {@code since}, or now if none holds. */
    private long budgetStart(final long since, final long now)
    {
        return since == RepairTimings.NEVER || now - since > timings.pauseBudgetWindow() ? now : since;
    }

    private void publish(final boolean paused)
    {
        if (paused != this.paused)
        {
            this.paused = paused;
            pause.set(paused);
        }
    }
}
