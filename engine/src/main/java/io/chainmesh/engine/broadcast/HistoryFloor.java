package io.chainmesh.engine.broadcast;

import java.util.function.BiPredicate;

/**
 * Where peers say an origin's retained history starts, for a member that joined the stream mid-way (first
 * start or restart from nothing). A floor says "nothing below this can be had": taken from one peer, a liar
 * could make us skip what honest peers still retain. So a floor claim only ever lowers where we wait from (safe:
 * we wait for more, and a gap nobody fills is given up under the gap rules); it settles where history starts,
 * at the lowest floor claimed: once a second, independent peer (another operator) has said so too, if one of the
 * two named a floor inside the range we asked it for and below our first batch and then served the batch it named;
 * once a third independent peer has said so otherwise; at once when the claimant is the origin itself; or when it
 * stands unopposed: another peer that vouches for the history was asked, was left time to answer ({@link
 * RepairTimings#answerWait}) and said nothing (it had not settled its own), and the claim is {@link
 * RepairTimings#unopposedClaim()} old. Nobody else to ask while anything could be retained settles it too ({@link
 * RepairTimings#historyWait()}).
 * <p>
 * Why a named floor needs its batch: any number a peer puts in its answer costs it nothing, so a word alone is the
 * word of a liar as much as of an honest peer. "All of what you asked for is gone" is what a liar says to anything,
 * and so is a floor that only echoes the bound it was asked up to (or any other number under it): two such words
 * from two operators are what two liars say. An honest peer that names a floor inside the range serves the batches
 * from there, oldest first, right after its answer: the batch it named, received from it, is what a liar that does
 * not hold the history cannot give. Until it comes the claim waits for a third word like any other (a cut answer
 * only delays settling: the floor already lowered where we wait from). Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class HistoryFloor<P>
{
    /** No claim yet. */
    static final long NONE = Long.MAX_VALUE;

    private P claimant;
    /** A second independent claimant: a third is needed unless one of the two served the floor it named. */
    private P second;
    private long lowest = NONE;
    /** The floor (last sequence not owed) the claimant named inside what we asked it for, or NONE. */
    private long claimantNamed = NONE;
    /** The floor the second claimant named inside what we asked it for, or NONE. */
    private long secondNamed = NONE;
    /** The lowest floor a claimant named and then served the batch above it of, or NONE. */
    private long lowestServed = NONE;
    private boolean confirmed;
    private long since;
    private P otherAsked;
    private long otherAskedAt = RepairTimings.NEVER;

    /**
     * A peer answered our WANT from 0 with where what it retains starts.
     *
     * @param peer       who said so.
     * @param lastNotOwed the last sequence not to wait for by its word (its oldest retained less one, capped at
     *                    what we asked it for).
     * @param askedUpTo    the upper bound of the WANT it answers: a floor at or above it says only "none of what you
     *                     asked for is here", which is what a liar says to anything.
     * @param finalWord    true if its word needs no second: it is the origin itself.
     * @param beforeFirst  the sequence below the first batch we committed (-1 if none yet): unless one of two peers
     *                     named a floor below it inside what it was asked for and served the batch it named, both say
     *                     no more than two liars would, so a third peer must say it too.
     * @param sameOperator whether two peers are run by one operator (then they are not independent).
     * @param now          the monotonic clock.
     * @return true if the floor is confirmed now (by this claim or before).
     */
    boolean claim(
        final P peer,
        final long lastNotOwed,
        final long askedUpTo,
        final boolean finalWord,
        final long beforeFirst,
        final BiPredicate<P, P> sameOperator,
        final long now)
    {
        lowest = Math.min(lowest, lastNotOwed);
        final long named = lastNotOwed < askedUpTo ? lastNotOwed : NONE;
        if (null == claimant)
        {
            claimant = peer;
            claimantNamed = named;
            since = now;
        }
        else if (!claimedBy(peer, sameOperator))
        {
            if (null != second)
            {
                confirmed = true;
            }
            else
            {
                second = peer;
                secondNamed = named;
            }
        }
        confirmed |= finalWord || servedBelow(beforeFirst);
        return confirmed;
    }

    /**
     * A batch of the origin came from a peer and was committed: if it is the batch a claimant named as the oldest it
     * retains, its floor is backed by what an honest peer gives.
     *
     * @param peer        who sent it.
     * @param batchSeq    the batch.
     * @param beforeFirst the sequence below the first batch we committed (-1 if none yet).
     * @return true if the floor is confirmed now (by this batch or before).
     */
    boolean served(final P peer, final long batchSeq, final long beforeFirst)
    {
        if (null != claimant && claimantNamed != NONE && batchSeq == claimantNamed + 1 && peer.equals(claimant))
        {
            lowestServed = Math.min(lowestServed, claimantNamed);
        }
        else if (null != second && secondNamed != NONE && batchSeq == secondNamed + 1 && peer.equals(second))
        {
            lowestServed = Math.min(lowestServed, secondNamed);
        }
        confirmed |= servedBelow(beforeFirst);
        return confirmed;
    }

    /** @return true if two operators claimed a floor and one of them served the floor it named, below our first. */
    private boolean servedBelow(final long beforeFirst)
    {
        return null != second && beforeFirst >= 0 && lowestServed < beforeFirst;
    }

    /**
     * Where history starts was asked of a peer other than the claimant: the first such answer is waited for (a
     * peer that vouches for everything below our first batch has settled its history and answers with its floor;
     * later asks do not push the wait back, or peers that cannot answer would hold the claim for ever).
     *
     * @param peer the peer asked.
     * @param now  the monotonic clock.
     */
    void askedOther(final P peer, final long now)
    {
        if (otherAskedAt == RepairTimings.NEVER)
        {
            otherAsked = peer;
            otherAskedAt = now;
        }
    }

    /** @return the peer last asked besides the claimant, or null. */
    P otherAsked()
    {
        return otherAsked;
    }

    /**
     * @param now        the monotonic clock.
     * @param unopposed  how long a claim waits for another word.
     * @param answerWait how long the answer of the other peer asked is waited for.
     * @return true if a claim stands, unconfirmed, and nobody has opposed it in time: it is confirmed now (not once a
     *         second peer said nothing of what it was asked for is there: that takes a third word, not silence).
     */
    boolean confirmUnopposed(final long now, final long unopposed, final long answerWait)
    {
        if (null == claimant || null != second || confirmed || otherAskedAt == RepairTimings.NEVER ||
            now - since < unopposed || now - otherAskedAt < answerWait)
        {
            return false;
        }
        confirmed = true;
        return true;
    }

    /** @return the lowest floor claimed (the last sequence not to wait for), or {@link #NONE}. */
    long lowest()
    {
        return lowest;
    }

    /**
     * @param peer         a peer.
     * @param sameOperator whether two peers are run by one operator.
     * @return true if that peer (or one of its operator's) already claimed a floor: its word cannot confirm it.
     */
    boolean claimedBy(final P peer, final BiPredicate<P, P> sameOperator)
    {
        return null != claimant && (peer.equals(claimant) || sameOperator.test(peer, claimant)) ||
            null != second && (peer.equals(second) || sameOperator.test(peer, second));
    }
}
