package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.batch.BatchDescriptor;

import java.util.function.IntPredicate;

/**
 * Where a batch goes next along its origin's tree, by directory index: pure, from (n, self, origin,
 * sender, the range the sender named, which members are linked). The plan is reused: commit thread only.
 * <ul>
 * <li>The node at offset p from the origin covers {@code [p, p + min(unit(p), n - p))}, {@code unit(p)} the place
 *     value of p's lowest non-zero base-r digit, and forwards to the distances {@code c * r^j} inside it
 *     ({@link BroadcastTree}).</li>
 * <li>A range narrower than our default is taken only in the shape a hand-over gives it
 *     ({@link BroadcastTree#checkedRange}); inside an explicit range every child's range is explicit too.</li>
 * <li>The range of a down predecessor is ours whichever way the batch reached us, so its subtree still gets
 *     it from the tree.</li>
 * <li>Hand-over: when our ring successor covers more than itself and has no link, nobody would reach the
 *     rest of its range, so the batch goes to our second successor with the range that remains.</li>
 * </ul>
 */
final class TreeForwarder
{
    private final int radixBits;
    private final int[] targets;
    private final int[] flags;
    private int count;
    private int handOver = -1;

    TreeForwarder()
    {
        this(BroadcastTree.RADIX_BITS);
    }

    /**
     * @param radixBits log2 of the tree's radix (the engine's is {@link BroadcastTree#RADIX_BITS}).
     */
    TreeForwarder(final int radixBits)
    {
        this.radixBits = radixBits;
        // Children of one node at most (any directory size), plus a hand-over.
        final int maxTargets = BroadcastTree.maxChildren(radixBits) + 1;
        this.targets = new int[maxTargets];
        this.flags = new int[maxTargets];
    }

    /**
     * @param n             directory size.
     * @param selfIndex     our index.
     * @param originIndex   the origin's index.
     * @param fromIndex     the sender's index, -1 for our own batch or a sender outside the directory.
     * @param explicitRange the range length the sender named (0: our default).
     * @param linked        whether the member at an index has a link to us now.
     * @return how many targets the plan holds.
     */
    int plan(
        final int n,
        final int selfIndex,
        final int originIndex,
        final int fromIndex,
        final int explicitRange,
        final IntPredicate linked)
    {
        count = 0;
        handOver = -1;
        final int offset = BroadcastTree.offset(originIndex, selfIndex, n);
        final int byDefault = BroadcastTree.rangeLength(offset, n, radixBits);
        int range = byDefault;
        if (explicitRange > 0)
        {
            range = BroadcastTree.checkedRange(explicitRange, offset, n, BatchDescriptor.MAX_EXPLICIT_RANGE,
                fromIndex < 0 ? -1 : BroadcastTree.offset(originIndex, fromIndex, n), radixBits);
        }
        boolean explicit = range != byDefault;
        if (!explicit && offset >= 2)
        {
            final int downRange = BroadcastTree.rangeLength(offset - 1, n, radixBits);
            if (downRange - 1 > range && !linked.test(BroadcastTree.indexAt(selfIndex, n - 1, n)))
            {
                range = Math.min(downRange - 1, BatchDescriptor.MAX_EXPLICIT_RANGE);
                explicit = true;
            }
        }
        // Children by distance: c * r^j for c in 1 .. r-1, so the next distance is always this one plus its digit's unit.
        for (int distance = 1; distance > 0 && distance < range; )
        {
            final int unit = BroadcastTree.digitUnit(distance, radixBits);
            add(BroadcastTree.indexAt(selfIndex, distance, n), explicit ? Math.min(unit, range - distance) : 0);
            distance += unit;
        }
        planHandOver(n, selfIndex, offset, fromIndex, linked);
        return count;
    }

    /** @return the directory index of target {@code i} of the plan. */
    int target(final int i)
    {
        return targets[i];
    }

    /** @return the flags byte target {@code i} gets (its explicit range, if any). */
    int flags(final int i)
    {
        return flags[i];
    }

    /** @return true if target {@code i} is a hand-over past a down successor. */
    boolean isHandOver(final int i)
    {
        return i == handOver;
    }

    private void planHandOver(final int n, final int selfIndex, final int offset, final int fromIndex, final IntPredicate linked)
    {
        // Whoever is parent of the member that is down cannot do it: it has no link inside that range. Only the one
        // member after a down member is covered; two in a row are left to repair.
        final int downOffset = offset + 1;
        if (downOffset >= n - 1)
        {
            return;
        }
        final int downRange = BroadcastTree.rangeLength(downOffset, n, radixBits);
        if (downRange <= 1 || linked.test(BroadcastTree.indexAt(selfIndex, 1, n)))
        {
            return;
        }
        final int next = BroadcastTree.indexAt(selfIndex, 2, n);
        if (next == fromIndex)
        {
            return;
        }
        handOver = count;
        add(next, Math.min(downRange - 1, BatchDescriptor.MAX_EXPLICIT_RANGE));
    }

    private void add(final int index, final int explicitRange)
    {
        targets[count] = index;
        flags[count] = BatchDescriptor.rangeFlags(explicitRange);
        count++;
    }
}
