package io.chainmesh.engine.broadcast;

import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameDescriptor;
import org.agrona.BitUtil;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.status.CountersManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Configuration of a {@link BroadcastPipeline}: fluent setters, validated by {@link #conclude()} when the pipeline
 * launches.
 */
public final class BroadcastContext
{
    private static final Logger LOG = LoggerFactory.getLogger(BroadcastPipeline.class);

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
    private int digestPeersPerSecond = 3;
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
    public BroadcastContext nodeKey(final NodeKey key)
    {
        this.nodeKey = key;
        return this;
    }

    /**
     * @param member the member this node speaks for, whose origin id names its batches.
     * @return this.
     */
    public BroadcastContext member(final MemberId member)
    {
        this.member = member;
        return this;
    }

    /**
     * @param directory the current directory, read on every batch (must be cheap and thread-safe).
     * @return this.
     */
    public BroadcastContext directory(final Supplier<DirectorySnapshot> directory)
    {
        this.directory = directory;
        return this;
    }

    /**
     * @param links the link layer.
     * @return this.
     */
    public BroadcastContext links(final LinkSender links)
    {
        this.links = links;
        return this;
    }

    /**
     * @param name short name used in thread names and counter labels.
     * @return this.
     */
    public BroadcastContext name(final String name)
    {
        this.name = name;
        return this;
    }

    /**
     * @param nanoClock monotonic clock for retention, repair and flow-control timers.
     * @return this.
     */
    public BroadcastContext nanoClock(final NanoClock nanoClock)
    {
        this.nanoClock = nanoClock;
        return this;
    }

    /**
     * @param clock wall clock for batch timestamps.
     * @return this.
     */
    public BroadcastContext clock(final EpochClock clock)
    {
        this.clock = clock;
        return this;
    }

    /**
     * @param strategy tree (default) or flood.
     * @return this.
     */
    public BroadcastContext strategy(final BroadcastStrategy strategy)
    {
        this.strategy = strategy;
        return this;
    }

    /**
     * @param workers signature verification threads, 1..64 (default 1).
     * @return this.
     */
    public BroadcastContext verifyWorkers(final int workers)
    {
        this.verifyWorkers = workers;
        return this;
    }

    /**
     * @param size ingress ring slots, a power of two.
     * @return this.
     */
    public BroadcastContext ingressRingSize(final int size)
    {
        this.ingressRingSize = size;
        return this;
    }

    /**
     * @param size egress ring slots, a power of two.
     * @return this.
     */
    public BroadcastContext egressRingSize(final int size)
    {
        this.egressRingSize = size;
        return this;
    }

    /**
     * @param length largest batch frame this node builds.
     * @return this.
     */
    public BroadcastContext maxBatchFrameLength(final int length)
    {
        this.maxBatchFrameLength = length;
        return this;
    }

    /**
     * @param length largest message {@link BroadcastPipeline#offer} accepts.
     * @return this.
     */
    public BroadcastContext maxMessageLength(final int length)
    {
        this.maxMessageLength = length;
        return this;
    }

    /**
     * @param bytes retention ring size for repair, a power of two.
     * @return this.
     */
    public BroadcastContext retentionBytes(final int bytes)
    {
        this.retentionBytes = bytes;
        return this;
    }

    /**
     * @param millis how long batches are retained for repair.
     * @return this.
     */
    public BroadcastContext retentionMillis(final long millis)
    {
        this.retentionMillis = millis;
        return this;
    }

    /**
     * @param bits per-origin replay window, a power of two.
     * @return this.
     */
    public BroadcastContext replayWindowBits(final int bits)
    {
        this.replayWindowBits = bits;
        return this;
    }

    /**
     * @param millis oldest batch timestamp accepted (must cover retention).
     * @return this.
     */
    public BroadcastContext maxAgeMillis(final long millis)
    {
        this.maxAgeMillis = millis;
        return this;
    }

    /**
     * @param millis how far ahead of this node's clock a batch timestamp may be.
     * @return this.
     */
    public BroadcastContext maxFutureMillis(final long millis)
    {
        this.maxFutureMillis = millis;
        return this;
    }

    /**
     * @param millis how often digests are sent to neighbours.
     * @return this.
     */
    public BroadcastContext repairIntervalMillis(final long millis)
    {
        this.repairIntervalMillis = millis;
        return this;
    }

    /**
     * @param peersPerSecond how many peers per second are told, in turn, what changed since their previous digest
     *                       (full digests, resyncs and backed-up digests go to every peer that needs one at once).
     * @return this.
     */
    public BroadcastContext digestPeersPerSecond(final int peersPerSecond)
    {
        this.digestPeersPerSecond = peersPerSecond;
        return this;
    }

    /**
     * @param millis how long a gap must persist before it is requested.
     * @return this.
     */
    public BroadcastContext repairDelayMillis(final long millis)
    {
        this.repairDelayMillis = millis;
        return this;
    }

    /**
     * @param frames most batches sent in answer to one WANT.
     * @return this.
     */
    public BroadcastContext maxFramesPerWant(final int frames)
    {
        this.maxFramesPerWant = frames;
        return this;
    }

    /**
     * @param millis how long this node's own publishing waits (offers refused with {@link BroadcastPipeline#BACK_PRESSURED})
     *               for a peer whose link stays backed up; after that the peer is in repair mode and
     *               publishing goes on at the others' pace (default 5 s, longer than missed heartbeats
     *               take to close a dead link: 3 to 4 s after its last frame).
     * @return this.
     */
    public BroadcastContext slowPeerMillis(final long millis)
    {
        this.slowPeerMillis = millis;
        return this;
    }

    /**
     * @param count invalid frames after which a peer is closed.
     * @return this.
     */
    public BroadcastContext maxInvalidPerPeer(final int count)
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
    public BroadcastContext batchLingerNanos(final long nanos)
    {
        this.batchLingerNanos = nanos;
        return this;
    }

    /**
     * @param count most messages one batch (one signature) carries; 1 signs every message on its own,
     *              the baseline chainmesh is measured against.
     * @return this.
     */
    public BroadcastContext maxMessagesPerBatch(final int count)
    {
        this.maxMessagesPerBatch = count;
        return this;
    }

    /**
     * @param waitStrategy per-ring wait strategy ({@link BlockingBackoffWaitStrategy} by default, for shared machines).
     * @return this.
     */
    public BroadcastContext waitStrategy(final Supplier<WaitStrategy> waitStrategy)
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
    public BroadcastContext signatures(final BatchSignatures signatures)
    {
        this.signatures = signatures;
        return this;
    }

    /**
     * @param manager where counters are allocated (a private one if not set).
     * @return this.
     */
    public BroadcastContext countersManager(final CountersManager manager)
    {
        this.countersManager = manager;
        return this;
    }

    /**
     * @param handler receives errors of subscribers and stages.
     * @return this.
     */
    public BroadcastContext errorHandler(final ErrorHandler handler)
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

    int digestPeersPerSecond()
    {
        return digestPeersPerSecond;
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

    /** @return the largest message {@link BroadcastPipeline#offer} accepts. */
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
    public BroadcastContext conclude()
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
        check(digestPeersPerSecond >= 1, "digestPeersPerSecond=" + digestPeersPerSecond + " must be >= 1");
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

    CountersManager countersManager()
    {
        return countersManager;
    }

    int ingressRingSize()
    {
        return ingressRingSize;
    }

    Supplier<WaitStrategy> waitStrategy()
    {
        return waitStrategy;
    }

    int egressRingSize()
    {
        return egressRingSize;
    }

    long batchLingerNanos()
    {
        return batchLingerNanos;
    }

    int verifyWorkers()
    {
        return verifyWorkers;
    }

    int maxMessagesPerBatch()
    {
        return maxMessagesPerBatch;
    }
}
