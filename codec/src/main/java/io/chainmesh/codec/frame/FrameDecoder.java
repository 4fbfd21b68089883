package io.chainmesh.codec.frame;

import io.chainmesh.codec.CodecException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.List;

/**
 * Splits a byte stream into chainmesh frames ({@code u32 length · u8 type · u8 flags · body}).
 * <p>
 * Each emitted message is a <b>retained slice of the whole frame, header included</b>: the handler
 * downstream reads the type at {@link FrameDescriptor#TYPE_OFFSET}, the flags at
 * {@link FrameDescriptor#FLAGS_OFFSET} and the body from {@link FrameDescriptor#BODY_OFFSET}
 * (relative to the slice's reader index, which is 0), and can forward the exact bytes unchanged.
 * <b>The consumer owns each emitted {@link ByteBuf} and must release it</b> (or pass it on to
 * something that does, such as {@code ctx.write}).
 * <p>
 * The length field is checked with {@link FrameDescriptor#checkLengthField(int, int)} as soon as its
 * four bytes have arrived, before the decoder waits for the body, so an oversized frame is refused
 * without buffering it. Bad input raises {@link CodecException}, which Netty delivers to
 * {@code exceptionCaught} wrapped in an {@link io.netty.handler.codec.DecoderException}
 * ({@code getCause()} is the {@code CodecException}). After the first error the decoder is failed:
 * it discards all further input and emits nothing more; the pipeline is expected to close the
 * channel. A stream that ends inside a frame raises a {@code CodecException} too, so a truncated
 * frame is never dropped silently.
 * <p>
 * <b>In place</b> ({@link #inPlace(int, InPlaceHandler)}): frames of one chosen type can instead be
 * handed to an {@link InPlaceHandler} as a view over the decoder's input (over a copy, for a frame that spans
 * two reads joined by {@link #joinReadsWithoutCopying()}), with no slice, no reference count change and no
 * pipeline event per frame; every complete frame of a read is handled in one pass.
 * Frames of other types are still emitted as slices, and the order of all frames is kept: a slice is
 * passed downstream before any later frame is looked at. Used for the hot path (DIRECT frames), where a
 * retained slice, its release and a {@code channelRead} per 94-byte frame cost more than the frame's
 * handling.
 * <p>
 * Not sharable: one instance per channel, used only by that channel's event loop thread.
 */
public final class FrameDecoder extends ByteToMessageDecoder
{
    /**
     * Receives frames of one type in place (see {@link FrameDecoder#inPlace(int, InPlaceHandler)}).
     */
    @FunctionalInterface
    public interface InPlaceHandler
    {
        /**
         * Called on the channel's event loop for each complete frame of the chosen type, in arrival order.
         * The frame's length field has been checked against the decoder's limit; nothing else has. The
         * bytes are consumed once the call returns (or throws), so the handler may modify them in place
         * (e.g. a hop limit before forwarding a copy); the view must not be kept or used after the call.
         *
         * @param buffer a view over the decoder's input, valid only during the call.
         * @param offset the frame's first byte (its length field) in {@code buffer}.
         * @param length the whole frame length, header included.
         */
        void onFrame(MutableDirectBuffer buffer, int offset, int length);
    }

    /**
     * Most reads a partial frame is held in as parts. A frame spans two or three reads under load; a peer dripping a
     * frame in small reads would otherwise pin a read buffer and a part per read, many times the frame's size.
     */
    public static final int MAX_JOINED_READS = 16;
    /**
     * Reads smaller than this are copied onto a partial frame held in one buffer, as Netty does by default: copying
     * them costs less than a part, and a frame dripped in small reads stays one buffer of about its size.
     */
    private static final int SMALL_READ = 2048;

