package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.batch.BatchDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Object2ObjectHashMap;

import java.nio.ByteOrder;

/**
 * Tree forwards and what they owe. A peer whose link is full is not waited for: the forward is skipped
 * and owed to it (an {@link OwedQueue} per peer), and resent from retention as repair frames, oldest
 * first, at the end of each commit batch and before any newer forward to that peer, as soon as its link
 * takes frames again. What cannot be (queue full, evicted first, link down) is counted and left to WANT
 * repair. Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class OwedForwards<P>
{
    private final Outbound<P> out;
    private final RetentionBuffer retention;
    private final BroadcastCounters counters;
    private final long maxOwedBytes;
    private final Object2ObjectHashMap<P, OwedQueue> byPeer = new Object2ObjectHashMap<>();
    private final RepairFrameSender<P> resender;
    private final RepairBudget budget;
    private int total;
    private boolean refused;

    /**
     * @param out          the port.
     * @param retention    where owed batches are resent from.
     * @param counters     counters.
     * @param maxOwedBytes most bytes owed to one peer (kept well inside the retention they are resent from).
     * @param scratch      buffer resent frames are copied into.
     * @param budget       told of every tree forward sent (repair's share follows them).
     */
    OwedForwards(
        final Outbound<P> out,
        final RetentionBuffer retention,
        final BroadcastCounters counters,
        final long maxOwedBytes,
        final ExpandableArrayBuffer scratch,
        final RepairBudget budget)
    {
        this.budget = budget;
        this.out = out;
        this.retention = retention;
        this.counters = counters;
        this.maxOwedBytes = maxOwedBytes;
        this.resender = new RepairFrameSender<>(out, scratch, counters.forwardsResent, counters.batchesForwarded);
    }

    /** @return true if a link refused a forward since the last call (the node is saturated); clears it. */
    boolean takeRefused()
    {
        final boolean was = refused;
        refused = false;
        return was;
    }

    /** @return how many forwards are owed to all peers together. */
    int total()
    {
        return total;
    }

    /**
     * @param peer a peer.
     * @return how many forwards it is owed.
     */
    int owedTo(final P peer)
    {
        final OwedQueue queue = byPeer.get(peer);
        return null == queue ? 0 : queue.size();
    }

    /** @return every peer's queue, empty ones included (their slow-peer timer may need a reset); a reused view. */
    Iterable<OwedQueue> queues()
    {
        return byPeer.values();
    }

    /**
     * Forwards a batch to a peer, behind whatever it is still owed.
     *
     * @param peer   the child.
     * @param frame  the BATCH frame, flags set.
     * @param length its length.
     * @return true if sent now.
     */
    boolean forward(final P peer, final DirectBuffer frame, final int length)
    {
        final OwedQueue owed = total > 0 ? byPeer.get(peer) : null;
        if (null != owed && owed.size() > 0 && !resend(peer, owed))
        {
            // Still owed older batches: this one queues behind them, so the peer gets its stream in order.
            counters.forwardBackPressured.incrementRelease();
            owe(peer, owed, frame, length);
            return false;
        }
        final int result = out.send(peer, frame, 0, length);
        if (result == LinkSender.SENT)
        {
            counters.batchesForwarded.incrementRelease();
            budget.onTreeForward();
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

    /** Resends what every linked peer is owed, as far as its link takes it. */
    void resendAll()
    {
        if (total == 0)
        {
            return;
        }
        for (final P peer : out.connectedPeers())
        {
            final OwedQueue owed = byPeer.get(peer);
            if (null != owed && owed.size() > 0)
            {
                resend(peer, owed);
            }
        }
    }

    /** Owed batches the retention no longer holds are given up first, so they do not hold the queue. */
    void forgetEvicted()
    {
        for (final OwedQueue owed : byPeer.values())
        {
            while (owed.size() > 0 && !retention.contains(owed.firstOrigin(), owed.firstSeq()))
            {
                counters.forwardsLeftToRepair.incrementRelease();
                owed.removeFirst();
                total--;
            }
        }
    }

    /** What peers whose link went down were owed is left to their repair when they are back (WANT, history). */
    void forgetDisconnected()
    {
        byPeer.entrySet().removeIf(entry ->
        {
            if (out.isConnected(entry.getKey()))
            {
                return false;
            }
            counters.forwardsLeftToRepair.getAndAddRelease(entry.getValue().size());
            total -= entry.getValue().size();
            return true;
        });
    }

    private void owe(final P peer, final OwedQueue known, final DirectBuffer frame, final int length)
    {
        refused = true;
        OwedQueue owed = known;
        if (null == owed)
        {
            owed = byPeer.get(peer);
            if (null == owed)
            {
                owed = new OwedQueue();
                byPeer.put(peer, owed);
            }
        }
        if (owed.add(frame.getLong(BatchDescriptor.ORIGIN_ID_OFFSET, ByteOrder.BIG_ENDIAN),
            frame.getLong(BatchDescriptor.BATCH_SEQ_OFFSET, ByteOrder.BIG_ENDIAN), length, retention.writePosition(),
            maxOwedBytes))
        {
            total++;
        }
        else
        {
            counters.forwardsLeftToRepair.incrementRelease();
        }
    }

    /** @return true if nothing is owed to the peer any more. */
    private boolean resend(final P peer, final OwedQueue owed)
    {
        resender.target(peer);
        while (owed.size() > 0)
        {
            final long seq = owed.firstSeq();
            final int sent = retention.forEach(owed.firstOrigin(), seq - 1, seq, 1, resender);
            if (resender.blocked())
            {
                break;
            }
            if (0 == sent)
            {
                // Evicted before the link drained: the peer's WANT gets WANT_MISS, and it counts the loss.
                counters.forwardsLeftToRepair.incrementRelease();
            }
            owed.removeFirst();
            total--;
        }
        resender.target(null);
        return owed.size() == 0;
    }
}
