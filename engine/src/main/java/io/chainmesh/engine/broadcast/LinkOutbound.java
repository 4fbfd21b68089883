package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.crypto.NodeId;
import org.agrona.DirectBuffer;

/**
 * The engine's {@link LinkSender} as the commit stage's {@link Outbound} port: the one place that names
 * the type peers are identified by.
 */
final class LinkOutbound implements Outbound<NodeId>
{
    private final LinkSender links;

    LinkOutbound(final LinkSender links)
    {
        this.links = links;
    }

    @Override
    public int send(final NodeId peer, final DirectBuffer frame, final int offset, final int length)
    {
        return links.send(peer, frame, offset, length);
    }

    @Override
    public NodeId[] connectedPeers()
    {
        return links.connectedPeers();
    }

    @Override
    public boolean isConnected(final NodeId peer)
    {
        return links.isConnected(peer);
    }

    @Override
    public void closePeer(final NodeId peer, final CloseReason reason, final String text)
    {
        links.closePeer(peer, reason, text);
    }
}
