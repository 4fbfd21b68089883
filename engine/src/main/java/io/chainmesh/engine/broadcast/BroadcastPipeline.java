package io.chainmesh.engine.broadcast;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.engine.Status;
import io.netty.buffer.ByteBuf;
import org.agrona.BitUtil;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
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
import java.util.function.Supplier;

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
    /** {@link #offer} status: the message is longer than {@link Context#maxMessageLength()}. */
    public static final long MESSAGE_TOO_LARGE = Status.MESSAGE_TOO_LARGE;

    private static final Logger LOG = LoggerFactory.getLogger(BroadcastPipeline.class);

    /** Configuration; fluent setters, validated by {@link #conclude()}. */
    public static final class Context
    {
        private NodeKey nodeKey;
        private MemberId member;
        private Supplier<DirectorySnapshot> directory;
        private LinkSender links;
        private String name;
        private EpochClock clock = SystemEpochClock.INSTANCE;
        private NanoClock nanoClock = SystemNanoClock.INSTANCE;
        private BroadcastStrategy strategy = BroadcastStrategy.TREE;
        private int verifyWorkers = 1;
        private int ingressRingSize = 1024;
        private int egressRingSize = 4096;
        private int maxBatchFrameLength = 64 * 1024;
        private int maxMessageLength = 16 * 1024;
        private int retentionBytes = 32 << 20;
        private long retentionMillis = 60_000;
        private int replayWindowBits = 16_384;
        private long maxAgeMillis = 120_000;
        private long maxFutureMillis = 10_000;
        private long repairIntervalMillis = 100;
        private long repairDelayMillis = 250;
        private int maxFramesPerWant = 1024;
        private long slowPeerMillis = 5_000;
        private int maxInvalidPerPeer = 5;
        private long batchLingerNanos;
        private int maxMessagesPerBatch = BatchDescriptor.MAX_ENTRIES;
        private Supplier<WaitStrategy> waitStrategy = BlockingBackoffWaitStrategy::new;
        private BatchSignatures signatures = BatchSignatures.ECDSA;
        private CountersManager countersManager;
        private ErrorHandler errorHandler = ex -> LOG.warn("broadcast pipeline error", ex);

        /**

         * @param key this node's chain key, which signs its batches.

         * @return this.

         */
        public Context nodeKey(final NodeKey key)
        {
            this.nodeKey = key;
            return this;
        }

        /**
         * @param member the member this node speaks for, whose origin id names its batches.
         * @return this.
         */
        public Context member(final MemberId member)
        {
            this.member = member;
            return this;
        }

        /**

         * @param directory the current directory, read on every batch (must be cheap and thread-safe).

         * @return this.

         */
        public Context directory(final Supplier<DirectorySnapshot> directory)
        {
            this.directory = directory;
            return this;
        }

        /**

         * @param links the link layer.

         * @return this.

         */
        public Context links(final LinkSender links)
        {
            this.links = links;
            return this;
        }

        /**

         * @param name short name used in thread names and counter labels.

         * @return this.

         */
        public Context name(final String name)
        {
            this.name = name;
            return this;
        }

        /**
         * @param nanoClock monotonic clock for retention, repair and flow-control timers.
         * @return this.
         */
        public Context nanoClock(final NanoClock nanoClock)
        {
            this.nanoClock = nanoClock;
            return this;
        }

        /**

         * @param clock wall clock for batch timestamps.

         * @return this.

         */
        public Context clock(final EpochClock clock)
        {
            this.clock = clock;
            return this;
        }

        /**

         * @param strategy tree (default) or flood.

         * @return this.

         */
        public Context strategy(final BroadcastStrategy strategy)
        {
            this.strategy = strategy;
            return this;
        }

        /**

         * @param workers signature verification threads, 1..64 (default 1).

         * @return this.

         */
        public Context verifyWorkers(final int workers)
        {
            this.verifyWorkers = workers;
            return this;
        }

        /**

         * @param size ingress ring slots, a power of two.

         * @return this.

         */
        public Context ingressRingSize(final int size)
        {
            this.ingressRingSize = size;
            return this;
        }

        /**

         * @param size egress ring slots, a power of two.

         * @return this.

         */
        public Context egressRingSize(final int size)
        {
            this.egressRingSize = size;
            return this;
        }

        /**

         * @param length largest batch frame this node builds.

         * @return this.

         */
        public Context maxBatchFrameLength(final int length)
        {
            this.maxBatchFrameLength = length;
            return this;
        }

        /**

         * @param length largest message {@link #offer} accepts.

         * @return this.

         */
        public Context maxMessageLength(final int length)
        {
            this.maxMessageLength = length;
            return this;
        }

        /**

         * @param bytes retention ring size for repair, a power of two.

         * @return this.

         */
        public Context retentionBytes(final int bytes)
        {
            this.retentionBytes = bytes;
            return this;
        }

        /**

         * @param millis how long batches are retained for repair.

         * @return this.

         */
        public Context retentionMillis(final long millis)
        {
            this.retentionMillis = millis;
            return this;
        }

        /**

         * @param bits per-origin replay window, a power of two.

         * @return this.

         */
        public Context replayWindowBits(final int bits)
        {
            this.replayWindowBits = bits;
            return this;
        }

        /**

         * @param millis oldest batch timestamp accepted (must cover retention).

         * @return this.

         */
        public Context maxAgeMillis(final long millis)
        {
            this.maxAgeMillis = millis;
            return this;
        }

        /**

         * @param millis how far ahead of this node's clock a batch timestamp may be.

         * @return this.

         */
        public Context maxFutureMillis(final long millis)
        {
            this.maxFutureMillis = millis;
            return this;
        }

        /**

         * @param millis how often digests are sent to neighbours.

         * @return this.

         */
        public Context repairIntervalMillis(final long millis)
        {
            this.repairIntervalMillis = millis;
            return this;
        }

        /**

         * @param millis how long a gap must persist before it is requested.

         * @return this.

         */
        public Context repairDelayMillis(final long millis)
        {
            this.repairDelayMillis = millis;
            return this;
        }

        /**

         * @param frames most batches sent in answer to one WANT.

         * @return this.

         */
        public Context maxFramesPerWant(final int frames)
        {
            this.maxFramesPerWant = frames;
            return this;
        }

        /**
         * @param millis how long this node's own publishing waits (offers refused with {@link #BACK_PRESSURED})
         *               for a peer whose link stays backed up; after that the peer is in repair mode and
         *               publishing goes on at the others' pace (default 5 s, longer than a dead link takes to be
         *               noticed by missed heartbeats).
         * @return this.
         */
        public Context slowPeerMillis(final long millis)
        {
            this.slowPeerMillis = millis;
            return this;
        }

        /**

         * @param count invalid frames after which a peer is closed.

         * @return this.

         */
        public Context maxInvalidPerPeer(final int count)
        {
            this.maxInvalidPerPeer = count;
            return this;
        }

        /**
         * @param nanos how long a batch stays open for more messages after its first one (0, the default:
         *              sign at the Disruptor's end of batch). Raising it trades latency for fewer signatures
         *              to verify per message on every receiver.
         * @return this.
         */
        public Context batchLingerNanos(final long nanos)
        {
            this.batchLingerNanos = nanos;
            return this;
        }

        /**
         * @param count most messages one batch (one signature) carries; 1 signs every message on its own,
         *              the baseline chainmesh is measured against.
         * @return this.
         */
        public Context maxMessagesPerBatch(final int count)
        {
            this.maxMessagesPerBatch = count;
            return this;
        }

        /**

         * @param waitStrategy per-ring wait strategy ({@link BlockingBackoffWaitStrategy} by default, for shared machines).

         * @return this.

         */
        public Context waitStrategy(final Supplier<WaitStrategy> waitStrategy)
        {
            this.waitStrategy = waitStrategy;
            return this;
        }

        /**
         * @param signatures how batches are signed and checked: {@link BatchSignatures#ECDSA} (the default, and
         *                   the only safe choice); another scheme only to benchmark the pipeline without its crypto,
         *                   over in-process links ({@code ChainmeshNode} refuses it).
         * @return this.
         */
        public Context signatures(final BatchSignatures signatures)
        {
            this.signatures = signatures;
            return this;
        }

        /**

         * @param manager where counters are allocated (a private one if not set).

         * @return this.

         */
        public Context countersManager(final CountersManager manager)
        {
            this.countersManager = manager;
            return this;
        }

        /**

         * @param handler receives errors of subscribers and stages.

         * @return this.

         */
        public Context errorHandler(final ErrorHandler handler)
        {
            this.errorHandler = handler;
            return this;
        }

        Supplier<DirectorySnapshot> directory()
        {
            return directory;
        }

        String name()
        {
            return name;
        }

        long maxAgeMillis()
        {
            return maxAgeMillis;
        }

        long maxFutureMillis()
        {
            return maxFutureMillis;
        }

        NodeKey nodeKey()
        {
            return nodeKey;
        }

        MemberId member()
        {
            return member;
        }

        LinkSender links()
        {
            return links;
        }

        EpochClock clock()
        {
            return clock;
        }

        NanoClock nanoClock()
        {
            return nanoClock;
        }

        BroadcastStrategy strategy()
        {
            return strategy;
        }

        int retentionBytes()
        {
            return retentionBytes;
        }

        long retentionMillis()
        {
            return retentionMillis;
        }

        int replayWindowBits()
        {
            return replayWindowBits;
        }

        long repairIntervalMillis()
        {
            return repairIntervalMillis;
        }

        long repairDelayMillis()
        {
            return repairDelayMillis;
        }

        long slowPeerMillis()
        {
            return slowPeerMillis;
        }

        int maxFramesPerWant()
        {
            return maxFramesPerWant;
        }

        int maxInvalidPerPeer()
        {
            return maxInvalidPerPeer;
        }

        ErrorHandler errorHandler()
        {
            return errorHandler;
        }

        /** @return how batches are signed and checked. */
        public BatchSignatures signatures()
        {
            return signatures;
        }

        /** @return the largest batch frame this node builds. */
        public int maxBatchFrameLength()
        {
            return maxBatchFrameLength;
        }

        /** @return the largest message {@link #offer} accepts. */
        public int maxMessageLength()
        {
            return maxMessageLength;
        }

        /**
         * Validates every setting.
         *
         * @return this.
         * @throws IllegalArgumentException naming the first invalid setting.
         * @throws NullPointerException     naming a missing one.
         */
        public Context conclude()
        {
            Objects.requireNonNull(nodeKey, "nodeKey");
            Objects.requireNonNull(member, "member");
            Objects.requireNonNull(directory, "directory");
            Objects.requireNonNull(links, "links");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(nanoClock, "nanoClock");
            Objects.requireNonNull(strategy, "strategy");
            Objects.requireNonNull(waitStrategy, "waitStrategy");
            Objects.requireNonNull(errorHandler, "errorHandler");
            Objects.requireNonNull(signatures, "signatures");
            if (null == name)
            {
                name = member.txHash().substring(0, 8) + "-" + member.outputIndex();
            }
            check(verifyWorkers >= 1 && verifyWorkers <= 64, "verifyWorkers=" + verifyWorkers + " must be in [1, 64]");
            check(BitUtil.isPowerOfTwo(ingressRingSize) && ingressRingSize >= 16,
                "ingressRingSize=" + ingressRingSize + " must be a power of two >= 16");
            check(BitUtil.isPowerOfTwo(egressRingSize) && egressRingSize >= 16,
                "egressRingSize=" + egressRingSize + " must be a power of two >= 16");
            check(maxBatchFrameLength >= 1024 && maxBatchFrameLength <= FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH,
                "maxBatchFrameLength=" + maxBatchFrameLength + " must be in [1024, 1048576]");
            final int batchOverhead = BatchDescriptor.MIN_FRAME_LENGTH + BatchDescriptor.ENTRY_HEADER_LENGTH;
            check(maxMessageLength >= 1 && maxMessageLength <= maxBatchFrameLength - batchOverhead,
                "maxMessageLength=" + maxMessageLength + " must be in [1, maxBatchFrameLength - " + batchOverhead + "]");
            check(BitUtil.isPowerOfTwo(retentionBytes) && retentionBytes >= (64 << 10) &&
                retentionBytes / 2 >= maxBatchFrameLength + 64,
                "retentionBytes=" + retentionBytes + " must be a power of two >= 65536 and hold two largest batches");
            check(retentionMillis > 0, "retentionMillis=" + retentionMillis + " must be > 0");
            check(maxAgeMillis >= retentionMillis, "maxAgeMillis=" + maxAgeMillis + " must be >= retentionMillis");
            check(maxFutureMillis >= 0, "maxFutureMillis=" + maxFutureMillis + " must be >= 0");
            check(BitUtil.isPowerOfTwo(replayWindowBits) && replayWindowBits >= 64 && replayWindowBits <= (1 << 20),
                "replayWindowBits=" + replayWindowBits + " must be a power of two in [64, 1048576]");
            check(repairIntervalMillis >= 1, "repairIntervalMillis=" + repairIntervalMillis + " must be >= 1");
            check(repairDelayMillis >= 0, "repairDelayMillis=" + repairDelayMillis + " must be >= 0");
            check(slowPeerMillis >= 1, "slowPeerMillis=" + slowPeerMillis + " must be >= 1");
            check(maxFramesPerWant >= 1, "maxFramesPerWant=" + maxFramesPerWant + " must be >= 1");
            check(maxInvalidPerPeer >= 1, "maxInvalidPerPeer=" + maxInvalidPerPeer + " must be >= 1");
            check(maxMessagesPerBatch >= 1 && maxMessagesPerBatch <= BatchDescriptor.MAX_ENTRIES,
                "maxMessagesPerBatch=" + maxMessagesPerBatch + " must be in [1, " + BatchDescriptor.MAX_ENTRIES + "]");
            check(batchLingerNanos >= 0 && batchLingerNanos <= TimeUnit.SECONDS.toNanos(1),
                "batchLingerNanos=" + batchLingerNanos + " must be in [0, 1 s]");
            return this;
        }

        private static void check(final boolean condition, final String message)
        {
            if (!condition)
            {
                throw new IllegalArgumentException(message);
            }
        }
    }

    private final Context ctx;
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

    private BroadcastPipeline(final Context ctx)
    {
        this.ctx = ctx;
        this.countersManager = null != ctx.countersManager ? ctx.countersManager : new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)), new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        this.counters = new BroadcastCounters(countersManager, ctx.name);
        this.ingress = new Disruptor<>(IngressEvent::new, ctx.ingressRingSize, threads("ingress"),
            ProducerType.MULTI, ctx.waitStrategy.get());
        this.egress = new Disruptor<>(() -> new EgressEvent(ctx.maxMessageLength), ctx.egressRingSize, threads("batcher"),
            ProducerType.MULTI, ctx.batchLingerNanos > 0 ?
            new BlockingBackoffWaitStrategy(50_000, ctx.batchLingerNanos) : ctx.waitStrategy.get());
        final ExceptionHandler<Object> stageErrors = new StageErrorHandler(ctx.errorHandler);
        ingress.setDefaultExceptionHandler(stageErrors);
        egress.setDefaultExceptionHandler(stageErrors);

        final SeenWindows seen = new SeenWindows();
        final VerifyHandler[] verifiers = new VerifyHandler[ctx.verifyWorkers];
        for (int i = 0; i < verifiers.length; i++)
        {
            verifiers[i] = new VerifyHandler(i, verifiers.length, ctx.directory, ctx.clock, ctx.maxAgeMillis,
                ctx.maxFutureMillis, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, seen, ctx.signatures.verifier());
        }
        final RingBuffer<IngressEvent> ring = ingress.getRingBuffer();
        final CommitHandler commit = new CommitHandler(ctx, ctx.directory, () -> handlers, counters, seen,
            () -> ring.remainingCapacity() < ring.getBufferSize() / 2, originPause, localCommitted);
        ingress.handleEventsWith(verifiers).then(commit);
        this.ingressRing = ingress.getRingBuffer();
        final EventHandler<EgressEvent> batcher = new Batcher(ctx.signatures.signer(ctx.nodeKey),
            ctx.member.originId(), ctx.maxBatchFrameLength,
            ctx.clock, ingressRing, counters, new BackoffIdleStrategy(), () -> closed, batchSizes, ctx.batchLingerNanos,
            ctx.maxMessagesPerBatch, localCommitted,
            Math.max(2L * ctx.maxBatchFrameLength, ctx.retentionBytes / 8));
        egress.handleEventsWith(batcher);
        this.egressRing = egress.getRingBuffer();
        this.ticker = Executors.newSingleThreadScheduledExecutor(threads("tick"));
    }

    /**
     * Builds and starts a pipeline; on failure closes what was started and rethrows.
     *
     * @param ctx configuration; {@link Context#conclude()} is called here.
     * @return the running pipeline.
     */
    public static BroadcastPipeline launch(final Context ctx)
    {
        final BroadcastPipeline pipeline = new BroadcastPipeline(ctx.conclude());
        try
        {
            pipeline.ingress.start();
            pipeline.egress.start();
            pipeline.ticker.scheduleAtFixedRate(pipeline::tick, ctx.repairIntervalMillis, ctx.repairIntervalMillis,
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
     * @param length how many, at most {@link Context#maxMessageLength()}.
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
        if (length > ctx.maxMessageLength || length < 0)
        {
            counters.offerTooLarge.increment();
            return MESSAGE_TOO_LARGE;
        }
        if (ctx.links.connectedPeers().length == 0)
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
            final String stage = "ingress".equals(role) ? (count.get() < ctx.verifyWorkers ? "verify-" + count.get() : "commit") : role;
            count.incrementAndGet();
            final Thread thread = new Thread(runnable, "chainmesh-" + stage + "-" + ctx.name);
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
