package io.chainmesh.codec.batch;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.netty.buffer.ByteBuf;

/**
 * Layout of a {@code BATCH} frame, an origin's signed unit of broadcast. Offsets are frame-relative
 * (the body starts at {@link FrameDescriptor#BODY_OFFSET}); all integers are big-endian.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     length (u32, counts what follows)         |  0
 *  +---------------+---------------+-------------------------------+
 *  | type = 0x10   |    flags      |  originId (u64) ...           |  4   ─┐
 *  +---------------+---------------+-------------------------------+       │
 *  |  ... originId                 |  batchSeq (u64) ...           |  14   │
 *  +-------------------------------+-------------------------------+       │
 *  |  ... batchSeq                 |  timestampMillis (u64) ...    |  22   │ signed
 *  +-------------------------------+-------------------------------+       │ region
 *  |  ... timestampMillis          |          count (u16)          |  30   │ (SHA-256,
 *  +-------------------------------+-------------------------------+       │  then
 *  |  entry 0: topic (u16)         |   length (u32) ...            |  32   │  ECDSA)
 *  +-------------------------------+-------------------------------+       │
 *  |   ... length                  |   bytes ...                   |       │
 *  +-------------------------------+                               +       │
 *  |   ... entries 1 .. count-1, each topic u16 · length u32 · bytes       │
 *  +---------------------------------------------------------------+      ─┘
 *  |            signature (64 bytes r || s, low-S ECDSA)           |  frameLength - 64
 *  +---------------------------------------------------------------+
 * </pre>
 * The signature covers SHA-256 of the body from {@code originId} through the last entry byte (not
 * the 6-byte frame header, so the flags may change in transit). Entries must end exactly where the
 * signature starts.
 * <p>
 * Flags (unsigned, so each hop may rewrite them):
 * <pre>
 *   bit 0      REPAIR: sent in answer to a WANT or resent from retention (it covers the receiver's default
 *              range; history below the receiver's first batch is delivered, not forwarded)
 *   bits 1..7  explicit range length of a tree forward (0 = the receiver's default range), for a range handed
 *              over past a member that is down and everything forwarded inside it
 * </pre>
 */
public final class BatchDescriptor
{
    /** Frame-relative offset of the origin id. */
    public static final int ORIGIN_ID_OFFSET = FrameDescriptor.BODY_OFFSET;
    /** Frame-relative offset of the batch sequence. */
    public static final int BATCH_SEQ_OFFSET = ORIGIN_ID_OFFSET + 8;
    /** Frame-relative offset of the timestamp (epoch millis). */
    public static final int TIMESTAMP_OFFSET = BATCH_SEQ_OFFSET + 8;
    /** Frame-relative offset of the entry count. */
    public static final int COUNT_OFFSET = TIMESTAMP_OFFSET + 8;
    /** Frame-relative offset of the first entry. */
    public static final int ENTRIES_OFFSET = COUNT_OFFSET + 2;
    /** Start of the signed region (frame-relative). */
    public static final int SIGNED_OFFSET = ORIGIN_ID_OFFSET;
    /** Offset of the topic within an entry. */
    public static final int ENTRY_TOPIC_OFFSET = 0;
    /** Offset of the length within an entry. */
    public static final int ENTRY_LENGTH_OFFSET = 2;
    /** Length of an entry's header (topic + length). */
    public static final int ENTRY_HEADER_LENGTH = 6;
    /** Length of the trailing signature. */
    public static final int SIGNATURE_LENGTH = 64;
    /** Smallest BATCH frame: header, fixed body fields, no entry, signature. */
    public static final int MIN_FRAME_LENGTH = ENTRIES_OFFSET + SIGNATURE_LENGTH;
    /** Largest entry count (u16). */
    public static final int MAX_ENTRIES = 0xFFFF;
    /** Largest topic (u16). */
    public static final int MAX_TOPIC = 0xFFFF;
    /** Flag bit: a repair answer or a forward resent from retention. */
    public static final int FLAG_REPAIR = 0x01;
    /** Shift of the explicit range length within the flags. */
    public static final int RANGE_SHIFT = 1;
    /** Largest explicit range length the flags can carry. */
    public static final int MAX_EXPLICIT_RANGE = 0x7F;

