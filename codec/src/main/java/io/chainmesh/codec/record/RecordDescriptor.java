package io.chainmesh.codec.record;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;

/**
 * Layout of an encrypted record: an ordinary frame of type {@link FrameType#RECORD} whose body is the
 * AEAD ciphertext of a run of plaintext frame bytes, followed by the 16-byte tag.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        length (u32) = 2 + plaintext length + 16               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | type = 0x20   |    flags      |  ciphertext (plaintext length) |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |                ...            |          tag (16 bytes)       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The 6-byte header is the AEAD's associated data, so length, type and flags are authenticated too.
 * The nonce is never sent: it is the direction's 12-byte nonce base XOR the record's sequence number
 * (big-endian, in the last 8 bytes), which both ends count, so a replayed, dropped or reordered record
 * fails its tag. Record boundaries are independent of frame boundaries: the plaintext of consecutive
 * records is one byte stream of frames.
 */
public final class RecordDescriptor
{
    /** Bytes before the ciphertext: the frame header. */
    public static final int HEADER_LENGTH = FrameDescriptor.HEADER_LENGTH;
    /** Offset of the ciphertext. */
    public static final int CIPHERTEXT_OFFSET = FrameDescriptor.BODY_OFFSET;
    /** AEAD tag length (both AEADs). */
    public static final int TAG_LENGTH = 16;
    /** Bytes a record adds to its plaintext: header and tag. */
    public static final int OVERHEAD = HEADER_LENGTH + TAG_LENGTH;
    /** Largest plaintext of one record, whatever the sender's setting: bounds what a receiver buffers. */
    public static final int MAX_PLAINTEXT_LENGTH = 64 * 1024;
    /** Smallest plaintext a sender may configure as its record size. */
    public static final int MIN_CONFIGURED_PLAINTEXT_LENGTH = 1024;
    /** Smallest valid length field: type, flags, one plaintext byte and the tag (records are never empty). */
    public static final int MIN_LENGTH_FIELD = 2 + 1 + TAG_LENGTH;
    /** Largest valid length field. */
    public static final int MAX_LENGTH_FIELD = 2 + MAX_PLAINTEXT_LENGTH + TAG_LENGTH;
    /** Flag: the sender switches to its next key after this record (see {@link RecordCipher#rekey()}). */
    public static final int FLAG_KEY_UPDATE = 0x01;
    /** Flags this version defines; any other bit set is malformed. */
    public static final int KNOWN_FLAGS = FLAG_KEY_UPDATE;

    private RecordDescriptor()
    {
    }

    /**
     * Checks a record header as read from the wire (before decrypting; the tag then authenticates it).
     *
     * @param type        the type byte.
     * @param flags       the flags byte.
     * @param lengthField the u32 length field.
     * @throws CodecException naming the field and the value if the record is malformed.
     */
    public static void checkHeader(final int type, final int flags, final int lengthField)
    {
        if (type != FrameType.RECORD)
        {
            throw new CodecException("frame type " + FrameType.name(type) + " is not RECORD on an encrypted link");
        }
        if ((flags & ~KNOWN_FLAGS) != 0)
        {
            throw new CodecException(String.format("RECORD flags 0x%02x have unknown bits set", flags & 0xFF));
        }
        if (lengthField < MIN_LENGTH_FIELD || lengthField > MAX_LENGTH_FIELD)
        {
            throw new CodecException("RECORD length " + Integer.toUnsignedLong(lengthField) + " must be in [" +
                MIN_LENGTH_FIELD + ", " + MAX_LENGTH_FIELD + "]");
        }
    }

    /**
     * @param recordLength whole record length, header included.
     * @return its plaintext length.
     */
    public static int plaintextLength(final int recordLength)
    {
        return recordLength - OVERHEAD;
    }

    /**
     * Checks a configured record plaintext size.
     *
     * @param length the candidate.
     * @return it, if valid.
     * @throws IllegalArgumentException if outside {@code [MIN_CONFIGURED_PLAINTEXT_LENGTH, MAX_PLAINTEXT_LENGTH]}.
     */
    public static int checkConfiguredPlaintextLength(final int length)
    {
        if (length < MIN_CONFIGURED_PLAINTEXT_LENGTH || length > MAX_PLAINTEXT_LENGTH)
        {
            throw new IllegalArgumentException("maxRecordPlaintext=" + length + " must be in [" +
                MIN_CONFIGURED_PLAINTEXT_LENGTH + ", " + MAX_PLAINTEXT_LENGTH + "]");
        }
        return length;
    }
}
