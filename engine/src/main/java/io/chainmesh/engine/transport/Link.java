package io.chainmesh.engine.transport;

import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.crypto.NodeId;
import io.chainmesh.codec.direct.DirectDescriptor;
import io.chainmesh.codec.direct.DirectEncoder;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.engine.EngineCounters;
import io.chainmesh.engine.Status;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One authenticated connection to a member.
 * <p>
 * Outbound frames go through a many-to-one ring ({@link ManyToOneRingBuffer}) whose capacity is the
 * link's byte budget: any thread ({@code send} callers, relaying IO threads) claims space and writes a
 * whole frame in place, lock-free and allocation-free; a full ring is {@link Status#BACK_PRESSURED}.
 * The link's IO thread is the only reader: a drain task copies queued frames into pooled buffers,
 * writes them and flushes once per drain, which batches small messages into few syscalls under load.
 * The drain stops while the channel is not writable and resumes on writability.
 * <p>
 * Thread ownership: the ring is multi-producer / single-consumer (the IO thread); traffic statistics
 * are written only by the IO thread and read by anyone; {@link #state} is written by the IO thread
 * and the connection manager (both publish with a volatile write).
 */
public final class Link implements MessageHandler
{
    /** Link state, for the per-peer view. */
    public enum State
    {
        /** Authenticated, waiting for the connection manager to register it. */
        AUTHENTICATED,
        /** Registered: carries traffic and appears in routes. */
        ACTIVE,
        /** Closed or closing. */
        CLOSED
    }

    /** Ring record type of a DIRECT frame sent by this node (counted as "direct sent" when drained). */
    private static final int RECORD_TYPE_LOCAL = 1;
    /** Ring record type of a frame relayed for another member. */
    private static final int RECORD_TYPE_RELAY = 2;
    private static final int MAX_DRAIN_BYTES = 256 * 1024;
    private static final int OUT_BUFFER_BYTES = 64 * 1024;

    private final Channel channel;
    private final EventLoop eventLoop;
    private final NodeId remoteId;
    private final long remoteOriginId;
    private final boolean outbound;
    private final EngineCounters counters;
    private final HeartbeatMonitor heartbeat;
    private final ManyToOneRingBuffer ring;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    // Stateless for the MutableDirectBuffer overload used here, so shared by all producer threads.
    private final DirectEncoder encoder = new DirectEncoder();
    // IO-thread-only views: outView for this link's drain, inboundView for frames read on this link
    // (delivery to the application and copying into another link's queue when relaying).
    private final UnsafeBuffer outView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer inboundView = new UnsafeBuffer(0, 0);
    private volatile boolean suspended;
    private int delivered;
    private final int maxFrameLength;
    private ByteBuf out;
    private int drainedBytes;
    private int drainedFrames;
    private int drainedLocal;
    private volatile State state = State.AUTHENTICATED;
    private final java.util.ArrayDeque<ByteBuf> heldInbound = new java.util.ArrayDeque<>();
    private boolean retryScheduled;
    private volatile long bytesIn;
    private volatile long bytesOut;
    private volatile long framesIn;
    private volatile long framesOut;

    /**
     * @param channel             the authenticated channel.
     * @param remoteId            the peer.
     * @param outbound            true if this node dialled.
     * @param counters            the node's counters.
     * @param missedHeartbeats    unanswered PINGs before the link is dead.
     * @param outboundBudgetBytes ring capacity (power of two).
     * @param maxFrameLength      largest frame length field the peer accepts.
     */
    public Link(
        final Channel channel,
        final NodeId remoteId,
        final boolean outbound,
        final EngineCounters counters,
        final int missedHeartbeats,
        final int outboundBudgetBytes,
        final int maxFrameLength)
    {
        this.channel = channel;
        this.eventLoop = channel.eventLoop();
        this.remoteId = remoteId;
        this.remoteOriginId = remoteId.originId();
        this.outbound = outbound;
        this.counters = counters;
        this.heartbeat = new HeartbeatMonitor(missedHeartbeats);
        this.maxFrameLength = maxFrameLength;
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(outboundBudgetBytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /**
     * @return largest DIRECT payload this link can queue (bounded by the ring and the frame limit).
     */
    public int maxDirectPayload()
    {
        return Math.min(ring.maxMsgLength(), maxFrameLength + FrameDescriptor.LENGTH_FIELD_LENGTH) -
            DirectDescriptor.PAYLOAD_OFFSET;
    }

    /**
     * Queues a DIRECT frame. Any thread; lock-free; no allocation.
     *
     * @param destination   destination origin id.
     * @param source        source origin id.
     * @param hopLimit      hop limit.
     * @param payload       payload buffer.
     * @param payloadOffset payload offset.
     * @param payloadLength payload length (at most {@link #maxDirectPayload()}).
     * @return {@link Status#OK}, {@link Status#BACK_PRESSURED} or {@link Status#NO_ROUTE} if closed.
     */
    public long offerDirect(
        final long destination,
        final long source,
        final int hopLimit,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        if (state == State.CLOSED)
        {
            return Status.NO_ROUTE;
        }
        if (!channel.isWritable())
        {
            return Status.BACK_PRESSURED;
        }
        final int frameLength = DirectDescriptor.frameLength(payloadLength);
        final int index = ring.tryClaim(RECORD_TYPE_LOCAL, frameLength);
        if (index < 0)
        {
            return Status.BACK_PRESSURED;
        }
        final AtomicBuffer buffer = ring.buffer();
        try
        {
            encoder.encode(buffer, index, destination, source, hopLimit, payload, payloadOffset, payloadLength);
        }
        catch (final RuntimeException ex)
        {
            ring.abort(index);
            throw ex;
        }
        ring.commit(index);
        scheduleDrain();
        return Status.OK;
    }

    /**
     * Queues a frame received from another link for forwarding (the relay path). Called on the IO thread
     * of the link the frame arrived on.
     *
     * @param frame   a whole frame (not released).
     * @param scratch a view owned by the calling IO thread (the arrival link's {@link #inboundView()}).
     * @return {@link Status#OK}, {@link Status#BACK_PRESSURED} or {@link Status#NO_ROUTE} if closed.
     */
    public long offerFrame(final ByteBuf frame, final UnsafeBuffer scratch)
    {
        if (state == State.CLOSED)
        {
            return Status.NO_ROUTE;
        }
        if (!channel.isWritable())
        {
            return Status.BACK_PRESSURED;
        }
        final int length = frame.readableBytes();
        if (length > ring.maxMsgLength())
        {
            return Status.BACK_PRESSURED;
        }
        final int index = ring.tryClaim(RECORD_TYPE_RELAY, length);
        if (index < 0)
        {
            return Status.BACK_PRESSURED;
        }
        Frames.wrap(scratch, frame);
        ring.buffer().putBytes(index, scratch, 0, length);
        ring.commit(index);
        scheduleDrain();
        return Status.OK;
    }

    /**
     * Queues a whole frame held in an Agrona buffer (the broadcast pipeline's commit thread); copied
     * before return. Any thread.
     *
     * @param frame  buffer holding the frame.
     * @param offset where it starts.
     * @param length its length.
     * @return {@link Status#OK}, {@link Status#BACK_PRESSURED} or {@link Status#NO_ROUTE} if closed.
     */
    public long offerFrame(final DirectBuffer frame, final int offset, final int length)
    {
        if (state == State.CLOSED)
        {
            return Status.NO_ROUTE;
        }
        if (!channel.isWritable() || length > ring.maxMsgLength())
        {
            return Status.BACK_PRESSURED;
        }
        final int index = ring.tryClaim(RECORD_TYPE_RELAY, length);
        if (index < 0)
        {
            return Status.BACK_PRESSURED;
        }
        ring.buffer().putBytes(index, frame, offset, length);
        ring.commit(index);
        scheduleDrain();
        return Status.OK;
    }

    /**
     * Hands an inbound frame to a consumer that may be full (the broadcast pipeline's ingress ring). If it
     * refuses, or earlier frames are still held, the frame is retained and held in arrival order, reading
     * from the socket pauses (so TCP pushes back on the sender instead of anything being dropped), and a
     * retry runs shortly on the IO thread. Memory is bounded by what one read had already decoded. IO
     * thread only.
     *
     * @param frame    the whole frame; the caller keeps its reference and releases it as usual.
     * @param consumer takes (this link's peer, frame); returns false when it cannot take the frame now.
     */
    public void deliverOrHold(final ByteBuf frame, final java.util.function.BiPredicate<NodeId, ByteBuf> consumer)
    {
        if (heldInbound.isEmpty() && consumer.test(remoteId, frame))
        {
            return;
        }
        heldInbound.addLast(frame.retain());
        if (!retryScheduled)
        {
            channel.config().setAutoRead(false);
            scheduleHeldRetry(consumer);
        }
    }

    private void scheduleHeldRetry(final java.util.function.BiPredicate<NodeId, ByteBuf> consumer)
    {
        retryScheduled = true;
        eventLoop.schedule(() ->
        {
            retryScheduled = false;
            while (!heldInbound.isEmpty() && channel.isActive())
            {
                if (!consumer.test(remoteId, heldInbound.peekFirst()))
                {
                    scheduleHeldRetry(consumer);
                    return;
                }
                heldInbound.pollFirst().release();
            }
            releaseHeld();
            channel.config().setAutoRead(true);
        }, 200, java.util.concurrent.TimeUnit.MICROSECONDS);
    }

    /**
     * Releases frames still held for a consumer (the channel closed). IO thread only.
     */
    public void releaseHeld()
    {
        ByteBuf held;
        while (null != (held = heldInbound.pollFirst()))
        {
            held.release();
        }
    }

    /**
     * Asks the IO thread to drain the ring (at most one pending drain task at a time).
     */
    public void scheduleDrain()
    {
        // getAndSet is a full fence: the ring commit (a release store) cannot be reordered after this
        // read of the flag, which a plain get() would allow (a lost wake-up, seen under ping-pong).
        if (!drainScheduled.getAndSet(true))
        {
            eventLoop.execute(drainTask);
        }
    }

    private void drain()
    {
        if (!channel.isActive())
        {
            drainScheduled.set(false);
            return;
        }
        drainedBytes = 0;
        drainedFrames = 0;
        drainedLocal = 0;
        while (true)
        {
            while (channel.isWritable() && drainedBytes < MAX_DRAIN_BYTES)
            {
                // A read stops at the end of the buffer (after skipping wrap padding, possibly returning 0
                // messages): keep reading while the consumer position moves.
                final long before = ring.consumerPosition();
                if (ring.read(this, 1024) == 0 && ring.consumerPosition() == before)
                {
                    break;
                }
            }
            if (drainedBytes >= MAX_DRAIN_BYTES && channel.isWritable())
            {
                // Yield to other channels and IO; the flag stays set, so producers do not schedule more.
                writeOut();
                eventLoop.execute(drainTask);
                return;
            }
            // Idle (ring empty, or waiting for writability which re-schedules us). Clear the flag, then look
            // again: a producer that committed before seeing the cleared flag relies on this re-check, and
            // one that commits after it schedules a new drain (both sides use full fences: no lost wake-up).
            drainScheduled.set(false);
            if (!channel.isWritable() || ring.size() == 0 || drainScheduled.getAndSet(true))
            {
                break;
            }
        }
        writeOut();
    }

    private void writeOut()
    {
        if (null != out)
        {
            channel.write(out, channel.voidPromise());
            out = null;
        }
        if (drainedFrames > 0)
        {
            bytesOut += drainedBytes;
            framesOut += drainedFrames;
            counters.bytesOut().getAndAdd(drainedBytes);
            counters.framesOut().getAndAdd(drainedFrames);
            if (drainedLocal > 0)
            {
                counters.directSent().getAndAdd(drainedLocal);
            }
            channel.flush();
        }
        drainedBytes = 0;
        drainedFrames = 0;
        drainedLocal = 0;
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (null == out || out.writableBytes() < length)
        {
            if (null != out)
            {
                channel.write(out, channel.voidPromise());
            }
            out = channel.alloc().directBuffer(Math.max(length, OUT_BUFFER_BYTES));
        }
        final int writerIndex = out.writerIndex();
        Frames.wrap(outView, out, writerIndex, length);
        outView.putBytes(0, buffer, index, length);
        out.writerIndex(writerIndex + length);
        drainedBytes += length;
        drainedFrames++;
        if (msgTypeId == RECORD_TYPE_LOCAL)
        {
            drainedLocal++;
        }
    }

    /**
     * Counts frames still queued when the link closed as refused (never lost silently). IO thread.
     *
     * @return frames discarded.
     */
    public int discardQueued()
    {
        final int[] count = {0};
        long before;
        do
        {
            before = ring.consumerPosition();
            ring.read((msgTypeId, buffer, index, length) -> count[0]++, Integer.MAX_VALUE);
        }
        while (ring.consumerPosition() != before);
        if (count[0] > 0)
        {
            counters.directRefused(EngineCounters.DirectRefusal.LINK_CLOSED).getAndAdd(count[0]);
        }
        return count[0];
    }

    /**
     * Closes with a reason (from any thread).
     *
     * @param reason why.
     * @param text   detail.
     */
    public void close(final CloseReason reason, final String text)
    {
        state = State.CLOSED;
        if (eventLoop.inEventLoop())
        {
            Closer.close(channel, reason, text, counters);
        }
        else
        {
            eventLoop.execute(() -> Closer.close(channel, reason, text, counters));
        }
    }

    void onRead(final long bytes, final long frames)
    {
        bytesIn += bytes;
        framesIn += frames;
    }

    /**
     * Counts a direct message delivered to the application; IO thread only, published in batches.
     */
    public void onDelivered()
    {
        delivered++;
    }

    int takeDelivered()
    {
        final int count = delivered;
        delivered = 0;
        return count;
    }

    void onWrite(final int frameBytes)
    {
        bytesOut += frameBytes;
        framesOut++;
        counters.bytesOut().getAndAdd(frameBytes);
        counters.framesOut().increment();
    }

    /**
     * @return a reusable view over frames read on this link (delivery, relaying); this link's IO thread only.
     */
    public UnsafeBuffer inboundView()
    {
        return inboundView;
    }

    /**
     * Test support: stops reading and heartbeating without closing, as a hung process would.
     */
    public void suspend()
    {
        suspended = true;
        eventLoop.execute(() -> channel.config().setAutoRead(false));
    }

    /**
     * @return true once {@link #suspend()} was called.
     */
    public boolean suspended()
    {
        return suspended;
    }

    /**
     * @param state the new state.
     */
    public void state(final State state)
    {
        this.state = state;
    }

    /**
     * @return current state.
     */
    public State state()
    {
        return state;
    }

    /**
     * @return the channel.
     */
    public Channel channel()
    {
        return channel;
    }

    /**
     * @return the peer's id.
     */
    public NodeId remoteId()
    {
        return remoteId;
    }

    /**
     * @return the peer's origin id.
     */
    public long remoteOriginId()
    {
        return remoteOriginId;
    }

    /**
     * @return true if this node dialled the link.
     */
    public boolean outbound()
    {
        return outbound;
    }

    /**
     * @return the peer's socket address.
     */
    public InetSocketAddress remoteAddress()
    {
        final SocketAddress address = channel.remoteAddress();
        return address instanceof InetSocketAddress ? (InetSocketAddress)address : null;
    }

    /**
     * @return the local socket address.
     */
    public InetSocketAddress localAddress()
    {
        final SocketAddress address = channel.localAddress();
        return address instanceof InetSocketAddress ? (InetSocketAddress)address : null;
    }

    /**
     * @return the heartbeat state (RTT).
     */
    public HeartbeatMonitor heartbeat()
    {
        return heartbeat;
    }

    /**
     * @return bytes received on this link since authentication.
     */
    public long bytesIn()
    {
        return bytesIn;
    }

    /**
     * @return bytes sent on this link since authentication.
     */
    public long bytesOut()
    {
        return bytesOut;
    }

    /**
     * @return frames received since authentication.
     */
    public long framesIn()
    {
        return framesIn;
    }

    /**
     * @return frames sent since authentication.
     */
    public long framesOut()
    {
        return framesOut;
    }

    /**
     * @return bytes queued in the outbound ring.
     */
    public int queuedBytes()
    {
        return ring.size();
    }

    @Override
    public String toString()
    {
        return "Link{" + remoteId + (outbound ? " out " : " in ") + channel.remoteAddress() + " " + state + "}";
    }

    RingBuffer ring()
    {
        return ring;
    }
}
