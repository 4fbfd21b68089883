package io.chainmesh.codec.control;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.chainmesh.codec.CodecException;

import java.io.IOException;

/**
 * The packed progress of a {@link Digest} ({@code progress}, field 3): one entry per origin, no message
 * object per origin on either side.
 * <pre>
 *   entry := origin_id fixed64 (little-endian) · highest_seq varint · (highest_seq - contiguous_seq) varint
 * </pre>
 * Sequences are unsigned on the wire and must fit a signed 64-bit value here; contiguous never exceeds
 * highest by construction. Writing goes into a caller's array ({@link #put}); reading walks the bytes in
 * place ({@link Reader}), checking every entry.
 */
public final class DigestProgress
{
    /** Longest entry: 8 + 10 + 10 bytes. */
    public static final int MAX_ENTRY_LENGTH = 28;

    private DigestProgress()
    {
    }

    /**
     * Writes one entry.
     *
     * @param dst        destination, at least {@link #MAX_ENTRY_LENGTH} bytes after {@code offset}.
     * @param offset     where to write.
     * @param originId   the origin.
     * @param contiguous contiguous mark, 0 to highest.
     * @param highest    highest committed, >= 0.
     * @return the offset after the entry.
     */
    public static int put(final byte[] dst, final int offset, final long originId, final long contiguous, final long highest)
    {
        if (highest < 0 || contiguous < 0 || contiguous > highest)
        {
            throw new IllegalArgumentException("contiguous=" + contiguous + " highest=" + highest);
        }
        int i = offset;
        for (int b = 0; b < 8; b++)
        {
            dst[i++] = (byte)(originId >>> (8 * b));
        }
        i = putVarint(dst, i, highest);
        return putVarint(dst, i, highest - contiguous);
    }

    private static int putVarint(final byte[] dst, final int offset, final long value)
    {
        int i = offset;
        long v = value;
        while ((v & ~0x7FL) != 0)
        {
            dst[i++] = (byte)((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        dst[i++] = (byte)v;
        return i;
    }

    /** Walks the entries of one {@code progress} field in place; reusable. */
    public static final class Reader
    {
        private CodedInputStream input;
        private long originId;
        private long contiguous;
        private long highest;

        /**
         * @param progress the field's bytes.
         * @return this, before the first entry.
         */
        public Reader wrap(final ByteString progress)
        {
            input = progress.newCodedInput();
            return this;
        }

        /**
         * @return true if another entry was read.
         * @throws CodecException if the bytes end inside an entry or a value is out of range.
         */
        public boolean next()
        {
            try
            {
                if (input.isAtEnd())
                {
                    return false;
                }
                originId = input.readFixed64();
                highest = input.readRawVarint64();
                final long gap = input.readRawVarint64();
                if (highest < 0 || gap < 0 || gap > highest)
                {
                    throw new CodecException("DIGEST progress entry for origin " + Long.toUnsignedString(originId) +
                        ": highest_seq " + Long.toUnsignedString(highest) + " with gap " + Long.toUnsignedString(gap) +
                        " is out of range");
                }
                contiguous = highest - gap;
                return true;
            }
            catch (final IOException ex)
            {
                throw new CodecException("DIGEST progress is truncated: " + ex.getMessage(), ex);
            }
        }

        /** @return the entry's origin. */
        public long originId()
        {
            return originId;
        }

        /** @return the entry's contiguous mark. */
        public long contiguous()
        {
            return contiguous;
        }

        /** @return the entry's highest. */
        public long highest()
        {
            return highest;
        }
    }
}
