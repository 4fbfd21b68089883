package io.chainmesh.engine.broadcast;

import com.lmax.disruptor.EventHandler;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.control.Digest;
import io.chainmesh.codec.control.DigestProgress;
import io.chainmesh.codec.control.OriginProgress;
import io.chainmesh.codec.control.WantMiss;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.LongArrayList;
import org.agrona.collections.Object2IntHashMap;
import org.agrona.concurrent.NanoClock;

import java.nio.ByteOrder;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

/**
 * The commit stage: the single owner of the replay windows, the retention buffer and the repair and
 * flow-control state, all driven from here on the commit thread. For each verified batch it marks the
 * sequence committed (only now, after verification), retains the frame, delivers others' messages to
 * subscribers and forwards the batch along the tree ({@link TreeForwarder}, {@link OwedForwards}); it
 * hands digests, WANTs and WANT_MISS to {@link RepairRequester} and {@link RepairResponder}, and sends its
 * own digest on each tick. Timers run on the pipeline's monotonic {@link NanoClock}. What it shares with
 * other threads: {@link OriginPause} (read by offer) and {@link LocalCommitProgress} (read by the batcher).
 */
final class CommitHandler implements EventHandler<IngressEvent>, IntPredicate
{
    private static final int NO_INDEX = Integer.MIN_VALUE;
    /** Linked peers whose ring index is kept (the links are far fewer; a bound all the same). */
    private static final int MAX_PEER_INDICES = 1024;
    private final BroadcastContext ctx;
    private final Supplier<DirectorySnapshot> directory;
    private final SubscriberDelivery delivery;
    private final BooleanSupplier congested;
    private final LinkSender links;
    private final Outbound<MemberId> out;
    private final BroadcastCounters counters;
    private final NanoClock clock;
    private final MemberId self;
    private final long selfOriginId;
    private final RetentionBuffer retention;
    private final OriginStreams<MemberId> streams;
    private final OwedForwards<MemberId> owed;
    private final OriginFlowControl<MemberId> flow;
    private final RepairRequester<MemberId> requester;
    private final RepairResponder<MemberId> responder;
    private final ControlFrames<MemberId> control;
    private final TreeForwarder tree = new TreeForwarder();
    private final RepairBudget budget = new RepairBudget();
    private final PeerProgress<MemberId> peerProgress;
    /** Members other than us, in the directory of the current tick (bound once: a tick allocates no lambda). */
    private final LongPredicate otherMember = this::isOtherMember;
    private DirectorySnapshot tickDirectory;
    private final DigestWriter<MemberId> digests;
    private final DigestProgress.Reader progressReader = new DigestProgress.Reader();
    private final LongArrayList candidates = new LongArrayList();
    private final LocalCommitProgress localCommitted;
    private final Object2IntHashMap<MemberId> invalidByPeer = new Object2IntHashMap<>(0);
    private long directoryHeightSeen = -1;
    /** The snapshot {@link #selfIndex} and {@link #peerIndices} are ring indices in. */
    private DirectorySnapshot indexedDirectory;
    private int selfIndex = -1;
    private final Object2IntHashMap<MemberId> peerIndices = new Object2IntHashMap<>(NO_INDEX);
    /** Batch bytes committed since the previous tick: under load, digests go to more peers in turn. */
    private long committedBytesSinceTick;
    /** The directory of the forward being planned, for {@link #test}. */
    private DirectorySnapshot planned;

