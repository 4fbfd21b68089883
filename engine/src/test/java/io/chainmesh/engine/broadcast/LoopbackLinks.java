package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.chain.MemberId;
import org.agrona.DirectBuffer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * In-process links between pipelines of one JVM: a frame sent is copied straight into the target's
 * ingress ring, as the Netty link layer does after decoding. Every node is linked to every other
 * node that is up; an interceptor can capture or drop frames in flight.
 */
final class LoopbackLinks
{
    final Map<MemberId, BroadcastPipeline> up = new ConcurrentHashMap<>();
    final List<Predicate<byte[]>> interceptors = new CopyOnWriteArrayList<>();
    final Map<MemberId, CloseReason> closed = new ConcurrentHashMap<>();
    /** Nodes cut off from every other node (they stay up). */
    final java.util.Set<MemberId> partitioned = ConcurrentHashMap.newKeySet();
    /** Nodes whose links are full: frames sent to them are refused with BACK_PRESSURED. */
    final java.util.Set<MemberId> backPressured = ConcurrentHashMap.newKeySet();
    /** Frames to one node that the predicate matches are lost in flight (the sender sees them sent). */
    final Map<MemberId, Predicate<byte[]>> lostTo = new ConcurrentHashMap<>();

    LinkSender linkFor(final MemberId self)
    {
        return new LinkSender()
        {
            @Override
            public int send(final MemberId peer, final DirectBuffer frame, final int offset, final int length)
            {
                final BroadcastPipeline target = up.get(peer);
                if (null == target || !up.containsKey(self) || partitioned.contains(peer) || partitioned.contains(self))
                {
                    return NOT_CONNECTED;
                }
                if (backPressured.contains(peer))
                {
                    return BACK_PRESSURED;
                }
                final Predicate<byte[]> lost = lostTo.get(peer);
                if (null != lost)
                {
                    final byte[] copy = new byte[length];
                    frame.getBytes(offset, copy);
                    if (lost.test(copy))
                    {
                        return SENT;
                    }
                }
                if (!interceptors.isEmpty())
                {
                    final byte[] copy = new byte[length];
                    frame.getBytes(offset, copy);
                    for (final Predicate<byte[]> interceptor : interceptors)
                    {
                        if (!interceptor.test(copy))
                        {
                            return SENT;
                        }
                    }
                }
                return target.onFrame(self, frame, offset, length) ? SENT : BACK_PRESSURED;
            }

            @Override
            public void flush()
            {
            }

            @Override
            public MemberId[] connectedPeers()
            {
                if (!up.containsKey(self) || partitioned.contains(self))
                {
                    return new MemberId[0];
                }
                return up.keySet().stream().filter(id -> !id.equals(self) && !partitioned.contains(id)).toArray(MemberId[]::new);
            }

            @Override
            public void closePeer(final MemberId peer, final CloseReason reason, final String text)
            {
                closed.put(peer, reason);
            }
        };
    }
}
