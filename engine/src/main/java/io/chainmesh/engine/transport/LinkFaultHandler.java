package io.chainmesh.engine.transport;

import io.chainmesh.chain.MemberId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The {@link LinkFaults} of one connection, first in its pipeline (it sees the bytes as the socket delivers them).
 * What this node receives is held until it is due: {@code now + link latency + jitter}, later when a bandwidth cap
 * or a stall says so, and never before what arrived earlier (bytes are not reordered). Reads and writes to or from
 * a member this node is cut off from are dropped; a new outbound connection to one is closed when it becomes
 * active. Bytes still held when the connection closes are discarded, like data in flight on a reset connection.
 * More than {@link LinkFaults.Context#maxQueuedBytes} held resets the connection rather than grow.
 * <p>
 * Test-only; allocates per read. Confined to the channel's event loop.
 */
final class LinkFaultHandler extends ChannelDuplexHandler
{
    /** Name in the pipeline. */
    static final String NAME = "linkFaults";

    private record Held(ByteBuf bytes, long dueNs)
    {
    }

    private final LinkFaults faults;
    private final LinkFaults.Context settings;
    private final SplittableRandom random;
    private final long latencyNs;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private MemberId peer;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private long timerDueNs;
    private long lastDueNs;
    private long capFreeNs;
    private long heldBytes;

    LinkFaultHandler(final LinkFaults faults, final MemberId expectedPeer, final SplittableRandom random)
    {
        this.faults = faults;
        this.settings = faults.context();
        this.peer = expectedPeer;
        this.random = random;
        final long spread = settings.latencyMaxNs() - settings.latencyMinNs();
        this.latencyNs = settings.latencyMinNs() + (spread > 0 ? random.nextLong(spread + 1) : 0);
    }

    /**
     * @return the one-way latency this link adds.
     */
    long latencyNs()
    {
        return latencyNs;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        this.ctx = ctx;
        faults.register(this);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        faults.unregister(this);
        discardHeld();
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx)
    {
        if (faults.unreachable(peer))
        {
            faults.linksRefused.incrementAndGet();
            ctx.close();
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        discardHeld();
        ctx.fireChannelInactive();
    }

    /**
     * Takes ownership of {@code msg}: passes it on now or later, or releases it.
     */
    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (!(msg instanceof ByteBuf bytes))
        {
            ctx.fireChannelRead(msg);
            return;
        }
        if (faults.unreachable(peer()))
        {
            faults.bytesDropped.addAndGet(bytes.readableBytes());
            bytes.release();
            return;
        }
        final long now = settings.nanoClock().nanoTime();
        final int size = bytes.readableBytes();
        long sent = now;
        if (settings.bytesPerSecond() > 0)
        {
            // Transmission at the cap, then propagation: the cap spaces reads out, latency shifts them.
            capFreeNs = Math.max(now, capFreeNs) + size * TimeUnit.SECONDS.toNanos(1) / settings.bytesPerSecond();
            sent = capFreeNs;
        }
        final long jitter = settings.jitterNs() > 0 ? random.nextLong(settings.jitterNs() + 1) : 0;
        long due = sent + latencyNs + jitter;
        if (due - lastDueNs < 0)
        {
            due = lastDueNs;
        }
        lastDueNs = due;
        due = Math.max(due, faults.stalledUntil(now));
        if (held.isEmpty() && due - now <= 0)
        {
            ctx.fireChannelRead(bytes);
            return;
        }
        faults.bytesDelayed.addAndGet(size);
        held.addLast(new Held(bytes, due));
        heldBytes += size;
        if (heldBytes > settings.maxQueuedBytes())
        {
            faults.linksReset.incrementAndGet();
            ctx.close();
            return;
        }
        schedule(held.peekFirst().dueNs(), now);
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        // Held bytes get their own read-complete when released.
        if (held.isEmpty())
        {
            ctx.fireChannelReadComplete();
        }
    }

    /**
     * Takes ownership of {@code msg}: writes it on, or releases it when the peer is cut off.
     */
    @Override
    public void write(final ChannelHandlerContext ctx, final Object msg, final ChannelPromise promise)
    {
        if (faults.unreachable(peer()))
        {
            if (msg instanceof ByteBuf bytes)
            {
                faults.bytesDropped.addAndGet(bytes.readableBytes());
            }
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
            return;
        }
        ctx.write(msg, promise);
    }

    /** Called from any thread when a partition or stall changes. */
    void faultsChanged()
    {
        final ChannelHandlerContext c = ctx;
        if (null != c)
        {
            c.executor().execute(this::applyFaults);
        }
    }

    /**
     * Called from any thread: closes this connection if its peer is {@code member} (any peer when null).
     *
     * @param member the peer to reset, or null.
     */
    void resetIfPeer(final MemberId member)
    {
        final ChannelHandlerContext c = ctx;
        if (null != c)
        {
            c.executor().execute(() ->
            {
                if (null == member || member.equals(peer()))
                {
                    faults.linksReset.incrementAndGet();
                    c.close();
                }
            });
        }
    }

    private void applyFaults()
    {
        if (faults.unreachable(peer()))
        {
            discardHeld();
            return;
        }
        if (!held.isEmpty())
        {
            final long now = settings.nanoClock().nanoTime();
            schedule(Math.max(held.peekFirst().dueNs(), faults.stalledUntil(now)), now);
        }
    }

    private void schedule(final long dueNs, final long now)
    {
        if (null != timer)
        {
            if (timerDueNs - dueNs <= 0)
            {
                return;
            }
            timer.cancel(false);
        }
        timerDueNs = dueNs;
        timer = ctx.executor().schedule(this::release, Math.max(0, dueNs - now), TimeUnit.NANOSECONDS);
    }

    private void release()
    {
        timer = null;
        final long now = settings.nanoClock().nanoTime();
        final long stalledUntil = faults.stalledUntil(now);
        boolean released = false;
        while (!held.isEmpty() && stalledUntil - now <= 0 && held.peekFirst().dueNs() - now <= 0)
        {
            final Held next = held.pollFirst();
            heldBytes -= next.bytes().readableBytes();
            released = true;
            ctx.fireChannelRead(next.bytes());
        }
        if (released)
        {
            ctx.fireChannelReadComplete();
        }
        if (!held.isEmpty())
        {
            schedule(Math.max(held.peekFirst().dueNs(), stalledUntil), now);
        }
    }

    private void discardHeld()
    {
        if (null != timer)
        {
            timer.cancel(false);
            timer = null;
        }
        Held next;
        while (null != (next = held.pollFirst()))
        {
            next.bytes().release();
        }
        heldBytes = 0;
    }

    /** The member at the other end: the one dialled, or, for an inbound connection, the one authenticated. */
    private MemberId peer()
    {
        if (null == peer && null != ctx)
        {
            final SessionHandler session = ctx.pipeline().get(SessionHandler.class);
            if (null != session)
            {
                peer = session.link().remoteId();
            }
        }
        return peer;
    }
}
