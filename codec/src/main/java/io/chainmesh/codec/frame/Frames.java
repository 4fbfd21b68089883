package io.chainmesh.codec.frame;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.chainmesh.codec.CodecException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;

/**
 * Static helpers for frame headers, control frames and zero-copy views of Netty buffers.
 * <p>
 * Frame-relative offsets in a {@link ByteBuf} count from its {@link ByteBuf#readerIndex()}, which is
 * 0 for the slices {@link FrameDecoder} emits.
 */
public final class Frames
{
    private Frames()
    {
    }

    /**
     * Writes a frame header at the writer index and advances it by {@link FrameDescriptor#HEADER_LENGTH}.
     *
     * @param buf        destination (not released).
     * @param type       frame type (u8).
     * @param flags      flags (u8).
     * @param bodyLength length of the body that the caller writes next.
     */
    public static void writeHeader(final ByteBuf buf, final int type, final int flags, final int bodyLength)
    {
        buf.writeInt(FrameDescriptor.MIN_LENGTH_FIELD + bodyLength);
        buf.writeByte(type);
        buf.writeByte(flags);
    }

    /**
     * Writes a frame header at a given offset of an Agrona buffer (big-endian).
     *
     * @param buffer      destination.
     * @param frameOffset where the frame starts.
     * @param type        frame type (u8).
     * @param flags       flags (u8).
     * @param bodyLength  length of the body.
     */
    public static void writeHeader(
        final MutableDirectBuffer buffer, final int frameOffset, final int type, final int flags, final int bodyLength)
    {
        buffer.putInt(frameOffset + FrameDescriptor.LENGTH_OFFSET, FrameDescriptor.MIN_LENGTH_FIELD + bodyLength,
            ByteOrder.BIG_ENDIAN);
        buffer.putByte(frameOffset + FrameDescriptor.TYPE_OFFSET, (byte)type);
        buffer.putByte(frameOffset + FrameDescriptor.FLAGS_OFFSET, (byte)flags);
    }

