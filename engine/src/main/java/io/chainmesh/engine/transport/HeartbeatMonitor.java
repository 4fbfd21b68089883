package io.chainmesh.engine.transport;

/**
 * Heartbeat bookkeeping of one link, free of IO so it can be tested with a fake clock: each tick either
 * asks for a PING or declares the peer dead after {@code missedBeforeDead} unanswered ones in a row during which
 * the peer showed no other sign of life either; a PONG that echoes the outstanding ping id yields an RTT sample
 * (last and EWMA with weight 1/8).
 * <p>
 * Owned by the link's IO thread; {@link #rttLastNs()} and {@link #rttEwmaNs()} may be read from others.
 */
public final class HeartbeatMonitor
{
    /** What a tick asks the link to do. */
    public enum Action
    {
        /** Send a PING with {@link #pingId()} and the tick's time. */
        SEND_PING,
        /** Too many PINGs unanswered: close the link. */
        DEAD
    }

    private final int missedBeforeDead;
    private long pingId;
    private long outstandingPingId = -1;
    private int missed;
    private volatile long rttLastNs = -1;
    private volatile long rttEwmaNs = -1;

    /**
     * @param missedBeforeDead unanswered PINGs after which the peer is considered dead.
     */
    public HeartbeatMonitor(final int missedBeforeDead)
    {
        this.missedBeforeDead = missedBeforeDead;
    }

    /**
     * @return what to do at this heartbeat tick, with no other sign of the peer's life than its PONGs.
     */
    public Action onTick()
    {
        return onTick(false);
    }

    /**
     * A tick: an unanswered PING is a miss unless the peer showed life otherwise since the previous tick (it sent
     * frames, so its PONG may be queued behind them; it took bytes queued for it, so our PING may be behind them).
     * Only {@code missedBeforeDead} consecutive ticks without any sign declare it dead.
     *
     * @param peerShowedLife whether the peer showed life since the previous tick other than by a PONG.
     * @return what to do at this heartbeat tick.
     */
    public Action onTick(final boolean peerShowedLife)
    {
        return onTick(peerShowedLife, false);
    }

    /**
     * A tick that may have run late, right after the previous one (an event loop catching up on fixed-rate ticks):
     * such a tick had no chance to see an answer, so it neither counts a miss nor clears the misses counted so far.
     * Clearing them would let a silent peer live forever on a loop that keeps running its ticks in bursts.
     *
     * @param peerShowedLife whether the peer showed life since the previous tick other than by a PONG.
     * @param lateTick       whether this tick ran too soon after the previous one to judge the peer.
     * @return what to do at this heartbeat tick.
     */
    public Action onTick(final boolean peerShowedLife, final boolean lateTick)
    {
        if (outstandingPingId >= 0)
        {
            if (peerShowedLife)
            {
                missed = 0;
            }
            else if (!lateTick && ++missed >= missedBeforeDead)
            {
                return Action.DEAD;
            }
        }
        outstandingPingId = ++pingId;
        return Action.SEND_PING;
    }

    /**
     * @return id to put in the PING asked for by the latest tick.
     */
    public long pingId()
    {
        return pingId;
    }

    /**
     * @param echoedPingId  ping id in the PONG.
     * @param echoedSendNs  send time in the PONG (our clock).
     * @param nowNs         now, same clock.
     * @return true if it answered the outstanding ping.
     */
    public boolean onPong(final long echoedPingId, final long echoedSendNs, final long nowNs)
    {
        if (echoedPingId != outstandingPingId || echoedSendNs > nowNs)
        {
            return false;
        }
        outstandingPingId = -1;
        missed = 0;
        final long rtt = nowNs - echoedSendNs;
        rttLastNs = rtt;
        final long ewma = rttEwmaNs;
        rttEwmaNs = ewma < 0 ? rtt : ewma + ((rtt - ewma) >> 3);
        return true;
    }

    /**
     * @return consecutive unanswered PINGs.
     */
    public int missed()
    {
        return missed;
    }

    /**
     * @return the latest RTT sample in ns, or -1 if none yet.
     */
    public long rttLastNs()
    {
        return rttLastNs;
    }

    /**
     * @return the smoothed RTT in ns, or -1 if none yet.
     */
    public long rttEwmaNs()
    {
        return rttEwmaNs;
    }
}
