package io.chainmesh.engine.broadcast;

/**
 * How many repair frames WANT answers may send this digest interval. Repair must not amplify overload:
 * while this node is saturated (a link refused a forward, or the ingress ring is backed up) repair gets
 * at most {@link #SHARE_DIVISOR 1/2} of the tree forwards sent in the previous interval, plus
 * {@link #FLOOR_FRAMES} so a starved stream still moves; an answer cut by the budget stops like one cut
 * by back pressure, and the requester asks again after its delay. Unsaturated, repair is not limited
 * (a node catching up after a restart takes what the links carry). Commit thread only.
 */
final class RepairBudget
{
    /** Repair frames per interval under saturation at most: tree forwards of the last interval / this. */
    static final int SHARE_DIVISOR = 2;
    /** Repair frames per interval allowed under saturation whatever the tree sent. */
    static final int FLOOR_FRAMES = 64;
    private static final long UNLIMITED = Long.MAX_VALUE;

    private long treeForwards;
    private long allowance = UNLIMITED;

    /** One tree forward was sent. */
    void onTreeForward()
    {
        treeForwards++;
    }

    /**
     * A digest interval begins.
     *
     * @param saturated true if a link refused a forward or the ingress ring is backed up.
     */
    void onInterval(final boolean saturated)
    {
        allowance = saturated ? FLOOR_FRAMES + treeForwards / SHARE_DIVISOR : UNLIMITED;
        treeForwards = 0;
    }

    /** @return true if one more repair frame may be sent now (and counts it). */
    boolean tryTake()
    {
        if (allowance == UNLIMITED)
        {
            return true;
        }
        if (allowance > 0)
        {
            allowance--;
            return true;
        }
        return false;
    }

    /** @return true if the budget limits repair this interval. */
    boolean limited()
    {
        return allowance != UNLIMITED;
    }
}
