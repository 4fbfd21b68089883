package io.chainmesh.engine.broadcast;

import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.engine.Status;
import io.netty.buffer.ByteBuf;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Signed batch broadcast on two LMAX Disruptor rings.
 * <pre>
 *  IO threads --onFrame--> ingress ring --> [verify x W, by seq % W] --> [commit] --> subscribers
 *                             ^                                             +------> peers (tree / flood), repair
 *  offer() --> egress ring --> [batcher: pack, sign once at endOfBatch] ----+  (signed batch as a local event)
 * </pre>
 * Threads: {@code chainmesh-verify-<i>-<name>} (W of them), {@code chainmesh-commit-<name>} (owns
 * replay windows, retention, delivery, forwarding, repair; runs subscribers),
 * {@code chainmesh-batcher-<name>}, {@code chainmesh-tick-<name>} (publishes the repair tick).
 * Slots are preallocated; the steady state allocates nothing per message, takes no lock and logs
 * nothing. Nothing is dropped without a counter: a full ring makes {@link #offer} return
 * {@link #BACK_PRESSURED} and {@link #onFrame} return false.
 */
public final class BroadcastPipeline implements AutoCloseable
{
    /** {@link #offer} status: no peer is connected, so the message could reach nobody now. */
    public static final long NOT_CONNECTED = Status.NOT_CONNECTED;
    /** {@link #offer} status: the egress ring is full, or forwards owed to peers with full links are piling up; retry later. */
    public static final long BACK_PRESSURED = Status.BACK_PRESSURED;
    /** {@link #offer} status: the pipeline is closed. */
    public static final long CLOSED = Status.CLOSED;
    /** {@link #offer} status: the message is longer than {@link BroadcastContext#maxMessageLength()}. */
    public static final long MESSAGE_TOO_LARGE = Status.MESSAGE_TOO_LARGE;

    private static final Logger LOG = LoggerFactory.getLogger(BroadcastPipeline.class);

    private final BroadcastContext ctx;
    private final CountersManager countersManager;
    private final BroadcastCounters counters;
    private final Disruptor<IngressEvent> ingress;
    private final Disruptor<EgressEvent> egress;
    private final RingBuffer<IngressEvent> ingressRing;
    private final RingBuffer<EgressEvent> egressRing;
    private final ScheduledExecutorService ticker;
    private final AtomicLongArray batchSizes = new AtomicLongArray(17);
    private volatile Int2ObjectHashMap<MessageHandler> handlers = new Int2ObjectHashMap<>();
    private volatile boolean closed;
    /** Set by the commit thread while forwards owed to peers whose links drain slowly are above the high-water mark. */
    private final OriginPause originPause = new OriginPause();
    /** This node's own batches the commit stage has taken (written there, read by the batcher). */
    private final LocalCommitProgress localCommitted = new LocalCommitProgress();

    private BroadcastPipeline(final BroadcastContext ctx)
    {
        this.ctx = ctx;
        this.countersManager = null != ctx.countersManager() ? ctx.countersManager() : new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)), new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        this.counters = new BroadcastCounters(countersManager, ctx.name());
        this.ingress = new Disruptor<>(IngressEvent::new, ctx.ingressRingSize(), threads("ingress"),
            ProducerType.MULTI, ctx.waitStrategy().get());
        final ExceptionHandler<Object> stageErrors = new StageErrorHandler(ctx.errorHandler());
        ingress.setDefaultExceptionHandler(stageErrors);

        final SeenWindows seen = new SeenWindows();
        final VerifyHandler[] verifiers = new VerifyHandler[ctx.verifyWorkers()];
        for (int i = 0; i < verifiers.length; i++)
        {
            verifiers[i] = new VerifyHandler(i, verifiers.length, ctx.directory(), ctx.clock(), ctx.maxAgeMillis(),
                ctx.maxFutureMillis(), FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, seen, ctx.signatures().verifier());
        }
        final RingBuffer<IngressEvent> ring = ingress.getRingBuffer();
        final CommitHandler commit = new CommitHandler(ctx, ctx.directory(), () -> handlers, counters, seen,
            () -> ring.remainingCapacity() < ring.getBufferSize() / 2, originPause, localCommitted);
        ingress.handleEventsWith(verifiers).then(commit);
        this.ingressRing = ingress.getRingBuffer();
        final Batcher batcher = new Batcher(ctx.signatures().signer(ctx.nodeKey()),
            ctx.member().originId(), ctx.maxBatchFrameLength(),
            ctx.clock(), ingressRing, counters, new BackoffIdleStrategy(), () -> closed, batchSizes, ctx.batchLingerNanos(),
            ctx.maxMessagesPerBatch(), localCommitted,
            Math.max(2L * ctx.maxBatchFrameLength(), ctx.retentionBytes() / 8));
        this.egress = new Disruptor<>(() -> new EgressEvent(ctx.maxMessageLength()), ctx.egressRingSize(), threads("batcher"),
            ProducerType.MULTI, ctx.batchLingerNanos() > 0 ?
            new LingerWaitStrategy(batcher::lingerDeadlineNanos, SystemNanoClock.INSTANCE, ctx.batchLingerNanos(),
            ctx.egressRingSize()) :
            ctx.waitStrategy().get());
        egress.setDefaultExceptionHandler(stageErrors);
        egress.handleEventsWith(batcher);
        this.egressRing = egress.getRingBuffer();
        this.ticker = Executors.newSingleThreadScheduledExecutor(threads("tick"));
    }

    /**
     * Builds and starts a pipeline; on failure closes what was started and rethrows.
     *
     * @param ctx configuration; {@link BroadcastContext#conclude()} is called here.
     * @return the running pipeline.
     */
    public static BroadcastPipeline launch(final BroadcastContext ctx)
    {
        final BroadcastPipeline pipeline = new BroadcastPipeline(ctx.conclude());
        try
        {
            pipeline.ingress.start();
            pipeline.egress.start();
            pipeline.ticker.scheduleAtFixedRate(pipeline::tick, ctx.repairIntervalMillis(), ctx.repairIntervalMillis(),
                TimeUnit.MILLISECONDS);
            return pipeline;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(pipeline);
            throw ex;
        }
    }

    /**
     * Offers one message for broadcast to every other member. Never blocks, never throws for load.
     *
     * @param topic  topic, 0..65535.
     * @param buffer message bytes.
     * @param offset where they start.
     * @param length how many, at most {@link BroadcastContext#maxMessageLength()}.
     * @return a non-negative position when accepted, else {@link #BACK_PRESSURED}, {@link #NOT_CONNECTED},
     *         {@link #CLOSED} or {@link #MESSAGE_TOO_LARGE}.
     * @throws IllegalArgumentException if the topic is outside 0..65535 (a programming error).
     */
    public long offer(final int topic, final DirectBuffer buffer, final int offset, final int length)
    {
        if (closed)
        {
            return CLOSED;
        }
        BatchDescriptor.checkTopic(topic);
        if (length > ctx.maxMessageLength() || length < 0)
        {
            counters.offerTooLarge.increment();
            return MESSAGE_TOO_LARGE;
        }
        if (ctx.links().connectedPeers().length == 0)
        {
            counters.offerNotConnected.increment();
            return NOT_CONNECTED;
        }
        if (originPause.isPaused())
        {
            // Forwards owed to slow links are piling up: slow the publisher down before they outgrow retention.
            counters.offerBackPressured.increment();
            counters.offerBackPressuredByLinks.increment();
            return BACK_PRESSURED;
        }
        final long sequence;
        try
        {
            sequence = egressRing.tryNext();
        }
        catch (final InsufficientCapacityException ex)
        {
            counters.offerBackPressured.increment();
            return BACK_PRESSURED;
        }
        final EgressEvent event = egressRing.get(sequence);
        event.topic = topic;
        event.length = length;
        event.buffer.putBytes(0, buffer, offset, length);
        egressRing.publish(sequence);
        return sequence;
    }

    /**
     * Offers with retries until accepted or the timeout passes; for callers that would rather wait than
     * handle back pressure.
     *
     * @param topic   topic.
     * @param buffer  message bytes.
     * @param offset  where they start.
     * @param length  how many.
     * @param timeout how long to keep trying.
     * @param unit    its unit.
     * @return as {@link #offer}; {@link #BACK_PRESSURED} or {@link #NOT_CONNECTED} if still refused at the deadline.
     */
    public long publish(
        final int topic, final DirectBuffer buffer, final int offset, final int length, final long timeout, final TimeUnit unit)
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        final BackoffIdleStrategy idle = new BackoffIdleStrategy();
        while (true)
        {
            final long result = offer(topic, buffer, offset, length);
            if (result >= 0 || result == CLOSED || result == MESSAGE_TOO_LARGE || System.nanoTime() - deadline >= 0)
            {
                return result;
            }
            idle.idle();
        }
    }

    /**
     * Hands a frame received from a peer to the pipeline, copying it into a ring slot. Called by IO
     * threads; never blocks. Accepts {@code BATCH}, {@code DIGEST}, {@code WANT} and {@code WANT_MISS}.
     *
     * @param from   the authenticated peer it came from.
     * @param buffer buffer holding the whole frame (header included).
     * @param offset where it starts.
     * @param length its length.
     * @return false if the ring is full (the caller should pause reading from that peer and retry) or the
     *         pipeline is closed.
     */
    public boolean onFrame(final MemberId from, final DirectBuffer buffer, final int offset, final int length)
    {
        final long sequence = claimIngress();
        if (sequence < 0)
        {
            return false;
        }
        final IngressEvent event = ingressRing.get(sequence);
        event.clear();
        event.ensureCapacity(length);
        event.buffer.putBytes(0, buffer, offset, length);
        publishIngress(event, sequence, from, length);
        return true;
    }

    /**
     * As {@link #onFrame(MemberId, DirectBuffer, int, int)} from a Netty buffer;
     * the caller keeps ownership of {@code frame} and releases it.
     *
     * @param from  the authenticated peer.
     * @param frame the whole frame, from its reader index.
     * @return false if the ring is full or the pipeline closed.
     */
    public boolean onFrame(final MemberId from, final ByteBuf frame)
    {
        final long sequence = claimIngress();
        if (sequence < 0)
        {
            return false;
        }
        final int length = frame.readableBytes();
        final IngressEvent event = ingressRing.get(sequence);
        event.clear();
        event.ensureCapacity(length);
        frame.getBytes(frame.readerIndex(), event.buffer.byteArray(), 0, length);
        publishIngress(event, sequence, from, length);
        return true;
    }

    private long claimIngress()
    {
        if (closed)
        {
            return -1;
        }
        try
        {
            return ingressRing.tryNext();
        }
        catch (final InsufficientCapacityException ex)
        {
            counters.ingressFull.increment();
            return -1;
        }
    }

    private void publishIngress(final IngressEvent event, final long sequence, final MemberId from,
        final int length)
    {
        final int type = length > FrameDescriptor.TYPE_OFFSET ? event.buffer.getByte(FrameDescriptor.TYPE_OFFSET) & 0xFF : -1;
        event.kind = type == FrameType.BATCH ? IngressEvent.REMOTE_BATCH : IngressEvent.CONTROL;
        event.from = from;
        event.length = length;
        ingressRing.publish(sequence);
    }

    /**
     * Registers the handler of a topic, replacing any previous one.
     *
     * @param topic   topic, 0..65535.
     * @param handler called on the commit thread for each message of that topic from other members.
     * @return a handle whose {@code close()} removes the handler.
     */
    public synchronized AutoCloseable subscribe(final int topic, final MessageHandler handler)
    {
        BatchDescriptor.checkTopic(topic);
        Objects.requireNonNull(handler, "handler");
        final Int2ObjectHashMap<MessageHandler> copy = new Int2ObjectHashMap<>(handlers);
        copy.put(topic, handler);
        handlers = copy;
        return () -> unsubscribe(topic, handler);
    }

    private synchronized void unsubscribe(final int topic, final MessageHandler handler)
    {
        if (handlers.get(topic) == handler)
        {
            final Int2ObjectHashMap<MessageHandler> copy = new Int2ObjectHashMap<>(handlers);
            copy.remove(topic);
            handlers = copy;
        }
    }

    /**
     * @return this pipeline's counters.
     */
    public BroadcastCounters counters()
    {
        return counters;
    }

    /**
     * @return batches originated here by size: index {@code i} counts batches of {@code [2^i, 2^(i+1))} messages.
     */
    public long[] batchSizeHistogram()
    {
        final long[] copy = new long[batchSizes.length()];
        for (int i = 0; i < copy.length; i++)
        {
            copy[i] = batchSizes.get(i);
        }
        return copy;
    }

    private void tick()
    {
        final long sequence = claimIngress();
        if (sequence >= 0)
        {
            final IngressEvent event = ingressRing.get(sequence);
            event.clear();
            event.kind = IngressEvent.TICK;
            ingressRing.publish(sequence);
        }
    }

    private ThreadFactory threads(final String role)
    {
        final AtomicInteger count = new AtomicInteger();
        return runnable ->
        {
            final String stage = "ingress".equals(role) ? (count.get() < ctx.verifyWorkers() ? "verify-" + count.get() : "commit") : role;
            count.incrementAndGet();
            final Thread thread = new Thread(runnable, "chainmesh-" + stage + "-" + ctx.name());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Stops the stages and releases counters. Idempotent. Messages still in the rings are not sent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        ticker.shutdownNow();
        egress.halt();
        ingress.halt();
        counters.close();
    }

    private static final class StageErrorHandler implements ExceptionHandler<Object>
    {
        private final ErrorHandler errorHandler;

        StageErrorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
        }

        @Override
        public void handleEventException(final Throwable ex, final long sequence, final Object event)
        {
            errorHandler.onError(ex);
        }

        @Override
        public void handleOnStartException(final Throwable ex)
        {
            errorHandler.onError(ex);
        }

        @Override
        public void handleOnShutdownException(final Throwable ex)
        {
            errorHandler.onError(ex);
        }
    }
}
