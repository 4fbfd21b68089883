package io.chainmesh.engine.broadcast;

import com.google.protobuf.MessageLite;
import com.lmax.disruptor.EventHandler;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.batch.BatchDecoder;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.control.Digest;
import io.chainmesh.codec.control.OriginProgress;
import io.chainmesh.codec.control.Want;
import io.chainmesh.codec.control.WantMiss;
import io.chainmesh.codec.control.WantRange;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2IntHashMap;
import org.agrona.collections.Object2ObjectHashMap;
import org.agrona.concurrent.EpochClock;

import java.nio.ByteOrder;
import java.util.function.Supplier;

/**
 * The commit stage: the single owner of the replay windows, the retention buffer and the repair
 * state. For each verified batch it marks the sequence committed (only now, after verification),
 * retains the frame, delivers others' messages to subscribers, and forwards the batch along the
 * broadcast strategy. It answers repair digests and WANTs and sends its own digests on each tick.
 * Runs on one thread; the only state it shares is the origin-pause flag {@link BroadcastPipeline#offer} reads
 * and the counts of our own batches (and their bytes) taken, which the batcher reads.
 */
final class CommitHandler implements EventHandler<IngressEvent>
{
    /**
     * Frame flag on batches sent in answer to a WANT. A repaired batch is forwarded like any other when
     * it is the first copy to arrive (so the subtree below does not have to repair too), unless it is
     * history: from before this process joined the origin's stream, which the subtree has its own way
     * to ask for.
     */
    static final int FLAG_REPAIR = 0x01;
    /**
     * The other 7 flag bits of a tree forward: 0 when the receiver covers its default range (derived
     * from origin, itself and n), else the explicit length of the range it covers, for a range handed
     * over past a member that is down (and everything forwarded inside such a range).
     */
    static final int RANGE_SHIFT = 1;
    static final int MAX_EXPLICIT_RANGE = 0x7F;
    /** A peer that asks this many times in a row for what is no longer retained here is closed. */
    static final int MAX_WANTS_BEYOND_RETENTION = 3;

    /** WANT ranges remembered per origin, to tell an answer from an unasked WANT_MISS; a power of two. */
    static final int ASKS_REMEMBERED = 4;

    /** Skipped forwards one peer is owed, oldest first; at most this many (beyond, left to WANT repair). */
    static final int MAX_OWED_PER_PEER = 1024;

    /**
     * Batches a tree forward to one peer skipped because its link was full, oldest first: resent from
     * retention as soon as the link takes frames again, long before a WANT could ask for them (a WANT waits
     * behind both nodes' backlogs, in which time the retention can turn over). Fixed size, no allocation.
     */
    private static final class Owed
    {
        final long[] origins = new long[MAX_OWED_PER_PEER];
        final long[] seqs = new long[MAX_OWED_PER_PEER];
        final int[] lengths = new int[MAX_OWED_PER_PEER];
        /** The retention's write position when each entry was owed: how far it has turned over since. */
        final long[] retainedMarks = new long[MAX_OWED_PER_PEER];
        int head;
        int size;
        long bytes;
        /** Since when it has been above the low-water mark (-1: it is not): a peer backed up for long is slow. */
        long backedUpSinceMillis = -1;
        boolean slow;

        boolean add(final long originId, final long seq, final int length, final long retainedMark, final long maxBytes)
        {
            if (size == MAX_OWED_PER_PEER || bytes + length > maxBytes)
            {
                return false;
            }
            final int i = (head + size) & (MAX_OWED_PER_PEER - 1);
            origins[i] = originId;
            seqs[i] = seq;
            lengths[i] = length;
            retainedMarks[i] = retainedMark;
            bytes += length;
            size++;
            return true;
        }

        void removeFirst()
        {
            bytes -= lengths[head];
            head = (head + 1) & (MAX_OWED_PER_PEER - 1);
            size--;
        }
    }

    /**
     * What one peer said is beyond its retention, above a mark, and since when: acted on once a second peer
     * says so too, or nobody else offers it in time.
     */
    private static final class MissClaim
    {
        MemberId from;
        long at = -1;
        /** Where it said what it retains starts, capped at what it said it had. */
        long skipTo;
        long sinceMillis;
        /** Another peer said it has what lies above {@link #at} since: we wait for its answer. */
        boolean offeredElsewhere;

        void record(final MemberId peer, final long mark, final long upTo, final long now)
        {
            from = peer;
            at = mark;
            skipTo = upTo;
            sinceMillis = now;
            offeredElsewhere = false;
        }

        void clear()
        {
            from = null;
            at = -1;
        }

        /** @return true if a peer's claim stands for this mark. */
        boolean holds(final long mark)
        {
            return null != from && at == mark;
        }
    }

    private static final class OriginState
    {
        final ReplayWindow window;
        long behindSinceMillis;
        long behindTarget;
        long lastWantMillis;
        /** The first commit came from the tree, mid-stream: waiting for a peer to say where history starts. */
        boolean historyPending;
        long historyPendingSinceMillis;
        long lastHistoryWantMillis;
        /** Batches at or below this are history: delivered, not forwarded. */
        long historyLimit = -1;
        /** Learnt (WANT_MISS) before the first commit: the last sequence not to wait for. */
        long floor = -1;
        /**
         * The last WANT ranges sent for this origin (peer, lower bound, upper bound, when): a WANT_MISS is taken
         * only as the answer to one of them (an unasked one could make us skip what others still retain), and
         * never beyond what that peer said it had. A few, because an answer can come late, after a re-ask.
         */
        final MemberId[] askPeers = new MemberId[ASKS_REMEMBERED];
        final long[] askAfter = new long[ASKS_REMEMBERED];
        final long[] askUpTo = new long[ASKS_REMEMBERED];
        final long[] askMillis = new long[ASKS_REMEMBERED];
        int askNext;
        /** One peer said the gap above our contiguous mark is beyond its retention. */
        final MissClaim gapMiss = new MissClaim();
        /** Peers said the tail above our highest is gone up to here (-1: none): see {@code skipMissedGap}. */
        long lostTailUpTo = -1;
        /** One peer said that past {@link #lostTailUpTo} more is gone: unconfirmed. */
        final MissClaim tailMiss = new MissClaim();
        /** Contiguous mark last seen moving, and when: a gap stuck longer than retention is given up. */
        long stuckAt = -1;
        long stuckSinceMillis;
        /** Our highest as last seen by a digest, and when it last moved: a tail is in flight while it moves. */
        long lastHighest = -1;
        long highestMovedMillis;

