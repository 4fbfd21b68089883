package io.chainmesh.engine.overlay;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;
import io.chainmesh.engine.broadcast.BroadcastTree;

/**
 * The overlay every member computes from the same {@link DirectorySnapshot}: for the member at ring
 * index {@code i} of {@code N}, its <em>targets</em> are its next {@code k} ring successors and the
 * fingers at ring distance {@code c * r^j} for {@code c} in {@code 1 .. r - 1}, {@code j = 0, 1, ...} while
 * below {@code N}, deduplicated, never itself, ordered by clockwise distance. The radix {@code r} is the
 * broadcast tree's ({@link BroadcastTree#RADIX}), so every edge of every origin's tree is a link.
 * <p>
 * A member dials its targets and expects inbound links from the members whose targets include it, so
 * any member can compute (and verify) any other member's links. An undirected link {@code {a, b}} is
 * <em>expected</em> when either end targets the other; when both do, only one end dials it: the one
 * with the smaller {@link MemberId}, so that two dials do not race for the same link.
 * <p>
 * Pure and immutable: safe to share between threads once built.
 */
public final class OverlayTopology
{
    private final DirectorySnapshot snapshot;
    private final int successors;
    private final int[][] targets;
    private final int[][] inbound;

    private OverlayTopology(final DirectorySnapshot snapshot, final int successors)
    {
        this.snapshot = snapshot;
        this.successors = successors;
        final int n = snapshot.size();
        this.targets = new int[n][];
        final int[] inboundCount = new int[n];
        for (int i = 0; i < n; i++)
        {
            targets[i] = computeTargets(i, n, successors);
            for (final int t : targets[i])
            {
                inboundCount[t]++;
            }
        }
        this.inbound = new int[n][];
        for (int i = 0; i < n; i++)
        {
            inbound[i] = new int[inboundCount[i]];
            inboundCount[i] = 0;
        }
        for (int i = 0; i < n; i++)
        {
            for (final int t : targets[i])
            {
                inbound[t][inboundCount[t]++] = i;
            }
        }
    }

    /**
     * Computes the overlay of a snapshot.
     *
     * @param snapshot   the directory, in ring order.
     * @param successors how many ring successors each member links to ({@code k >= 1}).
     * @return the topology.
     * @throws IllegalArgumentException if {@code successors < 1}.
     */
    public static OverlayTopology of(final DirectorySnapshot snapshot, final int successors)
    {
        if (successors < 1)
        {
            throw new IllegalArgumentException("ringSuccessors=" + successors + " must be >= 1");
        }
        return new OverlayTopology(snapshot, successors);
    }

    /**
     * Targets of ring index {@code index} in a ring of {@code n}: successors then fingers, by distance.
     *
     * @param index      ring index in {@code [0, n)}.
     * @param n          ring size.
     * @param successors number of successors.
     * @return ring indices, deduplicated, without {@code index}, ordered by clockwise distance.
     */
    public static int[] computeTargets(final int index, final int n, final int successors)
    {
        return computeTargets(index, n, successors, BroadcastTree.RADIX_BITS);
    }

    /**
     * Targets of ring index {@code index} in a ring of {@code n} with fingers of radix {@code 2^radixBits}.
     *
     * @param index      ring index in {@code [0, n)}.
     * @param n          ring size.
     * @param successors number of successors.
     * @param radixBits  log2 of the fingers' radix.
     * @return ring indices, deduplicated, without {@code index}, ordered by clockwise distance.
     */
    public static int[] computeTargets(final int index, final int n, final int successors, final int radixBits)
    {
        if (n < 0 || index < 0 || index >= n)
        {
            throw new IllegalArgumentException("index=" + index + " must be in [0, " + n + ")");
        }
        // Distances are the successors 1..k and the c * r^j below n, ascending: at most k + (r - 1) * 31 of them,
        // so the cost per member is independent of n (a boolean per distance would make the whole overlay quadratic).
        final int maxSuccessor = (int)Math.min(successors, n - 1L);
        final int[] distances = new int[Math.max(0, maxSuccessor) + BroadcastTree.maxChildren(radixBits)];
        int count = 0;
        for (int d = 1; d <= maxSuccessor; d++)
        {
            distances[count++] = d;
        }
        for (long d = 1; d < n; d += BroadcastTree.digitUnit((int)d, radixBits))
        {
            if (d > maxSuccessor)
            {
                distances[count++] = (int)d;
            }
        }
        final int[] result = new int[count];
        for (int i = 0; i < count; i++)
        {
            result[i] = (int)((index + (long)distances[i]) % n);
        }
        return result;
    }