    /**
     * Netty's composite cumulation for large reads, its copying one for small ones, and at most
     * {@link #MAX_JOINED_READS} parts: a read that would exceed them is copied, with the bytes not yet emitted, into
     * one buffer.
     */
    private static final Cumulator JOIN_READS = (alloc, cumulation, in) ->
    {
        if (!(cumulation instanceof CompositeByteBuf))
        {
            return in.readableBytes() < SMALL_READ ?
                MERGE_CUMULATOR.cumulate(alloc, cumulation, in) : COMPOSITE_CUMULATOR.cumulate(alloc, cumulation, in);
        }
        return ((CompositeByteBuf)cumulation).numComponents() < MAX_JOINED_READS ?
            COMPOSITE_CUMULATOR.cumulate(alloc, cumulation, in) : flatten(alloc, cumulation, in);
    };

    private int maxFrameLength;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer spanned = new UnsafeBuffer(new byte[256]);
    /** Input index up to which the in-place pass has consumed frames (handed over or emitted). */
    private int consumedTo;
    private boolean failed;
    private int inPlaceType = -1;
    private InPlaceHandler inPlaceHandler;

    /**
     * @param maxFrameLength largest accepted value of the length field (see
     *                       {@link FrameDescriptor#checkMaxFrameLength(int)}).
     * @throws IllegalArgumentException if out of range.
     */
    public FrameDecoder(final int maxFrameLength)
    {
        this.maxFrameLength = FrameDescriptor.checkMaxFrameLength(maxFrameLength);
    }

    /**
     * @return the largest accepted value of the length field.
     */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /**
     * Changes the limit for frames not yet started, e.g. to the record size once a connection switches to
     * encrypted records (the frames still arriving are then records). Event loop thread only.
     *
     * @param maxFrameLength new largest accepted value of the length field.
     * @return this.
     * @throws IllegalArgumentException if out of range.
     */
    public FrameDecoder maxFrameLength(final int maxFrameLength)
    {
        this.maxFrameLength = FrameDescriptor.checkMaxFrameLength(maxFrameLength);
        return this;
    }

    /**
     * Keeps a frame that spans reads as a composite of the reads' buffers, instead of copying each new read onto
     * the bytes already buffered (Netty's default, which under load copies nearly every read once more, since
     * nearly every read ends inside a frame). Frames emitted as slices may then be slices of a composite, which a
     * consumer reads with {@link ByteBuf}'s getters or copies out. The {@link #inPlace} handler still gets views of
     * contiguous memory: frames are walked over each read's own buffer, and only a frame that spans two reads is
     * copied, alone, into a scratch buffer. Small reads are still copied, and at most {@link #MAX_JOINED_READS} reads
     * are held as parts, so a frame dripped in small reads costs about its own size. Event loop thread only.
     *
     * @return this.
     */
    public FrameDecoder joinReadsWithoutCopying()
    {
        setCumulator(JOIN_READS);
        return this;
    }

    /**
     * Hands frames of {@code frameType} to {@code handler} in place instead of emitting slices; {@code null}
     * restores slices for every type. Takes effect from the next frame, even within the current read
     * (a handler that installs this while handling an emitted frame sees the frames that follow it).
     * Event loop thread only.
     *
     * @param frameType a frame type (u8).
     * @param handler   the handler, or null.
     * @throws IllegalArgumentException if the type is not a u8.
     */
    public void inPlace(final int frameType, final InPlaceHandler handler)
    {
        if (frameType < 0 || frameType > 0xFF)
        {
            throw new IllegalArgumentException("frameType=" + frameType + " must be in [0, 255]");
        }
        this.inPlaceType = null == handler ? -1 : frameType;
        this.inPlaceHandler = handler;
    }

    /**
     * @param frameType a frame type (u8).
     * @return true if frames of that type are handed to an in-place handler.
     */
    public boolean isInPlace(final int frameType)
    {
        return null != inPlaceHandler && inPlaceType == frameType;
    }

    /**
     * @return true once bad input has been seen; all later input is discarded.
     */
    public boolean isFailed()
    {
        return failed;
    }

