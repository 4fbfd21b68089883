package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.chain.MemberId;
import io.chainmesh.engine.Status;
import org.agrona.DirectBuffer;

/**
 * The port through which the broadcast pipeline reaches authenticated peers: implemented by the
 * engine's link layer over Netty, and by in-process links in tests.
 * <p>
 * Called only from the pipeline's commit thread. {@link #send} copies the frame, so the caller may
 * reuse its buffer at once; it never blocks.
 */
public interface LinkSender
{
    /** {@link #send} result: queued for the peer ({@link Status#OK}). */
    int SENT = (int)Status.OK;
    /** {@link #send} result: no authenticated link to that peer ({@link Status#NOT_CONNECTED}). */
    int NOT_CONNECTED = (int)Status.NOT_CONNECTED;
    /** {@link #send} result: the peer's outbound budget is full ({@link Status#BACK_PRESSURED}); it catches up by repair. */
    int BACK_PRESSURED = (int)Status.BACK_PRESSURED;

    /**
     * Queues a whole frame for a peer.
     *
     * @param peer   destination.
     * @param frame  buffer holding the frame.
     * @param offset where it starts.
     * @param length its length.
     * @return {@link #SENT}, {@link #NOT_CONNECTED} or {@link #BACK_PRESSURED}.
     */
    int send(MemberId peer, DirectBuffer frame, int offset, int length);

    /**
     * Flushes what was queued since the last flush; called once per batch of pipeline events.
     */
    void flush();

    /**
     * @return the peers with an authenticated link now; an array the caller must not modify, replaced
     *         (not mutated) when links change so it can be read without copying.
     */
    MemberId[] connectedPeers();

    /**
     * @param peer a peer.
     * @return true if it has an authenticated link now (by default: it is among {@link #connectedPeers()}).
     */
    default boolean isConnected(final MemberId peer)
    {
        for (final MemberId connected : connectedPeers())
        {
            if (connected.equals(peer))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The round-trip time the link's heartbeats measure to a peer: repair waits for an answer at least this
     * long before asking again, so a long link is not asked twice while the first answer is on its way.
     *
     * @param peer a peer.
     * @return its smoothed heartbeat RTT in nanoseconds, or -1 if not linked or not measured yet (the default).
     */
    default long rttNanos(final MemberId peer)
    {
        return -1;
    }

    /**
     * Closes the link to a peer with a reason it will receive.
     *
     * @param peer   the peer.
     * @param reason why.
     * @param text   detail for the peer and the logs.
     */
    void closePeer(MemberId peer, CloseReason reason, String text);
}
