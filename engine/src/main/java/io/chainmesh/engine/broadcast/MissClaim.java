package io.chainmesh.engine.broadcast;

/**
 * What one peer said is beyond its retention above a mark (a gap above our contiguous mark, or a tail
 * past what peers already said is gone), and since when. The one rule for "a peer says it is gone",
 * for gaps and tails alike: a claim is acted on, only as far as both say, once a second peer says so
 * too; at once when the claimant is our only peer; or when nobody else has offered that range within
 * {@link RepairTimings#unopposedClaim()}. Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class MissClaim<P>
{
    /** No skip decided. */
    static final long KEEP = -1;

    private P from;
    private long at = -1;
    /** Where it said what it retains starts, capped at what it said it had. */
    private long skipTo;
    private long since;
    /** Another peer said it has what lies above {@link #at} since: we wait for its answer. */
    private boolean offeredElsewhere;

    /**
     * @param mark a mark (our contiguous mark, or a tail claim's end).
     * @return true if a peer's claim stands for it.
     */
    boolean holds(final long mark)
    {
        return null != from && at == mark;
    }

    /** @return true if a claim stands, whatever its mark. */
    boolean standing()
    {
        return null != from;
    }

    /**
     * @param peer a peer.
     * @return true if a claim stands and that peer made it.
     */
    boolean isFrom(final P peer)
    {
        return null != from && peer.equals(from);
    }

    void clear()
    {
        from = null;
        at = -1;
    }

    /**
     * A peer answered a WANT from {@code mark} with "gone up to {@code upTo}".
     *
     * @param peer     who said so.
     * @param mark     the mark it was asked from.
     * @param upTo     how far it says it is gone (capped at what it said it had).
     * @param onlyPeer true if it is our only linked peer.
     * @param now      the monotonic clock.
     * @return how far to skip now, or {@link #KEEP} (recorded, or the same peer saying it again).
     */
    long onGone(final P peer, final long mark, final long upTo, final boolean onlyPeer, final long now)
    {
        final boolean held = holds(mark);
        if (held && !peer.equals(from))
        {
            // Two different peers no longer retain it: lost for good, as far as both say (nothing the one that
            // retains more still has is skipped).
            return Math.min(upTo, skipTo);
        }
        if (onlyPeer)
        {
            return upTo;
        }
        if (!held)
        {
            // One peer said so: another may still have it.
            from = peer;
            at = mark;
            skipTo = upTo;
            since = now;
            offeredElsewhere = false;
        }
        return KEEP;
    }

    /**
     * A digest from a peer while the claim {@link #holds} stands.
     *
     * @param peer           who sent it.
     * @param offersPast     true if it offers what lies past the mark.
     * @param now            the monotonic clock.
     * @param unopposed      how long the claim waits for another offer.
     * @param offerTrusted   how long an offer from another peer is waited for.
     * @return how far to skip now, or {@link #KEEP}.
     */
    long onDigest(final P peer, final boolean offersPast, final long now, final long unopposed, final long offerTrusted)
    {
        final long age = now - since;
        if (!peer.equals(from) && offersPast && age <= offerTrusted)
        {
            offeredElsewhere = true;
            return KEEP;
        }
        if (!offeredElsewhere && age >= unopposed || age > offerTrusted)
        {
            // Nobody else has offered it since, or whoever did has not delivered while anything could still be
            // retained.
            return skipTo;
        }
        return KEEP;
    }
}
