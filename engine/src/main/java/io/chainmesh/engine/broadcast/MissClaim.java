package io.chainmesh.engine.broadcast;

import java.util.Arrays;
import java.util.function.BiPredicate;

/**
 * What peers said is beyond their retention above a mark (a gap above our contiguous mark, or a tail past what peers
 * already said is gone), and since when. The one rule for "a peer says it is gone", for gaps and tails alike: a claim
 * is acted on, only as far as all claimants say, when a peer of a second operator says so too and nobody else offered
 * that range since the first claim; and once anybody else did, only when claimants of two operators said so and no peer
 * but the claimants has offered it for {@link RepairTimings#unopposedClaim()} after the latest claim (every peer that
 * says it holds it is asked before it is skipped, however many liars answer first). Members of one operator share a
 * key, so their claims are one voice: one operator's peers never skip a gap on their own word sooner than one claimant
 * would. One voice with nobody else offering the range waits {@link RepairTimings#unopposedClaim(int)} (two delays, and
 * every linked peer's turn to tell us its changes), even when the claimant is our only peer: a member coming back links
 * one peer at a time, and the first to link may lie about what the peers linking next still hold. The claimants are
 * remembered, up to {@link #CLAIMANTS} (more than a member's links: a claimant forgotten would count as offering the
 * range again and hold the claim).
 * <p>
 * An offer is a peer's word, and it counts however slowly the peer serves: a peer that offers the range and never
 * serves it holds the claim until the gap is given up as stuck (older than retention), a delay and never a loss. Its
 * standing is not taken away for unanswered asks, since an honest offerer's answers can be cut short by its own
 * repair budget, which other askers share, and taking its offer away would leave a lone claimant's word standing.
 * Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class MissClaim<P>
{
    /** No skip decided. */
    static final long KEEP = -1;

    /** Claimants remembered per claim; the array is made on the first claim and grows to this. */
    static final int CLAIMANTS = 128;
    private static final int FIRST_CAPACITY = 4;

    private Object[] claimants;
    private int count;
    /** Claimants of distinct operators: members of one operator are one voice. */
    private int voices;
    private long at = -1;
    /** Where they said what they retain starts, capped at what each said it had: the lowest of them. */
    private long skipTo;
    private long since;
    private long lastClaim;
    /** Another peer said it has what lies above {@link #at} since the first claim. */
    private boolean offeredElsewhere;
    private long lastOffer = RepairTimings.NEVER;

    /**
     * @param mark a mark (our contiguous mark, or a tail claim's end).
     * @return true if a peer's claim stands for it.
     */
    boolean holds(final long mark)
    {
        return count > 0 && at == mark;
    }

    /** @return true if a claim stands, whatever its mark. */
    boolean standing()
    {
        return count > 0;
    }

    /**
     * @param peer a peer.
     * @return true if a claim stands and that peer made it or said so too.
     */
    boolean isFrom(final P peer)
    {
        for (int i = 0; i < Math.min(count, null == claimants ? 0 : claimants.length); i++)
        {
            if (peer.equals(claimants[i]))
            {
                return true;
            }
        }
        return false;
    }

    void clear()
    {
        if (null != claimants)
        {
            Arrays.fill(claimants, null);
        }
        count = 0;
        voices = 0;
        at = -1;
    }

    /**
     * A peer answered a WANT from {@code mark} with "gone up to {@code upTo}".
     *
     * @param peer         who said so.
     * @param mark         the mark it was asked from.
     * @param upTo         how far it says it is gone (capped at what it said it had).
     * @param sameOperator whether two peers are run by one operator (then their claims are one voice).
     * @param now          the monotonic clock.
     * @return how far to skip now, or {@link #KEEP} (recorded, or the same peer saying it again).
     */
    long onGone(
        final P peer,
        final long mark,
        final long upTo,
        final BiPredicate<P, P> sameOperator,
        final long now)
    {
        final boolean held = holds(mark);
        if (held && isFrom(peer))
        {
            return KEEP;
        }
        if (held)
        {
            final boolean newVoice = !voicedBy(peer, sameOperator);
            remember(peer);
            if (newVoice)
            {
                voices++;
            }
            skipTo = Math.min(upTo, skipTo);
            lastClaim = now;
            if (newVoice && !offeredElsewhere)
            {
                // Two operators no longer retain it and nobody else said it holds it: lost for good, as far as all
                // say (nothing the one that retains more still has is skipped).
                return skipTo;
            }
            // Somebody else said it holds it since the first claim: two "gone" may be two liars (or more). Decided
            // once no peer but the claimants offers it any more; the offerers are asked meanwhile.
            return KEEP;
        }
        // One peer said so, our only peer too: another may still have it (a member coming back links one peer at a
        // time, and the peers that link after the first may hold what it says is gone).
        clear();
        remember(peer);
        voices = 1;
        at = mark;
        skipTo = upTo;
        since = now;
        lastClaim = now;
        offeredElsewhere = false;
        lastOffer = RepairTimings.NEVER;
        return KEEP;
    }

    /**
     * A digest from a peer while the claim {@link #holds} stands.
     *
     * @param peer           who sent it.
     * @param offersPast     true if it offers what lies past the mark.
     * @param now            the monotonic clock.
     * @param everyPeersTurn how long a claim nobody else offered against waits: every peer's turn to offer it.
     * @param noMoreOffers   how long after the latest claim no peer but the claimants may offer the range before a
     *                       claim others offered against is taken.
     * @param offerTrusted   how long an offer from another peer is waited for.
     * @return how far to skip now, or {@link #KEEP}.
     */
    long onDigest(
        final P peer,
        final boolean offersPast,
        final long now,
        final long everyPeersTurn,
        final long noMoreOffers,
        final long offerTrusted)
    {
        final long age = now - since;
        if (age > offerTrusted)
        {
            // Whoever offered it has not delivered while anything could still be retained.
            return skipTo;
        }
        if (offersPast && !isFrom(peer))
        {
            offeredElsewhere = true;
            lastOffer = now;
            return KEEP;
        }
        if (!offeredElsewhere)
        {
            // Nobody else has offered it since, while every peer had its turn to.
            return age >= everyPeersTurn ? skipTo : KEEP;
        }
        // Offered elsewhere: taken once two or more say it is gone and no peer but them has offered it since the
        // latest of them said so (each peer's word is replayed every interval, so an offer still standing shows).
        return voices >= 2 && lastOffer < lastClaim && now - lastClaim >= noMoreOffers ? skipTo : KEEP;
    }

    private boolean voicedBy(final P peer, final BiPredicate<P, P> sameOperator)
    {
        for (int i = 0; i < Math.min(count, null == claimants ? 0 : claimants.length); i++)
        {
            final P claimant = claimant(i);
            if (peer.equals(claimant) || sameOperator.test(peer, claimant))
            {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private P claimant(final int i)
    {
        return (P)claimants[i];
    }

    private void remember(final P peer)
    {
        if (null == claimants)
        {
            claimants = new Object[FIRST_CAPACITY];
        }
        else if (count == claimants.length && count < CLAIMANTS)
        {
            claimants = Arrays.copyOf(claimants, 2 * count);
        }
        claimants[count % claimants.length] = peer;
        count++;
    }
}
