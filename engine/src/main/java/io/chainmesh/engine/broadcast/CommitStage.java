package io.chainmesh.engine.broadcast;

import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The verify and commit stages of one member without rings or threads, for a harness that owns time and
 * links itself (the network simulator). Each call does what one ingress event does in
 * {@link BroadcastPipeline}: the same verify stage writes its verdict, then the same commit stage (replay
 * windows, retention, delivery, tree forwarding and hand-over, repair, owed forwards, flow control, digests)
 * handles it; {@code endOfBatch} means what the Disruptor's does (owed resends, flow-control update, flush).
 * Time is the context's {@code nanoClock} and {@code clock}, the links are its {@code links}, the directory
 * its {@code directory}, signatures its {@code signatures}. The batcher is not part of it: the harness builds
 * and signs its batches and hands them in with {@link #onLocalBatch}.
 * <p>
 * Not thread-safe: one thread makes every call, the way the commit thread owns the pipeline's state.
 */
public final class CommitStage implements AutoCloseable
{
    /** {@link #classify} result: a control frame (DIGEST, WANT, WANT_MISS) or anything that is not a BATCH. */
    public static final int CONTROL = 0;
    /** {@link #classify} result: a BATCH whose signature the verify stage will check. */
    public static final int BATCH_TO_VERIFY = 1;
    /** {@link #classify} result: a BATCH already committed here, which the verify stage skips. */
    public static final int BATCH_KNOWN_DUPLICATE = 2;

    private final IngressEvent event = new IngressEvent();
    private final SeenWindows seen = new SeenWindows();
    private final BroadcastCounters counters;
    private final VerifyHandler verify;
    private final CommitHandler commit;
    private final OriginPause originPause = new OriginPause();
    private Int2ObjectHashMap<MessageHandler> handlers = new Int2ObjectHashMap<>();
    private long sequence;

    private CommitStage(final BroadcastContext ctx, final CountersManager counters, final BooleanSupplier congested)
    {
        this.counters = new BroadcastCounters(counters, ctx.name());
        this.verify = new VerifyHandler(0, 1, ctx.directory(), ctx.clock(), ctx.maxAgeMillis(), ctx.maxFutureMillis(),
            FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, seen, ctx.signatures().verifier());
        this.commit = new CommitHandler(ctx, ctx.directory(), () -> handlers, this.counters, seen, congested,
            originPause, new LocalCommitProgress());
    }

    /**
     * Builds the stages of one member.
     *
     * @param ctx       the member's settings ({@link BroadcastContext#conclude()} is called here; the node
     *                  key is required by it but never used: nothing is signed here).
     * @param counters  where this member's counters are allocated (may be shared by many members).
     * @param congested whether the member's ingress backlog is over half its ring (repair asks nothing meanwhile).
     * @return the stages, holding no state yet.
     */
    public static CommitStage create(
        final BroadcastContext ctx, final CountersManager counters, final BooleanSupplier congested)
    {
        Objects.requireNonNull(counters, "counters");
        Objects.requireNonNull(congested, "congested");
        return new CommitStage(ctx.conclude(), counters, congested);
    }

    /**
     * What the verify stage will do with a frame, read without changing anything: lets a harness charge the
     * cost of a signature check only where the pipeline makes one.
     *
     * @param frame  buffer holding the whole frame.
     * @param offset where it starts.
     * @param length its length.
     * @return {@link #CONTROL}, {@link #BATCH_TO_VERIFY} or {@link #BATCH_KNOWN_DUPLICATE}.
     */
    public int classify(final DirectBuffer frame, final int offset, final int length)
    {
        if (length <= FrameDescriptor.TYPE_OFFSET || (frame.getByte(offset + FrameDescriptor.TYPE_OFFSET) & 0xFF) != FrameType.BATCH)
        {
            return CONTROL;
        }
        if (length < BatchDescriptor.MIN_FRAME_LENGTH)
        {
            return BATCH_TO_VERIFY;
        }
        final long originId = frame.getLong(offset + BatchDescriptor.ORIGIN_ID_OFFSET, ByteOrder.BIG_ENDIAN);
        final long batchSeq = frame.getLong(offset + BatchDescriptor.BATCH_SEQ_OFFSET, ByteOrder.BIG_ENDIAN);
        return seen.isKnownDuplicate(originId, batchSeq) ? BATCH_KNOWN_DUPLICATE : BATCH_TO_VERIFY;
    }

    /**
     * A frame from a peer: BATCH (verified, then committed), DIGEST, WANT or WANT_MISS.
     *
     * @param from       the authenticated peer it came from.
     * @param frame      buffer holding the whole frame (copied; the caller may reuse it at once).
     * @param offset     where it starts.
     * @param length     its length, at most {@link FrameDescriptor#DEFAULT_MAX_FRAME_LENGTH}.
     * @param endOfBatch true if nothing else is waiting to be handled now.
     */
    public void onFrame(final MemberId from, final DirectBuffer frame, final int offset, final int length,
        final boolean endOfBatch)
    {
        final int type = length > FrameDescriptor.TYPE_OFFSET ? frame.getByte(offset + FrameDescriptor.TYPE_OFFSET) & 0xFF : -1;
        load(type == FrameType.BATCH ? IngressEvent.REMOTE_BATCH : IngressEvent.CONTROL, from, frame, offset, length);
        final long s = sequence++;
        verify.onEvent(event, s, endOfBatch);
        commit.onEvent(event, s, endOfBatch);
    }

    /**
     * A batch this member originated and signed (the batcher's output), committed and sent down its tree.
     *
     * @param frame      buffer holding the whole signed BATCH frame (copied).
     * @param offset     where it starts.
     * @param length     its length.
     * @param endOfBatch true if nothing else is waiting to be handled now.
     */
    public void onLocalBatch(final DirectBuffer frame, final int offset, final int length, final boolean endOfBatch)
    {
        load(IngressEvent.LOCAL_BATCH, null, frame, offset, length);
        commit.onEvent(event, sequence++, endOfBatch);
    }

    /**
     * One repair interval: eviction, digests, re-asking, flow-control upkeep.
     *
     * @param endOfBatch true if nothing else is waiting to be handled now.
     */
    public void onTick(final boolean endOfBatch)
    {
        event.clear();
        event.kind = IngressEvent.TICK;
        commit.onEvent(event, sequence++, endOfBatch);
    }

    /**
     * Registers the handler of a topic, replacing any previous one.
     *
     * @param topic   topic, 0..65535.
     * @param handler called from {@link #onFrame} for each message of that topic from other members.
     */
    public void subscribe(final int topic, final MessageHandler handler)
    {
        BatchDescriptor.checkTopic(topic);
        final Int2ObjectHashMap<MessageHandler> copy = new Int2ObjectHashMap<>(handlers);
        copy.put(topic, Objects.requireNonNull(handler, "handler"));
        handlers = copy;
    }

    /**
     * @return true while this member's own offers would be refused because forwards are backed up (here or at
     *         a neighbour): a harness should not originate batches meanwhile, as {@code offer} would not.
     */
    public boolean isOriginPaused()
    {
        return originPause.isPaused();
    }

    /**
     * @return this member's counters.
     */
    public BroadcastCounters counters()
    {
        return counters;
    }

    /**
     * Frees this member's counters. Idempotent.
     */
    @Override
    public void close()
    {
        counters.close();
    }

    private void load(final int kind, final MemberId from, final DirectBuffer frame, final int offset, final int length)
    {
        event.clear();
        event.ensureCapacity(length);
        final UnsafeBuffer buffer = event.buffer;
        buffer.putBytes(0, frame, offset, length);
        event.kind = kind;
        event.from = from;
        event.length = length;
    }
}
