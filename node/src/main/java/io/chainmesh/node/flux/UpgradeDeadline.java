package io.chainmesh.node.flux;

import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Ends a connection that has not completed its WebSocket upgrade within a fixed time of becoming active, however it
 * trickles bytes in: a read timeout would let a peer that sends a byte now and then hold the connection, and its
 * descriptor, for as long as it likes. On expiry it fires a {@link ChannelException} (the handler behind it counts
 * the failure) and closes. Removed from the pipeline once the upgrade completes, or with the rest of it when the
 * connection closes: either way it then gives back the connection's place among those not yet upgraded. Event loop
 * only.
 */
final class UpgradeDeadline extends ChannelInboundHandlerAdapter
{
    /** The deadline's name in a pipeline, by which the upgrade's end removes it. */
    static final String HANDLER_NAME = "upgrade-timeout";

    private final long timeoutMs;
    private Runnable onRemoved;
    private ScheduledFuture<?> deadline;

    /**
     * @param timeoutMs time from the connection becoming active to the end of its upgrade, at most.
     * @param onRemoved run once when the deadline leaves the pipeline (upgraded or closed); null for nothing.
     */
    UpgradeDeadline(final long timeoutMs, final Runnable onRemoved)
    {
        this.timeoutMs = timeoutMs;
        this.onRemoved = onRemoved;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        if (ctx.channel().isActive())
        {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx)
    {
        arm(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        if (null != deadline)
        {
            deadline.cancel(false);
        }
        final Runnable task = onRemoved;
        onRemoved = null;
        if (null != task)
        {
            task.run();
        }
    }

    private void arm(final ChannelHandlerContext ctx)
    {
        if (null == deadline)
        {
            deadline = ctx.executor().schedule(() -> expire(ctx), timeoutMs, TimeUnit.MILLISECONDS);
        }
    }

    private void expire(final ChannelHandlerContext ctx)
    {
        if (ctx.isRemoved() || !ctx.channel().isOpen())
        {
            return;
        }
        ctx.fireExceptionCaught(new ChannelException("no WebSocket upgrade within " + timeoutMs + " ms"));
        ctx.close();
    }
}
