package io.chainmesh.codec.ping;

import io.chainmesh.codec.CodecException;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Reads {@code PING}/{@code PONG} frames (layout in {@link PingDescriptor}) in place. Allocation-free,
 * reusable, one instance per thread.
 */
public final class PingDecoder
{
    private DirectBuffer buffer;
    private int frameOffset;
    private int type;

    /**
     * Validates and wraps a frame.
     *
     * @param buffer      holding the frame.
     * @param frameOffset first byte of the frame.
     * @param frameLength whole frame length.
     * @return this.
     * @throws CodecException if malformed; the decoder is then left unwrapped.
     */
    public PingDecoder wrap(final DirectBuffer buffer, final int frameOffset, final int frameLength)
    {
        this.buffer = null;
        this.type = PingDescriptor.checkFrame(buffer, frameOffset, frameLength);
        this.buffer = buffer;
        this.frameOffset = frameOffset;
        return this;
    }

    /**
     * @return {@link io.chainmesh.codec.frame.FrameType#PING} or {@code PONG}.
     */
    public int type()
    {
        return type;
    }

    /**
     * @return the ping id, unsigned: 0 to 2^32 - 1.
     */
    public long pingId()
    {
        return buffer.getInt(frameOffset + PingDescriptor.PING_ID_OFFSET, ByteOrder.BIG_ENDIAN) &
            PingDescriptor.PING_ID_MASK;
    }
}
