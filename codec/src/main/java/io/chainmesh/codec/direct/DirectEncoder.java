package io.chainmesh.codec.direct;

import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.netty.buffer.ByteBuf;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Writes {@code DIRECT} frames (layout in {@link DirectDescriptor}), header included. Allocation-free;
 * one instance per thread (it keeps a reusable view for {@link #encode(ByteBuf, long, long, int,
 * DirectBuffer, int, int)}).
 */
public final class DirectEncoder
{
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

    /**
     * Writes a whole DIRECT frame.
     *
     * @param buffer        destination.
     * @param frameOffset   where the frame starts.
     * @param destination   destination origin id.
     * @param source        source origin id.
     * @param hopLimit      hop limit (0..255).
     * @param payload       payload source.
     * @param payloadOffset payload start in {@code payload}.
     * @param payloadLength payload length.
     * @return the frame length written.
     * @throws IllegalArgumentException if the frame does not fit in the buffer or the hop limit is out of range.
     */
    public int encode(
        final MutableDirectBuffer buffer,
        final int frameOffset,
        final long destination,
        final long source,
        final int hopLimit,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        if (payloadLength < 0 || frameOffset < 0 ||
            (long)frameOffset + DirectDescriptor.frameLength(payloadLength) > buffer.capacity())
        {
            throw new IllegalArgumentException("DIRECT frame offset=" + frameOffset + " payloadLength=" +
                payloadLength + " does not fit capacity " + buffer.capacity());
        }
        if (hopLimit < 0 || hopLimit > DirectDescriptor.MAX_HOP_LIMIT)
        {
            throw new IllegalArgumentException("hopLimit=" + hopLimit + " must be in [0, 255]");
        }
        Frames.writeHeader(buffer, frameOffset, FrameType.DIRECT, 0,
            DirectDescriptor.BODY_HEADER_LENGTH + payloadLength);
        buffer.putLong(frameOffset + DirectDescriptor.DESTINATION_OFFSET, destination, ByteOrder.BIG_ENDIAN);
        buffer.putLong(frameOffset + DirectDescriptor.SOURCE_OFFSET, source, ByteOrder.BIG_ENDIAN);
        buffer.putByte(frameOffset + DirectDescriptor.HOP_LIMIT_OFFSET, (byte)hopLimit);
        buffer.putByte(frameOffset + DirectDescriptor.RESERVED_U8_OFFSET, (byte)0);
        buffer.putShort(frameOffset + DirectDescriptor.RESERVED_U16_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        buffer.putInt(frameOffset + DirectDescriptor.PAYLOAD_LENGTH_OFFSET, payloadLength, ByteOrder.BIG_ENDIAN);
        buffer.putBytes(frameOffset + DirectDescriptor.PAYLOAD_OFFSET, payload, payloadOffset, payloadLength);
        return DirectDescriptor.frameLength(payloadLength);
    }

    /**
     * Appends a whole DIRECT frame at the writer index of a Netty buffer and advances it. Allocation-free
     * unless {@code out} is a composite buffer (see {@link Frames#wrap(UnsafeBuffer, ByteBuf)}; composite
     * buffers are not supported for writing and are rejected).
     *
     * @param out           destination (grown if needed; not released).
     * @param destination   destination origin id.
     * @param source        source origin id.
     * @param hopLimit      hop limit (0..255).
     * @param payload       payload source.
     * @param payloadOffset payload start in {@code payload}.
     * @param payloadLength payload length.
     * @return the frame length written.
     * @throws IllegalArgumentException if {@code out} has neither a memory address nor an array.
     */
    public int encode(
        final ByteBuf out,
        final long destination,
        final long source,
        final int hopLimit,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        if (payloadLength < 0)
        {
            throw new IllegalArgumentException("payloadLength=" + payloadLength + " is negative");
        }
        final int frameLength = DirectDescriptor.frameLength(payloadLength);
        out.ensureWritable(frameLength);
        if (!out.hasMemoryAddress() && !out.hasArray())
        {
            throw new IllegalArgumentException("output buffer " + out.getClass().getSimpleName() +
                " has neither a memory address nor an array");
        }
        final int writerIndex = out.writerIndex();
        Frames.wrap(view, out, writerIndex, frameLength);
        try
        {
            encode(view, 0, destination, source, hopLimit, payload, payloadOffset, payloadLength);
        }
        finally
        {
            view.wrap(0, 0);
        }
        out.writerIndex(writerIndex + frameLength);
        return frameLength;
    }
}
