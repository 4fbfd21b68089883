package io.chainmesh.codec.ping;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.netty.buffer.ByteBuf;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Layout of {@code PING} and {@code PONG} frames (a PONG echoes the PING's id). The pinger keeps the send time
 * of its outstanding PING itself, so the RTT it measures does not depend on anything the peer echoes. Offsets are
 * frame-relative; integers big-endian.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        length (u32) = 6                       |  0
 *  +---------------+---------------+-------------------------------+
 *  |type 0x12/0x13 |    flags      |                               |  4
 *  +---------------+---------------+                               +
 *  |                         pingId (u32)                          |  6
 *  +-------------------------------+-------------------------------+
 *                                                                    10
 * </pre>
 * The static {@code ByteBuf} accessors read a frame whose first byte is at the reader index; call
 * {@link #checkFrame(ByteBuf)} once before using them on untrusted input.
 */
public final class PingDescriptor
{
    /** Frame-relative offset of the ping id. */
    public static final int PING_ID_OFFSET = FrameDescriptor.BODY_OFFSET;
    /** Body length: the u32 ping id. */
    public static final int BODY_LENGTH = 4;
    /** Mask that keeps the 32 bits of a ping id carried on the wire. */
    public static final long PING_ID_MASK = 0xFFFF_FFFFL;
    /** Whole frame length, header included. */
    public static final int FRAME_LENGTH = FrameDescriptor.HEADER_LENGTH + BODY_LENGTH;

    private PingDescriptor()
    {
    }

    /**
     * Validates a PING or PONG frame held in an Agrona buffer.
     *
     * @param buffer      holding the frame.
     * @param frameOffset first byte of the frame.
     * @param frameLength whole frame length.
     * @return the frame type ({@link FrameType#PING} or {@link FrameType#PONG}).
     * @throws CodecException naming the field and value if malformed.
     */
    public static int checkFrame(final DirectBuffer buffer, final int frameOffset, final int frameLength)
    {
        if (frameOffset < 0 || frameLength < 0 || frameOffset > buffer.capacity() - frameLength)
        {
            throw new CodecException("PING frame offset=" + frameOffset + " length=" + frameLength +
                " is outside buffer capacity " + buffer.capacity());
        }
        if (frameLength != FRAME_LENGTH)
        {
            throw new CodecException("PING/PONG frame length " + frameLength + " must be " + FRAME_LENGTH);
        }
        return check(buffer.getInt(frameOffset + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN),
            buffer.getByte(frameOffset + FrameDescriptor.TYPE_OFFSET) & 0xFF);
    }

    /**
     * Validates a PING or PONG frame held in a Netty buffer (the frame is the readable bytes).
     *
     * @param frame the frame (not released).
     * @return the frame type ({@link FrameType#PING} or {@link FrameType#PONG}).
     * @throws CodecException naming the field and value if malformed.
     */
    public static int checkFrame(final ByteBuf frame)
    {
        final int frameLength = frame.readableBytes();
        if (frameLength != FRAME_LENGTH)
        {
            throw new CodecException("PING/PONG frame length " + frameLength + " must be " + FRAME_LENGTH);
        }
        return check(frame.getInt(frame.readerIndex() + FrameDescriptor.LENGTH_OFFSET), Frames.type(frame));
    }

    private static int check(final int lengthField, final int type)
    {
        if (type != FrameType.PING && type != FrameType.PONG)
        {
            throw new CodecException("frame type " + FrameType.name(type) + " is not PING or PONG");
        }
        if (lengthField != FrameDescriptor.MIN_LENGTH_FIELD + BODY_LENGTH)
        {
            throw new CodecException(FrameType.name(type) + " length field " + Integer.toUnsignedLong(lengthField) +
                " must be " + (FrameDescriptor.MIN_LENGTH_FIELD + BODY_LENGTH));
        }
        return type;
    }

    /**
     * Appends a PING or PONG frame at the writer index of a Netty buffer.
     *
     * @param out           destination (grown if needed; not released).
     * @param type          {@link FrameType#PING} or {@link FrameType#PONG}.
     * @param pingId ping id; only its low 32 bits are written.
     */
    public static void writeFrame(final ByteBuf out, final int type, final long pingId)
    {
        checkType(type);
        out.ensureWritable(FRAME_LENGTH);
        Frames.writeHeader(out, type, 0, BODY_LENGTH);
        out.writeInt((int)pingId);
    }

    /**
     * Turns a received PING into the PONG that echoes it, in place, so it can be written back unchanged.
     *
     * @param frame a checked PING frame (not released).
     */
    public static void toPong(final ByteBuf frame)
    {
        frame.setByte(frame.readerIndex() + FrameDescriptor.TYPE_OFFSET, FrameType.PONG);
    }

    /**
     * @param frame a PING or PONG frame.
     * @return the ping id, unsigned: 0 to 2^32 - 1.
     */
    public static long pingId(final ByteBuf frame)
    {
        return frame.getUnsignedInt(frame.readerIndex() + PING_ID_OFFSET);
    }

    static void checkType(final int type)
    {
        if (type != FrameType.PING && type != FrameType.PONG)
        {
            throw new IllegalArgumentException("type=" + FrameType.name(type) + " must be PING or PONG");
        }
    }
}
