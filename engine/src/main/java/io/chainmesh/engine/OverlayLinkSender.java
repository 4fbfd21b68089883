package io.chainmesh.engine;

import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.engine.broadcast.LinkSender;
import io.chainmesh.engine.transport.Link;
import org.agrona.DirectBuffer;

/**
 * The broadcast pipeline's view of the links: direct links only (tree edges are overlay links), read from the
 * conductor's immutable route table, so the commit thread takes no lock.
 * <p>
 * Threads: called on the broadcast commit thread; it holds no state of its own, only the connection manager whose
 * route table the conductor publishes through a volatile field.
 */
final class OverlayLinkSender implements LinkSender
{
    private final ConnectionManager manager;

    /**
     * @param manager publishes the route table read on each call.
     */
    OverlayLinkSender(final ConnectionManager manager)
    {
        this.manager = manager;
    }

    @Override
    public int send(final MemberId peer, final DirectBuffer frame, final int offset, final int length)
    {
        final Link link = manager.routes().directLink(peer);
        if (null == link)
        {
            return NOT_CONNECTED;
        }
        final long status = link.offerFrame(frame, offset, length);
        return status == Status.OK ? SENT : status == Status.BACK_PRESSURED ? BACK_PRESSURED : NOT_CONNECTED;
    }

    @Override
    public void flush()
    {
        // Each link drains on its IO thread once per scheduling, which already batches the writes.
    }

    @Override
    public MemberId[] connectedPeers()
    {
        return manager.routes().peers;
    }

    @Override
    public long rttNanos(final MemberId peer)
    {
        final Link link = manager.routes().directLink(peer);
        return null == link ? -1 : link.heartbeat().rttEwmaNs();
    }

    @Override
    public void closePeer(final MemberId peer, final CloseReason reason, final String text)
    {
        final Link link = manager.routes().directLink(peer);
        if (null != link)
        {
            link.close(reason, text);
        }
    }
}
