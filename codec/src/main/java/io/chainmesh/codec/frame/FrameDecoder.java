package io.chainmesh.codec.frame;

import io.chainmesh.codec.CodecException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

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
 * Not sharable: one instance per channel, used only by that channel's event loop thread.
 */
public final class FrameDecoder extends ByteToMessageDecoder
{
    private int maxFrameLength;
    private boolean failed;

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
     * @return true once bad input has been seen; all later input is discarded.
     */
    public boolean isFailed()
    {
        return failed;
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
