package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.chain.MemberId;
import org.agrona.DirectBuffer;

/**
 * The engine's {@link LinkSender} as the commit stage's {@link Outbound} port: the one place that names
 * the type peers are identified by.
 */
final class LinkOutbound implements Outbound<MemberId>
{
    private final LinkSender links;

    LinkOutbound(final LinkSender links)
    {
        this.links = links;
    }

    @Override
    public int send(final MemberId peer, final DirectBuffer frame, final int offset, final int length)
    {
        return links.send(peer, frame, offset, length);
    }

    @Override
    public MemberId[] connectedPeers()
    {
        return links.connectedPeers();
    }

    @Override
    public boolean isConnected(final MemberId peer)
    {
        return links.isConnected(peer);
    }

    @Override
    public long rttNanos(final MemberId peer)
    {
        return links.rttNanos(peer);
    }

    @Override
    public void closePeer(final MemberId peer, final CloseReason reason, final String text)
    {
        links.closePeer(peer, reason, text);
    }
}
