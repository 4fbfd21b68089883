package io.chainmesh.engine.transport;

import io.chainmesh.codec.record.RecordCipher;
import io.chainmesh.codec.record.RecordDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * Outbound half of the record layer, first in the pipeline after this end's AUTH: every byte written
 * after that is sealed. Written buffers are copied into an open record (a pooled heap buffer, so the
 * JDK ciphers run their array code in place); the record is sealed and written when it is full or at
 * the next flush. The Link's drain writes and flushes once per drain, so a burst of small frames costs
 * one AEAD tag per flushed 16 KiB (by default), not one per message.
 * <p>
 * Rekey: the record that reaches {@code rekeyAfterRecords} or {@code rekeyAfterBytes} under the current
 * key is flagged KEY_UPDATE and both ends move to the next key after it.
 * <p>
 * Consumes (releases) every written {@link ByteBuf}; anything else is refused and released. A write's
 * promise completes with the write of the record holding its last byte. One instance per channel, IO
 * thread only.
 */
public final class RecordSealer extends ChannelOutboundHandlerAdapter
{
    /** Name in the pipeline. */
    public static final String NAME = "recordSealer";

    private final RecordCipher cipher;
    private final int maxPlaintext;
    private final long rekeyAfterRecords;
    private final long rekeyAfterBytes;
    private final RecordCounters counters;
    private final List<ChannelPromise> pending = new ArrayList<>(2);
    private ByteBuf open;
    // Set when sealing failed: the link is closing and nothing more is written.
    private boolean failed;
    private long recordsUnderKey;
    private long bytesUnderKey;

    /**
     * @param cipher   this end's sealing cipher.
     * @param settings record size and rekey limits.
     * @param counters where sealed records and rekeys are counted.
     */
    public RecordSealer(final RecordCipher cipher, final RecordSettings settings, final RecordCounters counters)
    {
        this.cipher = cipher;
        this.maxPlaintext = settings.maxRecordPlaintext();
        this.rekeyAfterRecords = settings.rekeyAfterRecords();
        this.rekeyAfterBytes = settings.rekeyAfterBytes();
        this.counters = counters;
    }

    @Override
    public void write(final ChannelHandlerContext ctx, final Object msg, final ChannelPromise promise)
    {
        if (!(msg instanceof ByteBuf))
        {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new IllegalArgumentException("an encrypted link carries only ByteBufs, not " +
                msg.getClass().getName()));
            return;
        }
        final ByteBuf in = (ByteBuf)msg;
        if (failed)
        {
            in.release();
            promise.tryFailure(new java.nio.channels.ClosedChannelException());
            return;
        }
        try
        {
            int index = in.readerIndex();
            int remaining = in.readableBytes();
            if (remaining == 0 && !promise.isVoid())
            {
                pending.add(promise);
            }
            while (remaining > 0)
            {
                if (null == open)
                {
                    open = ctx.alloc().heapBuffer(RecordDescriptor.OVERHEAD + maxPlaintext);
                    open.writerIndex(RecordDescriptor.CIPHERTEXT_OFFSET);
                }
                final int room = maxPlaintext - (open.writerIndex() - RecordDescriptor.CIPHERTEXT_OFFSET);
                final int n = Math.min(room, remaining);
                open.writeBytes(in, index, n);
                index += n;
                remaining -= n;
                if (remaining == 0 && !promise.isVoid())
                {
                    pending.add(promise);
                }
                if (n == room)
                {
                    sealAndWrite(ctx);
                }
            }
        }
        finally
        {
            in.release();
        }
    }

    @Override
    public void flush(final ChannelHandlerContext ctx)
    {
        if (null != open)
        {
            sealAndWrite(ctx);
        }
        else if (!pending.isEmpty())
        {
            // Only empty writes are waiting: nothing to seal for them.
            for (final ChannelPromise promise : pending)
            {
                promise.trySuccess();
            }
            pending.clear();
        }
        ctx.flush();
    }

    private void sealAndWrite(final ChannelHandlerContext ctx)
    {
        final ByteBuf record = open;
        open = null;
        final int plaintext = record.writerIndex() - RecordDescriptor.CIPHERTEXT_OFFSET;
        final boolean keyUpdate = recordsUnderKey + 1 >= rekeyAfterRecords || bytesUnderKey + plaintext >= rekeyAfterBytes;
        final int length;
        try
        {
            length = cipher.seal(record, 0, plaintext, keyUpdate);
        }
        catch (final Throwable ex)
        {
            // Fatal for the link: the bytes of this record (other writers' frames among them) are gone, and
            // sealing on would splice the stream, every record with a valid tag.
            failed = true;
            record.release();
            for (final ChannelPromise promise : pending)
            {
                promise.tryFailure(ex);
            }
            pending.clear();
            ctx.channel().close();
            throw ex;
        }
        record.writerIndex(length);
        if (keyUpdate)
        {
            recordsUnderKey = 0;
            bytesUnderKey = 0;
            counters.rekeysSent().increment();
        }
        else
        {
            recordsUnderKey++;
            bytesUnderKey += plaintext;
        }
        counters.recordsSealed().increment();
        ctx.write(record, promiseFor(ctx));
    }

    private ChannelPromise promiseFor(final ChannelHandlerContext ctx)
    {
        final int waiting = pending.size();
        if (waiting == 0)
        {
            return ctx.voidPromise();
        }
        // Never the caller's own promise: if it were already done or cancelled Netty would drop the record
        // unwritten, with the sequence already advanced, and the peer's next tag check would fail.
        final ChannelPromise[] promises = pending.toArray(new ChannelPromise[0]);
        pending.clear();
        final ChannelPromise combined = ctx.newPromise();
        combined.addListener(future ->
        {
            for (final ChannelPromise promise : promises)
            {
                if (future.isSuccess())
                {
                    promise.trySuccess();
                }
                else
                {
                    promise.tryFailure(future.cause());
                }
            }
        });
        return combined;
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        if (null != open)
        {
            open.release();
            open = null;
        }
        for (final ChannelPromise promise : pending)
        {
            promise.tryFailure(new java.nio.channels.ClosedChannelException());
        }
        pending.clear();
    }
}
