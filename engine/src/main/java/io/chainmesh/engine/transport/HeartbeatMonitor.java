package io.chainmesh.engine.transport;

import io.chainmesh.codec.ping.PingDescriptor;

/**
 * Heartbeat bookkeeping of one link, free of IO so it can be tested with a fake clock. A PING is only sent when
 * the link was silent: each tick, if anything came from the peer since the previous one (any frame, its PINGs and
 * PONGs included, or it took bytes queued for it), nothing is sent and nothing is counted; otherwise the tick is
 * silent and a PING goes out, and the peer is declared dead at the {@code missedBeforeDead}-th silent tick in a row
 * (the second at least, so a PING always had a whole interval to be answered): with 3, after 3 silent intervals,
 * 3 to 4 intervals after the last frame heard. On an idle link the two ends thus take turns (a PING heard counts as life for the
 * end that reads it, so it does not PING back), and a busy link carries no heartbeats at all but one PING every
 * {@link #RTT_SAMPLE_TICKS} ticks for the RTT figures. A PONG that echoes the outstanding ping id yields an RTT
 * sample (last and EWMA with weight 1/8), measured from the send time this monitor recorded for that PING: the
 * PONG carries only the id, so the peer cannot make the RTT look shorter or longer than it is by more than it can
 * delay its answer. Ping ids are the u32 of the wire and wrap around from 2^32 - 1 to 0.
 * <p>
 * Owned by the link's IO thread; {@link #rttLastNs()} and {@link #rttEwmaNs()} may be read from others.
 */
public final class HeartbeatMonitor
{
    /** While the peer is heard every tick, one PING per this many ticks still samples the RTT. */
    public static final int RTT_SAMPLE_TICKS = 32;

    /** What a tick asks the link to do. */
    public enum Action
    {
        /** Nothing: the peer was heard since the previous tick. */
        NONE,
        /** Send a PING with {@link #pingId()}; the tick's time is recorded as its send time. */
        SEND_PING,
        /** Too many PINGs unanswered: close the link. */
        DEAD
    }

    private final int missedBeforeDead;
    private long pingId;
    private long outstandingPingId = -1;
    private long outstandingSentNs;
    private int silentTicks;
    private int ticksSincePing;
    private boolean answeredSinceTick;
    private volatile long rttLastNs = -1;
    private volatile long rttEwmaNs = -1;

    /**
     * @param missedBeforeDead unanswered PINGs after which the peer is considered dead.
     */
    public HeartbeatMonitor(final int missedBeforeDead)
    {
        this(missedBeforeDead, 0);
    }

    HeartbeatMonitor(final int missedBeforeDead, final long lastPingId)
    {
        this.missedBeforeDead = missedBeforeDead;
        this.pingId = lastPingId & PingDescriptor.PING_ID_MASK;
    }

    /**
     * A tick with no other sign of the peer's life than PONGs to our PINGs.
     *
     * @param nowNs the tick's time, on the clock {@link #onPong(long, long)} is given.
     * @return what to do at this heartbeat tick.
     */
    public Action onTick(final long nowNs)
    {
        return onTick(false, nowNs);
    }

    /**
     * A tick: see the class comment.
     *
     * @param heard whether the peer was heard since the previous tick (any frame read from it, or bytes it took).
     * @param nowNs the tick's time, on the clock {@link #onPong(long, long)} is given.
     * @return what to do at this heartbeat tick.
     */
    public Action onTick(final boolean heard, final long nowNs)
    {
        return onTick(heard, false, nowNs);
    }

    /**
     * A tick that may have run late, right after the previous one (an event loop catching up on fixed-rate ticks):
     * such a tick had no chance to see an answer, so it neither counts a miss nor sends another PING. Only a peer
     * actually heard clears the misses counted so far, so a silent peer cannot live forever on a loop that keeps
     * running its ticks in bursts.
     *
     * @param heard    whether the peer was heard since the previous tick (any frame read from it, or bytes it took).
     * @param lateTick whether this tick ran too soon after the previous one to judge the peer.
     * @param nowNs    the tick's time, on the clock {@link #onPong(long, long)} is given: the send time of the PING
     *                 this tick may ask for.
     * @return what to do at this heartbeat tick.
     */
    public Action onTick(final boolean heard, final boolean lateTick, final long nowNs)
    {
        ticksSincePing++;
        if (heard || answeredSinceTick)
        {
            answeredSinceTick = false;
            silentTicks = 0;
            outstandingPingId = -1;
            return ticksSincePing >= RTT_SAMPLE_TICKS && !lateTick ? ping(nowNs) : Action.NONE;
        }
        if (lateTick)
        {
            return Action.NONE;
        }
        if (++silentTicks >= missedBeforeDead && silentTicks >= 2)
        {
            return Action.DEAD;
        }
        return ping(nowNs);
    }

    private Action ping(final long nowNs)
    {
        ticksSincePing = 0;
        pingId = (pingId + 1) & PingDescriptor.PING_ID_MASK;
        outstandingPingId = pingId;
        outstandingSentNs = nowNs;
        return Action.SEND_PING;
    }

    /**
     * @return id to put in the PING asked for by the latest tick, 0 to 2^32 - 1.
     */
    public long pingId()
    {
        return pingId;
    }

    /**
     * A PONG arrived. Only the one echoing the outstanding PING counts; its RTT is measured from the send time
     * recorded at the tick that asked for that PING.
     *
     * @param echoedPingId ping id in the PONG (only its low 32 bits are compared, as on the wire).
     * @param nowNs        now, on the clock the ticks were given.
     * @return true if it answered the outstanding ping (then {@link #rttLastNs()} is its RTT).
     */
    public boolean onPong(final long echoedPingId, final long nowNs)
    {
        if ((echoedPingId & PingDescriptor.PING_ID_MASK) != outstandingPingId || nowNs < outstandingSentNs)
        {
            return false;
        }
        outstandingPingId = -1;
        silentTicks = 0;
        answeredSinceTick = true;
        final long rtt = nowNs - outstandingSentNs;
        rttLastNs = rtt;
        final long ewma = rttEwmaNs;
        rttEwmaNs = ewma < 0 ? rtt : ewma + ((rtt - ewma) >> 3);
        return true;
    }

    /**
     * @return consecutive silent ticks (each sent a PING that nothing answered since).
     */
    public int missed()
    {
        return silentTicks;
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
