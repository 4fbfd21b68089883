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
import io.chainmesh.codec.crypto.NodeId;
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
import org.agrona.concurrent.EpochClock;

import java.nio.ByteOrder;
import java.util.function.Supplier;

/**
 * The commit stage: the single owner of the replay windows, the retention buffer and the repair
 * state. For each verified batch it marks the sequence committed (only now, after verification),
 * retains the frame, delivers others' messages to subscribers, and forwards the batch along the
 * broadcast strategy. It answers repair digests and WANTs and sends its own digests on each tick.
 * Runs on one thread; nothing here is shared.
 */
final class CommitHandler implements EventHandler<IngressEvent>
{
    /**
     * Frame flag on batches sent in answer to a WANT. A repaired batch is forwarded like any other when
     * it is the first copy to arrive (so the subtree below does not have to repair too), unless it is
     * backfill: history requested from before this process joined the origin's stream, which the
     * subtree has its own way to ask for.
     */
    static final int FLAG_REPAIR = 0x01;

    private static final class OriginState
    {
        final ReplayWindow window;
        long behindSinceMillis;
        long behindTarget;
        long lastWantMillis;
        long backfillUpTo = -1;
        long backfillLimit = -1;

        OriginState(final int windowBits)
        {
            window = new ReplayWindow(windowBits);
        }
    }

    private final BroadcastPipeline.Context ctx;
    private final Supplier<DirectorySnapshot> directory;
    private final Supplier<Int2ObjectHashMap<MessageHandler>> handlers;
    private final java.util.function.BooleanSupplier congested;
    private final LinkSender links;
    private final BroadcastCounters counters;
    private final EpochClock clock;
    private final NodeId self;
    private final long selfOriginId;
    private final RetentionBuffer retention;
    private final Long2ObjectHashMap<OriginState> origins = new Long2ObjectHashMap<>();
    private final Object2IntHashMap<NodeId> invalidByPeer = new Object2IntHashMap<>(0);
    private final BatchDecoder decoder = new BatchDecoder();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(4096);
    private long directoryHeightSeen = -1;
    private NodeId repairTarget;

