package io.chainmesh.codec.direct;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.netty.buffer.ByteBuf;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Layout of a {@code DIRECT} frame. Offsets are frame-relative (the body starts at
 * {@link FrameDescriptor#BODY_OFFSET}); all integers are big-endian.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 length (u32) = 2 + 24 + payloadLength         |  0
 *  +---------------+---------------+-------------------------------+
 *  | type = 0x11   |    flags      |                               |  4
 *  +---------------+---------------+                               +
 *  |                  destinationOriginId (u64)                    |  6
 *  +                               +-------------------------------+
 *  |                               |                               |
 *  +-------------------------------+                               + 14
 *  |                     sourceOriginId (u64)                      |
 *  +                               +---------------+---------------+
 *  |                               |hopLimit (u8)  | reserved (u8) | 22
 *  +-------------------------------+---------------+---------------+
 *  |        reserved (u16)         |     payloadLength (u32) ...   | 24
 *  +-------------------------------+-------------------------------+
 *  |     ... payloadLength         |          payload ...          | 28..30
 *  +-------------------------------+-------------------------------+
 * </pre>
 * {@code payloadLength} must equal the rest of the body exactly.
 * <p>
 * The static {@code ByteBuf} accessors read a frame whose first byte is at the buffer's reader index
 * (as {@link io.chainmesh.codec.frame.FrameDecoder} emits them); call {@link #checkFrame(ByteBuf)}
 * once before using them on untrusted input.
 */
public final class DirectDescriptor
{
    /** Frame-relative offset of the destination origin id. */
    public static final int DESTINATION_OFFSET = FrameDescriptor.BODY_OFFSET;
    /** Frame-relative offset of the source origin id. */
    public static final int SOURCE_OFFSET = DESTINATION_OFFSET + 8;
    /** Frame-relative offset of the hop limit. */
    public static final int HOP_LIMIT_OFFSET = SOURCE_OFFSET + 8;
    /** Frame-relative offset of the reserved byte (written as 0, ignored when read). */
    public static final int RESERVED_U8_OFFSET = HOP_LIMIT_OFFSET + 1;
    /** Frame-relative offset of the reserved short (written as 0, ignored when read). */
    public static final int RESERVED_U16_OFFSET = RESERVED_U8_OFFSET + 1;
    /** Frame-relative offset of the payload length. */
    public static final int PAYLOAD_LENGTH_OFFSET = RESERVED_U16_OFFSET + 2;
    /** Frame-relative offset of the payload. */
    public static final int PAYLOAD_OFFSET = PAYLOAD_LENGTH_OFFSET + 4;
    /** Length of the fixed part of the body, before the payload. */
    public static final int BODY_HEADER_LENGTH = PAYLOAD_OFFSET - FrameDescriptor.BODY_OFFSET;
    /** Smallest DIRECT frame (empty payload), header included. */
    public static final int MIN_FRAME_LENGTH = PAYLOAD_OFFSET;
    /** Largest hop limit. */
    public static final int MAX_HOP_LIMIT = 255;

    private DirectDescriptor()
    {
    }

    /**
     * @param payloadLength payload length.
     * @return the whole frame length (header included) for that payload.
     */
    public static int frameLength(final int payloadLength)
    {
        return PAYLOAD_OFFSET + payloadLength;
    }

    /**
     * @param maxFrameLength configured maximum of the frame length field.
     * @return the largest payload a DIRECT frame can carry under it.
     */
    public static int maxPayloadLength(final int maxFrameLength)
    {
        return maxFrameLength - FrameDescriptor.MIN_LENGTH_FIELD - BODY_HEADER_LENGTH;
    }

    /**
     * Validates a DIRECT frame held in an Agrona buffer.
     *
     * @param buffer      holding the frame.
     * @param frameOffset first byte of the frame.
     * @param frameLength whole frame length, header included.
     * @throws CodecException naming the field and value if the frame is malformed.
     */
    public static void checkFrame(final DirectBuffer buffer, final int frameOffset, final int frameLength)
    {
        if (frameOffset < 0 || frameLength < 0 || frameOffset > buffer.capacity() - frameLength)
        {
            throw new CodecException("DIRECT frame offset=" + frameOffset + " length=" + frameLength +
                " is outside buffer capacity " + buffer.capacity());
        }
        if (frameLength < MIN_FRAME_LENGTH)
        {
            throw new CodecException("DIRECT frame length " + frameLength + " is below minimum " + MIN_FRAME_LENGTH);
        }
        final int lengthField = buffer.getInt(frameOffset + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
        final int type = buffer.getByte(frameOffset + FrameDescriptor.TYPE_OFFSET) & 0xFF;
        final int payloadLength = buffer.getInt(frameOffset + PAYLOAD_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
        check(frameLength, lengthField, type, payloadLength);
    }

    /**
     * Validates a DIRECT frame held in a Netty buffer (the frame is the readable bytes).
     *
     * @param frame the frame (not released).
     * @throws CodecException naming the field and value if the frame is malformed.
     */
    public static void checkFrame(final ByteBuf frame)
    {
        final int frameLength = frame.readableBytes();
        if (frameLength < MIN_FRAME_LENGTH)
        {
            throw new CodecException("DIRECT frame length " + frameLength + " is below minimum " + MIN_FRAME_LENGTH);
        }
        final int start = frame.readerIndex();
        check(frameLength, frame.getInt(start + FrameDescriptor.LENGTH_OFFSET),
            frame.getUnsignedByte(start + FrameDescriptor.TYPE_OFFSET),
            frame.getInt(start + PAYLOAD_LENGTH_OFFSET));
    }

    private static void check(final int frameLength, final int lengthField, final int type, final int payloadLength)
    {
        if (type != FrameType.DIRECT)
        {
            throw new CodecException("frame type " + FrameType.name(type) + " is not DIRECT");
        }
        if (lengthField != frameLength - FrameDescriptor.LENGTH_FIELD_LENGTH)
        {
            throw new CodecException("DIRECT length field " + Integer.toUnsignedLong(lengthField) +
                " disagrees with frame length " + frameLength);
        }
        if (payloadLength != frameLength - PAYLOAD_OFFSET)
        {
            throw new CodecException("DIRECT payloadLength " + Integer.toUnsignedLong(payloadLength) +
                " disagrees with remaining body " + (frameLength - PAYLOAD_OFFSET));
        }
    }

    /**
     * @param frame a DIRECT frame.
     * @return the destination origin id.
     */
    public static long destination(final ByteBuf frame)
    {
        return frame.getLong(frame.readerIndex() + DESTINATION_OFFSET);
    }

    /**
     * @param frame a DIRECT frame.
     * @return the source origin id.
     */
    public static long source(final ByteBuf frame)
    {
        return frame.getLong(frame.readerIndex() + SOURCE_OFFSET);
    }

    /**
     * @param frame a DIRECT frame.
     * @return the hop limit (0..255).
     */
    public static int hopLimit(final ByteBuf frame)
    {
        return frame.getUnsignedByte(frame.readerIndex() + HOP_LIMIT_OFFSET);
    }

    /**
     * Rewrites the hop limit in place, e.g. before forwarding.
     *
     * @param frame    a DIRECT frame (not released).
     * @param hopLimit the new hop limit (0..255).
     */
    public static void hopLimit(final ByteBuf frame, final int hopLimit)
    {
        frame.setByte(frame.readerIndex() + HOP_LIMIT_OFFSET, hopLimit);
    }

    /**
     * @param frame a DIRECT frame that passed {@link #checkFrame(ByteBuf)}.
     * @return the payload length.
     */
    public static int payloadLength(final ByteBuf frame)
    {
        return frame.getInt(frame.readerIndex() + PAYLOAD_LENGTH_OFFSET);
    }

    /**
     * @param frame a DIRECT frame.
     * @return the absolute index of the payload in {@code frame}.
     */
    public static int payloadIndex(final ByteBuf frame)
    {
        return frame.readerIndex() + PAYLOAD_OFFSET;
    }
}
