package io.chainmesh.engine.transport;

import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.direct.DirectDescriptor;
import io.chainmesh.codec.direct.DirectEncoder;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One authenticated connection to a member.
 * <p>
 * Outbound frames from other threads go through a many-to-one ring ({@link ManyToOneRingBuffer}) whose
 * capacity is the link's byte budget: any thread ({@code send} callers, relaying IO threads of other
 * links, the broadcast pipeline) claims space and writes a whole frame in place, lock-free and
 * allocation-free; a full ring is {@link Status#BACK_PRESSURED}. The link's IO thread is the only reader:
 * a drain task copies queued frames into a pooled outbound buffer, writes it and flushes once per drain,
 * which batches small messages into few syscalls under load. The drain stops while the channel is not
 * writable and resumes on writability.
 * <p>
 * A large frame ({@value #HAND_OVER_MIN_BYTES} bytes or more, such as a forwarded broadcast batch) offered from
 * another thread is copied once, into a pooled buffer of its own that the channel writes as it is: the ring then
 * carries only the index of that buffer in a table (a slot per {@value #HAND_OVER_MIN_BYTES} bytes of budget), so
 * the frame is neither copied out of the ring again nor zeroed there after. Its bytes count against the same
 * budget as the ring's: the ring's bytes and the handed-over ones stay within it, give or take one frame per
 * producing thread.
 * <p>
 * Frames offered <b>on the link's own IO thread</b> (a {@code DirectHandler} replying, a relay between two
 * links of the same event loop, a producer task run on {@link #eventLoop()}) skip the ring: they are
 * encoded straight into the same outbound buffer and one flush is scheduled for the end of the current
 * event-loop task (the drain), so a producer on the event loop costs what a raw Netty writer costs.
 * <p>
 * Ordering: frames offered by one thread leave in the order offered (each thread uses one path, and both
 * paths append to the outbound buffer in order); frames of different threads interleave arbitrarily.
 * <p>
 * Thread ownership: the ring is multi-producer / single-consumer (the IO thread); the handed-over frames are
 * {@link HandedOverFrames}'s to say; the outbound buffer, its view and the pending statistics are IO-thread only;
 * traffic statistics are written only by the IO thread and read by anyone; {@link #state} is written by the IO
 * thread and the connection manager (both publish with a volatile write).
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
    /** Ring record type of a frame handed over in a buffer of its own: the record holds its slot index. */
    private static final int RECORD_TYPE_HANDED_OVER = 3;
    private static final int HANDED_OVER_RECORD_LENGTH = Integer.BYTES;
    /** Not a {@link Status}: the frame could not be handed over and goes through the ring. */
    private static final long NOT_HANDED_OVER = Long.MIN_VALUE;
    /** Frames offered from other threads at least this long are handed over in a buffer of their own. */
    public static final int HAND_OVER_MIN_BYTES = 4 * 1024;
    private static final int MAX_DRAIN_BYTES = 256 * 1024;
    private static final int OUT_BUFFER_BYTES = 64 * 1024;
    /** Most tasks that may wait for writability at once (see {@link #whenWritable(Runnable)}). */
    public static final int MAX_WRITABLE_WAITERS = 1024;
    /** Delay before a waiter handed over from another thread runs anyway, when the waiters were full. */
    public static final long WRITABLE_RETRY_MILLIS = 1;

    private final Channel channel;
    private final EventLoop eventLoop;
    private final MemberId remoteId;
    private final long remoteOriginId;
    private final boolean outbound;
    private final EngineCounters counters;
    private final HeartbeatMonitor heartbeat;
    private final ManyToOneRingBuffer ring;
    private final HandedOverFrames handedOver;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    // Stateless for the MutableDirectBuffer overload used here, so shared by all producer threads.
    private final DirectEncoder encoder = new DirectEncoder();
    // IO-thread only: inboundView for payloads read on this link (delivery to the application).
    private final UnsafeBuffer inboundView = new UnsafeBuffer(0, 0);
    private volatile boolean suspended;
    private int delivered;
    private final int maxFrameLength;
    // IO-thread only: the outbound buffer being filled (by the drain and by IO-thread offers), one view over
    // all of its memory, the bytes and frames in it, and what was written to the channel but not yet counted.
    private final UnsafeBuffer outView = new UnsafeBuffer(0, 0);
    private ByteBuf out;
    private int outPosition;
    private int outFrames;
    private int outLocal;
    private int pendingBytes;
    private int pendingFrames;
    private int pendingLocal;
    private int drainedBytes;
    // IO-thread only: tasks waiting for the channel to become writable again (bounded).
    private final java.util.ArrayDeque<Runnable> writableWaiters = new java.util.ArrayDeque<>();
    private volatile State state = State.AUTHENTICATED;
    private volatile boolean registered;
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
        final MemberId remoteId,
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
        this.handedOver = new HandedOverFrames(outboundBudgetBytes);
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
     * Queues a DIRECT frame. Any thread; lock-free; no allocation. On this link's IO thread the frame is
     * encoded straight into the outbound buffer (flushed when the current event-loop task ends); on any
     * other thread it goes through the ring.
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
        if (eventLoop.inEventLoop())
        {
            reserve(frameLength);
            encoder.encode(outView, outPosition, destination, source, hopLimit, payload, payloadOffset, payloadLength);
            outPosition += frameLength;
            outFrames++;
            outLocal++;
            scheduleFlush();
            return Status.OK;
        }
        if (overBudget(frameLength))
        {
            return Status.BACK_PRESSURED;
        }
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
     * Queues a whole frame held in an Agrona buffer (a relayed DIRECT frame, the broadcast pipeline's
     * commit thread); copied before return. Any thread; on this link's IO thread it skips the ring, as
     * {@link #offerDirect} does.
     *
     * @param frame  buffer holding the frame.
     * @param offset where it starts.
     * @param length its length.
     * @return {@link Status#OK}, {@link Status#BACK_PRESSURED}, {@link Status#NO_ROUTE} if closed, or
     *         {@link Status#MESSAGE_TOO_LARGE} if longer than this link's largest record (it never fits).
     * @throws IndexOutOfBoundsException if the region is outside {@code frame}, before anything is queued.
     */
    public long offerFrame(final DirectBuffer frame, final int offset, final int length)
    {
        // Checked first: a copy failing after the ring claim would leave the claim open and stall the drain.
        frame.boundsCheck(offset, length);
        if (state == State.CLOSED)
        {
            return Status.NO_ROUTE;
        }
        if (length > ring.maxMsgLength())
        {
            // Never fits, however long the caller waits: saying BACK_PRESSURED would make it retry forever.
            return Status.MESSAGE_TOO_LARGE;
        }
        if (!channel.isWritable())
        {
            return Status.BACK_PRESSURED;
        }
        if (eventLoop.inEventLoop())
        {
            reserve(length);
            outView.putBytes(outPosition, frame, offset, length);
            outPosition += length;
            outFrames++;
            scheduleFlush();
            return Status.OK;
        }
        if (length >= HAND_OVER_MIN_BYTES)
        {
            final long handed = handOver(frame, offset, length);
            if (handed != NOT_HANDED_OVER)
            {
                return handed;
            }
        }
        if (overBudget(length))
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
     * Copies a large frame into a pooled buffer of its own and queues its slot index in the ring.
     *
     * @return {@link Status#OK}, {@link Status#BACK_PRESSURED} (budget, ring or slots full), or
     *         {@link #NOT_HANDED_OVER} if it cannot be handed over here (no direct memory address, or direct
     *         memory exhausted), so the caller copies it into the ring instead.
     */
    private long handOver(final DirectBuffer frame, final int offset, final int length)
    {
        if (!handedOver.reserve(length, ring.size(), ring.capacity()))
        {
            return Status.BACK_PRESSURED;
        }
        // Copied before the ring record is claimed, so the drain never waits on an open claim during a copy.
        final ByteBuf copy = HandedOverFrames.copyOf(channel.alloc(), frame, offset, length);
        if (null == copy)
        {
            handedOver.unreserve(length);
            return NOT_HANDED_OVER;
        }
        final int index = ring.tryClaim(RECORD_TYPE_HANDED_OVER, HANDED_OVER_RECORD_LENGTH);
        final int slot = index < 0 ? -1 : handedOver.put(copy);
        if (slot < 0)
        {
            if (index >= 0)
            {
                ring.abort(index);
            }
            handedOver.unreserve(length);
            copy.release();
            return Status.BACK_PRESSURED;
        }
        ring.buffer().putInt(index, slot);
        ring.commit(index);
        if (handedOver.closed())
        {
            // The closed link may have swept the table before this buffer reached it: sweep again, so it is not
            // leaked.
            sweepAfterClose();
        }
        scheduleDrain();
        return Status.OK;
    }

    /**
     * @return true if a frame of this length would take the ring's bytes and the handed-over ones past the budget
     *         (the ring alone refuses only its own bytes).
     */
    private boolean overBudget(final int length)
    {
        return handedOver.wouldExceed(length, ring.size(), ring.capacity());
    }

    private void sweepAfterClose()
    {
        try
        {
            eventLoop.execute(this::discardQueued);
        }
        catch (final RejectedExecutionException ex)
        {
            // The event loop has stopped: nothing reads the table any more.
            handedOver.closeAndReleaseAll();
        }
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
    public void deliverOrHold(final ByteBuf frame, final java.util.function.BiPredicate<MemberId, ByteBuf> consumer)
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

    // Set once the connection manager decided on the link (openDirect or refuseDirect); IO thread only.
    private boolean directDecided;

    private void scheduleHeldRetry(final java.util.function.BiPredicate<MemberId, ByteBuf> consumer)
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
            // Before the link is decided on, reading stays paused for the DIRECT frames held meanwhile: resuming
            // here would let a peer queue any number of them before its link is registered.
            if (directDecided)
            {
                channel.config().setAutoRead(true);
            }
        }, 200, java.util.concurrent.TimeUnit.MICROSECONDS);
    }

    /**
     * @return true while frames read on this link wait for a consumer that is full, so this end is not reading
     *         (the peer's PONG may be among the unread bytes). IO thread only.
     */
    boolean holdingInbound()
    {
        return !heldInbound.isEmpty();
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
     * Asks the IO thread to drain the ring (at most one pending drain task at a time). Any thread.
     */
    public void scheduleDrain()
    {
        // getAndSet is a full fence: the ring commit (a release store) cannot be reordered after this
        // read of the flag, which a plain get() would allow (a lost wake-up, seen under ping-pong). A
        // volatile get() first (safe given the claim's CAS) was measured slower here, so not used.
        if (!drainScheduled.getAndSet(true))
        {
            eventLoop.execute(drainTask);
        }
    }

    /** IO thread: frames were appended to the outbound buffer; the drain task flushes them. */
    private void scheduleFlush()
    {
        if (!drainScheduled.get() && !drainScheduled.getAndSet(true))
        {
            eventLoop.execute(drainTask);
        }
    }

    private void drain()
    {
        if (!channel.isActive() || state == State.CLOSED || suspended)
        {
            // Nothing more is written after a CLOSE: what is still queued or buffered is counted by
            // discardQueued() when the channel's close is handled.
            drainScheduled.set(false);
            return;
        }
        drainedBytes = 0;
        while (true)
        {
            final long passStart = ring.consumerPosition();
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
                flushOut();
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
            if (ring.consumerPosition() == passStart)
            {
                // The head is claimed but not committed yet: run again as a new task rather than spin here,
                // so a producer descheduled between claim and commit cannot hold this IO thread.
                flushOut();
                eventLoop.execute(drainTask);
                return;
            }
        }
        flushOut();
    }

    /** IO thread: makes room for {@code length} bytes in the outbound buffer, writing out a full one. */
    private void reserve(final int length)
    {
        if (null != out && outView.capacity() - outPosition >= length)
        {
            return;
        }
        writeOutBuffer();
        out = channel.alloc().directBuffer(Math.max(length, OUT_BUFFER_BYTES));
        Frames.wrap(outView, out, 0, out.capacity());
    }

    /** IO thread: hands the outbound buffer (if any bytes are in it) to the channel, without flushing. */
    private void writeOutBuffer()
    {
        if (null == out)
        {
            return;
        }
        if (outPosition == 0)
        {
            out.release();
        }
        else
        {
            out.writerIndex(outPosition);
            channel.write(out, channel.voidPromise());
            pendingBytes += outPosition;
            pendingFrames += outFrames;
            pendingLocal += outLocal;
        }
        releaseOutView();
    }

    private void releaseOutView()
    {
        out = null;
        outView.wrap(0, 0);
        outPosition = 0;
        outFrames = 0;
        outLocal = 0;
    }

    /** IO thread: writes what is buffered, flushes, and counts what was written since the last flush. */
    private void flushOut()
    {
        writeOutBuffer();
        if (pendingFrames > 0)
        {
            publishPending();
            channel.flush();
        }
    }

    private void publishPending()
    {
        bytesOut += pendingBytes;
        framesOut += pendingFrames;
        counters.bytesOut().getAndAdd(pendingBytes);
        counters.framesOut().getAndAdd(pendingFrames);
        if (pendingLocal > 0)
        {
            counters.directSent().getAndAdd(pendingLocal);
        }
        pendingBytes = 0;
        pendingFrames = 0;
        pendingLocal = 0;
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (msgTypeId == RECORD_TYPE_HANDED_OVER)
        {
            writeHandedOver(buffer.getInt(index));
            return;
        }
        reserve(length);
        outView.putBytes(outPosition, buffer, index, length);
        outPosition += length;
        outFrames++;
        if (msgTypeId == RECORD_TYPE_LOCAL)
        {
            outLocal++;
        }
        drainedBytes += length;
    }

    /** IO thread: writes a handed-over frame after what is buffered before it. */
    private void writeHandedOver(final int slot)
    {
        final ByteBuf frame = handedOver.take(slot);
        if (null == frame)
        {
            // Released by the sweep of a closing link.
            return;
        }
        final int length = frame.readableBytes();
        writeOutBuffer();
        channel.write(frame, channel.voidPromise());
        pendingBytes += length;
        pendingFrames++;
        drainedBytes += length;
    }

    /**
     * Runs {@code task} on this link's IO thread once the channel is writable again (soon, as a new task, if
     * it is writable now), or once the link has closed, so a producer that was told BACK_PRESSURED resumes
     * as a Netty writability event would resume it. Any thread.
     *
     * @param task what to run.
     * @return on the IO thread, false if {@value #MAX_WRITABLE_WAITERS} tasks are already waiting (the task is
     *         not kept); from another thread always true: the task is handed to the IO thread, and if the
     *         waiters are full by then it runs there after {@value #WRITABLE_RETRY_MILLIS} ms instead, so it is
     *         never lost (it sees the refusal itself and may wait again).
     */
    public boolean whenWritable(final Runnable task)
    {
        if (!eventLoop.inEventLoop())
        {
            eventLoop.execute(() ->
            {
                if (!whenWritable(task))
                {
                    eventLoop.schedule(task, WRITABLE_RETRY_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
                }
            });
            return true;
        }
        if (channel.isWritable() || !channel.isActive())
        {
            eventLoop.execute(task);
            return true;
        }
        if (writableWaiters.size() >= MAX_WRITABLE_WAITERS)
        {
            return false;
        }
        writableWaiters.addLast(task);
        return true;
    }

    /** IO thread: the channel became writable or closed; hands the waiting tasks to the event loop. */
    void onWritableOrClosed()
    {
        Runnable task;
        while (null != (task = writableWaiters.pollFirst()))
        {
            eventLoop.execute(task);
        }
    }

    /**
     * Drops what is still queued when the link has closed (in the ring, or appended to the outbound buffer and
     * not handed to the channel) and counts the direct messages among it (sent here or relayed) as
     * {@link EngineCounters.DirectRefusal#LINK_CLOSED}, so none is lost silently. IO thread.
     *
     * @return direct messages dropped.
     */
    public int discardQueued()
    {
        final int[] direct = {0};
        long before;
        do
        {
            before = ring.consumerPosition();
            ring.read((msgTypeId, buffer, index, length) -> direct[0] +=
                msgTypeId != RECORD_TYPE_HANDED_OVER && isDirect(buffer, index) ? 1 : 0, Integer.MAX_VALUE);
        }
        while (ring.consumerPosition() != before);
        direct[0] += handedOver.closeAndReleaseAll();
        for (int offset = 0; offset < outPosition; offset += frameLength(outView, offset))
        {
            direct[0] += isDirect(outView, offset) ? 1 : 0;
        }
        if (null != out)
        {
            out.release();
            releaseOutView();
        }
        if (pendingFrames > 0)
        {
            publishPending();
        }
        if (direct[0] > 0)
        {
            counters.directRefused(EngineCounters.DirectRefusal.LINK_CLOSED).getAndAdd(direct[0]);
        }
        return direct[0];
    }

    private static boolean isDirect(final DirectBuffer buffer, final int frameOffset)
    {
        return (buffer.getByte(frameOffset + FrameDescriptor.TYPE_OFFSET) & 0xFF) == FrameType.DIRECT;
    }

    /** @return the whole length (length field included) of the frame at {@code frameOffset}. */
    static int frameLength(final DirectBuffer buffer, final int frameOffset)
    {
        return FrameDescriptor.LENGTH_FIELD_LENGTH +
            buffer.getInt(frameOffset + FrameDescriptor.LENGTH_OFFSET, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /**
     * Lets DIRECT frames read on this link reach the node: called once the connection manager has registered the
     * link, or refused it as a duplicate of a link that stays (its peer remains a member reachable over that one),
     * and published the routes that follow, so a handler replying to the sender finds its route. Frames read before
     * are held (up to {@link SessionHandler#MAX_HELD_DIRECT_BYTES}), and delivered in order now. Any thread.
     */
    public void openDirect()
    {
        decideDirect(true);
    }

    /**
     * Keeps DIRECT frames read on this link from the node: called when the connection manager refused the link for
     * a reason that leaves its peer no member reachable over it (not a member, not an expected link). The frames
     * held are released and every one read from now on is dropped, all counted as
     * {@link EngineCounters.DirectRefusal#UNREGISTERED_LINK}. Any thread.
     */
    public void refuseDirect()
    {
        decideDirect(false);
    }

    private void decideDirect(final boolean deliver)
    {
        eventLoop.execute(() ->
        {
            directDecided = true;
            final SessionHandler session = channel.pipeline().get(SessionHandler.class);
            if (null != session)
            {
                session.decideDirect(deliver);
            }
        });
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
            closeOnEventLoop(reason, text);
        }
        else
        {
            eventLoop.execute(() -> closeOnEventLoop(reason, text));
        }
    }

    private void closeOnEventLoop(final CloseReason reason, final String text)
    {
        if (channel.isOpen() && !Closer.isClosing(channel) && !suspended && Closer.writesAcceptedFirst(reason))
        {
            // The peer reads up to the CLOSE: what send accepted for this link reaches it instead of being dropped.
            writeAccepted();
        }
        Closer.close(channel, reason, text, counters);
    }

    /**
     * Writes every frame accepted for this link and not written yet (queued in the ring or in the outbound
     * buffer), whether or not the channel is writable, and flushes: the link is closing in order and its peer
     * reads them before the CLOSE or the end of the stream. A frame still being written into the ring by another
     * thread stays there and is counted by {@link #discardQueued()}. IO thread.
     */
    void writeAccepted()
    {
        long before;
        do
        {
            before = ring.consumerPosition();
            ring.read(this, Integer.MAX_VALUE);
        }
        while (ring.consumerPosition() != before);
        drainedBytes = 0;
        flushOut();
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
     * Test support: stops reading, writing and heartbeating without closing, as a hung process would.
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
        if (state == State.ACTIVE)
        {
            registered = true;
        }
        this.state = state;
    }

    /**
     * @return true once the link was registered (made {@link State#ACTIVE}), even after it closed.
     */
    public boolean registered()
    {
        return registered;
    }

    /**
     * @return current state.
     */
    public State state()
    {
        return state;
    }

    /**
     * @return the IO thread that owns this link: offers made from it skip the ring.
     */
    public EventLoop eventLoop()
    {
        return eventLoop;
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
    public MemberId remoteId()
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
     * @return bytes queued for this link and not yet written to its channel (in the ring or handed over).
     */
    public int queuedBytes()
    {
        return (int)Math.min(Integer.MAX_VALUE, ring.size() + Math.max(0, handedOver.bytes()));
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