    CommitHandler(
        final BroadcastPipeline.Context ctx,
        final Supplier<DirectorySnapshot> directory,
        final Supplier<Int2ObjectHashMap<MessageHandler>> handlers,
        final BroadcastCounters counters,
        final java.util.function.BooleanSupplier congested)
    {
        this.congested = congested;
        this.ctx = ctx;
        this.directory = directory;
        this.handlers = handlers;
        this.links = ctx.links();
        this.counters = counters;
        this.clock = ctx.clock();
        this.self = ctx.nodeKey().nodeId();
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
            event.clear();
            if (endOfBatch)
            {
                links.flush();
            }
        }
    }

    private void onBatch(final IngressEvent event)
    {
        if (event.kind == IngressEvent.REMOTE_BATCH && event.verdict != IngressEvent.VALID)
        {
            countInvalid(event.from, event.verdict);
            return;
        }
        final long originId = event.buffer.getLong(BatchDescriptor.ORIGIN_ID_OFFSET, ByteOrder.BIG_ENDIAN);
        final long batchSeq = event.buffer.getLong(BatchDescriptor.BATCH_SEQ_OFFSET, ByteOrder.BIG_ENDIAN);
        final OriginState state = stateFor(originId);
        final boolean firstOfOrigin = state.window.highest() < 0;
        if (!state.window.commit(batchSeq))
        {
            counters.duplicates.incrementRelease();
            return;
        }
        if (firstOfOrigin && event.kind == IngressEvent.REMOTE_BATCH)
        {
            // Joined this origin's stream mid-way (first start or restart): ask a peer for what it retains before.
            state.backfillUpTo = batchSeq - 1;
        }

        counters.batchesCommitted.incrementRelease();
        if (retention.fits(event.length))
        {
            retention.append(originId, batchSeq, clock.time(), event.buffer, 0, event.length);
        }
        if (event.kind == IngressEvent.REMOTE_BATCH)
        {
            deliver(event);
        }
        final int flags = event.buffer.getByte(FrameDescriptor.FLAGS_OFFSET) & 0xFF;
        if ((flags & FLAG_REPAIR) == 0 || batchSeq > state.backfillLimit)
        {
            if ((flags & FLAG_REPAIR) != 0)
            {
                // Forward the batch unchanged: the flag only described the hop it arrived on.
                event.buffer.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)(flags & ~FLAG_REPAIR));
            }
            forward(event, originId);
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

    private void forward(final IngressEvent event, final long originId)
    {
        final DirectorySnapshot dir = directory.get();
        if (ctx.strategy() == BroadcastStrategy.FLOOD)
        {
            final NodeId[] peers = links.connectedPeers();
            for (final NodeId peer : peers)
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
        final int originIndex = dir.indexOf(origin.nodeId());
        final int range = BroadcastTree.rangeLength(BroadcastTree.offset(originIndex, selfIndex, n), n);
        final int children = BroadcastTree.childCount(range);
        for (int j = 0; j < children; j++)
        {
            final int childIndex = BroadcastTree.indexAt(selfIndex, BroadcastTree.childDistance(j), n);
            send(dir.member(childIndex).nodeId(), event.buffer, event.length);
        }
    }

    private void send(final NodeId peer, final DirectBuffer frame, final int length)
    {
        final int result = links.send(peer, frame, 0, length);
        if (result == LinkSender.SENT)
        {
            counters.batchesForwarded.incrementRelease();
        }
        else if (result == LinkSender.NOT_CONNECTED)
        {
            counters.forwardNotConnected.incrementRelease();
        }
        else
        {
            counters.forwardBackPressured.incrementRelease();
        }
    }

    private void countInvalid(final NodeId from, final int verdict)
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
                case FrameType.WANT_MISS: onWantMiss(ControlCodec.parseWantMiss(frame)); break;
                default: countInvalid(event.from, IngressEvent.MALFORMED); break;
            }
        }
        catch (final CodecException ex)
        {
            countInvalid(event.from, IngressEvent.MALFORMED);
        }
    }

    private void onDigest(final NodeId from, final Digest digest)
    {
        if (congested.getAsBoolean())
        {
            // What we lack is most likely queued in front of us (our ring is backed up and TCP is pushing
            // back upstream): asking for it again would only add load. Repair resumes once we drain.
            return;
        }
        final DirectorySnapshot dir = directory.get();
        final long now = clock.time();
        Want.Builder want = null;
        for (final OriginProgress progress : digest.getOriginsList())
        {
            final long originId = progress.getOriginId();
            if (originId == selfOriginId || null == dir.findByOriginId(originId))
            {
                continue;
            }
            final OriginState state = stateFor(originId);
            // History (backfill, or an origin never heard of) is asked only of a peer that holds all of it:
            // its contiguous mark, not its highest, since our own mark starts wherever we first commit.
            if (state.backfillUpTo > 0 && progress.getContiguousSeq() >= state.backfillUpTo)
            {
                want = null == want ? Want.newBuilder() : want;
                want.addRanges(WantRange.newBuilder().setOriginId(originId).setAfterSeq(0).setUpToSeq(state.backfillUpTo));
                state.backfillLimit = Math.max(state.backfillLimit, state.backfillUpTo);
                state.backfillUpTo = -1;
            }
            final long mine = state.window.contiguous();
            final long theirs = mine < 0 ? progress.getContiguousSeq() : progress.getHighestSeq();
            if (theirs <= mine)
            {
                state.behindSinceMillis = 0;
                continue;
            }
            if (state.behindSinceMillis == 0 || mine >= state.behindTarget)
            {
                // Under steady traffic an upstream peer is always a little ahead: time how long one specific
                // sequence stays missing, not how long we have been behind at all.
                state.behindSinceMillis = now;
                state.behindTarget = theirs;
                continue;
            }
            // Per-origin delivery along the tree is FIFO, so a hole below our highest is a loss; a missing
            // tail may still be in flight and gets longer (as does an origin never heard of).
            final boolean hole = state.window.highest() > mine;
            final long delay = hole ? ctx.repairDelayMillis() : 4 * ctx.repairDelayMillis();
            if (now - state.behindSinceMillis >= delay && now - state.lastWantMillis >= delay)
            {
                want = null == want ? Want.newBuilder() : want;
                want.addRanges(WantRange.newBuilder().setOriginId(originId).setAfterSeq(Math.max(0, mine))
                    .setUpToSeq(state.behindTarget));
                state.lastWantMillis = now;
                if (mine < 0)
                {
                    state.backfillLimit = Math.max(state.backfillLimit, state.behindTarget);
                }
            }
        }
        if (null != want)
        {
            counters.wantsSent.incrementRelease();
            sendControl(from, FrameType.WANT, want.build());
        }
    }

    private void onWant(final NodeId from, final Want want)
    {
        repairTarget = from;
        for (final WantRange range : want.getRangesList())
        {
            final long originId = range.getOriginId();
            final long oldest = retention.oldestRetained(originId);
            if (oldest > 0 && range.getAfterSeq() + 1 < oldest)
            {
                counters.wantMissSent.incrementRelease();
                sendControl(from, FrameType.WANT_MISS, WantMiss.newBuilder()
                    .setOriginId(originId).setAfterSeq(range.getAfterSeq()).setOldestRetainedSeq(oldest).build());
            }
            retention.forEach(originId, range.getAfterSeq(), range.getUpToSeq(), ctx.maxFramesPerWant(), this::sendRepair);
        }
        repairTarget = null;
    }

    private void sendRepair(final long seq, final DirectBuffer buffer, final int offset, final int length)
    {
        scratch.putBytes(0, buffer, offset, length);
        scratch.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)(scratch.getByte(FrameDescriptor.FLAGS_OFFSET) | FLAG_REPAIR));
        if (links.send(repairTarget, scratch, 0, length) == LinkSender.SENT)
        {
            counters.repairFramesSent.incrementRelease();
        }
    }

    private void onWantMiss(final WantMiss miss)
    {
        final OriginState state = origins.get(miss.getOriginId());
        if (null != state)
        {
            counters.lostBeyondRetention.getAndAddRelease(state.window.skipTo(miss.getOldestRetainedSeq() - 1));
        }
    }

    private void onTick()
    {
        final long now = clock.time();
        retention.evictExpired(now);
        final DirectorySnapshot dir = directory.get();
        if (dir.height() != directoryHeightSeen)
        {
            directoryHeightSeen = dir.height();
            origins.keySet().removeIf(originId -> null == dir.findByOriginId(originId));
        }
        if (origins.isEmpty())
        {
            return;
        }
        final Digest.Builder digest = Digest.newBuilder();
        origins.forEachLong((originId, state) ->
        {
            if (state.window.highest() >= 0)
            {
                digest.addOrigins(OriginProgress.newBuilder().setOriginId(originId)
                    .setContiguousSeq(state.window.contiguous()).setHighestSeq(state.window.highest()));
            }
        });
        final int length = encodeControl(FrameType.DIGEST, digest.build());
        for (final NodeId peer : links.connectedPeers())
        {
            links.send(peer, scratch, 0, length);
        }
    }

    private void sendControl(final NodeId to, final int type, final MessageLite message)
    {
        final int length = encodeControl(type, message);
        links.send(to, scratch, 0, length);
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
        }
        return state;
    }
}
