package io.chainmesh.codec.frame;

import io.chainmesh.codec.CodecException;

/**
 * Layout of every chainmesh frame on the wire. All integers are big-endian (network order).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    length (u32, counts what follows)          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   type (u8)   |  flags (u8)   |          body ...             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |                     (length - 2) bytes                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Control frames ({@link FrameType#isControl(int)}) carry Protobuf bodies; hot-path frames carry
 * fixed layouts read by flyweights.
 */
public final class FrameDescriptor
{
    /** Offset of the length field. */
    public static final int LENGTH_OFFSET = 0;
    /** Size of the length field. */
    public static final int LENGTH_FIELD_LENGTH = 4;
    /** Offset of the type byte. */
    public static final int TYPE_OFFSET = 4;
    /** Offset of the flags byte. */
    public static final int FLAGS_OFFSET = 5;
    /** Offset of the body. */
    public static final int BODY_OFFSET = 6;
    /** Bytes before the body: length + type + flags. */
    public static final int HEADER_LENGTH = BODY_OFFSET;
    /** Smallest valid value of the length field: type + flags, empty body. */
    public static final int MIN_LENGTH_FIELD = 2;
    /** Default maximum of the length field: 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 1024 * 1024;

    private FrameDescriptor()
    {
    }

    /**
     * Checks a length field as read from the wire, before anything is allocated for it.
     *
     * @param lengthField the u32 length as a Java int (negative means it was above 2^31-1).
     * @param maxLength   the configured maximum of the length field.
     * @throws CodecException if it is below {@link #MIN_LENGTH_FIELD} or above {@code maxLength}.
     */
    public static void checkLengthField(final int lengthField, final int maxLength)
    {
        if (lengthField < MIN_LENGTH_FIELD || lengthField > maxLength)
        {
            final long unsigned = Integer.toUnsignedLong(lengthField);
            throw new CodecException(lengthField < MIN_LENGTH_FIELD && lengthField >= 0 ?
                "frame length " + unsigned + " is below minimum " + MIN_LENGTH_FIELD :
                "frame length " + unsigned + " exceeds limit " + maxLength);
        }
    }

    /**
     * Checks a configured maximum frame length.
     *
     * @param maxLength the candidate.
     * @return it, if valid.
     * @throws IllegalArgumentException if below 64 bytes or above 64 MiB.
     */
    public static int checkMaxFrameLength(final int maxLength)
    {
        if (maxLength < 64 || maxLength > 64 * 1024 * 1024)
        {
            throw new IllegalArgumentException("maxFrameLength=" + maxLength + " must be in [64, 67108864]");
        }
        return maxLength;
    }
}
