package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.Want;
import io.chainmesh.codec.control.WantMiss;
import io.chainmesh.codec.control.WantRange;
import io.chainmesh.codec.frame.FrameType;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Object2IntHashMap;
import org.agrona.collections.Object2ObjectHashMap;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Answers peers' WANTs from retention: oldest first, stopping at the first back-pressured send (the
 * requester keeps a contiguous prefix and asks again from there). A WANT from 0 (history, first contact)
 * is answered first with WANT_MISS(0, F), F = where the stream we can serve starts, if we know it. A WANT
 * for something evicted gets WANT_MISS with the oldest retained, and a peer that asks again, in
 * {@link #MAX_WANTS_BEYOND_RETENTION} WANTs in a row, for what it was told is gone here is closed. What a peer was
 * told is remembered for every origin, as long as its link lasts: one entry per origin it was told of, so at most
 * the origins retention knows (its members); a peer cannot make us forget what it was told by asking of more
 * origins in turn. A peer that took our word and finds that retention moved on meanwhile is told again, not held
 * to it: under load an honest member repairing a hole chases the eviction edge for a while. What a peer takes is
 * bounded twice: a range is served only above the contiguous mark the asker's own digest vouches for (it holds
 * the rest), and every frame, WANT_MISS answers included, is paid from the asker's {@link RepairAllowances
 * allowance}, so no peer gets more WANT_MISS than its allowance pays for however it asks; an answer either cuts
 * short stops like one cut by back pressure. Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class RepairResponder<P>
{
    /** A peer that asks again this many times in a row for what it was told is gone here is closed. */
    static final int MAX_WANTS_BEYOND_RETENTION = 3;

    private final Outbound<P> out;
    private final ControlFrames<P> control;
    private final RetentionBuffer retention;
    private final OriginStreams<P> streams;
    private final BroadcastCounters counters;
    private final int maxFramesPerWant;
    private final RepairFrameSender<P> sender;
    private final PeerProgress<P> peerProgress;
    private final RepairAllowances<P> allowances;
    private final Object2IntHashMap<P> strikes = new Object2IntHashMap<>(0);
    /** Per peer, per origin, where we last told it what we retain starts (0: not told). */
    private final Object2ObjectHashMap<P, Long2LongHashMap> told = new Object2ObjectHashMap<>();

    RepairResponder(
        final Outbound<P> out,
        final ControlFrames<P> control,
        final RetentionBuffer retention,
        final OriginStreams<P> streams,
        final BroadcastCounters counters,
        final int maxFramesPerWant,
        final RepairBudget budget,
        final PeerProgress<P> peerProgress,
        final long retentionMillis)
    {
        this.out = out;
        this.control = control;
        this.retention = retention;
        this.streams = streams;
        this.counters = counters;
        this.maxFramesPerWant = maxFramesPerWant;
        this.sender = new RepairFrameSender<>(out, control.buffer(), budget, counters.repairFramesSent);
        this.peerProgress = peerProgress;
        this.allowances = new RepairAllowances<>(out, retention, retentionMillis);
    }

    /**
     * @param from      who asks.
     * @param want      what it asks for.
     * @param nowMillis the monotonic clock, in milliseconds (refills the asker's allowance).
     */
    void onWant(final P from, final Want want, final long nowMillis)
    {
        sender.target(from, allowances.of(from, nowMillis));
        final PeerProgress.View asker = peerProgress.viewOf(from);
        boolean askedAgain = false;
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
            askedAgain |= sayWhatIsMissing(from, originId, after);
            // Its digest vouches for every batch up to its contiguous mark (0 while it does not know where the
            // stream starts): an honest requester asks from there, so anything below is a copy it holds.
            final long servedAfter = null == asker ? after : Math.max(after, asker.contiguous(originId));
            if (servedAfter > after)
            {
                counters.repairRangesHeldByAsker.incrementRelease();
            }
            if (!sender.blocked() && servedAfter < upTo)
            {
                retention.forEach(originId, servedAfter, upTo, maxFramesPerWant, sender);
            }
            if (sender.blocked())
            {
                // Oldest first and stop: the requester keeps a contiguous prefix and asks again from there.
                cutBy().incrementRelease();
                break;
            }
        }
        final boolean cut = sender.blocked();
        sender.target(null);
        if (askedAgain || !cut)
        {
            // A peer is held to what it was told: an answer cut short by its full link neither strikes it nor
            // clears its strikes.
            strikeIfAskedAgain(from, askedAgain);
        }
    }

    /**
     * "In a row" means on one link: a peer that reconnects starts again from its own digest. Its allowance is
     * kept until it has refilled.
     *
     * @param nowMillis the monotonic clock, in milliseconds.
     */
    void forgetDisconnected(final long nowMillis)
    {
        if (!strikes.isEmpty())
        {
            strikes.keySet().removeIf(peer -> !out.isConnected(peer));
        }
        if (!told.isEmpty())
        {
            told.keySet().removeIf(peer -> !out.isConnected(peer));
        }
        allowances.forgetDisconnected(nowMillis);
    }

    /** @return the peers' repair allowances (for tests). */
    RepairAllowances<P> allowances()
    {
        return allowances;
    }

    private AtomicCounter cutBy()
    {
        if (sender.overAllowance())
        {
            return counters.repairCutByPeerAllowance;
        }
        return sender.overBudget() ? counters.repairCutByBudget : counters.repairBackPressured;
    }

    /** @return true if part of the range was gone here and the peer had been told so already (it asks again). */
    private boolean sayWhatIsMissing(final P from, final long originId, final long after)
    {
        final long first = retention.firstRetainedAfter(originId, after);
        final long evicted = retention.oldestRetained(originId);
        long missUpTo = -1;
        boolean beyond = false;
        if (after == 0)
        {
            // History or first contact: say where the stream we can serve starts, so the requester's window starts
            // there instead of at whatever it happened to receive first. Only if we know it ourselves: the origin
            // does, and so does a member that learnt it from one that knew (a member that missed the first batches
            // under back pressure cannot tell them from history). Otherwise the batches we have are served and the
            // requester asks again.
            final OriginStream<P> stream = streams.get(originId);
            if (null != stream && stream.window.highest() >= 0 && stream.phase() == OriginStream.Phase.SETTLED)
            {
                missUpTo = Math.max(stream.window.first(), evicted);
                counters.repairFloorsSent.incrementRelease();
            }
        }
        else if (evicted > after + 1)
        {
            // Some of (after, evicted) is gone from here: tell it explicitly rather than serve around it.
            missUpTo = first > 0 ? Math.min(first, evicted) : evicted;
            beyond = true;
        }
        else if (first > after + 1 && settledUpTo(originId, first - 1))
        {
            // Nothing of (after, first) was evicted, yet none of it is here and we no longer wait for it: it never
            // came and never will (given up, or fallen out of our window). Above all the gap a restarted origin leaves
            // (it numbers its batches from its clock, far above its previous run): nobody holds it, and a peer asking
            // for it would wait a retention before giving it up, repairing nothing above it meanwhile.
            missUpTo = first;
            beyond = true;
        }
        if (missUpTo <= 0)
        {
            return false;
        }
        final int length = control.encode(FrameType.WANT_MISS, WantMiss.newBuilder()
            .setOriginId(originId).setAfterSeq(after).setOldestRetainedSeq(missUpTo).build());
        if (!sender.pay(length))
        {
            // Its allowance does not pay for it: cut like any answer (asking below what we retain costs it too).
            return false;
        }
        if (out.send(from, control.buffer(), 0, length) != LinkSender.SENT)
        {
            sender.refund(length);
            sender.block();
            return false;
        }
        if (!beyond)
        {
            return false;
        }
        counters.wantMissSent.incrementRelease();
        Long2LongHashMap toldPeer = told.get(from);
        if (null == toldPeer)
        {
            toldPeer = new Long2LongHashMap(0);
            told.put(from, toldPeer);
        }
        // It asks again if it asks from below where it was told what we retain starts.
        return toldPeer.put(originId, missUpTo) > after + 1;
    }

    /** @return true if our digest vouches for every batch of that origin up to {@code seq} (we wait for none). */
    private boolean settledUpTo(final long originId, final long seq)
    {
        final OriginStream<P> stream = streams.get(originId);
        return null != stream && stream.window.highest() >= 0 && stream.vouchedContiguous() >= seq;
    }

    private void strikeIfAskedAgain(final P from, final boolean askedAgain)
    {
        if (!askedAgain)
        {
            strikes.removeKey(from);
            return;
        }
        final int count = strikes.getValue(from) + 1;
        strikes.put(from, count);
        if (count >= MAX_WANTS_BEYOND_RETENTION)
        {
            // It was told (WANT_MISS) and keeps asking for it all the same: it ignores us or cannot keep up.
            strikes.removeKey(from);
            counters.peersClosedBeyondRetention.incrementRelease();
            out.closePeer(from, CloseReason.BEYOND_RETENTION,
                "asked " + count + " times in a row for batches it was told are no longer retained");
        }
    }
}