        OriginState(final int windowBits)
        {
            window = new ReplayWindow(windowBits);
        }

        void ask(final MemberId peer, final long after, final long upTo, final long now)
        {
            final int i = askNext;
            askPeers[i] = peer;
            askAfter[i] = after;
            askUpTo[i] = upTo;
            askMillis[i] = now;
            askNext = (i + 1) & (ASKS_REMEMBERED - 1);
        }

        void forgetLastAsk()
        {
            askNext = (askNext - 1) & (ASKS_REMEMBERED - 1);
            askPeers[askNext] = null;
        }

        /** @return the slot of the newest ask of {@code peer} from {@code after} still worth an answer, or -1. */
        int askOf(final MemberId peer, final long after, final long now, final long validMillis)
        {
            for (int k = 1; k <= ASKS_REMEMBERED; k++)
            {
                final int i = (askNext - k) & (ASKS_REMEMBERED - 1);
                if (peer.equals(askPeers[i]) && askAfter[i] == after && now - askMillis[i] <= validMillis)
                {
                    return i;
                }
            }
            return -1;
        }
    }

    private final BroadcastPipeline.Context ctx;
    private final Supplier<DirectorySnapshot> directory;
    private final Supplier<Int2ObjectHashMap<MessageHandler>> handlers;
    private final java.util.function.BooleanSupplier congested;
    private final LinkSender links;
    private final BroadcastCounters counters;
    private final EpochClock clock;
    private final MemberId self;
    private final long selfOriginId;
    private final RetentionBuffer retention;
    private final SeenWindows seen;
    private final Long2ObjectHashMap<OriginState> origins = new Long2ObjectHashMap<>();
    private final Object2IntHashMap<MemberId> invalidByPeer = new Object2IntHashMap<>(0);
    private final Object2IntHashMap<MemberId> beyondRetentionByPeer = new Object2IntHashMap<>(0);
    private final BatchDecoder decoder = new BatchDecoder();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(4096);
    private long directoryHeightSeen = -1;
    private MemberId repairTarget;
    private boolean repairBlocked;
    private final Object2ObjectHashMap<MemberId, Owed> owedByPeer =
        new Object2ObjectHashMap<>();
    private int owedTotal;
    private final long maxOwedBytes;
    private final long owedHighWaterBytes;
    private final long owedLowWaterBytes;
    private final long retentionTurnoverHighBytes;
    private final long retentionTurnoverLowBytes;
    private final long slowPeerMillis;
    private final java.util.concurrent.atomic.AtomicBoolean originPressure;
    /** Our own forwards are backed up (hysteresis between the water marks); sent to neighbours in digests. */
    private boolean linksBackedUp;
    /** A neighbour said its forwards are backed up: our own publishing pauses until then. */
    private long neighbourBackedUpUntilMillis = Long.MIN_VALUE;
    private static final long NEVER = Long.MIN_VALUE;
    private long neighbourPauseSinceMillis = NEVER;
    private final org.agrona.collections.Object2LongHashMap<MemberId> backedUpSinceByNeighbour =
        new org.agrona.collections.Object2LongHashMap<>(NEVER);
    private final java.util.ArrayDeque<OriginState> askedStates = new java.util.ArrayDeque<>();
    private boolean originPaused;
    private final java.util.concurrent.atomic.AtomicLong localBytesCommitted;
    private final java.util.concurrent.atomic.AtomicLong localBatchesCommitted;
    private final RetentionBuffer.FrameConsumer resendOwed = this::resendOwedFrame;

    CommitHandler(
        final BroadcastPipeline.Context ctx,
        final Supplier<DirectorySnapshot> directory,
        final Supplier<Int2ObjectHashMap<MessageHandler>> handlers,
        final BroadcastCounters counters,
        final SeenWindows seen,
        final java.util.function.BooleanSupplier congested,
        final java.util.concurrent.atomic.AtomicBoolean originPressure,
        final java.util.concurrent.atomic.AtomicLong localBytesCommitted,
        final java.util.concurrent.atomic.AtomicLong localBatchesCommitted)
    {
        this.localBytesCommitted = localBytesCommitted;
        this.localBatchesCommitted = localBatchesCommitted;
        this.originPressure = originPressure;
        // Owed bytes stay well inside the retention they are resent from; the marks leave room for what is
        // already in flight when the origin pauses.
        this.maxOwedBytes = ctx.retentionBytes() / 2;
        this.owedHighWaterBytes = ctx.retentionBytes() / 8;
        this.owedLowWaterBytes = ctx.retentionBytes() / 32;
        this.retentionTurnoverHighBytes = ctx.retentionBytes() / 4;
        this.retentionTurnoverLowBytes = ctx.retentionBytes() / 8;
        this.slowPeerMillis = ctx.slowPeerMillis();
        this.seen = seen;
        this.congested = congested;
        this.ctx = ctx;
        this.directory = directory;
        this.handlers = handlers;
        this.links = ctx.links();
        this.counters = counters;
        this.clock = ctx.clock();
        this.self = ctx.member();
        this.selfOriginId = self.originId();
        this.retention = new RetentionBuffer(ctx.retentionBytes(), ctx.retentionMillis());
    }

    @Override
    public void onEvent(final IngressEvent event, final long sequence, final boolean endOfBatch)
    {
        try
        {
            switch (event.kind)
            {
                case IngressEvent.REMOTE_BATCH:
                case IngressEvent.LOCAL_BATCH:
                    onBatch(event);
                    break;
                case IngressEvent.CONTROL:
                    onControl(event);
                    break;
                case IngressEvent.TICK:
                    onTick();
                    break;
                default:
                    break;
            }
        }
        finally
        {
            if (event.kind == IngressEvent.LOCAL_BATCH)
            {
                localBytesCommitted.setRelease(localBytesCommitted.getPlain() + event.length);
                localBatchesCommitted.setRelease(localBatchesCommitted.getPlain() + 1);
            }
            event.clear();
            if (endOfBatch)
            {
                if (owedTotal > 0)
                {
                    resendOwed();
                }
                if (owedTotal > 0 || originPaused || linksBackedUp)
                {
                    updateOriginPressure(clock.time());
                }
                links.flush();
            }
        }
    }

