package io.chainmesh.engine.broadcast;

/**
 * What one peer said is beyond its retention above a mark (a gap above our contiguous mark, or a tail
 * past what peers already said is gone), and since when. The one rule for "a peer says it is gone",
 * for gaps and tails alike: a claim is acted on, only as far as all say, once a second peer says so
 * too (a third if yet another peer offered the range since the first claim: two liars must not outvote a
 * peer that says it holds it); at once when the claimant is our only peer; or when nobody else has offered
 * that range within {@link RepairTimings#unopposedClaim()}. Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class MissClaim<P>
{
    /** No skip decided. */
    static final long KEEP = -1;

    private P from;
    /** A second peer that said so while a third had offered the range: one more is needed. */
    private P second;
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
        return null != from && (peer.equals(from) || peer.equals(second));
    }

    void clear()
    {
        from = null;
        second = null;
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
        if (held && !isFrom(peer))
        {
            if (offeredElsewhere && null == second)
            {
                // Another peer said it holds the range since the first claim: two "gone" may be two liars. Asked of
                // a third peer before anything is skipped (the offerer is asked like any suitable peer).
                second = peer;
                skipTo = Math.min(upTo, skipTo);
                return KEEP;
            }
            // Different peers no longer retain it: lost for good, as far as all say (nothing the one that
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
            second = null;
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
