package io.chainmesh.perf.pipeline;

import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.crypto.NodeId;
import io.chainmesh.engine.broadcast.BroadcastPipeline;
import io.chainmesh.engine.broadcast.LinkSender;
import org.agrona.DirectBuffer;

/**
 * An in-process link between two pipelines: copies the frame into the peer's ingress ring, as the Netty link
 * does, spinning while that ring is full. The peer is looked up in {@code nodes} at send time, so both ends can
 * be launched one after the other.
 */
final class InProcessLink implements LinkSender
{
    private final NodeId[] peers;
    private final NodeId self;
    private final BroadcastPipeline[] nodes;
    private final int peerIndex;

    InProcessLink(final NodeId peer, final NodeId self, final BroadcastPipeline[] nodes, final int peerIndex)
    {
        this.peers = new NodeId[] {peer};
        this.self = self;
        this.nodes = nodes;
        this.peerIndex = peerIndex;
    }

    @Override
    public int send(final NodeId peer, final DirectBuffer frame, final int offset, final int length)
    {
        final BroadcastPipeline target = nodes[peerIndex];
        if (null == target)
        {
            return NOT_CONNECTED;
        }
        while (!target.onFrame(self, frame, offset, length))
        {
            Thread.onSpinWait();
        }
        return SENT;
    }

    @Override
    public void flush()
    {
    }

    @Override
    public NodeId[] connectedPeers()
    {
        return peers;
    }

    @Override
    public void closePeer(final NodeId peer, final CloseReason reason, final String text)
    {
    }
}