    private BatchDescriptor()
    {
    }

    /**
     * @param flags a BATCH frame's flags byte (unsigned).
     * @return the explicit range length it carries, 0 for the receiver's default range.
     */
    public static int explicitRange(final int flags)
    {
        return (flags & 0xFF) >>> RANGE_SHIFT;
    }

    /**
     * @param rangeLength an explicit range length in [0, {@link #MAX_EXPLICIT_RANGE}].
     * @return the flags of a tree forward carrying it.
     */
    public static int rangeFlags(final int rangeLength)
    {
        return rangeLength << RANGE_SHIFT;
    }

    /**
     * @param count a candidate entry count.
     * @return it, if in {@code [0, MAX_ENTRIES]}.
     * @throws CodecException naming the value otherwise.
     */
    public static int checkCount(final int count)
    {
        if (count < 0 || count > MAX_ENTRIES)
        {
            throw new CodecException("BATCH count=" + count + " must be in [0, " + MAX_ENTRIES + "]");
        }
        return count;
    }

    /**
     * @param topic a candidate topic.
     * @return it, if in {@code [0, MAX_TOPIC]}.
     * @throws CodecException naming the value otherwise.
     */
    public static int checkTopic(final int topic)
    {
        if (topic < 0 || topic > MAX_TOPIC)
        {
            throw new CodecException("BATCH topic=" + topic + " must be in [0, " + MAX_TOPIC + "]");
        }
        return topic;
    }

    /**
     * @param frameLength a candidate whole frame length.
     * @param maxFrameLength configured maximum of the length field.
     * @return it, if between {@link #MIN_FRAME_LENGTH} and the maximum frame.
     * @throws CodecException naming the value otherwise.
     */
    public static int checkFrameLength(final int frameLength, final int maxFrameLength)
    {
        if (frameLength < MIN_FRAME_LENGTH)
        {
            throw new CodecException("BATCH frame length " + frameLength + " is below minimum " + MIN_FRAME_LENGTH);
        }
        if (frameLength - FrameDescriptor.LENGTH_FIELD_LENGTH > maxFrameLength)
        {
            throw new CodecException("BATCH frame length " + frameLength + " exceeds limit " +
                (maxFrameLength + FrameDescriptor.LENGTH_FIELD_LENGTH));
        }
        return frameLength;
    }

    /**
     * @param frameLength whole frame length.
     * @return frame-relative offset of the signature.
     */
    public static int signatureOffset(final int frameLength)
    {
        return frameLength - SIGNATURE_LENGTH;
    }

    /**
     * @param frameLength whole frame length.
     * @return length of the signed region, which starts at {@link #SIGNED_OFFSET}.
     */
    public static int signedLength(final int frameLength)
    {
        return frameLength - SIGNATURE_LENGTH - SIGNED_OFFSET;
    }

    /**
     * @param frame a BATCH frame whose first byte is at the reader index.
     * @return its origin id (no validation: use {@link BatchDecoder} for untrusted input).
     */
    public static long originId(final ByteBuf frame)
    {
        return frame.getLong(frame.readerIndex() + ORIGIN_ID_OFFSET);
    }

    /**
     * @param frame a BATCH frame whose first byte is at the reader index.
     * @return its batch sequence (no validation).
     */
    public static long batchSeq(final ByteBuf frame)
    {
        return frame.getLong(frame.readerIndex() + BATCH_SEQ_OFFSET);
    }

    /**
     * @param frame a BATCH frame whose first byte is at the reader index.
     * @return its timestamp in epoch millis (no validation).
     */
    public static long timestampMillis(final ByteBuf frame)
    {
        return frame.getLong(frame.readerIndex() + TIMESTAMP_OFFSET);
    }

    /**
     * @param frame a BATCH frame whose first byte is at the reader index.
     * @return its entry count (no validation).
     */
    public static int count(final ByteBuf frame)
    {
        return frame.getUnsignedShort(frame.readerIndex() + COUNT_OFFSET);
    }
}
