package io.chainmesh.codec.batch;

import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Builds a {@code BATCH} frame in place (layout in {@link BatchDescriptor}): {@link #wrap}, {@link #begin},
 * {@link #tryAppend} entries until it refuses, then {@link #sign(BatchSigner)}. Allocation-free and
 * reusable; owned by one thread (the batcher).
 */
public final class BatchEncoder
{
    private MutableDirectBuffer buffer;
    private int frameOffset;
    private int capacity;
    private int limit;
    private int count;

    /**
     * Points the encoder at a region of a buffer. Call {@link #begin} next.
     *
     * @param buffer      destination.
     * @param frameOffset where the frame starts.
     * @param capacity    largest whole frame (header and signature included) that may be written.
     * @return this.
     * @throws IllegalArgumentException if the region is outside the buffer or below the smallest batch.
     */
    public BatchEncoder wrap(final MutableDirectBuffer buffer, final int frameOffset, final int capacity)
    {
        if (frameOffset < 0 || capacity < BatchDescriptor.MIN_FRAME_LENGTH ||
            (long)frameOffset + capacity > buffer.capacity())
        {
            throw new IllegalArgumentException("BATCH region frameOffset=" + frameOffset + " capacity=" + capacity +
                " must be at least " + BatchDescriptor.MIN_FRAME_LENGTH + " and inside buffer capacity " +
                buffer.capacity());
        }
        this.buffer = buffer;
        this.frameOffset = frameOffset;
        this.capacity = capacity;
        this.limit = BatchDescriptor.ENTRIES_OFFSET;
        this.count = 0;
        return this;
    }

    /**
     * Starts a new batch, discarding any entries appended so far.
     *
     * @param originId        the origin's id.
     * @param batchSeq        the origin's batch sequence.
     * @param timestampMillis epoch millis at the origin.
     * @return this.
     */
    public BatchEncoder begin(final long originId, final long batchSeq, final long timestampMillis)
    {
        buffer.putLong(frameOffset + BatchDescriptor.ORIGIN_ID_OFFSET, originId, ByteOrder.BIG_ENDIAN);
        buffer.putLong(frameOffset + BatchDescriptor.BATCH_SEQ_OFFSET, batchSeq, ByteOrder.BIG_ENDIAN);
        buffer.putLong(frameOffset + BatchDescriptor.TIMESTAMP_OFFSET, timestampMillis, ByteOrder.BIG_ENDIAN);
        buffer.putShort(frameOffset + BatchDescriptor.COUNT_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        limit = BatchDescriptor.ENTRIES_OFFSET;
        count = 0;
        return this;
    }

    /**
     * Appends one entry if it fits.
     *
     * @param topic  the entry's topic (0..65535).
     * @param src    the entry's bytes.
     * @param offset start in {@code src}.
     * @param length length in bytes.
     * @return false, writing nothing, if the entry would exceed the capacity or
     *         {@link BatchDescriptor#MAX_ENTRIES}, or if the topic or length is out of range.
     */
    public boolean tryAppend(final int topic, final DirectBuffer src, final int offset, final int length)
    {
        if (count >= BatchDescriptor.MAX_ENTRIES || topic < 0 || topic > BatchDescriptor.MAX_TOPIC || length < 0 ||
            (long)limit + BatchDescriptor.ENTRY_HEADER_LENGTH + length + BatchDescriptor.SIGNATURE_LENGTH > capacity)
        {
            return false;
        }
        final int entry = frameOffset + limit;
        buffer.putShort(entry + BatchDescriptor.ENTRY_TOPIC_OFFSET, (short)topic, ByteOrder.BIG_ENDIAN);
        buffer.putInt(entry + BatchDescriptor.ENTRY_LENGTH_OFFSET, length, ByteOrder.BIG_ENDIAN);
        buffer.putBytes(entry + BatchDescriptor.ENTRY_HEADER_LENGTH, src, offset, length);
        limit += BatchDescriptor.ENTRY_HEADER_LENGTH + length;
        count++;
        buffer.putShort(frameOffset + BatchDescriptor.COUNT_OFFSET, (short)count, ByteOrder.BIG_ENDIAN);
        return true;
    }

    /**
     * @return entries appended since {@link #begin}.
     */
    public int entryCount()
    {
        return count;
    }

    /**
     * @return the whole frame length once signed (header and signature included).
     */
    public int frameLength()
    {
        return limit + BatchDescriptor.SIGNATURE_LENGTH;
    }

    /**
     * @return room left for entry bytes in one more entry (0 if not even an empty entry fits).
     */
    public int remainingPayloadCapacity()
    {
        return Math.max(0, capacity - frameLength() - BatchDescriptor.ENTRY_HEADER_LENGTH);
    }

    /**
     * Writes the frame header for the current entries, leaving the signature bytes untouched. Use
     * {@link #sign(BatchSigner)} for a frame that will be sent.
     *
     * @return the whole frame length.
     */
    public int finish()
    {
        Frames.writeHeader(buffer, frameOffset, FrameType.BATCH, 0,
            frameLength() - FrameDescriptor.HEADER_LENGTH);
        return frameLength();
    }

    /**
     * Writes the frame header and the signature over the body; the frame is then complete.
     *
     * @param signer the calling thread's signer.
     * @return the whole frame length.
     */
    public int sign(final BatchSigner signer)
    {
        final int frameLength = finish();
        signer.sign(buffer, frameOffset + BatchDescriptor.SIGNED_OFFSET, BatchDescriptor.signedLength(frameLength),
            buffer, frameOffset + BatchDescriptor.signatureOffset(frameLength));
        return frameLength;
    }
}
