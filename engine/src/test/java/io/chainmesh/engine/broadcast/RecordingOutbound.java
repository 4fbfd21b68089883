package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.control.Digest;
import io.chainmesh.codec.control.Want;
import io.chainmesh.codec.control.WantMiss;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.netty.buffer.Unpooled;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link Outbound} port for unit tests: peers are plain names, every frame sent is recorded, and a
 * peer's link can be made to take only so many more frames (then BACK_PRESSURED).
 */
final class RecordingOutbound implements Outbound<String>
{
    /** One frame as sent. */
    record Sent(String peer, byte[] frame)
    {
        int type()
        {
            return frame[FrameDescriptor.TYPE_OFFSET] & 0xFF;
        }

        int flags()
        {
            return frame[FrameDescriptor.FLAGS_OFFSET] & 0xFF;
        }

        long batchSeq()
        {
            return new UnsafeBuffer(frame).getLong(BatchDescriptor.BATCH_SEQ_OFFSET, ByteOrder.BIG_ENDIAN);
        }

        Want want()
        {
            return ControlCodec.parseWant(Unpooled.wrappedBuffer(frame));
        }

        Digest digest()
        {
            return ControlCodec.parseDigest(Unpooled.wrappedBuffer(frame));
        }

        WantMiss wantMiss()
        {
            return ControlCodec.parseWantMiss(Unpooled.wrappedBuffer(frame));
        }
    }

    final List<Sent> sent = new ArrayList<>();
    final List<String> closed = new ArrayList<>();
    private final Map<String, Integer> capacity = new HashMap<>();
    private final Map<String, Long> rtts = new HashMap<>();
    private String[] connected;

    RecordingOutbound(final String... connected)
    {
        this.connected = connected;
    }

    void connect(final String... peers)
    {
        connected = peers;
    }

    /** The peer's link measures this heartbeat RTT. */
    void rtt(final String peer, final long nanos)
    {
        rtts.put(peer, nanos);
    }

    @Override
    public long rttNanos(final String peer)
    {
        return rtts.getOrDefault(peer, -1L);
    }

    /** The peer's link takes {@code frames} more frames, then pushes back. */
    void takes(final String peer, final int frames)
    {
        capacity.put(peer, frames);
    }

    List<Sent> sentOfType(final int type)
    {
        return sent.stream().filter(s -> s.type() == type).toList();
    }

    List<Want> wants()
    {
        return sentOfType(FrameType.WANT).stream().map(Sent::want).toList();
    }

    List<Digest> digestsTo(final String peer)
    {
        return sentOfType(FrameType.DIGEST).stream().filter(s -> s.peer().equals(peer)).map(Sent::digest).toList();
    }

    long bytesOfType(final int type)
    {
        return sentOfType(type).stream().mapToLong(s -> s.frame().length).sum();
    }

    List<Long> batchesTo(final String peer)
    {
        return sentOfType(FrameType.BATCH).stream().filter(s -> s.peer().equals(peer)).map(Sent::batchSeq).toList();
    }

    @Override
    public int send(final String peer, final DirectBuffer frame, final int offset, final int length)
    {
        if (!isConnected(peer))
        {
            return LinkSender.NOT_CONNECTED;
        }
        final int left = capacity.getOrDefault(peer, Integer.MAX_VALUE);
        if (left == 0)
        {
            return LinkSender.BACK_PRESSURED;
        }
        capacity.put(peer, left == Integer.MAX_VALUE ? left : left - 1);
        final byte[] copy = new byte[length];
        frame.getBytes(offset, copy);
        sent.add(new Sent(peer, copy));
        return LinkSender.SENT;
    }

    @Override
    public String[] connectedPeers()
    {
        return connected;
    }

    @Override
    public boolean isConnected(final String peer)
    {
        for (final String p : connected)
        {
            if (p.equals(peer))
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public void closePeer(final String peer, final CloseReason reason, final String text)
    {
        closed.add(peer + ":" + reason);
    }
}