    /**
     * @return the snapshot this topology was computed from.
     */
    public DirectorySnapshot snapshot()
    {
        return snapshot;
    }

    /**
     * @return the number of ring successors each member targets.
     */
    public int successors()
    {
        return successors;
    }

    /**
     * @return number of members.
     */
    public int size()
    {
        return targets.length;
    }

    /**
     * @param index ring index.
     * @return a copy of the ring indices it dials (by clockwise distance).
     */
    public int[] targets(final int index)
    {
        return targets[index].clone();
    }

    /**
     * @param index ring index.
     * @return a copy of the ring indices whose targets include {@code index}, ascending.
     */
    public int[] expectedInbound(final int index)
    {
        return inbound[index].clone();
    }

    /**
     * @param a ring index.
     * @param b ring index.
     * @return true if {@code a} targets {@code b}.
     */
    public boolean targets(final int a, final int b)
    {
        return linearContains(targets[a], b);
    }

    /**
     * @param a ring index.
     * @param b ring index.
     * @return true if the undirected link {@code {a, b}} belongs to the overlay (either end targets the other).
     */
    public boolean isLink(final int a, final int b)
    {
        return a != b && (linearContains(targets[a], b) || linearContains(targets[b], a));
    }

    /**
     * Which end dials an expected link: the one that targets the other; if both do, the smaller MemberId.
     *
     * @param a ring index.
     * @param b ring index.
     * @return true if {@code a} should dial {@code b}.
     */
    public boolean dials(final int a, final int b)
    {
        final boolean ab = linearContains(targets[a], b);
        if (!ab)
        {
            return false;
        }
        final boolean ba = linearContains(targets[b], a);
        return !ba || snapshot.member(a).id().compareTo(snapshot.member(b).id()) < 0;
    }

    /**
     * @param index ring index.
     * @return ring indices of every member linked to {@code index} (targets and expected inbound), ascending.
     */
    public int[] neighbours(final int index)
    {
        final int n = targets.length;
        final boolean[] seen = new boolean[n];
        int count = 0;
        for (final int t : targets[index])
        {
            if (!seen[t])
            {
                seen[t] = true;
                count++;
            }
        }
        for (final int t : inbound[index])
        {
            if (!seen[t])
            {
                seen[t] = true;
                count++;
            }
        }
        final int[] result = new int[count];
        int w = 0;
        for (int i = 0; i < n; i++)
        {
            if (seen[i])
            {
                result[w++] = i;
            }
        }
        return result;
    }

    /**
     * @return the number of distinct undirected links in the overlay.
     */
    public int linkCount()
    {
        int count = 0;
        for (int i = 0; i < targets.length; i++)
        {
            for (final int t : targets[i])
            {
                // Count each undirected link once: from its dialling end.
                if (dials(i, t))
                {
                    count++;
                }
            }
        }
        return count;
    }

    /**
     * Clockwise ring distance.
     *
     * @param from ring index.
     * @param to   ring index.
     * @param n    ring size.
     * @return {@code (to - from) mod n}.
     */
    public static int clockwiseDistance(final int from, final int to, final int n)
    {
        final int d = (to - from) % n;
        return d < 0 ? d + n : d;
    }

    private static boolean linearContains(final int[] values, final int value)
    {
        for (final int v : values)
        {
            if (v == value)
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString()
    {
        return "OverlayTopology{members=" + targets.length + ", successors=" + successors + "}";
    }
}
