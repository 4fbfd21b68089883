package io.chainmesh.codec.direct;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.Frames;
import io.netty.buffer.ByteBuf;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Reads {@code DIRECT} frames (layout in {@link DirectDescriptor}) in place. Allocation-free and
 * reusable; one instance per thread. {@link #wrap(DirectBuffer, int, int)} validates the whole frame
 * so the getters never read outside it.
 */
public final class DirectDecoder
{
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private DirectBuffer buffer;
    private int frameOffset;
    private int frameLength;

    /**
     * Validates and wraps a frame.
     *
     * @param buffer      holding the frame.
     * @param frameOffset first byte of the frame (its length field).
     * @param frameLength whole frame length, header included.
     * @return this.
     * @throws CodecException if the frame is malformed; the decoder is then left unwrapped.
     */
    public DirectDecoder wrap(final DirectBuffer buffer, final int frameOffset, final int frameLength)
    {
        this.buffer = null;
        DirectDescriptor.checkFrame(buffer, frameOffset, frameLength);
        this.buffer = buffer;
        this.frameOffset = frameOffset;
        this.frameLength = frameLength;
        return this;
    }

    /**
     * Validates and wraps a frame held in a Netty buffer (its readable bytes), through a reusable view
     * of its memory: allocation-free for direct and heap buffers (see
     * {@link Frames#wrap(UnsafeBuffer, ByteBuf)}). Offsets then count from the frame's first byte (0).
     * The decoder is valid only while {@code frame} is neither released nor modified; it is not retained.
     *
     * @param frame the frame (not released).
     * @return this.
     * @throws CodecException if the frame is malformed.
     */
    public DirectDecoder wrap(final ByteBuf frame)
    {
        Frames.wrap(view, frame);
        return wrap(view, 0, view.capacity());
    }

    /**
     * @return the wrapped buffer.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return the whole frame length.
     */
    public int frameLength()
    {
        return frameLength;
    }

    /**
     * @return the destination origin id.
     */
    public long destination()
    {
        return buffer.getLong(frameOffset + DirectDescriptor.DESTINATION_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @return the source origin id.
     */
    public long source()
    {
        return buffer.getLong(frameOffset + DirectDescriptor.SOURCE_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @return the hop limit (0..255).
     */
    public int hopLimit()
    {
        return buffer.getByte(frameOffset + DirectDescriptor.HOP_LIMIT_OFFSET) & 0xFF;
    }

    /**
     * @return the payload's absolute offset in {@link #buffer()}.
     */
    public int payloadOffset()
    {
        return frameOffset + DirectDescriptor.PAYLOAD_OFFSET;
    }

    /**
     * @return the payload length.
     */
    public int payloadLength()
    {
        return frameLength - DirectDescriptor.PAYLOAD_OFFSET;
    }
}
