package io.chainmesh.engine.broadcast;

import java.util.concurrent.TimeUnit;

/**
 * Every duration the repair and flow-control rules use, in nanoseconds of the commit stage's monotonic
 * clock, each derived once from the configured intervals with the reason for its multiple.
 *
 * @param repairInterval     how often digests go out.
 * @param holeDelay          a sequence missing below our highest is lost (per-origin delivery along the
 *                           tree is FIFO): asked for after one repair delay.
 * @param tailDelay          a missing tail may be in flight behind a backlog: asked for after 4 repair
 *                           delays, and only once our highest has stopped moving that long.
 * @param unopposedClaim     a peer's "gone" stands when nobody else offers that range within 2 repair
 *                           delays (one delay for the digest that would show it, one for its WANT), and no
 *                           sooner than every linked peer had its turn to tell us its changes ({@link
 *                           #unopposedClaim(int)}).
 * @param offerTrusted       a peer that offered a tail somebody said is gone is waited for while anything
 *                           could still be retained: retention plus the 4 repair delays of a tail.
 * @param stuckGap           a gap that has not moved while anything could be retained cannot be filled:
 *                           retention plus 4 repair delays (the slowest ask and its answer).
 * @param historyWait        nobody told us where an origin's stream starts while anything could still be
 *                           retained: we start where we did.
 * @param askRemembered      how long a WANT is worth an answer (a WANT_MISS): retention.
 * @param neighbourPause     a neighbour's "backed up" pauses our publishing for 3 digest intervals, so one
 *                           lost or late digest does not end the pause.
 * @param slowPeer           a peer holding publishing back for longer is not waited for.
 * @param pauseBudgetWindow  neighbours may pause us for at most {@code slowPeer} in each 2 x slowPeer.
 * @param digestTurn         peers tell their changes in turn, this long apart (a second over
 *                           {@code digestPeersPerSecond}): a peer's word of us may be as old as one turn per link.
 */
record RepairTimings(
    long repairInterval,
    long holeDelay,
    long tailDelay,
    long unopposedClaim,
    long offerTrusted,
    long stuckGap,
    long historyWait,
    long askRemembered,
    long neighbourPause,
    long slowPeer,
    long pauseBudgetWindow,
    long digestTurn)
{
    /** The engine's default number of peers told our changes per second. */
    static final int DEFAULT_DIGEST_PEERS_PER_SECOND = 3;

    /**
     * A gap asked for again from the same mark waits up to this many times its delay: its answer may be queued
     * behind a backlog, and asking again would add to the load (repair storms under CPU starvation).
     */
    static final long MAX_BACKOFF = 8;

    /**
     * An answer is waited for at least this many round trips of the link it comes over (the WANT's way out, the
     * answer's way back, and the answer's own length behind it) before the range is asked for again.
     */
    static final long ANSWER_ROUND_TRIPS = 2;

    /** A time that never happened: {@link #elapsed} is true for it whatever the clock reads. */
    static final long NEVER = Long.MIN_VALUE;

    /**
     * @param repairIntervalMillis digest interval.
     * @param repairDelayMillis    repair delay.
     * @param retentionMillis      how long batches are retained.
     * @param slowPeerMillis       how long a backed-up peer is waited for.
     * @return the derived timings.
     */
    static RepairTimings of(
        final long repairIntervalMillis, final long repairDelayMillis, final long retentionMillis, final long slowPeerMillis)
    {
        return of(repairIntervalMillis, repairDelayMillis, retentionMillis, slowPeerMillis,
            DEFAULT_DIGEST_PEERS_PER_SECOND);
    }

    /**
     * @param repairIntervalMillis digest interval.
     * @param repairDelayMillis    repair delay.
     * @param retentionMillis      how long batches are retained.
     * @param slowPeerMillis       how long a backed-up peer is waited for.
     * @param digestPeersPerSecond peers told our changes per second, in turn.
     * @return the derived timings.
     */
    static RepairTimings of(
        final long repairIntervalMillis,
        final long repairDelayMillis,
        final long retentionMillis,
        final long slowPeerMillis,
        final int digestPeersPerSecond)
    {
        final long delay = TimeUnit.MILLISECONDS.toNanos(repairDelayMillis);
        final long retention = TimeUnit.MILLISECONDS.toNanos(retentionMillis);
        final long slow = TimeUnit.MILLISECONDS.toNanos(slowPeerMillis);
        final long interval = TimeUnit.MILLISECONDS.toNanos(repairIntervalMillis);
        return new RepairTimings(interval, delay, 4 * delay, 2 * delay, retention + 4 * delay, retention + 4 * delay,
            retention, retention, 3 * interval, slow, 2 * slow, TimeUnit.SECONDS.toNanos(1) / digestPeersPerSecond);
    }

    /**
     * How long one peer's "gone" waits for another peer's offer before it stands: {@link #unopposedClaim()}, and
     * at least until every linked peer had its turn to tell us its changes. Peers tell their changes in turn, a few
     * a second, so the word we hold of most of them is seconds old: that none of them offered the range within two
     * delays says nothing (a liar's "gone" would make us skip what they received since).
     *
     * @param links how many peers we are linked to.
     * @return the wait.
     */
    long unopposedClaim(final int links)
    {
        return Math.max(unopposedClaim, links * digestTurn);
    }

    /**
     * @param delay the delay before asking a peer whose contiguous mark is past ours.
     * @return the delay before asking a peer that is not (it may serve only part): twice as long, so a better
     *         placed peer's digest gets the first chance.
     */
    static long preferSuitable(final long delay)
    {
        return 2 * delay;
    }

    /**
     * How long an asked range is left to its answer before it is asked for again: the fixed wait, or
     * {@link #ANSWER_ROUND_TRIPS} round trips of the asked peer's link plus one digest interval (the
     * answer's progress is seen at digest granularity) if longer; never more than {@link #MAX_BACKOFF} hole
     * delays, so a silent peer is left for another within that.
     *
     * @param fixedWait the wait the rules give without the link's RTT.
     * @param rttNanos  the asked peer's heartbeat RTT, or a negative number if unknown.
     * @return the wait.
     */
    long answerWait(final long fixedWait, final long rttNanos)
    {
        if (rttNanos <= 0)
        {
            return fixedWait;
        }
        final long byLink = Math.min(ANSWER_ROUND_TRIPS * rttNanos + repairInterval, MAX_BACKOFF * holeDelay);
        return Math.max(fixedWait, byLink);
    }

    /**
     * @param now      the clock now.
     * @param since    when it started, or {@link #NEVER}.
     * @param duration how long.
     * @return true if at least {@code duration} has passed since {@code since}, or it never started.
     */
    static boolean elapsed(final long now, final long since, final long duration)
    {
        return since == NEVER || now - since >= duration;
    }
}
