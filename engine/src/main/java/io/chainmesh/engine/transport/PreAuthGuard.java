package io.chainmesh.engine.transport;

import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.engine.EngineCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * First handler of an unauthenticated connection: counts raw bytes and closes the connection with
 * PROTOCOL_VIOLATION once the peer has sent more than {@code maxPreAuthBytes} before authenticating,
 * so an unauthenticated peer can make us buffer only a few KiB. Removed when the handshake succeeds.
 */
public final class PreAuthGuard extends ChannelInboundHandlerAdapter
{
    /** Name in the pipeline. */
    public static final String NAME = "preAuthGuard";

    private final int maxPreAuthBytes;
    private final EngineCounters counters;
    private Runnable onRemoved;
    private long received;

    /**
     * @param maxPreAuthBytes budget.
     * @param counters        where refusals are counted.
     */
    public PreAuthGuard(final int maxPreAuthBytes, final EngineCounters counters)
    {
        this(maxPreAuthBytes, counters, null);
    }

    /**
     * @param maxPreAuthBytes budget.
     * @param counters        where refusals are counted.
     * @param onRemoved       run once when the guard leaves the pipeline, that is when the connection authenticates
     *                        or closes (gives back its {@link Admission} place); null for nothing.
     */
    public PreAuthGuard(final int maxPreAuthBytes, final EngineCounters counters, final Runnable onRemoved)
    {
        this.maxPreAuthBytes = maxPreAuthBytes;
        this.counters = counters;
        this.onRemoved = onRemoved;
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        final Runnable task = onRemoved;
        onRemoved = null;
        if (null != task)
        {
            task.run();
        }
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final ByteBuf buf = (ByteBuf)msg;
        received += buf.readableBytes();
        counters.bytesIn().getAndAdd(buf.readableBytes());
        if (received > maxPreAuthBytes)
        {
            buf.release();
            Closer.refuse(ctx.channel(), CloseReason.PROTOCOL_VIOLATION,
                "pre-auth bytes " + received + " exceed maxPreAuthBytes " + maxPreAuthBytes, counters);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
