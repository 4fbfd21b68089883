package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.control.Want;
import io.chainmesh.codec.control.WantRange;
import io.chainmesh.codec.frame.FrameType;

import java.util.ArrayList;
import java.util.function.BiPredicate;

/**
 * Asks peers for what this node lacks. Per origin, on each peer's digest: a hole below our highest is
 * asked for after {@link RepairTimings#holeDelay()}, a missing tail after {@link RepairTimings#tailDelay()}
 * and only once our highest has stopped moving; a peer past our mark is preferred; on a link that has just
 * come up, at once if our mark has stopped moving (nothing is on its way). A hole is asked for only up to
 * the next batch we hold. An asked range is not asked for again while its answer is arriving, nor before
 * {@link RepairTimings#answerWait} (a few round trips of the asked peer's link) has passed since the answer
 * last moved our mark. A WANT_MISS ("gone here") is taken only as the answer to one of our recent asks and
 * never past what that peer offered; what a peer says is gone is skipped under the one rule of
 * {@link MissClaim}, and where history starts under {@link HistoryFloor}; a peer is asked only for what
 * follows what it said is gone at its end ({@link GoneAtPeers}). A gap stuck for longer than anyone
 * retains is given up. Every loss is counted. Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class RepairRequester<P>
{
    private final RepairTimings timings;
    private final Outbound<P> out;
    private final ControlFrames<P> control;
    private final BroadcastCounters counters;
    private final BiPredicate<P, P> sameOperator;
    private final ArrayList<OriginStream<P>> asked = new ArrayList<>();
    private Want.Builder want;

    RepairRequester(
        final RepairTimings timings, final Outbound<P> out, final ControlFrames<P> control, final BroadcastCounters counters)
    {
        this(timings, out, control, counters, (a, b) -> false);
    }

    /**
     * @param timings      the durations.
     * @param out          the port.
     * @param control      control frame writer.
     * @param counters     counters.
     * @param sameOperator whether two peers are run by one operator: their word on where history starts is one word.
     */
    RepairRequester(
        final RepairTimings timings,
        final Outbound<P> out,
        final ControlFrames<P> control,
        final BroadcastCounters counters,
        final BiPredicate<P, P> sameOperator)
    {
        this.timings = timings;
        this.out = out;
        this.control = control;
        this.counters = counters;
        this.sameOperator = sameOperator;
    }

    /**
     * One origin's entry of a peer's digest. Call {@link #endDigest} after the last.
     *
     * @param from            the peer.
     * @param originId        the origin.
     * @param stream          our state of it.
     * @param theirContiguous the peer's contiguous mark (0: it cannot vouch for its history).
     * @param theirHighest    the peer's highest.
     * @param now             the monotonic clock.
     */
    void onProgress(
        final P from,
        final long originId,
        final OriginStream<P> stream,
        final long theirContiguous,
        final long theirHighest,
        final long now)
    {
        onProgress(from, originId, stream, theirContiguous, theirHighest, false, now);
    }

    /**
     * One origin's entry of a peer's digest. Call {@link #endDigest} after the last.
     *
     * @param from            the peer.
     * @param originId        the origin.
     * @param stream          our state of it.
     * @param theirContiguous the peer's contiguous mark (0: it cannot vouch for its history).
     * @param theirHighest    the peer's highest.
     * @param freshLink       true if it is the peer's first word since its link came up (its full digest).
     * @param now             the monotonic clock.
     */
    void onProgress(
        final P from,
        final long originId,
        final OriginStream<P> stream,
        final long theirContiguous,
        final long theirHighest,
        final boolean freshLink,
        final long now)
    {
        askHistory(from, originId, stream, theirContiguous, now);
        final ReplayWindow window = stream.window;
        if (window.highest() != stream.lastHighest)
        {
            stream.lastHighest = window.highest();
            stream.highestMoved = now;
        }
        long mine = stream.mark();
        if (mine != stream.markSeen)
        {
            stream.markSeen = mine;
            stream.markMovedAt = now;
        }
        if (stream.gapMiss.holds(mine))
        {
            final long saidGone = stream.goneAt.goneUpTo(from, mine);
            final long skipTo;
            if (saidGone > mine && !stream.gapMiss.isFrom(from))
            {
                // Its word from before this claim covers our mark: it is one of the claimants, as far as it said (and
                // no further than it offers), so nothing it still retains is skipped on others' word.
                skipTo = stream.gapMiss.onGone(from, mine, Math.min(saidGone, theirHighest), sameOperator, now);
            }
            else
            {
                // A peer that said it is gone at its end offers it no more, whatever its contiguous mark says.
                final boolean offersGap = theirContiguous > mine && saidGone <= mine;
                skipTo = stream.gapMiss.onDigest(from, offersGap, now,
                    timings.unopposedClaim(out.connectedPeers().length), timings.unopposedClaim(), Long.MAX_VALUE);
            }
            if (skipTo != MissClaim.KEEP)
            {
                skipMissedGap(stream, skipTo);
                mine = window.contiguous();
            }
        }
        if (stream.lostTailUpTo > mine)
        {
            askPastLostTail(from, originId, stream, theirHighest, now);
            return;
        }
        giveUpStuckGap(stream, mine, theirHighest, now);
        askGap(from, originId, stream, mine, theirContiguous, theirHighest, freshLink, now);
    }

    /**
     * Sends the WANT the digest's entries built, if any.
     *
     * @param from the peer whose digest it was.
     */
    void endDigest(final P from)
    {
        if (null != want)
        {
            if (control.send(from, FrameType.WANT, want.build()))
            {
                counters.wantsSent.incrementRelease();
            }
            else
            {
                // Never sent: no answer to wait for, and none to accept.
                for (final OriginStream<P> stream : asked)
                {
                    stream.asks.forgetLast();
                    stream.askedUpTo = -1;
                }
            }
        }
        want = null;
        asked.clear();
    }

    /**
     * A peer says what we asked it for is beyond its retention.
     *
     * @param from   the peer.
     * @param stream our state of the origin, or null if we have none.
     * @param after  the lower bound it answers for.
     * @param oldest the oldest it retains (where the stream it can serve starts).
     * @param now    the monotonic clock.
     */
    void onWantMiss(final P from, final OriginStream<P> stream, final long after, final long oldest, final long now)
    {
        onWantMiss(from, stream, after, oldest, false, now);
    }

    /**
     * A peer says what we asked it for is beyond its retention.
     *
     * @param from       the peer.
     * @param stream     our state of the origin, or null if we have none.
     * @param after      the lower bound it answers for.
     * @param oldest     the oldest it retains (where the stream it can serve starts).
     * @param fromOrigin true if the peer is the origin of that stream (its word on where it starts is final).
     * @param now        the monotonic clock.
     */
    void onWantMiss(
        final P from, final OriginStream<P> stream, final long after, final long oldest, final boolean fromOrigin,
        final long now)
    {
        final long askedUpTo = null == stream || oldest <= 0 || after < 0 ? AskLog.NOT_ASKED :
            stream.asks.upToOfAsk(from, after, now, timings.askRemembered());
        if (askedUpTo == AskLog.NOT_ASKED)
        {
            // Not an answer to a WANT of ours (a late one past what we remember, or a peer trying to make us skip
            // what others still retain): ignored.
            counters.wantMissUnasked.incrementRelease();
            return;
        }
        // Never beyond what that peer said it had: it cannot make us skip batches it never claimed.
        final long skipTo = Math.min(oldest - 1, askedUpTo);
        if (after == 0)
        {
            // Not on our only peer's word: a member coming back links one peer at a time, and the first may lie.
            onHistoryFloor(from, stream, skipTo, askedUpTo, fromOrigin, now);
            return;
        }
        // A peer asked only past what it said before (GoneAtPeers) speaks, word after word, of the whole range from
        // where it was first asked: that joined word is its claim on our mark or tail.
        final long saidFrom = stream.goneAt.record(from, after, oldest - 1);
        final long mine = stream.window.contiguous();
        final long tail = stream.lostTailUpTo;
        if (tail > mine && after >= tail && saidFrom <= tail && skipTo > tail)
        {
            // Past the tail already said to be gone, more is gone at the peer we asked: the claim grows under the
            // rule of any gap, and that peer is not asked again meanwhile.
            final long extendTo = stream.tailMiss.onGone(from, tail, skipTo, sameOperator, now);
            if (extendTo != MissClaim.KEEP)
            {
                extendLostTail(stream, extendTo);
            }
            return;
        }
        if (skipTo <= mine || saidFrom > mine)
        {
            return;
        }
        final long gapTo = stream.gapMiss.onGone(from, mine, skipTo, sameOperator, now);
        if (gapTo != MissClaim.KEEP)
        {
            skipMissedGap(stream, gapTo);
        }
        else if (stream.gapMiss.isFrom(from))
        {
            // Its answer is in ("gone here"): nothing is on its way, and another peer may still hold it. The next
            // ask goes to another peer after one delay, not after the backoff of an unanswered ask.
            stream.askedUpTo = -1;
            stream.lastAskMark = Long.MIN_VALUE;
            stream.askBackoff = 1;
        }
    }

    /**
     * A batch above our highest was committed: a tail peers said was gone is given up below it.
     *
     * @param stream        the origin's state.
     * @param batchSeq      the batch.
     * @param highestBefore our highest before it.
     */
    void onCommitted(final OriginStream<P> stream, final long batchSeq, final long highestBefore)
    {
        if (stream.lostTailUpTo >= 0 && batchSeq > highestBefore)
        {
            // What lies below it, up to the claim, is lost; anything between the claim and the batch is an
            // ordinary hole, repaired as any other.
            counters.lostBeyondRetention.getAndAddRelease(
                stream.window.skipTo(Math.min(stream.lostTailUpTo, batchSeq - 1)));
            stream.lostTailUpTo = -1;
            stream.tailMiss.clear();
            stream.gapMiss.clear();
        }
    }

    /**
     * A batch that came from a peer was committed: the batch a peer named as where its history starts, served by it,
     * backs its floor ({@link HistoryFloor}).
     *
     * @param from     the peer it came from.
     * @param stream   the origin's state.
     * @param batchSeq the batch.
     */
    void onCommittedFrom(final P from, final OriginStream<P> stream, final long batchSeq)
    {
        if (null != from && stream.phase() == OriginStream.Phase.HISTORY_UNKNOWN &&
            stream.historyClaims.served(from, batchSeq, stream.historyLimit))
        {
            stream.lowerHistoryTo(stream.historyClaims.lowest());
            stream.settleWhereStarted();
        }
    }

    /**
     * Where the stream a peer can serve starts (not a loss: history from before we joined). Taken under the rule of
     * {@link HistoryFloor}: one peer's word only lowers where we wait from; two independent peers settle it.
     */
    private void onHistoryFloor(
        final P from,
        final OriginStream<P> stream,
        final long lastNotOwed,
        final long askedUpTo,
        final boolean finalWord,
        final long now)
    {
        final HistoryFloor<P> claims = stream.historyClaims;
        final boolean confirmed = claims.claim(from, lastNotOwed, askedUpTo, finalWord,
            stream.window.highest() < 0 ? -1 : stream.historyLimit, sameOperator, now);
        if (stream.window.highest() < 0)
        {
            // Nothing committed yet: the first commit starts the window at the floor if confirmed by then, else it
            // waits from the lowest claim and keeps asking where history starts.
            if (confirmed)
            {
                stream.floor = claims.lowest();
            }
            return;
        }
        if (stream.phase() == OriginStream.Phase.HISTORY_UNKNOWN)
        {
            stream.lowerHistoryTo(claims.lowest());
            if (confirmed)
            {
                stream.settleWhereStarted();
            }
        }
    }

    private void askHistory(
        final P from, final long originId, final OriginStream<P> stream, final long theirContiguous, final long now)
    {
        if (stream.phase() != OriginStream.Phase.HISTORY_UNKNOWN)
        {
            return;
        }
        if (now - stream.historyUnknownSince > timings.historyWait())
        {
            stream.settleWhereStarted();
            return;
        }
        final HistoryFloor<P> claims = stream.historyClaims;
        final P other = claims.otherAsked();
        if (claims.confirmUnopposed(now, timings.unopposedClaim(),
            timings.answerWait(timings.holeDelay(), null == other ? -1 : out.rttNanos(other))))
        {
            stream.settleWhereStarted();
            return;
        }
        final long first = stream.window.first();
        if (claims.claimedBy(from, sameOperator))
        {
            // Its word is in; only another operator's can confirm it.
            return;
        }
        if (theirContiguous >= first - 1 && RepairTimings.elapsed(now, stream.lastHistoryWant, timings.holeDelay()))
        {
            if (claims.lowest() != HistoryFloor.NONE)
            {
                claims.askedOther(from, now);
            }
            // Where does what they retain start? Asked of a peer that has settled everything up to our first batch;
            // the answer (WANT_MISS with the oldest retained, then the batches, oldest first) moves our window's
            // start down to it. Asked again until it comes.
            stream.lastHistoryWant = now;
            ask(from, originId, stream, 0, first - 1, now);
        }
    }

    private void askPastLostTail(
        final P from, final long originId, final OriginStream<P> stream, final long theirHighest, final long now)
    {
        // Told it is gone: asked for again only from past that point, once the stream has gone on beyond it (so the
        // answer is what follows, not another "gone" that would count against us).
        final long tail = stream.lostTailUpTo;
        if (stream.tailMiss.holds(tail))
        {
            final long extendTo = stream.tailMiss.onDigest(from,
                theirHighest > tail && !stream.goneAt.saidGoneAfter(from, tail), now,
                timings.unopposedClaim(out.connectedPeers().length), timings.unopposedClaim(), timings.offerTrusted());
            if (extendTo != MissClaim.KEEP)
            {
                extendLostTail(stream, extendTo);
            }
        }
        // A peer that said more is gone at its end is asked only for what follows that.
        final long askFrom = Math.max(stream.lostTailUpTo, stream.goneAt.goneUpTo(from, stream.lostTailUpTo));
        if (theirHighest > askFrom && !stream.tailMiss.isFrom(from) &&
            RepairTimings.elapsed(now, stream.lastWant, timings.holeDelay()))
        {
            stream.lastWant = now;
            ask(from, originId, stream, askFrom, theirHighest, now);
        }
    }

    private void askGap(
        final P from,
        final long originId,
        final OriginStream<P> stream,
        final long mine,
        final long theirContiguous,
        final long theirHighest,
        final boolean freshLink,
        final long now)
    {
        if (theirHighest <= mine || theirHighest <= 0)
        {
            // Not ahead of us, which says nothing about the peers that are: the timer keeps running (resetting it
            // here let peers as far behind as we are postpone repair for ever).
            return;
        }
        final boolean started = stream.window.highest() >= 0;
        // A link that has just come up (e.g. a partition healed) carried nothing to us yet, and our own stream has
        // stopped moving: what it offers is not on its way. Waiting a repair delay would only age it towards the
        // edge of everyone's retention.
        // Not while it is our only link (a member coming back links one peer at a time): that peer should not be the
        // one asked first just because its link came up first (a liar's "gone" would start its claim's clock before
        // the peers that link next had their turn).
        final boolean freshAndStalled = freshLink && started && out.connectedPeers().length > 1 &&
            RepairTimings.elapsed(now, stream.markMovedAt, timings.holeDelay()) &&
            RepairTimings.elapsed(now, stream.highestMoved, timings.holeDelay());
        if (stream.behindSince == RepairTimings.NEVER || mine >= stream.behindTarget)
        {
            // Under steady traffic an upstream peer is always a little ahead: time how long one specific sequence
            // stays missing, not how long we have been behind at all.
            stream.behindSince = now;
            stream.behindTarget = theirHighest;
            if (!freshAndStalled)
            {
                return;
            }
        }
        final boolean hole = stream.window.highest() > mine;
        final long delay = hole ? timings.holeDelay() : timings.tailDelay();
        if (!hole && started && now - stream.highestMoved < delay && !freshAndStalled)
        {
            // Behind only by a tail while the stream still reaches us: under load that is latency, not loss, and
            // asking for it again would add to the load (repair storms). Asked once it stalls.
            return;
        }
        final boolean suitable = theirContiguous > mine;
        // Asked from this mark before and it has not moved: the answer may be queued behind a backlog. Ask less often,
        // not louder (each re-ask waits twice as long, up to RepairTimings.MAX_BACKOFF times the delay).
        final boolean again = stream.lastAskMark == mine;
        final long backoff = again ? Math.min(2 * stream.askBackoff, RepairTimings.MAX_BACKOFF) : 1;
        long wait = delay * backoff;
        long since = stream.lastWant;
        if (stream.askedUpTo > mine && stream.lastWant != RepairTimings.NEVER && out.isConnected(stream.askedPeer))
        {
            // What we asked for is not all in: its answer may still be on its way over a long link, or arriving.
            // Left to it for a few round trips of that link, counted from the last time it moved our mark.
            wait = timings.answerWait(wait, out.rttNanos(stream.askedPeer));
            since = Math.max(since, stream.markMovedAt);
        }
        if ((freshAndStalled || now - stream.behindSince >= delay) && RepairTimings.elapsed(now, since, wait) &&
            (suitable || RepairTimings.elapsed(now, since, RepairTimings.preferSuitable(wait))))
        {
            // Worked out only when it would be asked (finding the next batch we hold walks the window). A hole is
            // asked for only up to the next batch we hold: the rest of the range would come twice.
            final long upTo = hole ? Math.min(theirHighest, stream.window.nextCommittedAbove(mine) - 1) : theirHighest;
            // It told us it no longer retains what follows our mark up to here: asked only for what follows that.
            final long askFrom = Math.max(Math.max(0, mine), stream.goneAt.goneUpTo(from, mine));
            if (askFrom >= upTo || askFrom <= mine && stream.gapMiss.holds(mine) && stream.gapMiss.isFrom(from))
            {
                // Asking it again would only get the same answer (and get us closed for asking beyond retention).
                // Other peers are asked; a claim nobody opposes is taken in time.
                return;
            }
            stream.askBackoff = backoff;
            stream.lastAskMark = mine;
            stream.lastWant = now;
            stream.askedPeer = from;
            stream.askedUpTo = upTo;
            ask(from, originId, stream, askFrom, upTo, now);
        }
    }

    /**
     * A gap that has not moved for longer than anyone retains batches cannot be filled any more (e.g. a peer
     * answered with batches above it but nobody holds it): give it up, counted as lost.
     */
    private void giveUpStuckGap(final OriginStream<P> stream, final long mine, final long theirHighest, final long now)
    {
        if (stream.window.highest() <= mine)
        {
            stream.stuckAt = -1;
            return;
        }
        if (theirHighest <= mine)
        {
            // A peer as far behind says nothing about the gap: keep timing it.
            return;
        }
        if (stream.stuckAt != mine)
        {
            stream.stuckAt = mine;
            stream.stuckSince = now;
        }
        else if (now - stream.stuckSince > timings.stuckGap())
        {
            counters.lostBeyondRetention.getAndAddRelease(stream.window.skipGap());
            stream.stuckAt = -1;
        }
    }

    private void skipMissedGap(final OriginStream<P> stream, final long skipTo)
    {
        final boolean tail = skipTo > stream.window.highest();
        counters.lostBeyondRetention.getAndAddRelease(stream.window.skipTo(skipTo));
        if (tail)
        {
            // A tail: beyond our highest, how far it is gone is only a claim until a verified batch above it shows up
            // (the peer that said so serves what it still has right after): given up then, up to below that batch.
            // Meanwhile the same range is not asked for again (asking is what gets an honest laggard closed); the
            // narrower claim of two wins.
            stream.lostTailUpTo = stream.lostTailUpTo >= 0 ? Math.min(stream.lostTailUpTo, skipTo) : skipTo;
            stream.tailMiss.clear();
        }
        stream.gapMiss.clear();
    }

    private void extendLostTail(final OriginStream<P> stream, final long upTo)
    {
        stream.lostTailUpTo = Math.max(stream.lostTailUpTo, upTo);
        stream.tailMiss.clear();
    }

    private void ask(
        final P from, final long originId, final OriginStream<P> stream, final long after, final long upTo, final long now)
    {
        want = null == want ? Want.newBuilder() : want;
        want.addRanges(WantRange.newBuilder().setOriginId(originId).setAfterSeq(after).setUpToSeq(upTo));
        stream.asks.ask(from, after, upTo, now);
        asked.add(stream);
    }
}
