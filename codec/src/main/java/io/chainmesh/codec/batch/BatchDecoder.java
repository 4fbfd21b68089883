package io.chainmesh.codec.batch;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.netty.buffer.ByteBuf;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Reads a {@code BATCH} frame in place (layout in {@link BatchDescriptor}). {@link #wrap} validates the
 * whole structure once, so the getters and the entry iteration never read outside the frame.
 * Allocation-free (except the exception for a malformed frame) and reusable; one instance per thread.
 * <pre>{@code
 * decoder.wrap(buffer, offset, length);
 * while (decoder.nextEntry())
 * {
 *     handle(decoder.entryTopic(), buffer, decoder.entryOffset(), decoder.entryLength());
 * }
 * }</pre>
 */
public final class BatchDecoder
{
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private DirectBuffer buffer;
    private int frameOffset;
    private int frameLength;
    private int count;
    private int entryIndex;
    private int nextEntryOffset;
    private int entryTopic;
    private int entryOffset;
    private int entryLength;

    /**
     * Validates and wraps a frame, positioned before the first entry.
     *
     * @param buffer      holding the frame.
     * @param frameOffset first byte of the frame (its length field).
     * @param frameLength whole frame length, header and signature included.
     * @return this.
     * @throws CodecException naming the field and value if the frame is malformed; the decoder is then
     *                        left unwrapped.
     */
    public BatchDecoder wrap(final DirectBuffer buffer, final int frameOffset, final int frameLength)
    {
        this.buffer = null;
        if (frameOffset < 0 || frameLength < 0 || frameOffset > buffer.capacity() - frameLength)
        {
            throw new CodecException("BATCH frame offset=" + frameOffset + " length=" + frameLength +
                " is outside buffer capacity " + buffer.capacity());
        }
        if (frameLength < BatchDescriptor.MIN_FRAME_LENGTH)
        {
            throw new CodecException("BATCH frame length " + frameLength + " is below minimum " +
                BatchDescriptor.MIN_FRAME_LENGTH);
        }
        final int type = buffer.getByte(frameOffset + FrameDescriptor.TYPE_OFFSET) & 0xFF;
        if (type != FrameType.BATCH)
        {
            throw new CodecException("frame type " + FrameType.name(type) + " is not BATCH");
        }
        final int lengthField = buffer.getInt(frameOffset + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
        if (lengthField != frameLength - FrameDescriptor.LENGTH_FIELD_LENGTH)
        {
            throw new CodecException("BATCH length field " + Integer.toUnsignedLong(lengthField) +
                " disagrees with frame length " + frameLength);
        }
        final int count = buffer.getShort(frameOffset + BatchDescriptor.COUNT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int signatureOffset = BatchDescriptor.signatureOffset(frameLength);
        int position = BatchDescriptor.ENTRIES_OFFSET;
        for (int i = 0; i < count; i++)
        {
            if (position > signatureOffset - BatchDescriptor.ENTRY_HEADER_LENGTH)
            {
                throw new CodecException("BATCH entry " + i + " of count " + count + " at offset " + position +
                    " has no room for its header before the signature at " + signatureOffset);
            }
            final int length = buffer.getInt(
                frameOffset + position + BatchDescriptor.ENTRY_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
            final int room = signatureOffset - position - BatchDescriptor.ENTRY_HEADER_LENGTH;
            if (length < 0 || length > room)
            {
                throw new CodecException("BATCH entry " + i + " length " + Integer.toUnsignedLong(length) +
                    " exceeds remaining body " + room);
            }
            position += BatchDescriptor.ENTRY_HEADER_LENGTH + length;
        }
        if (position != signatureOffset)
        {
            throw new CodecException("BATCH entries end at offset " + position + " but the signature starts at " +
                signatureOffset + " (count " + count + ")");
        }
        this.buffer = buffer;
        this.frameOffset = frameOffset;
        this.frameLength = frameLength;
        this.count = count;
        reset();
        return this;
    }

    /**
     * Wraps a frame that {@link #wrap(DirectBuffer, int, int)} has already validated (on this thread or an
     * earlier stage, over the same bytes), without walking its entries again: only the bounds and the count are
     * read. The entry iteration still stops at the signature, so a frame that was not in fact validated is never
     * read outside its bounds; it may then yield fewer entries than its count.
     *
     * @param buffer      holding the frame.
     * @param frameOffset first byte of the frame (its length field).
     * @param frameLength whole frame length, header and signature included.
     * @return this.
     * @throws CodecException if the frame does not fit the buffer or is shorter than a BATCH header.
     */
    public BatchDecoder wrapValidated(final DirectBuffer buffer, final int frameOffset, final int frameLength)
    {
        this.buffer = null;
        if (frameOffset < 0 || frameLength < BatchDescriptor.MIN_FRAME_LENGTH ||
            frameOffset > buffer.capacity() - frameLength)
        {
            throw new CodecException("BATCH frame offset=" + frameOffset + " length=" + frameLength +
                " is not a BATCH within buffer capacity " + buffer.capacity());
        }
        this.buffer = buffer;
        this.frameOffset = frameOffset;
        this.frameLength = frameLength;
        this.count = buffer.getShort(frameOffset + BatchDescriptor.COUNT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        reset();
        return this;
    }

    /**
     * Validates and wraps a frame held in a Netty buffer (its readable bytes), through a reusable view
     * of its memory: allocation-free for direct and heap buffers (see
     * {@link Frames#wrap(UnsafeBuffer, ByteBuf)}). {@link #buffer()} is then that view and offsets count
     * from the frame's first byte (0). Valid only while {@code frame} is neither released nor modified;
     * the frame is not retained.
     *
     * @param frame the frame (not released).
     * @return this.
     * @throws CodecException if the frame is malformed.
     */
    public BatchDecoder wrap(final ByteBuf frame)
    {
        Frames.wrap(view, frame);
        return wrap(view, 0, view.capacity());
    }

    /**
     * Rewinds the entry iteration to before the first entry.
     *
     * @return this.
     */
    public BatchDecoder reset()
    {
        entryIndex = 0;
        nextEntryOffset = frameOffset + BatchDescriptor.ENTRIES_OFFSET;
        entryTopic = -1;
        entryOffset = -1;
        entryLength = 0;
        return this;
    }

    /**
     * Moves to the next entry.
     *
     * @return false when there are no more entries.
     */
    public boolean nextEntry()
    {
        if (entryIndex >= count)
        {
            return false;
        }
        final int entry = nextEntryOffset;
        final int signatureOffset = frameOffset + BatchDescriptor.signatureOffset(frameLength);
        final int length;
        if (entry > signatureOffset - BatchDescriptor.ENTRY_HEADER_LENGTH ||
            (length = buffer.getInt(entry + BatchDescriptor.ENTRY_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN)) < 0 ||
            length > signatureOffset - entry - BatchDescriptor.ENTRY_HEADER_LENGTH)
        {
            // Only reachable through wrapValidated with a frame that was not validated: stop at the signature.
            entryIndex = count;
            return false;
        }
        entryTopic = buffer.getShort(entry + BatchDescriptor.ENTRY_TOPIC_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        entryLength = length;
        entryOffset = entry + BatchDescriptor.ENTRY_HEADER_LENGTH;
        nextEntryOffset = entryOffset + length;
        entryIndex++;
        return true;
    }

    /**
     * @return the current entry's topic (0..65535).
     */
    public int entryTopic()
    {
        return entryTopic;
    }

    /**
     * @return the current entry's first byte, absolute in {@link #buffer()}.
     */
    public int entryOffset()
    {
        return entryOffset;
    }

    /**
     * @return the current entry's length.
     */
    public int entryLength()
    {
        return entryLength;
    }

    /**
     * @return the wrapped buffer.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return the frame's first byte in {@link #buffer()}.
     */
    public int frameOffset()
    {
        return frameOffset;
    }

    /**
     * @return the whole frame length.
     */
    public int frameLength()
    {
        return frameLength;
    }

    /**
     * @return the origin id.
     */
    public long originId()
    {
        return buffer.getLong(frameOffset + BatchDescriptor.ORIGIN_ID_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @return the batch sequence.
     */
    public long batchSeq()
    {
        return buffer.getLong(frameOffset + BatchDescriptor.BATCH_SEQ_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @return the origin's timestamp in epoch millis.
     */
    public long timestampMillis()
    {
        return buffer.getLong(frameOffset + BatchDescriptor.TIMESTAMP_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @return the entry count.
     */
    public int count()
    {
        return count;
    }

    /**
     * @return absolute offset of the 64-byte signature in {@link #buffer()}.
     */
    public int signatureOffset()
    {
        return frameOffset + BatchDescriptor.signatureOffset(frameLength);
    }
}