    CommitHandler(
        final BroadcastContext ctx,
        final Supplier<DirectorySnapshot> directory,
        final Supplier<Int2ObjectHashMap<MessageHandler>> handlers,
        final BroadcastCounters counters,
        final SeenWindows seen,
        final BooleanSupplier congested,
        final OriginPause originPause,
        final LocalCommitProgress localCommitted)
    {
        this.ctx = ctx;
        this.directory = directory;
        this.delivery = new SubscriberDelivery(handlers, counters, ctx.errorHandler());
        this.congested = congested;
        this.counters = counters;
        this.localCommitted = localCommitted;
        this.links = ctx.links();
        this.out = new LinkOutbound(links);
        this.clock = ctx.nanoClock();
        this.self = ctx.member();
        this.selfOriginId = self.originId();
        this.retention = new RetentionBuffer(ctx.retentionBytes(), ctx.retentionMillis());
        final RepairTimings timings = RepairTimings.of(
            ctx.repairIntervalMillis(), ctx.repairDelayMillis(), ctx.retentionMillis(), ctx.slowPeerMillis(),
            ctx.digestPeersPerSecond());
        final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(4096);
        this.control = new ControlFrames<>(out, scratch);
        this.streams = new OriginStreams<>(ctx.replayWindowBits(), seen);
        // Owed bytes stay well inside the retention they are resent from.
        this.owed = new OwedForwards<>(out, retention, counters, ctx.retentionBytes() / 2, scratch, budget);
        this.flow = new OriginFlowControl<>(timings, ctx.retentionBytes(), originPause, counters);
        this.requester = new RepairRequester<>(timings, out, control, counters, this::sameOperator);
        this.peerProgress = new PeerProgress<>(out);
        this.responder = new RepairResponder<>(out, control, retention, streams, counters, ctx.maxFramesPerWant(), budget,
            peerProgress, ctx.retentionMillis());
        this.digests = new DigestWriter<>(out, control,
            DigestWriter.credit(ctx.digestPeersPerSecond(), ctx.repairIntervalMillis()));
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
                localCommitted.committed(event.length);
            }
            event.clear();
            if (endOfBatch)
            {
                owed.resendAll();
                if (flow.needsUpdate(owed.total()))
                {
                    flow.update(clock.nanoTime(), owed.queues(), retention.writePosition());
                }
                links.flush();
            }
        }
    }

    /** @return true if the member at this directory index of the forward being planned is linked now. */
    @Override
    public boolean test(final int memberIndex)
    {
        return links.isConnected(planned.member(memberIndex).id());
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
        final DirectorySnapshot dir = directory.get();
        final int originIndex = originIndex(event, dir, originId);
        final OriginStream<MemberId> stream = originIndex < 0 ?
            streams.getOrCreate(originId) : streams.getOrCreate(originId, dir, originIndex);
        final long highestBefore = stream.window.highest();
        final int seen = stream.window.check(batchSeq);
        if (seen != ReplayWindow.NEW || !stream.window.commit(batchSeq))
        {
            (seen == ReplayWindow.STALE ? counters.stale : counters.duplicates).incrementRelease();
            return;
        }
        final long now = clock.nanoTime();
        if (highestBefore < 0)
        {
            stream.onFirstCommit(batchSeq, event.kind == IngressEvent.REMOTE_BATCH, now);
        }
        counters.batchesCommitted.incrementRelease();
        committedBytesSinceTick += event.length;
        requester.onCommitted(stream, batchSeq, highestBefore);
        if (event.kind == IngressEvent.REMOTE_BATCH)
        {
            requester.onCommittedFrom(event.from, stream, batchSeq);
        }
        if (retention.fits(event.length))
        {
            retention.append(originId, batchSeq, millis(now), event.buffer, 0, event.length);
        }
        if (event.kind == IngressEvent.REMOTE_BATCH)
        {
            delivery.deliver(event.buffer, event.length);
            counters.delivery.onCommit(originId, batchSeq,
                event.buffer.getShort(BatchDescriptor.COUNT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF,
                event.buffer.getLong(BatchDescriptor.TIMESTAMP_OFFSET, ByteOrder.BIG_ENDIAN), ctx.clock().time(),
                stream.window.highest(), stream.window.contiguous());
        }
        final int flags = event.buffer.getByte(FrameDescriptor.FLAGS_OFFSET) & 0xFF;
        final boolean repaired = (flags & BatchDescriptor.FLAG_REPAIR) != 0;
        if (!repaired || batchSeq > stream.historyLimit)
        {
            // History (from before we joined the stream) is delivered, not forwarded: the subtree asks for its own.
            forward(event, dir, originIndex, originId, batchSeq, repaired, repaired ? 0 : BatchDescriptor.explicitRange(flags));
        }
    }

    private void forward(
        final IngressEvent event,
        final DirectorySnapshot dir,
        final int originIndex,
        final long originId,
        final long batchSeq,
        final boolean repaired,
        final int explicitRange)
    {
        if (ctx.strategy() == BroadcastStrategy.FLOOD)
        {
            event.buffer.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)0);
            for (final MemberId peer : links.connectedPeers())
            {
                if (!peer.equals(event.from) && peer.originId() != originId)
                {
                    owed.forward(peer, event.buffer, event.length);
                }
            }
            return;
        }
        if (selfIndex < 0 || originIndex < 0)
        {
            return;
        }
        final int fromIndex = null == event.from ? -1 : peerIndex(event.from);
        planned = dir;
        final int targets = tree.plan(dir.size(), selfIndex, originIndex, fromIndex, explicitRange, this);
        planned = null;
        for (int i = 0; i < targets; i++)
        {
            final MemberId target = dir.member(tree.target(i)).id();
            if (repaired && peerProgress.holds(target, originId, batchSeq))
            {
                // A repaired batch goes on down the tree for a subtree that lost it with us; a child whose contiguous
                // mark is past it has it already (e.g. it was across a healed partition): a copy would be a duplicate.
                counters.repairForwardsHeld.incrementRelease();
                continue;
            }
            event.buffer.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)tree.flags(i));
            if (owed.forward(target, event.buffer, event.length) && tree.isHandOver(i))
            {
                counters.forwardsHandedOver.incrementRelease();
            }
        }
    }

    /**
     * @return the origin's ring index in {@code dir} (-1: not a member), as the verify stage found it when it used
     * the same snapshot; {@link #selfIndex} and the peer indices are refreshed here when the snapshot changes.
     */
    private int originIndex(final IngressEvent event, final DirectorySnapshot dir, final long originId)
    {
        if (dir != indexedDirectory)
        {
            indexedDirectory = dir;
            selfIndex = dir.indexOf(self);
            peerIndices.clear();
        }
        if (originId == selfOriginId)
        {
            return selfIndex;
        }
        return event.directory == dir && event.originIndex >= 0 ? event.originIndex : dir.indexOfOriginId(originId);
    }

    /** @return a linked peer's ring index in {@link #indexedDirectory} (-1: not a member), from a map of the linked. */
    private int peerIndex(final MemberId peer)
    {
        int index = peerIndices.getValue(peer);
        if (NO_INDEX == index)
        {
            if (peerIndices.size() >= MAX_PEER_INDICES)
            {
                peerIndices.clear();
            }
            index = indexedDirectory.indexOf(peer);
            peerIndices.put(peer, index);
        }
        return index;
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
                case FrameType.WANT:
                    responder.onWant(event.from, ControlCodec.parseWant(frame), millis(clock.nanoTime()));
                    break;
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
        final long now = clock.nanoTime();
        flow.onNeighbourBackedUp(from, digest.getForwardsBackedUp(), now);
        if (digest.getResync())
        {
            digests.resendFull(from);
        }
        // Its first word since its link came up: the full digest sent at link-up.
        final boolean freshLink = digest.getFull() && null == peerProgress.viewOf(from);
        final PeerProgress.View view = peerProgress.onDigest(from, digest.getFull(), digest.getOriginsCount() > 0);
        // While our ring is backed up, what we lack is most likely queued in front of us (and TCP is pushing back
        // upstream): asking for it again would only add load. The peer's word is kept; repair resumes once we drain.
        final boolean ask = !congested.getAsBoolean();
        final DirectorySnapshot dir = directory.get();
        for (final OriginProgress progress : digest.getOriginsList())
        {
            onProgress(from, view, dir, progress.getOriginId(), progress.getContiguousSeq(), progress.getHighestSeq(),
                ask, freshLink, now);
        }
        final DigestProgress.Reader packed = progressReader.wrap(digest.getProgress());
        while (packed.next())
        {
            onProgress(from, view, dir, packed.originId(), packed.contiguous(), packed.highest(), ask, freshLink, now);
        }
        if (ask)
        {
            requester.endDigest(from);
        }
    }

    private void onProgress(
        final MemberId from,
        final PeerProgress.View view,
        final DirectorySnapshot dir,
        final long originId,
        final long contiguous,
        final long highest,
        final boolean ask,
        final boolean freshLink,
        final long now)
    {
        if (originId != selfOriginId && null != dir.findByOriginId(originId))
        {
            // Kept for members only: a peer naming origin ids nobody has must not grow our state. Noted even while
            // we do not ask: the peer will not say it again unless it changes.
            view.record(originId, contiguous, highest);
            final OriginStream<MemberId> stream = streams.getOrCreate(originId);
            stream.bestOffered = Math.max(stream.bestOffered, highest);
            if (ask)
            {
                requester.onProgress(from, originId, stream, contiguous, highest, freshLink, now);
            }
        }
    }

    private void onWantMiss(final MemberId from, final WantMiss miss)
    {
        requester.onWantMiss(from, streams.get(miss.getOriginId()), miss.getAfterSeq(), miss.getOldestRetainedSeq(),
            null != from && from.originId() == miss.getOriginId(), clock.nanoTime());
    }

    private void onTick()
    {
        final long now = clock.nanoTime();
        final boolean congestedNow = congested.getAsBoolean();
        budget.onInterval(owed.takeRefused() || owed.total() > 0 || congestedNow);
        retention.evictExpired(millis(now));
        responder.forgetDisconnected(millis(now));
        flow.forgetDisconnected(out);
        if (owed.total() > 0)
        {
            owed.forgetDisconnected();
            owed.forgetEvicted();
        }
        if (flow.needsUpdate(owed.total()))
        {
            flow.update(now, owed.queues(), retention.writePosition());
        }
        final DirectorySnapshot dir = directory.get();
        if (dir.height() != directoryHeightSeen)
        {
            directoryHeightSeen = dir.height();
            final LongPredicate departed = originId -> null == dir.findByOriginId(originId);
            streams.forgetDeparted(departed, retention);
            peerProgress.forgetOrigins(departed);
        }
        peerProgress.forgetDisconnected();
        if (!congestedNow)
        {
            // Peers say only what changed: their standing word is replayed where it can still lead to a WANT.
            tickDirectory = dir;
            peerProgress.collectCandidates(streams, otherMember, candidates, now);
            tickDirectory = null;
            peerProgress.replay(candidates, streams, requester, out.connectedPeers(), now);
        }
        if (!streams.isEmpty())
        {
            digests.onInterval(streams, flow.linksBackedUp(), peerProgress, committedBytesSinceTick);
        }
        committedBytesSinceTick = 0;
    }

    /** Two members listed under one operator key: their word counts once where independence matters. */
    private boolean sameOperator(final MemberId a, final MemberId b)
    {
        final DirectorySnapshot dir = directory.get();
        final Member ma = dir.find(a);
        final Member mb = dir.find(b);
        return null != ma && null != mb && ma.publicKey().equals(mb.publicKey());
    }

    private boolean isOtherMember(final long originId)
    {
        return originId != selfOriginId && null != tickDirectory.findByOriginId(originId);
    }

    private static long millis(final long nanos)
    {
        return nanos / 1_000_000;
    }
}
