package io.chainmesh.engine.transport;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.frame.FrameDecoder;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.record.RecordCipher;
import io.chainmesh.codec.record.RecordDescriptor;
import io.chainmesh.engine.EngineCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;

/**
 * Inbound half of the record layer, installed right behind the connection's {@link FrameDecoder} when the
 * peer's AUTH arrives. That decoder keeps splitting the stream across the switch (a record is a frame of
 * type RECORD), so no buffered byte needs re-routing: every frame it emits after the peer's AUTH is a
 * record, and its limit is lowered to the largest record.
 * <p>
 * Each record's ciphertext is copied to the end of one plaintext buffer (pooled heap, so the JDK ciphers
 * run their array code), verified and decrypted there in place, and the frames now complete in that
 * buffer are passed on as retained slices, exactly as {@link FrameDecoder} emits them (the consumer
 * releases each). A frame may span records; its length field is checked against {@code maxFrameLength}
 * as soon as its 4 bytes are decrypted.
 * <p>
 * Any failure closes the link and passes on nothing of that record or any later one: a malformed record
 * (type, flags, length outside the record limits) or a stream ending inside a record gives
 * CLOSE(RECORD_MALFORMED), a tag that does not verify (tampering, truncation, replay, reordering: the
 * sequence number is part of the nonce) CLOSE(RECORD_AUTHENTICATION_FAILED), each counted by kind. A bad
 * plaintext frame length is handed on as the {@link FrameDecoder} would raise it (a
 * {@link DecoderException} wrapping a {@link CodecException}).
 * <p>
 * Consumes (releases) every record it reads. One instance per channel, IO thread only.
 */
public final class RecordOpener extends ChannelInboundHandlerAdapter
{
    /** Name in the pipeline. */
    public static final String NAME = "recordOpener";
    private static final int INITIAL_CAPACITY = 2 * RecordDescriptor.MAX_LENGTH_FIELD;

    private final RecordCipher cipher;
    private final EngineCounters counters;
    private final int maxFrameLength;
    private ByteBuf plaintext;
    private boolean failed;
    private long opened;
    private final org.agrona.concurrent.UnsafeBuffer view = new org.agrona.concurrent.UnsafeBuffer(0, 0);
    private int inPlaceType = -1;
    private FrameDecoder.InPlaceHandler inPlaceHandler;

    /**
     * @param cipher         this end's opening cipher.
     * @param counters       the node's counters.
     * @param maxFrameLength largest length field of a plaintext frame.
     */
    public RecordOpener(final RecordCipher cipher, final EngineCounters counters, final int maxFrameLength)
    {
        this.cipher = cipher;
        this.counters = counters;
        this.maxFrameLength = FrameDescriptor.checkMaxFrameLength(maxFrameLength);
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final ByteBuf record = (ByteBuf)msg;
        try
        {
            if (failed)
            {
                return;
            }
            final int length = record.readableBytes();
            prepare(ctx, length);
            final int n = cipher.open(record, record.readerIndex(), length, plaintext, plaintext.writerIndex());
            if (n == RecordCipher.AUTHENTICATION_FAILED)
            {
                fail(ctx, RecordCounters.Failure.AUTHENTICATION, CloseReason.RECORD_AUTHENTICATION_FAILED,
                    "record " + opened + " (" + length + " bytes, key epoch " + cipher.keyEpoch() +
                    ") does not authenticate");
                return;
            }
            opened++;
            plaintext.writerIndex(plaintext.writerIndex() + n);
            counters.records().recordsOpened().increment();
            if ((record.getByte(record.readerIndex() + RecordDescriptor.HEADER_LENGTH - 1) &
                RecordDescriptor.FLAG_KEY_UPDATE) != 0)
            {
                counters.records().rekeysReceived().increment();
            }
        }
        catch (final CodecException ex)
        {
            fail(ctx, RecordCounters.Failure.MALFORMED, CloseReason.RECORD_MALFORMED, ex.getMessage());
            return;
        }
        catch (final RuntimeException | Error ex)
        {
            // Anything else (an allocation, the JDK's cipher) also ends opening: nothing after this record is
            // trusted, whatever the session does with the exception.
            failed = true;
            release();
            throw ex;
        }
        finally
        {
            record.release();
        }
        emitFrames(ctx);
    }

