package io.chainmesh.engine.broadcast;

/**
 * One origin's stream as this node holds it: the replay window, where its history starts, and the
 * repair requester's per-origin state (gap timers, asks, claims of peers that said part of it is gone).
 * Commit thread only; the window alone is also read by verify workers through {@link SeenWindows}.
 *
 * @param <P> how a peer is identified.
 */
final class OriginStream<P>
{
    /** Where the stream's start stands. */
    enum Phase
    {
        /** Nothing committed yet (a peer may have told us a {@link #floor}). */
        UNSTARTED,
        /** The first commit came from the tree, mid-stream: waiting for a peer to say where history starts. */
        HISTORY_UNKNOWN,
        /** We know where the stream we hold starts (we are the origin, a peer told us, or nobody could). */
        SETTLED
    }

    final ReplayWindow window;
    private Phase phase = Phase.UNSTARTED;
    long historyUnknownSince;
    long lastHistoryWant = RepairTimings.NEVER;
    /** Batches at or below this are history: delivered, not forwarded. */
    long historyLimit = -1;
    /** Learnt (WANT_MISS) before the first commit: the last sequence not to wait for (-1: none). */
    long floor = -1;

    /** Where peers said the retained history starts, until two independent ones agree. */
    final HistoryFloor<P> historyClaims = new HistoryFloor<>();

    final AskLog<P> asks = new AskLog<>();
    /** Peers that said part of this stream is gone at their end: not asked for it again. */
    final GoneAtPeers<P> goneAt = new GoneAtPeers<>();
    /** Who the last gap or tail WANT went to and how far it asked: an answer is on its way until the mark passes it. */
    P askedPeer;
    long askedUpTo = -1;
    /** Our mark as last seen by a digest, and when it last moved: an answer is arriving while it moves. */
    long markSeen = Long.MIN_VALUE;
    long markMovedAt = RepairTimings.NEVER;
    /** One peer said the gap above our contiguous mark is beyond its retention. */
    final MissClaim<P> gapMiss = new MissClaim<>();
    /** Peers said the tail above our highest is gone up to here (-1: none). */
    long lostTailUpTo = -1;
    /** One peer said that past {@link #lostTailUpTo} more is gone: unconfirmed. */
    final MissClaim<P> tailMiss = new MissClaim<>();
    /** When we first saw a peer ahead of us for {@link #behindTarget}. */
    long behindSince = RepairTimings.NEVER;
    long behindTarget;
    long lastWant = RepairTimings.NEVER;
    /** Our mark when a gap was last asked for, and how many delays a re-ask from the same mark waits (1, 2, 4...). */
    long lastAskMark = Long.MIN_VALUE;
    long askBackoff = 1;
    /** Contiguous mark last seen stuck, and since when (-1: none): a gap stuck longer than retention is given up. */
    long stuckAt = -1;
    long stuckSince;
    /** Our highest as last seen by a digest, and when it last moved: a tail is in flight while it moves. */
    long lastHighest = -1;
    long highestMoved = RepairTimings.NEVER;

    /** The highest any linked peer last said it has (-1: none): while above our mark, peers' word is replayed. */
    long bestOffered = -1;
    /** What our digests last said of this stream, and in which digest interval that changed. */
    long advertisedContiguous = -1;
    long advertisedHighest = -1;
    long changedEpoch;

    OriginStream(final int windowBits)
    {
        window = new ReplayWindow(windowBits);
    }

    Phase phase()
    {
        return phase;
    }

    /**
     * The first batch of this origin committed here.
     *
     * @param batchSeq its sequence.
     * @param remote   true if it came from a peer (not our own).
     * @param now      the monotonic clock.
     */
    void onFirstCommit(final long batchSeq, final boolean remote, final long now)
    {
        if (!remote)
        {
            phase = Phase.SETTLED;
            return;
        }
        historyLimit = Math.max(historyLimit, batchSeq - 1);
        if (floor >= 0)
        {
            // A peer already said where what it retains starts: wait for everything from there. That history
            // comes by repair, for us only: not forwarded (our children fetch their own).
            window.rebase(floor);
            phase = Phase.SETTLED;
        }
        else
        {
            // Joined this origin's stream mid-way (first start or restart): ask where its retained history starts.
            // One peer's unconfirmed word can only make us wait for more, never skip.
            phase = Phase.HISTORY_UNKNOWN;
            historyUnknownSince = now;
            lowerHistoryTo(historyClaims.lowest());
        }
    }

    /**
     * A peer said history can be had from above {@code lastNotOwed}: we wait from there if that is lower than
     * where we do (it may be a lie; lowering only makes us wait for more, and a gap nobody fills is given up
     * under the gap rules). Until our history is settled only.
     *
     * @param lastNotOwed the last sequence not to wait for.
     */
    void lowerHistoryTo(final long lastNotOwed)
    {
        if (phase == Phase.HISTORY_UNKNOWN && lastNotOwed != HistoryFloor.NONE)
        {
            window.rebase(Math.min(lastNotOwed, window.first() - 1));
        }
    }

    /** Nobody who knows where the stream starts answered while anything could be retained: start where we did. */
    void settleWhereStarted()
    {
        phase = Phase.SETTLED;
    }


    /** @return our contiguous mark as peers may take it: 0 until we know where our history starts. */
    long vouchedContiguous()
    {
        // Until we know where our history starts, we cannot vouch for anything below our highest: 0 keeps peers
        // from taking our history floor (or our holes) for the stream's.
        return phase == Phase.HISTORY_UNKNOWN ? 0 : window.contiguous();
    }

    /**
     * @return true if peers' word on this origin can still lead to a decision (we lack something they
     *         offered, a hole, a claim or our history is pending), so it is replayed each interval.
     */
    boolean wantsPeersWord()
    {
        return bestOffered > mark() || window.highest() > window.contiguous() || phase == Phase.HISTORY_UNKNOWN ||
            gapMiss.standing() || tailMiss.standing() || lostTailUpTo >= 0;
    }

    /** @return our contiguous mark, or the floor a peer told us before anything was committed. */
    long mark()
    {
        return window.highest() >= 0 ? window.contiguous() : floor;
    }
}
