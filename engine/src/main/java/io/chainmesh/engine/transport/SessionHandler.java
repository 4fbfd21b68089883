package io.chainmesh.engine.transport;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.control.Close;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.frame.FrameDecoder;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.codec.ping.PingDescriptor;
import io.chainmesh.engine.EngineCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.ScheduledFuture;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Handles an authenticated link: dispatches DIRECT frames to the node, answers PING, measures RTT from
 * PONG, closes on CLOSE, sends heartbeats and closes the link with HEARTBEAT_TIMEOUT when the peer stops
 * answering. Resumes the outbound drain when the channel becomes writable again.
 * <p>
 * DIRECT frames, the hot path, do not travel the pipeline: once added, this handler asks the
 * {@link FrameDecoder} (plaintext link) or the {@link RecordOpener} (encrypted link) directly in front of it
 * to hand them over in place ({@link FrameDecoder#inPlace}, {@link RecordOpener#inPlace}), all complete
 * frames of a read (or of an opened record) in one pass, with no slice, reference count or
 * {@code channelRead} per frame. Every other frame type still arrives through {@link #channelRead}, in
 * order with them. If any other handler sits between the decoder and this one when it is added, DIRECT
 * frames keep arriving as slices through it (a handler inserted between them later must clear the
 * decoder's in-place handler first). Traffic statistics are accumulated in plain fields and published
 * once per read ({@code channelReadComplete}).
 * <p>
 * One instance per channel; runs on that channel's IO thread only.
 */
public final class SessionHandler extends ChannelInboundHandlerAdapter
{
    /** Name in the pipeline. */
    public static final String NAME = "session";

    /**
     * Most bytes of DIRECT frames held while the link is not decided on yet; a frame read beyond this is dropped
     * and counted as {@link EngineCounters.DirectRefusal#UNREGISTERED_LINK}. Reading stops at the first frame held,
     * but the frames the current read completes are handled all the same: up to a read (64 KiB) and what was
     * buffered before it (a record or a partial frame). This holds all of that, so nothing is dropped while the
     * reads stop.
     */
    public static final int MAX_HELD_DIRECT_BYTES = 256 * 1024;

    private final LinkConfig config;
    private final Link link;
    private ScheduledFuture<?> heartbeatTask;
    private boolean closedReported;
    private CloseReason receivedReason;
    private boolean reset;
    // What the previous heartbeat tick saw (IO thread only).
    private long framesAtTick;
    private long writtenAtTick;
    private long pendingAtTick;
    private long tickNs;
    private long readBytes;
    private long readFrames;
    private FrameDecoder decoder;
    private RecordOpener opener;
    private final FrameDecoder.InPlaceHandler directFrames = this::onDirectFrame;
    // Only for a DIRECT frame that arrives as a slice (no in-place decoder in the pipeline).
    private final UnsafeBuffer sliceView = new UnsafeBuffer(0, 0);
    // Until the connection manager has decided on the link (registered or refused it) and published its routes,
    // DIRECT frames are held here in arrival order: a handler replying to one delivered earlier would find no
    // route back to its sender. Reading pauses meanwhile (a plaintext decoder hands DIRECT frames over as slices
    // until then, so that it does not ask for the next read itself), and the hold is bounded.
    private boolean directOpen;
    // The link was refused for a reason that leaves the peer no member reachable over it: nothing of it is delivered.
    private boolean directRefused;
    // The held frames back to back, each with its length field (null while none is held).
    private ByteBuf heldDirect;
    private final UnsafeBuffer heldView = new UnsafeBuffer(0, 0);
    private ChannelHandlerContext context;

    /**
     * @param config node-wide settings.
     * @param link   the authenticated link.
     */
    public SessionHandler(final LinkConfig config, final Link link)
    {
        this.config = config;
        this.link = link;
    }

    /**
     * @return the authenticated link this handler serves.
     */
    public Link link()
    {
        return link;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        context = ctx;
        final long interval = config.heartbeatIntervalNs();
        tickNs = System.nanoTime();
        heartbeatTask = ctx.executor().scheduleAtFixedRate(() -> onHeartbeat(ctx), interval, interval,
            TimeUnit.NANOSECONDS);
        final io.netty.channel.ChannelHandler feeding = handlerFeeding(ctx);
        if (feeding instanceof FrameDecoder)
        {
            decoder = (FrameDecoder)feeding;
            decoder.inPlace(FrameType.DIRECT, directFrames);
        }
        else if (feeding instanceof RecordOpener)
        {
            opener = (RecordOpener)feeding;
            opener.inPlace(FrameType.DIRECT, directFrames);
        }
        if (!ctx.channel().isActive())
        {
            reportClosed(ctx);
        }
    }

    /**
     * The handler directly in front of this one: the frame decoder (plaintext link) or the record opener
     * (encrypted link) hand DIRECT frames over in place. Only then is the in-place path the same as the slice
     * path: any other handler in between must see every frame, so it is never bypassed; DIRECT frames then
     * arrive as slices.
     */
    private static io.netty.channel.ChannelHandler handlerFeeding(final ChannelHandlerContext ctx)
    {
        io.netty.channel.ChannelHandler previous = null;
        for (final java.util.Map.Entry<String, io.netty.channel.ChannelHandler> entry : ctx.pipeline())
        {
            if (entry.getValue() == ctx.handler())
            {
                return previous;
            }
            previous = entry.getValue();
        }
        return null;
    }

    private void onHeartbeat(final ChannelHandlerContext ctx)
    {
        if (link.suspended() || Closer.isClosing(ctx.channel()))
        {
            return;
        }
        final HeartbeatMonitor monitor = link.heartbeat();
        // The event loop schedules the ticks on the system's monotonic clock, so their spacing is measured on it.
        final long now = System.nanoTime();
        final boolean lateTick = now - tickNs < config.heartbeatIntervalNs() / 2;
        tickNs = now;
        final HeartbeatMonitor.Action action =
            monitor.onTick(peerHeard(ctx), lateTick, config.nanoClock().nanoTime());
        if (action == HeartbeatMonitor.Action.DEAD)
        {
            heartbeatTask.cancel(false);
            link.close(CloseReason.HEARTBEAT_TIMEOUT, "silent for " + monitor.missed() + " heartbeat intervals");
            return;
        }
        if (action == HeartbeatMonitor.Action.SEND_PING)
        {
            final ByteBuf ping = ctx.alloc().directBuffer(PingDescriptor.FRAME_LENGTH);
            PingDescriptor.writeFrame(ping, FrameType.PING, monitor.pingId());
            link.onWrite(PingDescriptor.FRAME_LENGTH);
            ctx.writeAndFlush(ping, ctx.voidPromise());
        }
    }

    /**
     * Whether the peer was heard since the previous tick, so the link needs no PING: it sent frames (any: its
     * PINGs too, and a PONG, which under load may wait behind megabytes of batches, is behind them), it took bytes
     * that were queued for it (our PING waits behind those), or this end is the one not reading (it holds frames its
     * pipeline cannot take yet). A peer that PINGs but reads nothing of ours is found by its own end: our PONGs
     * never reach it, so it closes the link.
     */
    private boolean peerHeard(final ChannelHandlerContext ctx)
    {
        final long frames = link.framesIn() + readFrames;
        final ChannelOutboundBuffer outbound = ctx.channel().unsafe().outboundBuffer();
        final long pending = null == outbound ? 0 : outbound.totalPendingWriteBytes();
        final long written = link.bytesOut() - pending;
        final boolean sent = frames != framesAtTick;
        final boolean took = pendingAtTick > 0 && written > writtenAtTick;
        framesAtTick = frames;
        writtenAtTick = written;
        pendingAtTick = pending;
        return sent || took || link.holdingInbound() || null != heldDirect;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final ByteBuf frame = (ByteBuf)msg;
        boolean release = true;
        try
        {
            final int length = frame.readableBytes();
            // Plain single-writer accumulation; published once per read batch in channelReadComplete.
            readBytes += length;
            readFrames++;
            final int type = Frames.type(frame);
            switch (type)
            {
                case FrameType.DIRECT:
                    if (directOpen)
                    {
                        config.events().onDirect(link, Frames.wrap(sliceView, frame), 0, length);
                    }
                    else
                    {
                        holdOrDropDirect(Frames.wrap(sliceView, frame), 0, length);
                    }
                    break;

                case FrameType.BATCH:
                case FrameType.DIGEST:
                case FrameType.WANT:
                case FrameType.WANT_MISS:
                    config.events().onBroadcast(link, frame);
                    break;

                case FrameType.PING:
                    PingDescriptor.checkFrame(frame);
                    if (Closer.isClosing(ctx.channel()))
                    {
                        // Read on after this end's CLOSE (a gentle close): nothing is written after it.
                        break;
                    }
                    PingDescriptor.toPong(frame);
                    link.onWrite(length);
                    release = false;
                    ctx.writeAndFlush(frame, ctx.voidPromise());
                    break;

                case FrameType.PONG:
                {
                    PingDescriptor.checkFrame(frame);
                    final HeartbeatMonitor monitor = link.heartbeat();
                    if (monitor.onPong(PingDescriptor.pingId(frame), config.nanoClock().nanoTime()))
                    {
                        config.counters().onRtt(monitor.rttLastNs());
                    }
                    break;
                }

                case FrameType.CLOSE:
                {
                    final Close close = ControlCodec.parseClose(frame);
                    config.counters().closesReceived(close.getReason()).increment();
                    receivedReason = close.getReason();
                    link.state(Link.State.CLOSED);
                    if (Closer.readsUntilPeerCloses(receivedReason) && !Closer.isClosing(ctx.channel()))
                    {
                        // The peer reads on until this end closes: what was accepted for the link still reaches it.
                        link.writeAccepted();
                        Closer.closeAfterWrites(ctx.channel());
                    }
                    else
                    {
                        ctx.close();
                    }
                    break;
                }

                default:
                    if (FrameType.isKnown(type))
                    {
                        // Known but not handled by this engine version (broadcast, repair): counted, not silent.
                        config.counters().framesUnhandled().increment();
                    }
                    else
                    {
                        link.close(CloseReason.PROTOCOL_VIOLATION, "unknown frame type " + FrameType.name(type));
                    }
                    break;
            }
        }
        catch (final CodecException ex)
        {
            link.close(CloseReason.PROTOCOL_VIOLATION, ex.getMessage());
        }
        finally
        {
            if (release)
            {
                frame.release();
            }
        }
    }

    private void onDirectFrame(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        readBytes += length;
        readFrames++;
        if (directOpen)
        {
            config.events().onDirect(link, buffer, offset, length);
        }
        else
        {
            holdOrDropDirect(buffer, offset, length);
        }
    }

    /**
     * A DIRECT frame read before the link was decided on: copied and held (reading stops until the decision) while
     * the hold has room; dropped and counted when it has none or the link was refused.
     */
    private void holdOrDropDirect(final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        final int held = null == heldDirect ? 0 : heldDirect.readableBytes();
        if (directRefused || held + length > MAX_HELD_DIRECT_BYTES)
        {
            config.counters().directRefused(EngineCounters.DirectRefusal.UNREGISTERED_LINK).increment();
            return;
        }
        if (null == heldDirect)
        {
            heldDirect = context.alloc().directBuffer(Math.max(length, 4096), MAX_HELD_DIRECT_BYTES);
        }
        heldDirect.ensureWritable(length);
        buffer.getBytes(offset, heldDirect.nioBuffer(heldDirect.writerIndex(), length), length);
        heldDirect.writerIndex(heldDirect.writerIndex() + length);
        context.channel().config().setAutoRead(false);
        if (null != decoder)
        {
            // A decoder that consumed a whole read in place asks for the next one even with reading paused (it
            // fired nothing, so it assumes nobody else will ask): until the decision, DIRECT frames come as slices.
            decoder.inPlace(FrameType.DIRECT, null);
        }
    }

    /**
     * The connection manager decided on the link and published the routes that follow, or the channel closed first.
     * Delivered ({@code deliver}: it registered the link, or refused it as a duplicate of one that stays, or the
     * channel closed undecided): the DIRECT frames held until then go to the node in order, and from now on every
     * one as it arrives. Refused for a reason that leaves the peer no member reachable over it (not a member, not an
     * expected link): the frames held are released and counted as
     * {@link EngineCounters.DirectRefusal#UNREGISTERED_LINK}, and so is every one read from now on. Only the first
     * decision counts. IO thread (see {@link Link#openDirect()}, {@link Link#refuseDirect()}).
     *
     * @param deliver true to deliver, false to drop and count.
     */
    void decideDirect(final boolean deliver)
    {
        if (directOpen || directRefused)
        {
            return;
        }
        directOpen = deliver;
        directRefused = !deliver;
        final ByteBuf held = heldDirect;
        heldDirect = null;
        if (null != held)
        {
            try
            {
                final UnsafeBuffer frames = Frames.wrap(heldView, held);
                final int end = held.readableBytes();
                for (int offset = 0; offset < end; )
                {
                    final int length = Link.frameLength(frames, offset);
                    if (deliver)
                    {
                        config.events().onDirect(link, frames, offset, length);
                    }
                    else
                    {
                        config.counters().directRefused(EngineCounters.DirectRefusal.UNREGISTERED_LINK).increment();
                    }
                    offset += length;
                }
            }
            finally
            {
                held.release();
            }
        }
        if (null != decoder && !closedReported)
        {
            decoder.inPlace(FrameType.DIRECT, directFrames);
        }
        publishReadStats();
        resumeReadingAfterDecision();
    }

    private void resumeReadingAfterDecision()
    {
        final io.netty.channel.Channel channel = context.channel();
        final CloseReason sent = Closer.sentReason(channel);
        final boolean readsOn = null == sent || Closer.readsUntilPeerCloses(sent);
        if (channel.isActive() && readsOn && !link.suspended() && !link.holdingInbound())
        {
            channel.config().setAutoRead(true);
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        publishReadStats();
        ctx.fireChannelReadComplete();
    }

    private void publishReadStats()
    {
        if (readFrames > 0)
        {
            link.onRead(readBytes, readFrames);
            config.counters().bytesIn().getAndAdd(readBytes);
            config.counters().framesIn().getAndAdd(readFrames);
            readBytes = 0;
            readFrames = 0;
        }
        final int delivered = link.takeDelivered();
        if (delivered > 0)
        {
            config.counters().directReceived().getAndAdd(delivered);
        }
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx)
    {
        if (ctx.channel().isWritable())
        {
            link.scheduleDrain();
            link.onWritableOrClosed();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        link.releaseHeld();
        reportClosed(ctx);
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        if (null != decoder)
        {
            decoder.inPlace(FrameType.DIRECT, null);
        }
        if (null != opener)
        {
            opener.inPlace(FrameType.DIRECT, null);
        }
        reportClosed(ctx);
    }

    private void reportClosed(final ChannelHandlerContext ctx)
    {
        if (closedReported)
        {
            return;
        }
        closedReported = true;
        // Frames of a peer that closed before the link was decided on are still its messages to this node (none
        // are held once the link was refused).
        decideDirect(true);
        publishReadStats();
        if (null != heartbeatTask)
        {
            heartbeatTask.cancel(false);
        }
        countEnd(ctx.channel());
        link.state(Link.State.CLOSED);
        link.discardQueued();
        link.onWritableOrClosed();
        config.events().onLinkClosed(link);
    }

    /** Counts how a registered link ended: the reason of the CLOSE sent or received, else a reset or EOF. */
    private void countEnd(final io.netty.channel.Channel channel)
    {
        if (!link.registered())
        {
            return;
        }
        final CloseReason sent = Closer.sentReason(channel);
        final CloseReason reason = null != sent ? sent : receivedReason;
        if (null != reason)
        {
            config.counters().linksEnded(reason).increment();
        }
        else
        {
            config.counters().linksEnded(reset ? EngineCounters.LinkEnd.RESET : EngineCounters.LinkEnd.EOF).increment();
        }
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event)
    {
        if (event instanceof ChannelInputShutdownEvent)
        {
            // The peer's end of stream read while the handshake still allowed half-closure.
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        final Throwable root = cause instanceof DecoderException && null != cause.getCause() ? cause.getCause() : cause;
        final String message = String.valueOf(root.getMessage());
        if (root instanceof IOException)
        {
            // The peer reset the connection (it died or was killed): nobody reads a CLOSE now, and it is no error.
            reset = true;
            link.state(Link.State.CLOSED);
            ctx.close();
        }
        else if (root instanceof CodecException)
        {
            link.close(message.contains("exceeds limit") ? CloseReason.FRAME_TOO_LARGE : CloseReason.PROTOCOL_VIOLATION,
                message);
        }
        else
        {
            config.counters().errors().increment();
            link.close(CloseReason.PROTOCOL_VIOLATION, root.getClass().getSimpleName() + ": " + message);
        }
    }
}
