package io.chainmesh.engine.transport;

import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.chain.MemberId;
import io.chainmesh.engine.overlay.OverlayView;
import io.netty.buffer.ByteBuf;
import org.agrona.MutableDirectBuffer;

/**
 * What the transport tells the node about its links. Implemented by the engine's connection manager
 * and direct-message router; every method is called on the IO thread of the channel concerned and must
 * not block (implementations hop to their own thread with {@code execute}).
 */
public interface LinkEvents
{
    /**
     * @return the latest overlay view, to admit a peer during the handshake.
     */
    OverlayView view();

    /**
     * The handshake succeeded; the link is authenticated but not yet registered.
     *
     * @param link the new link.
     */
    void onAuthenticated(Link link);

    /**
     * A registered or pending link's channel closed.
     *
     * @param link the link.
     */
    void onLinkClosed(Link link);

    /**
     * The peer closed the handshake with a reason (we received its CLOSE before authentication).
     *
     * @param expectedPeer the peer we dialled, or null for an inbound connection.
     * @param reason       the peer's reason.
     */
    void onRefusedByPeer(MemberId expectedPeer, CloseReason reason);

    /**
     * A DIRECT frame arrived on an authenticated link (its length field checked against the frame limit,
     * nothing else). Handed over in place from the frame decoder's input (see
     * {@link io.chainmesh.codec.frame.FrameDecoder#inPlace}): valid only during the call; the callee may
     * modify it (the hop limit before relaying) and must not keep it.
     *
     * @param link   where it came from.
     * @param buffer holds the frame.
     * @param offset the frame's first byte.
     * @param length the whole frame length, header included.
     */
    void onDirect(Link link, MutableDirectBuffer buffer, int offset, int length);

    /**
     * A broadcast or repair frame ({@code BATCH}, {@code DIGEST}, {@code WANT}, {@code WANT_MISS}) arrived on an
     * authenticated link.
     *
     * @param link  where it came from.
     * @param frame the whole frame; not released by the callee (the caller releases it).
     */
    void onBroadcast(Link link, ByteBuf frame);
}