    private void onBatch(final IngressEvent event)
    {
        if (event.kind == IngressEvent.REMOTE_BATCH && event.verdict != IngressEvent.VALID)
        {
            if (event.verdict == IngressEvent.KNOWN_DUPLICATE)
            {
                counters.duplicatesBeforeVerify.incrementRelease();
                return;
            }
            countInvalid(event.from, event.verdict);
            return;
        }
        final long originId = event.buffer.getLong(BatchDescriptor.ORIGIN_ID_OFFSET, ByteOrder.BIG_ENDIAN);
        final long batchSeq = event.buffer.getLong(BatchDescriptor.BATCH_SEQ_OFFSET, ByteOrder.BIG_ENDIAN);
        final OriginState state = stateFor(originId);
        final long highestBefore = state.window.highest();
        final boolean firstOfOrigin = highestBefore < 0;
        final int seen = state.window.check(batchSeq);
        if (seen != ReplayWindow.NEW || !state.window.commit(batchSeq))
        {
            (seen == ReplayWindow.STALE ? counters.stale : counters.duplicates).incrementRelease();
            return;
        }
        if (firstOfOrigin && event.kind == IngressEvent.REMOTE_BATCH)
        {
            if (state.floor >= 0)
            {
                // A peer already said where what it retains starts: wait for everything from there. That history
                // comes by repair, for us only: not forwarded (our children fetch their own).
                state.window.rebase(state.floor);
                state.historyLimit = Math.max(state.historyLimit, batchSeq - 1);
            }
            else
            {
                // Joined this origin's stream mid-way (first start or restart): ask where its retained history starts.
                state.historyPending = true;
                state.historyPendingSinceMillis = clock.time();
                state.historyLimit = Math.max(state.historyLimit, batchSeq - 1);
            }
        }

        counters.batchesCommitted.incrementRelease();
        if (state.lostTailUpTo >= 0 && batchSeq > highestBefore)
        {
            giveUpLostTail(state, batchSeq);
        }
        if (retention.fits(event.length))
        {
            retention.append(originId, batchSeq, clock.time(), event.buffer, 0, event.length);
        }
        if (event.kind == IngressEvent.REMOTE_BATCH)
        {
            deliver(event);
            counters.delivery.onCommit(originId, batchSeq,
                event.buffer.getShort(BatchDescriptor.COUNT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF,
                event.buffer.getLong(BatchDescriptor.TIMESTAMP_OFFSET, ByteOrder.BIG_ENDIAN), clock.time(),
                state.window.highest(), state.window.contiguous());
        }
        final int flags = event.buffer.getByte(FrameDescriptor.FLAGS_OFFSET) & 0xFF;
        if ((flags & FLAG_REPAIR) == 0 || batchSeq > state.historyLimit)
        {
            forward(event, originId, (flags & FLAG_REPAIR) != 0 ? 0 : flags >>> RANGE_SHIFT);
        }
    }

    private void deliver(final IngressEvent event)
    {
        final Int2ObjectHashMap<MessageHandler> byTopic = handlers.get();
        decoder.wrap(event.buffer, 0, event.length);
        final long originId = decoder.originId();
        int delivered = 0;
        while (decoder.nextEntry())
        {
            final MessageHandler handler = byTopic.get(decoder.entryTopic());
            if (null != handler)
            {
                try
                {
                    handler.onMessage(originId, decoder.entryTopic(), event.buffer, decoder.entryOffset(),
                        decoder.entryLength());
                    delivered++;
                }
                catch (final RuntimeException ex)
                {
                    counters.handlerErrors.incrementRelease();
                    ctx.errorHandler().onError(ex);
                }
            }
        }
        counters.messagesDelivered.getAndAddRelease(delivered);
    }

    private void forward(final IngressEvent event, final long originId, final int explicitRange)
    {
        final DirectorySnapshot dir = directory.get();
        if (ctx.strategy() == BroadcastStrategy.FLOOD)
        {
            event.buffer.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)0);
            final MemberId[] peers = links.connectedPeers();
            for (final MemberId peer : peers)
            {
                if (!peer.equals(event.from) && peer.originId() != originId)
                {
                    send(peer, event.buffer, event.length);
                }
            }
            return;
        }
        final int n = dir.size();
        final int selfIndex = dir.indexOf(self);
        final Member origin = originId == selfOriginId ? dir.find(self) : dir.findByOriginId(originId);
        if (selfIndex < 0 || null == origin)
        {
            return;
        }
        final int originIndex = dir.indexOf(origin.id());
        final int offset = BroadcastTree.offset(originIndex, selfIndex, n);
        final int byDefault = BroadcastTree.rangeLength(offset, n);
        int range = byDefault;
        if (explicitRange > 0)
        {
            final int fromIndex = null == event.from ? -1 : dir.indexOf(event.from);
            range = BroadcastTree.checkedRange(explicitRange, offset, n, MAX_EXPLICIT_RANGE,
                fromIndex < 0 ? -1 : BroadcastTree.offset(originIndex, fromIndex, n));
        }
        boolean explicit = range != byDefault;
        if (!explicit && offset >= 2)
        {
            // The range of a down predecessor is ours whichever way the batch reached us (handed over, or
            // repaired first), so its subtree still gets it from the tree.
            final int downRange = BroadcastTree.rangeLength(offset - 1, n);
            if (downRange - 1 > range &&
                !links.isConnected(dir.member(BroadcastTree.indexAt(selfIndex, n - 1, n)).id()))
            {
                range = Math.min(downRange - 1, MAX_EXPLICIT_RANGE);
                explicit = true;
            }
        }
        final int children = BroadcastTree.childCount(range);
        for (int j = 0; j < children; j++)
        {
            final int childIndex = BroadcastTree.indexAt(selfIndex, BroadcastTree.childDistance(j), n);
            // Inside a handed-over range the children's ranges are not their defaults: say them explicitly.
            final int childRange = explicit ? BroadcastTree.childRangeLength(range, j) : 0;
            event.buffer.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)(childRange << RANGE_SHIFT));
            send(dir.member(childIndex).id(), event.buffer, event.length);
        }
        handOverPastDownSuccessor(event, dir, n, selfIndex, offset);
    }

    /**
     * A member that is down is skipped by giving its range to the next live member: when our ring
     * successor (the next offset) covers more than itself and has no link, nobody would reach the rest
     * of its range, so we send the batch to the member after it (our second successor, an overlay link)
     * with the range that remains, explicitly. Whoever is parent of the member that is down cannot do
     * it: it has no link inside that range. Only the one member after a down member is covered; two in
     * a row are left to repair.
     */
    private void handOverPastDownSuccessor(
        final IngressEvent event, final DirectorySnapshot dir, final int n, final int selfIndex, final int offset)
    {
        final int downOffset = offset + 1;
        if (downOffset >= n - 1)
        {
            return;
        }
        final int downRange = BroadcastTree.rangeLength(downOffset, n);
        if (downRange <= 1 || links.isConnected(dir.member(BroadcastTree.indexAt(selfIndex, 1, n)).id()))
        {
            return;
        }
        final MemberId next = dir.member(BroadcastTree.indexAt(selfIndex, 2, n)).id();
        if (next.equals(event.from))
        {
            return;
        }
        event.buffer.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)(Math.min(downRange - 1, MAX_EXPLICIT_RANGE) << RANGE_SHIFT));
        if (send(next, event.buffer, event.length))
        {
            counters.forwardsHandedOver.incrementRelease();
        }
    }

    private boolean send(final MemberId peer, final DirectBuffer frame, final int length)
    {
        final Owed owed = owedTotal > 0 ? owedByPeer.get(peer) : null;
        if (null != owed && owed.size > 0 && !resendOwed(peer, owed))
        {
            // Still owed older batches: this one queues behind them, so the peer gets its stream in order.
            counters.forwardBackPressured.incrementRelease();
            owe(peer, owed, frame, length);
            return false;
        }
        final int result = links.send(peer, frame, 0, length);
        if (result == LinkSender.SENT)
        {
            counters.batchesForwarded.incrementRelease();
            return true;
        }
        if (result == LinkSender.NOT_CONNECTED)
        {
            counters.forwardNotConnected.incrementRelease();
        }
        else
        {
            // The peer cannot keep up: it is not waited for. The batch is resent from retention once its link
            // drains (oldest first), and failing that it catches up by WANT repair.
            counters.forwardBackPressured.incrementRelease();
            owe(peer, owed, frame, length);
        }
        return false;
    }

    private void owe(final MemberId peer, final Owed known, final DirectBuffer frame, final int length)
    {
        Owed owed = known;
        if (null == owed)
        {
            owed = owedByPeer.get(peer);
            if (null == owed)
            {
                owed = new Owed();
                owedByPeer.put(peer, owed);
            }
        }
        if (owed.add(frame.getLong(BatchDescriptor.ORIGIN_ID_OFFSET, ByteOrder.BIG_ENDIAN),
            frame.getLong(BatchDescriptor.BATCH_SEQ_OFFSET, ByteOrder.BIG_ENDIAN), length, retention.writePosition(), maxOwedBytes))
        {
            owedTotal++;
        }
        else
        {
            counters.forwardsLeftToRepair.incrementRelease();
        }
    }

    private void resendOwed()
    {
        for (final MemberId peer : links.connectedPeers())
        {
            final Owed owed = owedByPeer.get(peer);
            if (null != owed && owed.size > 0)
            {
                resendOwed(peer, owed);
            }
        }
    }

    /** @return true if nothing is owed to the peer any more. */
    private boolean resendOwed(final MemberId peer, final Owed owed)
    {
        repairTarget = peer;
        repairBlocked = false;
        while (owed.size > 0)
        {
            final long seq = owed.seqs[owed.head];
            final int sent = retention.forEach(owed.origins[owed.head], seq - 1, seq, 1, resendOwed);
            if (repairBlocked)
            {
                break;
            }
            if (0 == sent)
            {
                // Evicted before the link drained: the peer's WANT gets WANT_MISS, and it counts the loss.
                counters.forwardsLeftToRepair.incrementRelease();
            }
            owed.removeFirst();
            owedTotal--;
        }
        repairTarget = null;
        return owed.size == 0;
    }

    /**
     * Origin flow control. While a peer's link drains slower than this node forwards to it, what it is owed
     * grows; left alone it would outgrow the retention, and what is evicted before it is resent can only be
     * given up. So while any peer that is still taking frames is owed more than the high-water mark, this
     * node's own offers are refused with BACK_PRESSURED (the publisher slows to what the links carry), until
     * every such peer is below the low-water mark. Neighbours are told (in digests) and pause theirs too, since
     * the backlog is made of what they originate as well. A peer that stays backed up for longer than
     * {@link #slowPeerMillis} is not waited for: it is in repair mode, and one slow peer does not stop publishing.
     */
    private void updateOriginPressure(final long now)
    {
        boolean aboveHigh = false;
        boolean belowLow = true;
        for (final Owed owed : owedByPeer.values())
        {
            // How far the retention has turned over since the oldest owed batch was retained: once that nears the
            // retention's size the batch is evicted before it can be resent. Measured, so in-flight backlog counts.
            final long turnover = owed.size == 0 ? 0 : retention.writePosition() - owed.retainedMarks[owed.head];
            final boolean high = owed.bytes > owedHighWaterBytes || owed.size > MAX_OWED_PER_PEER / 2 ||
                turnover > retentionTurnoverHighBytes;
            if (owed.size <= MAX_OWED_PER_PEER / 8 && owed.bytes <= owedLowWaterBytes &&
                turnover <= retentionTurnoverLowBytes)
            {
                owed.backedUpSinceMillis = -1;
                owed.slow = false;
                continue;
            }
            if (owed.backedUpSinceMillis > now)
            {
                owed.backedUpSinceMillis = now;   // the wall clock stepped back
            }
            if (owed.backedUpSinceMillis < 0 && (high || linksBackedUp))
            {
                // From when it holds publishing back (a peer slowly filling towards the mark is not timed).
                owed.backedUpSinceMillis = now;
            }
            if (owed.backedUpSinceMillis >= 0 && now - owed.backedUpSinceMillis > slowPeerMillis)
            {
                // It cannot keep up even while we publish slower (or takes nothing and its heartbeats have not
                // yet timed out): it is in repair mode and does not hold the others back.
                if (!owed.slow)
                {
                    owed.slow = true;
                    counters.slowPeers.incrementRelease();
                }
                continue;
            }
            aboveHigh |= high;
            belowLow = false;
        }
        if (!linksBackedUp && aboveHigh)
        {
            linksBackedUp = true;
            counters.originPauses.incrementRelease();
        }
        else if (linksBackedUp && belowLow)
        {
            linksBackedUp = false;
        }
        // Bounded by what one flag is worth, should the wall clock step back.
        final long neighbourPause = neighbourBackedUpUntilMillis - now;
        final boolean paused = linksBackedUp || neighbourPause > 0 && neighbourPause <= 3 * ctx.repairIntervalMillis();
        if (paused != originPaused)
        {
            originPaused = paused;
            originPressure.set(paused);
        }
    }

    /**
     * A neighbour's forwards are backed up: the backlog is downstream of us, and what we originate is part
     * of what it cannot forward, so we pause ours for a few digest intervals. Honoured for at most
     * {@link #slowPeerMillis} in each {@code 2 x slowPeerMillis} per neighbour and for all of them together, so
     * neighbours that keep saying so (slow, or lying) cannot stop our publishing for ever.
     */
    private void onBackedUpFlag(final MemberId from, final boolean backedUp)
    {
        if (!backedUp)
        {
            return;
        }
        final long now = clock.time();
        // A budget per neighbour, and the same one for all of them together: at most slowPeerMillis of pausing in
        // each 2 x slowPeerMillis, whatever they say in between (a flag that flips back and forth, or neighbours
        // taking turns, would otherwise renew it for ever).
        final long since = pauseBudgetStart(backedUpSinceByNeighbour.getValue(from), now);
        backedUpSinceByNeighbour.put(from, since);
        if (now - since > slowPeerMillis)
        {
            return;
        }
        neighbourPauseSinceMillis = pauseBudgetStart(neighbourPauseSinceMillis, now);
        if (now - neighbourPauseSinceMillis > slowPeerMillis)
        {
            return;
        }
        neighbourBackedUpUntilMillis = now + 3 * ctx.repairIntervalMillis();
        if (!originPaused)
        {
            originPaused = true;
            originPressure.set(true);
        }
    }

    /**
     * @return when the pause budget that holds at {@code now} started: {@code since}, unless there was none, it
     *         has run its {@code 2 x slowPeerMillis}, or the wall clock stepped back past it (then a new one, now).
     */
    private long pauseBudgetStart(final long since, final long now)
    {
        return since == NEVER || now - since > 2 * slowPeerMillis || now < since ? now : since;
    }

    /** Owed batches the retention no longer holds are given up first, so they do not hold the queue. */
    private void forgetEvictedOwed()
    {
        for (final Owed owed : owedByPeer.values())
        {
            while (owed.size > 0 && !retention.contains(owed.origins[owed.head], owed.seqs[owed.head]))
            {
                counters.forwardsLeftToRepair.incrementRelease();
                owed.removeFirst();
                owedTotal--;
            }
        }
    }

    private void forgetOwedOfDisconnected()
    {
        owedByPeer.entrySet().removeIf(entry ->
        {
            if (links.isConnected(entry.getKey()))
            {
                return false;
            }
            // Its link went down: whatever it still lacks it asks for when it is back (WANT, history).
            counters.forwardsLeftToRepair.getAndAddRelease(entry.getValue().size);
            owedTotal -= entry.getValue().size;
            return true;
        });
    }

    private boolean resendOwedFrame(final long seq, final DirectBuffer buffer, final int offset, final int length)
    {
        scratch.putBytes(0, buffer, offset, length);
        // Sent like a repair answer: it covers the receiver's default range and is forwarded on from there.
        scratch.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)FLAG_REPAIR);
        if (links.send(repairTarget, scratch, 0, length) == LinkSender.SENT)
        {
            counters.forwardsResent.incrementRelease();
            counters.batchesForwarded.incrementRelease();
            return true;
        }
        repairBlocked = true;
        return false;
    }

    private void countInvalid(final MemberId from, final int verdict)
    {
        switch (verdict)
        {
            case IngressEvent.MALFORMED: counters.malformed.incrementRelease(); break;
            case IngressEvent.NOT_A_MEMBER: counters.notAMember.incrementRelease(); break;
            case IngressEvent.FORGED: counters.forged.incrementRelease(); break;
            case IngressEvent.TOO_OLD: counters.tooOld.incrementRelease(); return;
            case IngressEvent.FROM_THE_FUTURE: counters.fromTheFuture.incrementRelease(); return;
            default: return;
        }
        if (null == from)
        {
            return;
        }
        final int invalid = invalidByPeer.getValue(from) + 1;
        invalidByPeer.put(from, invalid);
        if (invalid >= ctx.maxInvalidPerPeer())
        {
            invalidByPeer.removeKey(from);
            counters.peersClosedForInvalid.incrementRelease();
            links.closePeer(from, CloseReason.TOO_MANY_INVALID,
                "sent " + ctx.maxInvalidPerPeer() + " invalid broadcast frames");
        }
    }

    private void onControl(final IngressEvent event)
    {
        final ByteBuf frame = Unpooled.wrappedBuffer(event.buffer.byteArray(), 0, event.length);
        final int type = event.buffer.getByte(FrameDescriptor.TYPE_OFFSET) & 0xFF;
        try
        {
            switch (type)
            {
                case FrameType.DIGEST: onDigest(event.from, ControlCodec.parseDigest(frame)); break;
                case FrameType.WANT: onWant(event.from, ControlCodec.parseWant(frame)); break;
                case FrameType.WANT_MISS: onWantMiss(event.from, ControlCodec.parseWantMiss(frame)); break;
                default: countInvalid(event.from, IngressEvent.MALFORMED); break;
            }
        }
        catch (final CodecException ex)
        {
            countInvalid(event.from, IngressEvent.MALFORMED);
        }
    }

    private void onDigest(final MemberId from, final Digest digest)
    {
        onBackedUpFlag(from, digest.getForwardsBackedUp());
        if (congested.getAsBoolean())
        {
            // What we lack is most likely queued in front of us (our ring is backed up and TCP is pushing
            // back upstream): asking for it again would only add load. Repair resumes once we drain.
            return;
        }
        final DirectorySnapshot dir = directory.get();
        final long now = clock.time();
        askedStates.clear();
        Want.Builder want = null;
        for (final OriginProgress progress : digest.getOriginsList())
        {
            final long originId = progress.getOriginId();
            if (originId == selfOriginId || null == dir.findByOriginId(originId))
            {
                continue;
            }
            final OriginState state = stateFor(originId);
            final long theirContiguous = progress.getContiguousSeq();
            final long theirHighest = progress.getHighestSeq();
            if (state.historyPending && now - state.historyPendingSinceMillis > ctx.retentionMillis())
            {
                // Nobody who knows where this origin's stream starts answered while anything could still be
                // retained: start where we did.
                state.historyPending = false;
            }
            if (state.historyPending && theirContiguous >= state.window.first() - 1 &&
                now - state.lastHistoryWantMillis >= ctx.repairDelayMillis())
            {
                // Where does what they retain start? Asked of a peer that has settled everything up to our
                // first batch; the answer (WANT_MISS with the oldest retained, then the batches, oldest
                // first) moves our window's start down to it. Asked again until it comes.
                want = null == want ? Want.newBuilder() : want;
                want.addRanges(WantRange.newBuilder().setOriginId(originId).setAfterSeq(0)
                    .setUpToSeq(state.window.first() - 1));
                state.lastHistoryWantMillis = now;
                state.ask(from, 0, state.window.first() - 1, now);
                askedStates.addLast(state);
            }
            final boolean started = state.window.highest() >= 0;
            if (state.window.highest() != state.lastHighest)
            {
                state.lastHighest = state.window.highest();
                state.highestMovedMillis = now;
            }
            long mine = started ? state.window.contiguous() : state.floor;
            if (state.gapMiss.holds(mine))
            {
                if (!from.equals(state.gapMiss.from) && theirContiguous > mine)
                {
                    state.gapMiss.offeredElsewhere = true;
                }
                else if (!state.gapMiss.offeredElsewhere && now - state.gapMiss.sinceMillis >= 2 * ctx.repairDelayMillis())
                {
                    // One peer said it is gone and nobody else has offered it since: lost for good. Counted, and
                    // the mark moves on.
                    skipMissedGap(state, state.gapMiss.skipTo);
                    mine = state.window.contiguous();
                }
            }
            if (state.lostTailUpTo > mine)
            {
                // Told it is gone: asked for again only from past that point, once the stream has gone on beyond it
                // (so the answer is what follows, not another "gone" that would count against us).
                final long tail = state.lostTailUpTo;
                if (state.tailMiss.holds(tail))
                {
                    final long since = now - state.tailMiss.sinceMillis;
                    if (!from.equals(state.tailMiss.from) && theirHighest > tail &&
                        since <= ctx.retentionMillis() + 4 * ctx.repairDelayMillis())
                    {
                        state.tailMiss.offeredElsewhere = true;
                    }
                    else if (!state.tailMiss.offeredElsewhere && since >= 2 * ctx.repairDelayMillis() ||
                        since > ctx.retentionMillis() + 4 * ctx.repairDelayMillis())
                    {
                        // Nobody else has offered what lies past it since, or whoever did has not delivered while
                        // anything could still be retained: that part is gone as well.
                        extendLostTail(state, state.tailMiss.skipTo);
                    }
                }
                if (theirHighest > state.lostTailUpTo && !from.equals(state.tailMiss.from) &&
                    now - state.lastWantMillis >= ctx.repairDelayMillis())
                {
                    want = null == want ? Want.newBuilder() : want;
                    want.addRanges(WantRange.newBuilder().setOriginId(originId).setAfterSeq(state.lostTailUpTo)
                        .setUpToSeq(theirHighest));
                    state.lastWantMillis = now;
                    state.ask(from, state.lostTailUpTo, theirHighest, now);
                    askedStates.addLast(state);
                }
                continue;
            }
            giveUpStuckGap(state, mine, theirHighest, now);
            if (theirHighest <= mine || theirHighest <= 0)
            {
                // Not ahead of us, which says nothing about the peers that are: the timer keeps running
                // (resetting it here let peers as far behind as we are postpone repair for ever).
                continue;
            }
            if (state.behindSinceMillis == 0 || mine >= state.behindTarget)
            {
                // Under steady traffic an upstream peer is always a little ahead: time how long one specific
                // sequence stays missing, not how long we have been behind at all.
                state.behindSinceMillis = now;
                state.behindTarget = theirHighest;
                continue;
            }
            // Per-origin delivery along the tree is FIFO, so a hole below our highest is a loss; a missing
            // tail may still be in flight and gets longer (as does an origin never heard of).
            final boolean hole = state.window.highest() > mine;
            final long delay = hole ? ctx.repairDelayMillis() : 4 * ctx.repairDelayMillis();
            if (!hole && started && now - state.highestMovedMillis < delay)
            {
                // Behind only by a tail while the stream still reaches us: under load that is latency, not
                // loss, and asking for it again would add to the load (repair storms). Asked once it stalls.
                continue;
            }
            if (state.gapMiss.holds(mine) && from.equals(state.gapMiss.from))
            {
                // It told us it no longer retains this: asking it again would only get the same answer (and get
                // us closed for asking beyond retention).
                continue;
            }
            // Prefer a peer that has everything just above our mark.
            final boolean suitable = theirContiguous > mine;
            if (now - state.behindSinceMillis >= delay && now - state.lastWantMillis >= delay &&
                (suitable || now - state.lastWantMillis >= 2 * delay))
            {
                want = null == want ? Want.newBuilder() : want;
                want.addRanges(WantRange.newBuilder().setOriginId(originId).setAfterSeq(Math.max(0, mine))
                    .setUpToSeq(theirHighest));
                state.lastWantMillis = now;
                state.ask(from, Math.max(0, mine), theirHighest, now);
                askedStates.addLast(state);
            }
        }
        if (null != want)
        {
            if (sendControl(from, FrameType.WANT, want.build()))
            {
                counters.wantsSent.incrementRelease();
            }
            else
            {
                // Never sent: no answer to wait for, and none to accept.
                for (final OriginState asked : askedStates)
                {
                    asked.forgetLastAsk();
                }
            }
        }
        askedStates.clear();
    }

    /**
     * A gap that has not moved for longer than anyone retains batches cannot be filled any more (e.g. a
     * peer answered with batches above it but nobody holds it): give it up, counted as lost.
     */
    private void giveUpStuckGap(final OriginState state, final long mine, final long theirHighest, final long now)
    {
        if (state.window.highest() <= mine)
        {
            state.stuckAt = -1;
            return;
        }
        if (theirHighest <= mine)
        {
            // A peer as far behind says nothing about the gap: keep timing it.
            return;
        }
        if (state.stuckAt != mine)
        {
            state.stuckAt = mine;
            state.stuckSinceMillis = now;
        }
        else if (now - state.stuckSinceMillis > ctx.retentionMillis() + 4 * ctx.repairDelayMillis())
        {
            counters.lostBeyondRetention.getAndAddRelease(state.window.skipGap());
            state.stuckAt = -1;
        }
    }

    private void onWant(final MemberId from, final Want want)
    {
        repairTarget = from;
        repairBlocked = false;
        boolean toldBeyondRetention = false;
        for (final WantRange range : want.getRangesList())
        {
            final long originId = range.getOriginId();
            final long after = range.getAfterSeq();
            final long upTo = range.getUpToSeq();
            if (after < 0 || upTo < 0 || upTo <= after)
            {
                // Beyond 2^63 or empty: nothing we could hold. Counted, not held against the peer.
                counters.malformed.incrementRelease();
                continue;
            }
            final long first = retention.firstRetainedAfter(originId, after);
            final long evicted = retention.oldestRetained(originId);
            final OriginState state = origins.get(originId);
            long missUpTo = -1;
            boolean beyond = false;
            if (after == 0)
            {
                // History or first contact: say where the stream we can serve starts, so the requester's
                // window starts there instead of at whatever it happened to receive first. Only if we know
                // it ourselves: the origin does, and so does a member that learnt it from one that knew
                // (a member that missed the first batches under back pressure cannot tell them from
                // history). Otherwise the batches we have are served and the requester asks again.
                if (null != state && state.window.highest() >= 0 && !state.historyPending)
                {
                    missUpTo = Math.max(state.window.first(), evicted);
                    counters.repairFloorsSent.incrementRelease();
                }
            }
            else if (evicted > after + 1)
            {
                // Some of (after, evicted) is gone from here: tell it explicitly rather than serve around it.
                missUpTo = first > 0 ? Math.min(first, evicted) : evicted;
                beyond = true;
            }
            if (missUpTo > 0)
            {
                if (sendControl(from, FrameType.WANT_MISS, WantMiss.newBuilder()
                    .setOriginId(originId).setAfterSeq(after).setOldestRetainedSeq(missUpTo).build()))
                {
                    if (beyond)
                    {
                        counters.wantMissSent.incrementRelease();
                        toldBeyondRetention = true;
                    }
                }
                else
                {
                    repairBlocked = true;
                }
            }
            if (!repairBlocked)
            {
                retention.forEach(originId, after, upTo, ctx.maxFramesPerWant(), this::sendRepair);
            }
            if (repairBlocked)
            {
                // Oldest first and stop: the requester keeps a contiguous prefix and asks again from there.
                counters.repairBackPressured.incrementRelease();
                break;
            }
        }
        repairTarget = null;
        if (toldBeyondRetention || !repairBlocked)
        {
            // A peer is held to what it was told: an answer cut short by its full link neither strikes it nor
            // clears its strikes.
            closeIfKeepsAskingBeyondRetention(from, toldBeyondRetention);
        }
    }

    private void closeIfKeepsAskingBeyondRetention(final MemberId from, final boolean beyondRetention)
    {
        if (!beyondRetention)
        {
            beyondRetentionByPeer.removeKey(from);
            return;
        }
        final int count = beyondRetentionByPeer.getValue(from) + 1;
        beyondRetentionByPeer.put(from, count);
        if (count >= MAX_WANTS_BEYOND_RETENTION)
        {
            // It was told (WANT_MISS) and keeps falling behind what we retain: it cannot keep up.
            beyondRetentionByPeer.removeKey(from);
            counters.peersClosedBeyondRetention.incrementRelease();
            links.closePeer(from, CloseReason.BEYOND_RETENTION,
                "asked " + count + " times in a row for batches no longer retained");
        }
    }

    private boolean sendRepair(final long seq, final DirectBuffer buffer, final int offset, final int length)
    {
        scratch.putBytes(0, buffer, offset, length);
        // A repaired batch covers its receiver's default range: drop any range it was retained with.
        scratch.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)FLAG_REPAIR);
        final int result = links.send(repairTarget, scratch, 0, length);
        if (result == LinkSender.SENT)
        {
            counters.repairFramesSent.incrementRelease();
            return true;
        }
        repairBlocked = true;
        return false;
    }

    private void onWantMiss(final MemberId from, final WantMiss miss)
    {
        final OriginState state = origins.get(miss.getOriginId());
        final long after = miss.getAfterSeq();
        final long oldest = miss.getOldestRetainedSeq();
        final long now = clock.time();
        final int ask = null == state || oldest <= 0 || after < 0 ? -1 :
            state.askOf(from, after, now, ctx.retentionMillis());
        if (ask < 0)
        {
            // Not an answer to a WANT of ours (a late one past what we remember, or a peer trying to make us
            // skip what others still retain): ignored.
            counters.wantMissUnasked.incrementRelease();
            return;
        }
        // Never beyond what that peer said it had: it cannot make us skip batches it never claimed.
        final long skipTo = Math.min(oldest - 1, state.askUpTo[ask]);
        if (after == 0)
        {
            if (state.window.highest() < 0)
            {
                // Nothing committed yet: this is where the stream we can still get starts (not a loss).
                state.floor = skipTo;
            }
            else if (state.historyPending)
            {
                state.historyPending = false;
                state.window.rebase(Math.min(oldest, state.window.first()) - 1);
            }
            return;
        }
        final long mine = state.window.contiguous();
        if (after == state.lostTailUpTo && after > mine && skipTo > after)
        {
            // Past the tail already said to be gone, more is gone at the peer we asked. The claim grows under the
            // rules of any gap: a second peer says so too (as far as both say), or it is our only peer, or nobody
            // else offers it within two repair delays (onDigest); that peer is not asked again meanwhile.
            final boolean recorded = state.tailMiss.holds(after);
            if (recorded && !from.equals(state.tailMiss.from))
            {
                extendLostTail(state, Math.min(skipTo, state.tailMiss.skipTo));
            }
            else if (links.connectedPeers().length <= 1)
            {
                extendLostTail(state, skipTo);
            }
            else if (!recorded)
            {
                state.tailMiss.record(from, after, skipTo, now);
            }
            return;
        }
        if (skipTo <= mine || after > mine)
        {
            return;
        }
        if (state.gapMiss.holds(mine) && !from.equals(state.gapMiss.from))
        {
            // Two different peers no longer retain it: lost for good. Only as far as both say, so nothing the
            // one that retains more still has is skipped.
            skipMissedGap(state, Math.min(skipTo, state.gapMiss.skipTo));
        }
        else if (links.connectedPeers().length <= 1)
        {
            skipMissedGap(state, skipTo);
        }
        else if (!(state.gapMiss.holds(mine) && from.equals(state.gapMiss.from)))
        {
            // One peer said so: another may still have it. Skipped once a second peer says so too, or when
            // nobody else offers it within two repair delays (onDigest).
            state.gapMiss.record(from, mine, skipTo, now);
        }
    }

    private void skipMissedGap(final OriginState state, final long skipTo)
    {
        if (skipTo > state.window.highest())
        {
            // A tail: beyond our highest, how far it is gone is only a claim until a verified batch above it shows
            // up (the peer that said so serves what it still has right after): given up then, up to below that
            // batch. Holes below our highest go now. Meanwhile the same range is not asked for again (asking is
            // what gets an honest laggard closed); the narrower claim of two wins.
            counters.lostBeyondRetention.getAndAddRelease(state.window.skipTo(skipTo));
            state.lostTailUpTo = state.lostTailUpTo >= 0 ? Math.min(state.lostTailUpTo, skipTo) : skipTo;
            state.tailMiss.clear();
            state.gapMiss.clear();
            return;
        }
        counters.lostBeyondRetention.getAndAddRelease(state.window.skipTo(skipTo));
        state.gapMiss.clear();
    }

    private static void extendLostTail(final OriginState state, final long upTo)
    {
        state.lostTailUpTo = Math.max(state.lostTailUpTo, upTo);
        state.tailMiss.clear();
    }

    /**
     * The first batch committed above our highest after peers said a tail is gone: what lies below it, up to
     * that claim, is lost. Anything between the claim and the batch is an ordinary hole, repaired as any other.
     */
    private void giveUpLostTail(final OriginState state, final long batchSeq)
    {
        counters.lostBeyondRetention.getAndAddRelease(state.window.skipTo(Math.min(state.lostTailUpTo, batchSeq - 1)));
        state.lostTailUpTo = -1;
        state.tailMiss.clear();
        state.gapMiss.clear();
    }

    private void onTick()
    {
        final long now = clock.time();
        retention.evictExpired(now);
        if (!beyondRetentionByPeer.isEmpty())
        {
            // "In a row" means on one link: a peer that reconnects starts again from its own digest.
            beyondRetentionByPeer.keySet().removeIf(peer -> !links.isConnected(peer));
        }
        if (!backedUpSinceByNeighbour.isEmpty())
        {
            backedUpSinceByNeighbour.keySet().removeIf(peer -> !links.isConnected(peer));
        }
        if (owedTotal > 0)
        {
            forgetOwedOfDisconnected();
            forgetEvictedOwed();
        }
        if (owedTotal > 0 || originPaused || linksBackedUp)
        {
            updateOriginPressure(now);
        }
        final DirectorySnapshot dir = directory.get();
        if (dir.height() != directoryHeightSeen)
        {
            directoryHeightSeen = dir.height();
            origins.keySet().removeIf(originId ->
            {
                final boolean departed = null == dir.findByOriginId(originId);
                if (departed)
                {
                    retention.forgetOrigin(originId);
                }
                return departed;
            });
            seen.removeIf(originId -> null == dir.findByOriginId(originId));
        }
        if (origins.isEmpty())
        {
            return;
        }
        final Digest.Builder digest = Digest.newBuilder().setForwardsBackedUp(linksBackedUp);
        origins.forEachLong((originId, state) ->
        {
            if (state.window.highest() >= 0)
            {
                // Until we know where our history starts, we cannot vouch for anything below our highest:
                // 0 keeps peers from taking our history floor (or our holes) for the stream's.
                digest.addOrigins(OriginProgress.newBuilder().setOriginId(originId)
                    .setContiguousSeq(state.historyPending ? 0 : state.window.contiguous())
                    .setHighestSeq(state.window.highest()));
            }
        });
        final int length = encodeControl(FrameType.DIGEST, digest.build());
        for (final MemberId peer : links.connectedPeers())
        {
            links.send(peer, scratch, 0, length);
        }
    }

    private boolean sendControl(final MemberId to, final int type, final MessageLite message)
    {
        final int length = encodeControl(type, message);
        return links.send(to, scratch, 0, length) == LinkSender.SENT;
    }

    private int encodeControl(final int type, final MessageLite message)
    {
        final byte[] body = message.toByteArray();
        Frames.writeHeader(scratch, 0, type, 0, body.length);
        scratch.putBytes(FrameDescriptor.BODY_OFFSET, body);
        return FrameDescriptor.HEADER_LENGTH + body.length;
    }

    private OriginState stateFor(final long originId)
    {
        OriginState state = origins.get(originId);
        if (null == state)
        {
            state = new OriginState(ctx.replayWindowBits());
            origins.put(originId, state);
            seen.add(originId, state.window);
        }
        return state;
    }
}
