package io.chainmesh.codec.ping;

import io.chainmesh.codec.frame.Frames;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Writes {@code PING}/{@code PONG} frames (layout in {@link PingDescriptor}). Stateless and allocation-free.
 */
public final class PingEncoder
{
    /**
     * Writes a whole PING or PONG frame.
     *
     * @param buffer      destination.
     * @param frameOffset where the frame starts.
     * @param type        {@link io.chainmesh.codec.frame.FrameType#PING} or {@code PONG}.
     * @param pingId      ping id; only its low 32 bits are written.
     * @return {@link PingDescriptor#FRAME_LENGTH}.
     * @throws IllegalArgumentException if the type is neither or the frame does not fit.
     */
    public int encode(final MutableDirectBuffer buffer, final int frameOffset, final int type, final long pingId)
    {
        PingDescriptor.checkType(type);
        if (frameOffset < 0 || frameOffset > buffer.capacity() - PingDescriptor.FRAME_LENGTH)
        {
            throw new IllegalArgumentException("PING frame offset=" + frameOffset + " does not fit capacity " +
                buffer.capacity());
        }
        Frames.writeHeader(buffer, frameOffset, type, 0, PingDescriptor.BODY_LENGTH);
        buffer.putInt(frameOffset + PingDescriptor.PING_ID_OFFSET, (int)pingId, ByteOrder.BIG_ENDIAN);
        return PingDescriptor.FRAME_LENGTH;
    }
}
