package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.frame.FrameDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Sends retained batches to one peer as repair frames until its link pushes back, the node's
 * {@link RepairBudget} or the peer's {@link RepairAllowances.Allowance} runs out: the consumer handed to
 * {@link RetentionBuffer#forEach}. Who it sends to and whether it was stopped are its own fields, set by
 * {@link #target} and read by {@link #blocked}; commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class RepairFrameSender<P> implements RetentionBuffer.FrameConsumer
{
    private final Outbound<P> out;
    private final ExpandableArrayBuffer scratch;
    private final AtomicCounter[] countersOnSent;
    private final RepairBudget budget;
    private P target;
    private RepairAllowances.Allowance allowance;
    private boolean blocked;
    private boolean overBudget;
    private boolean overAllowance;

    /**
     * @param out            the port.
     * @param scratch        a buffer the frame is copied into (its flags change).
     * @param countersOnSent counted once per frame sent.
     */
    RepairFrameSender(final Outbound<P> out, final ExpandableArrayBuffer scratch, final AtomicCounter... countersOnSent)
    {
        this(out, scratch, null, countersOnSent);
    }

    /**
     * @param out            the port.
     * @param scratch        a buffer the frame is copied into (its flags change).
     * @param budget         repair frames it may send, or null for no limit.
     * @param countersOnSent counted once per frame sent.
     */
    RepairFrameSender(
        final Outbound<P> out,
        final ExpandableArrayBuffer scratch,
        final RepairBudget budget,
        final AtomicCounter... countersOnSent)
    {
        this.budget = budget;
        this.out = out;
        this.scratch = scratch;
        this.countersOnSent = countersOnSent;
    }

    /**
     * @param peer who the next frames go to.
     * @return this, not blocked.
     */
    RepairFrameSender<P> target(final P peer)
    {
        return target(peer, null);
    }

    /**
     * @param peer      who the next frames go to.
     * @param allowance the bytes it may still take (spent as frames are sent), or null for no limit.
     * @return this, not blocked.
     */
    RepairFrameSender<P> target(final P peer, final RepairAllowances.Allowance allowance)
    {
        target = peer;
        this.allowance = allowance;
        blocked = false;
        overBudget = false;
        overAllowance = false;
        return this;
    }

    /** Marks the target's link as full without sending (e.g. a control frame before the batches met it). */
    void block()
    {
        blocked = true;
    }

    /**
     * Pays a frame sent outside {@link #accept} (a control frame answering the target) from the target's allowance.
     *
     * @param length the frame's length.
     * @return true if paid (or no allowance applies); false if the allowance cannot pay: the target is then {@link
     *         #blocked}, as over its allowance.
     */
    boolean pay(final int length)
    {
        if (null == allowance)
        {
            return true;
        }
        if (allowance.bytes < length)
        {
            overAllowance = true;
            blocked = true;
            return false;
        }
        allowance.bytes -= length;
        return true;
    }

    /**
     * Gives back what {@link #pay} took for a frame that was not sent after all.
     *
     * @param length the frame's length.
     */
    void refund(final int length)
    {
        if (null != allowance)
        {
            allowance.bytes += length;
        }
    }

    /** @return true if the budget stopped a send since {@link #target} (it also counts as {@link #blocked}). */
    boolean overBudget()
    {
        return overBudget;
    }

    /** @return true if the target's allowance stopped a send since {@link #target} (it also counts as {@link #blocked}). */
    boolean overAllowance()
    {
        return overAllowance;
    }

    /** @return true if a send to the target met back pressure since {@link #target}. */
    boolean blocked()
    {
        return blocked;
    }

    @Override
    public boolean accept(final long seq, final DirectBuffer buffer, final int offset, final int length)
    {
        if (null != allowance && allowance.bytes < length)
        {
            overAllowance = true;
            blocked = true;
            return false;
        }
        if (null != budget && !budget.tryTake())
        {
            overBudget = true;
            blocked = true;
            return false;
        }
        scratch.putBytes(0, buffer, offset, length);
        // A repaired batch covers its receiver's default range (and is forwarded on from there): drop any
        // range it was retained with.
        scratch.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)BatchDescriptor.FLAG_REPAIR);
        if (out.send(target, scratch, 0, length) == LinkSender.SENT)
        {
            if (null != allowance)
            {
                allowance.bytes -= length;
            }
            for (final AtomicCounter counter : countersOnSent)
            {
                counter.incrementRelease();
            }
            return true;
        }
        blocked = true;
        return false;
    }
}