    /**
     * @return buffers the bytes not yet emitted are held in: 0 or 1, or up to {@link #MAX_JOINED_READS} when reads
     *         are joined; for tests and metrics.
     */
    public int bufferedParts()
    {
        final ByteBuf buffered = internalBuffer();
        if (!buffered.isReadable())
        {
            return 0;
        }
        return buffered instanceof CompositeByteBuf ? ((CompositeByteBuf)buffered).numComponents() : 1;
    }

    /**
     * @return bytes received but not yet emitted as a frame (a partial frame), for tests and metrics.
     */
    public int bufferedBytes()
    {
        return actualReadableBytes();
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
    {
        if (failed)
        {
            in.skipBytes(in.readableBytes());
            return;
        }
        final int readable = in.readableBytes();
        if (readable < FrameDescriptor.LENGTH_FIELD_LENGTH)
        {
            return;
        }
        if (null != inPlaceHandler && (in.hasMemoryAddress() || in.hasArray() || in instanceof CompositeByteBuf))
        {
            decodeInPlace(in, out);
            return;
        }
        final int start = in.readerIndex();
        final int lengthField = in.getInt(start + FrameDescriptor.LENGTH_OFFSET);
        try
        {
            FrameDescriptor.checkLengthField(lengthField, maxFrameLength);
        }
        catch (final CodecException ex)
        {
            failed = true;
            in.skipBytes(readable);
            throw ex;
        }
        final int frameLength = FrameDescriptor.LENGTH_FIELD_LENGTH + lengthField;
        if (readable < frameLength)
        {
            return;
        }
        out.add(in.retainedSlice(start, frameLength));
        in.skipBytes(frameLength);
    }

    /**
     * Hands every complete frame of {@code in} to the in-place handler while its type is the in-place type; the
     * first frame of another type is emitted as a slice and ends the pass (the caller fires it downstream, then
     * calls again), so frames stay in order across both paths. Frames are walked over a view of the memory of the
     * buffer, or of each buffer of a composite in turn (reads joined without copying); a frame that spans two of
     * a composite's buffers is copied whole into a scratch buffer, which only such frames pay for.
     */
    private void decodeInPlace(final ByteBuf in, final List<Object> out)
    {
        final CompositeByteBuf joined = in instanceof CompositeByteBuf ? (CompositeByteBuf)in : null;
        final int end = in.writerIndex();
        consumedTo = in.readerIndex();
        try
        {
            while (end - consumedTo >= FrameDescriptor.LENGTH_FIELD_LENGTH)
            {
                if (null == joined)
                {
                    walkInPlace(in, 0, end);
                }
                else
                {
                    final int component = joined.toComponentIndex(consumedTo);
                    final int componentStart = joined.toByteIndex(component);
                    final ByteBuf memory = joined.internalComponent(component);
                    walkInPlace(memory, componentStart, Math.min(end, componentStart + memory.capacity()));
                }
                if (end - consumedTo < FrameDescriptor.LENGTH_FIELD_LENGTH)
                {
                    return;
                }
                // The walk stopped at a frame it could not hand over in place: incomplete, of another type, or
                // spanning two of a composite's buffers.
                final int frameOffset = consumedTo;
                final int lengthField = in.getInt(frameOffset + FrameDescriptor.LENGTH_OFFSET);
                if (lengthField < FrameDescriptor.MIN_LENGTH_FIELD || lengthField > maxFrameLength)
                {
                    failed = true;
                    consumedTo = end;
                    FrameDescriptor.checkLengthField(lengthField, maxFrameLength);
                }
                final int frameLength = FrameDescriptor.LENGTH_FIELD_LENGTH + lengthField;
                if (end - frameOffset < frameLength)
                {
                    return;
                }
                consumedTo += frameLength;
                final InPlaceHandler handler = inPlaceHandler;
                if (null != handler && (in.getByte(frameOffset + FrameDescriptor.TYPE_OFFSET) & 0xFF) == inPlaceType)
                {
                    handler.onFrame(spanning(in, frameOffset, frameLength), 0, frameLength);
                }
                else
                {
                    out.add(in.retainedSlice(frameOffset, frameLength));
                    return;
                }
            }
        }
        finally
        {
            in.readerIndex(consumedTo);
        }
    }

    /**
     * Hands the complete frames of the in-place type from {@link #consumedTo} up to {@code limit} to the handler
     * over one view of {@code memory}, whose index 0 is index {@code base} of the decoder's input; stops at the
     * first frame that is incomplete within the limit or of another type, and leaves {@link #consumedTo} there.
     */
    private void walkInPlace(final ByteBuf memory, final int base, final int limit)
    {
        final int start = consumedTo;
        final int length = limit - start;
        Frames.wrap(view, memory, start - base, length);
        int position = 0;
        while (length - position >= FrameDescriptor.LENGTH_FIELD_LENGTH)
        {
            final int lengthField = view.getInt(position + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
            final int frameLength = FrameDescriptor.LENGTH_FIELD_LENGTH + lengthField;
            final InPlaceHandler handler = inPlaceHandler;
            if (lengthField < FrameDescriptor.MIN_LENGTH_FIELD || lengthField > maxFrameLength ||
                length - position < frameLength || null == handler ||
                (view.getByte(position + FrameDescriptor.TYPE_OFFSET) & 0xFF) != inPlaceType)
            {
                // The caller checks the length, waits for the rest, or emits the frame.
                break;
            }
            final int frameOffset = position;
            position += frameLength;
            consumedTo = start + position;
            handler.onFrame(view, frameOffset, frameLength);
        }
    }

    /** A copy of a frame that spans two buffers of a composite, in the scratch buffer (grown as needed). */
    private MutableDirectBuffer spanning(final ByteBuf in, final int frameOffset, final int frameLength)
    {
        if (spanned.capacity() < frameLength)
        {
            spanned.wrap(new byte[Math.max(frameLength,
                Math.min(2 * spanned.capacity(), FrameDescriptor.LENGTH_FIELD_LENGTH + maxFrameLength))]);
        }
        in.getBytes(frameOffset, spanned.byteArray(), 0, frameLength);
        return spanned;
    }

    /**
     * One buffer holding the bytes not yet emitted and the new read. Consumes {@code in}, and {@code cumulation} on
     * success (on failure the decoder still owns it).
     */
    private static ByteBuf flatten(final ByteBufAllocator alloc, final ByteBuf cumulation, final ByteBuf in)
    {
        final ByteBuf flat = alloc.buffer(cumulation.readableBytes() + in.readableBytes());
        ByteBuf toRelease = flat;
        try
        {
            flat.writeBytes(cumulation, cumulation.readerIndex(), cumulation.readableBytes())
                .writeBytes(in, in.readerIndex(), in.readableBytes());
            toRelease = cumulation;
            return flat;
        }
        finally
        {
            toRelease.release();
            in.release();
        }
    }

    @Override
    protected void decodeLast(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
        throws Exception
    {
        // Normally callDecode has already taken every whole frame; loop anyway so none is lost.
        int before;
        do
        {
            before = in.readableBytes();
            decode(ctx, in, out);
        }
        while (!failed && in.isReadable() && in.readableBytes() < before);
        if (!failed && in.isReadable())
        {
            final int remaining = in.readableBytes();
            final String expected = remaining >= FrameDescriptor.LENGTH_FIELD_LENGTH ?
                String.valueOf(FrameDescriptor.LENGTH_FIELD_LENGTH + in.getInt(in.readerIndex())) : "at least 4";
            failed = true;
            in.skipBytes(remaining);
            throw new CodecException("stream ended inside a frame: " + remaining + " bytes of " + expected);
        }
    }
}
