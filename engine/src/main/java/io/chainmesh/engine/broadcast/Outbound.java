package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.control.CloseReason;
import org.agrona.DirectBuffer;

/**
 * The commit stage's only way out: frames to peers, and closing a peer. The repair and flow-control
 * objects know peers only as {@code P} (compared with {@code equals}), so they never depend on how a
 * peer is identified; the commit stage adapts the engine's {@link LinkSender} to it, and unit tests use
 * a recording port with plain names.
 * <p>
 * Called only from the commit thread. {@link #send} copies the frame and never blocks.
 *
 * @param <P> how a peer is identified.
 */
interface Outbound<P>
{
    /**
     * @param peer   destination.
     * @param frame  buffer holding the whole frame.
     * @param offset where it starts.
     * @param length its length.
     * @return {@link LinkSender#SENT}, {@link LinkSender#NOT_CONNECTED} or {@link LinkSender#BACK_PRESSURED}.
     */
    int send(P peer, DirectBuffer frame, int offset, int length);

    /** @return the peers linked now; the caller must not modify the array. */
    P[] connectedPeers();

    /**
     * @param peer a peer.
     * @return true if it is linked now.
     */
    boolean isConnected(P peer);

    /**
     * @param peer a peer.
     * @return its smoothed heartbeat RTT in nanoseconds, or -1 if unknown (see {@link LinkSender#rttNanos}).
     */
    default long rttNanos(final P peer)
    {
        return -1;
    }

    /**
     * @param peer   the peer.
     * @param reason why, sent to it.
     * @param text   detail.
     */
    void closePeer(P peer, CloseReason reason, String text);
}