    /**
     * Encodes a Protobuf control message into a new frame (not on the hot path: it allocates).
     *
     * @param allocator where the frame buffer comes from (usually pooled).
     * @param type      a control type ({@link FrameType#isControl(int)}).
     * @param message   the body.
     * @return a new frame; the caller owns it and must release it (or write it to a channel).
     * @throws IllegalArgumentException if the type is not a control type or the frame would exceed
     *                                  {@link FrameDescriptor#DEFAULT_MAX_FRAME_LENGTH}.
     */
    public static ByteBuf encodeControl(final ByteBufAllocator allocator, final int type, final MessageLite message)
    {
        return encodeControl(allocator, type, message, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
    }

    /**
     * Encodes a Protobuf control message into a new frame.
     *
     * @param allocator      where the frame buffer comes from.
     * @param type           a control type ({@link FrameType#isControl(int)}).
     * @param message        the body.
     * @param maxFrameLength largest length field the receiver accepts.
     * @return a new frame; the caller owns it and must release it (or write it to a channel).
     * @throws IllegalArgumentException if the type is not a control type or the frame is too long.
     */
    public static ByteBuf encodeControl(
        final ByteBufAllocator allocator, final int type, final MessageLite message, final int maxFrameLength)
    {
        if (!FrameType.isControl(type))
        {
            throw new IllegalArgumentException("type=" + FrameType.name(type) + " is not a control frame type");
        }
        final int bodyLength = message.getSerializedSize();
        if ((long)bodyLength + FrameDescriptor.MIN_LENGTH_FIELD > maxFrameLength)
        {
            throw new IllegalArgumentException(FrameType.name(type) + " body length " + bodyLength +
                " exceeds limit " + (maxFrameLength - FrameDescriptor.MIN_LENGTH_FIELD));
        }
        final ByteBuf buf = allocator.buffer(FrameDescriptor.HEADER_LENGTH + bodyLength);
        try
        {
            writeHeader(buf, type, 0, bodyLength);
            final CodedOutputStream output =
                CodedOutputStream.newInstance(buf.nioBuffer(buf.writerIndex(), bodyLength));
            message.writeTo(output);
            output.checkNoSpaceLeft();
            buf.writerIndex(buf.writerIndex() + bodyLength);
            return buf;
        }
        catch (final IOException | RuntimeException ex)
        {
            buf.release();
            throw new IllegalStateException("failed to encode " + FrameType.name(type) + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * @param frame a whole frame.
     * @return the type byte (0..255).
     */
    public static int type(final ByteBuf frame)
    {
        return frame.getUnsignedByte(frame.readerIndex() + FrameDescriptor.TYPE_OFFSET);
    }

    /**
     * @param frame a whole frame.
     * @return the flags byte (0..255).
     */
    public static int flags(final ByteBuf frame)
    {
        return frame.getUnsignedByte(frame.readerIndex() + FrameDescriptor.FLAGS_OFFSET);
    }

    /**
     * Checks that a buffer holds exactly one whole frame whose length field agrees with its size.
     *
     * @param frame a frame as emitted by {@link FrameDecoder}.
     * @return the body length.
     * @throws CodecException if the buffer is shorter than a header or the length field disagrees.
     */
    public static int checkWholeFrame(final ByteBuf frame)
    {
        final int readable = frame.readableBytes();
        if (readable < FrameDescriptor.HEADER_LENGTH)
        {
            throw new CodecException("frame size " + readable + " is below header length " +
                FrameDescriptor.HEADER_LENGTH);
        }
        final int lengthField = frame.getInt(frame.readerIndex() + FrameDescriptor.LENGTH_OFFSET);
        if (lengthField != readable - FrameDescriptor.LENGTH_FIELD_LENGTH)
        {
            throw new CodecException("frame length field " + Integer.toUnsignedLong(lengthField) +
                " disagrees with frame size " + readable);
        }
        return readable - FrameDescriptor.HEADER_LENGTH;
    }

    /**
     * Points an Agrona view at the readable bytes of a Netty buffer, without copying.
     * <p>
     * Allocation-free when the buffer has a memory address (direct buffers, the pooled default) or a
     * backing array; otherwise (composite buffers) it falls back to {@link ByteBuf#nioBuffer(int, int)},
     * which allocates a {@code ByteBuffer}. The view is valid only while {@code buf} is neither
     * released nor modified; it does not retain it. Index 0 of the view is the buffer's reader index.
     *
     * @param view the reusable view to point.
     * @param buf  the source (not retained, not released).
     * @return {@code view}.
     */
    public static UnsafeBuffer wrap(final UnsafeBuffer view, final ByteBuf buf)
    {
        return wrap(view, buf, buf.readerIndex(), buf.readableBytes());
    }

    /**
     * Points an Agrona view at a region of a Netty buffer, without copying (see
     * {@link #wrap(UnsafeBuffer, ByteBuf)} for when this allocates).
     *
     * @param view   the reusable view to point.
     * @param buf    the source (not retained, not released).
     * @param index  first byte of the region in {@code buf}.
     * @param length length of the region (may run up to {@code buf.capacity()}).
     * @return {@code view}.
     */
    public static UnsafeBuffer wrap(final UnsafeBuffer view, final ByteBuf buf, final int index, final int length)
    {
        if (index < 0 || length < 0 || index > buf.capacity() - length)
        {
            throw new IndexOutOfBoundsException("region index=" + index + " length=" + length +
                " outside capacity " + buf.capacity());
        }
        if (buf.hasMemoryAddress())
        {
            view.wrap(buf.memoryAddress() + index, length);
        }
        else if (buf.hasArray())
        {
            view.wrap(buf.array(), buf.arrayOffset() + index, length);
        }
        else
        {
            view.wrap(buf.nioBuffer(index, length));
        }
        return view;
    }
}
