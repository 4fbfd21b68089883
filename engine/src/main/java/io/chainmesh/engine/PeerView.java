package io.chainmesh.engine;

import io.chainmesh.chain.MemberId;
import io.chainmesh.engine.transport.Link;

import java.net.InetSocketAddress;

/**
 * An immutable snapshot of one link, as reported by {@link ChainmeshNode#peers()}.
 *
 * @param member        the peer (null before its HELLO).
 * @param remoteAddress the peer's socket address.
 * @param localAddress  this end's socket address.
 * @param direction     who dialled.
 * @param state         link state.
 * @param rttLastNs     latest heartbeat RTT in ns, -1 if none yet.
 * @param rttEwmaNs     smoothed heartbeat RTT in ns, -1 if none yet.
 * @param bytesIn       bytes received since authentication.
 * @param bytesOut      bytes sent since authentication.
 * @param queuedBytes   bytes waiting in the link's outbound queue.
 */
public record PeerView(
    MemberId member,
    InetSocketAddress remoteAddress,
    InetSocketAddress localAddress,
    Direction direction,
    State state,
    long rttLastNs,
    long rttEwmaNs,
    long bytesIn,
    long bytesOut,
    int queuedBytes)
{
    /** Who opened the connection. */
    public enum Direction
    {
        /** This node dialled. */
        OUTBOUND,
        /** The peer dialled. */
        INBOUND
    }

    /** Link state. */
    public enum State
    {
        /** Authenticated, not yet registered. */
        AUTHENTICATED,
        /** Registered, carrying traffic. */
        ACTIVE,
        /** Closed or closing. */
        CLOSED
    }

    /**
     * Reads a link's identity, state and statistics as they are now.
     *
     * @param link a registered link.
     * @return its snapshot.
     */
    static PeerView of(final Link link)
    {
        return new PeerView(
            link.remoteId(),
            link.remoteAddress(),
            link.localAddress(),
            link.outbound() ? Direction.OUTBOUND : Direction.INBOUND,
            State.valueOf(link.state().name()),
            link.heartbeat().rttLastNs(),
            link.heartbeat().rttEwmaNs(),
            link.bytesIn(),
            link.bytesOut(),
            link.queuedBytes());
    }
}