    /** Makes room for a record's ciphertext at the end of the plaintext buffer. */
    private void prepare(final ChannelHandlerContext ctx, final int needed)
    {
        if (null == plaintext)
        {
            plaintext = ctx.alloc().heapBuffer(Math.max(needed, INITIAL_CAPACITY));
            return;
        }
        final boolean shared = plaintext.refCnt() != 1;
        if (!shared && !plaintext.isReadable())
        {
            if (plaintext.capacity() > 4 * INITIAL_CAPACITY)
            {
                // A large frame grew it and is consumed now: give the memory back (a link keeps this buffer for
                // life, and a node has many links).
                plaintext.release();
                plaintext = ctx.alloc().heapBuffer(Math.max(needed, INITIAL_CAPACITY));
                return;
            }
            plaintext.clear();
        }
        if (plaintext.writableBytes() >= needed)
        {
            return;
        }
        if (!shared)
        {
            plaintext.discardReadBytes();
            plaintext.ensureWritable(needed);
            return;
        }
        // Frames already passed on still point into this buffer (a consumer holds them): leave it to
        // them and carry the partial frame over to a fresh one.
        final ByteBuf next = ctx.alloc().heapBuffer(Math.max(plaintext.readableBytes() + needed, INITIAL_CAPACITY));
        next.writeBytes(plaintext);
        plaintext.release();
        plaintext = next;
    }

    /** @return the capacity of the buffer frames are opened into, 0 before the first record (for tests of its memory). */
    int bufferCapacity()
    {
        return null == plaintext ? 0 : plaintext.capacity();
    }

    /**
     * Hands opened frames of {@code frameType} to {@code handler} in place, as {@link FrameDecoder#inPlace} does
     * for a plaintext link: a view over the opened bytes, no slice or pipeline event per frame; {@code null}
     * restores slices. Order with frames of other types is kept. Event loop thread only.
     *
     * @param frameType a frame type (u8).
     * @param handler   the handler, or null.
     * @throws IllegalArgumentException if the type is not a u8.
     */
    public void inPlace(final int frameType, final FrameDecoder.InPlaceHandler handler)
    {
        if (frameType < 0 || frameType > 0xFF)
        {
            throw new IllegalArgumentException("frameType=" + frameType + " must be in [0, 255]");
        }
        this.inPlaceType = null == handler ? -1 : frameType;
        this.inPlaceHandler = handler;
    }

    /**
     * @param frameType a frame type.
     * @return true if frames of that type are handed over in place.
     */
    public boolean isInPlace(final int frameType)
    {
        return null != inPlaceHandler && inPlaceType == frameType;
    }

    private void emitFrames(final ChannelHandlerContext ctx)
    {
        while (!failed && null != plaintext)
        {
            final int readable = plaintext.readableBytes();
            if (readable < FrameDescriptor.LENGTH_FIELD_LENGTH)
            {
                return;
            }
            final int start = plaintext.readerIndex();
            final int lengthField = plaintext.getInt(start);
            try
            {
                FrameDescriptor.checkLengthField(lengthField, maxFrameLength);
            }
            catch (final CodecException ex)
            {
                failed = true;
                ctx.fireExceptionCaught(new DecoderException(ex));
                return;
            }
            final int frameLength = FrameDescriptor.LENGTH_FIELD_LENGTH + lengthField;
            if (readable < frameLength)
            {
                return;
            }
            final FrameDecoder.InPlaceHandler handler = inPlaceHandler;
            if (null != handler && plaintext.hasArray() &&
                (plaintext.getByte(start + FrameDescriptor.TYPE_OFFSET) & 0xFF) == inPlaceType)
            {
                view.wrap(plaintext.array(), plaintext.arrayOffset() + start, frameLength);
                try
                {
                    handler.onFrame(view, 0, frameLength);
                }
                finally
                {
                    plaintext.skipBytes(frameLength);
                }
                continue;
            }
            final ByteBuf frame = plaintext.retainedSlice(start, frameLength);
            plaintext.skipBytes(frameLength);
            ctx.fireChannelRead(frame);
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        // Only the connection's frame decoder is upstream: its failures are record framing failures.
        final Throwable root = cause instanceof DecoderException && null != cause.getCause() ? cause.getCause() : cause;
        if (root instanceof CodecException)
        {
            final String message = String.valueOf(root.getMessage());
            fail(ctx, message.startsWith("stream ended inside") ? RecordCounters.Failure.TRUNCATED :
                RecordCounters.Failure.MALFORMED, CloseReason.RECORD_MALFORMED, "record " + message);
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void fail(
        final ChannelHandlerContext ctx, final RecordCounters.Failure failure, final CloseReason reason, final String text)
    {
        if (failed)
        {
            return;
        }
        failed = true;
        release();
        counters.records().failures(failure).increment();
        Closer.close(ctx.channel(), reason, text, counters);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        release();
    }

    private void release()
    {
        if (null != plaintext)
        {
            plaintext.release();
            plaintext = null;
        }
    }

    /**
     * @return true once a record failed; nothing more is passed on.
     */
    public boolean isFailed()
    {
        return failed;
    }
}
