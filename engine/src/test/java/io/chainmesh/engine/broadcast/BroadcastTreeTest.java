package io.chainmesh.engine.broadcast;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;

import static org.assertj.core.api.Assertions.assertThat;

class BroadcastTreeTest
{
    @Test
    void shouldReachEveryMemberExactlyOnceWithNMinusOneTransmissionsInLogDepth()
    {
        for (int n = 1; n <= 130; n++)
        {
            for (int origin = 0; origin < n; origin += Math.max(1, n / 7))
            {
                final int[] received = new int[n];
                final int[] depth = new int[n];
                int transmissions = 0;
                int maxDepth = 0;
                final Deque<int[]> queue = new ArrayDeque<>();
                queue.add(new int[] {origin, BroadcastTree.rangeLength(0, n)});
                received[origin] = 1;
                while (!queue.isEmpty())
                {
                    final int[] node = queue.poll();
                    final int index = node[0];
                    final int length = node[1];
                    for (int j = 0; j < BroadcastTree.childCount(length); j++)
                    {
                        final int distance = BroadcastTree.childDistance(j);
                        assertThat(Integer.bitCount(distance)).as("tree edges are ring fingers").isEqualTo(1);
                        final int child = BroadcastTree.indexAt(index, distance, n);
                        final int childLength = BroadcastTree.childRangeLength(length, j);
                        final int childOffset = BroadcastTree.offset(origin, child, n);
                        assertThat(childLength).as("receiver derives its range alone (n=%d)", n)
                            .isEqualTo(BroadcastTree.rangeLength(childOffset, n));
                        received[child]++;
                        transmissions++;
                        depth[child] = depth[index] + 1;
                        maxDepth = Math.max(maxDepth, depth[child]);
                        queue.add(new int[] {child, childLength});
                    }
                }
                for (int i = 0; i < n; i++)
                {
                    assertThat(received[i]).as("n=%d origin=%d member=%d", n, origin, i).isEqualTo(1);
                }
                assertThat(transmissions).isEqualTo(n - 1);
                assertThat(maxDepth).isLessThanOrEqualTo(32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1)));
            }
        }
    }

    @Test
    void shouldTakeEveryRangeAHandOverShapesAndRefuseOthersNarrowerThanTheDefault()
    {
        final int maxExplicit = io.chainmesh.codec.batch.BatchDescriptor.MAX_EXPLICIT_RANGE;
        for (int n = 2; n <= 300; n++)
        {
            final java.util.Map<Integer, java.util.Set<Integer>> legit = new java.util.HashMap<>();
            for (int down = 1; down < n; down++)
            {
                final int downRange = BroadcastTree.rangeLength(down, n);
                if (downRange <= 1 || down + 1 >= n)
                {
                    continue;
                }
                // The member after a down one covers the rest of its range, and splits it as a tree of its own.
                final Deque<int[]> queue = new ArrayDeque<>();
                queue.add(new int[] {down + 1, Math.min(downRange - 1, maxExplicit), down - 1});
                while (!queue.isEmpty())
                {
                    final int[] node = queue.poll();
                    legit.computeIfAbsent(node[0] * 1024 + node[2], k -> new java.util.HashSet<>()).add(node[1]);
                    assertThat(BroadcastTree.checkedRange(node[1], node[0], n, maxExplicit, node[2]))
                        .as("n=%d down=%d offset=%d range=%d from=%d", n, down, node[0], node[1], node[2]).isEqualTo(node[1]);
                    for (int j = 0; j < BroadcastTree.childCount(node[1]); j++)
                    {
                        queue.add(new int[] {node[0] + BroadcastTree.childDistance(j), BroadcastTree.childRangeLength(node[1], j),
                            node[0]});
                    }
                }
            }
            for (int offset = 1; offset < n; offset++)
            {
                final int byDefault = BroadcastTree.rangeLength(offset, n);
                for (int from = -1; from < offset; from++)
                {
                    for (int named = 1; named < byDefault; named++)
                    {
                        final boolean shaped = legit.getOrDefault(offset * 1024 + from, java.util.Set.of()).contains(named);
                        assertThat(BroadcastTree.checkedRange(named, offset, n, maxExplicit, from))
                            .as("n=%d offset=%d named=%d from=%d", n, offset, named, from)
                            .isEqualTo(shaped ? named : byDefault);
                    }
                }
                assertThat(BroadcastTree.checkedRange(byDefault + 3, offset, n, maxExplicit, 0))
                    .as("wider is taken, within the ring").isEqualTo(Math.min(byDefault + 3, n - offset));
            }
        }
        assertThat(BroadcastTree.checkedRange(1, 8, 16, 127, 0)).as("offset 8 has no ancestor but the origin").isEqualTo(8);
        assertThat(BroadcastTree.checkedRange(1, 6, 16, 127, 5)).as("shaped by a hand-over past 4, from its parent 5")
            .isEqualTo(1);
        assertThat(BroadcastTree.checkedRange(1, 6, 16, 127, 4)).as("the same range from the default parent").isEqualTo(2);
    }

    @Test
    void shouldComputeOffsetsAroundTheRing()
    {
        assertThat(BroadcastTree.offset(5, 2, 8)).isEqualTo(5);
        assertThat(BroadcastTree.indexAt(5, 5, 8)).isEqualTo(2);
        assertThat(BroadcastTree.rangeLength(0, 16)).isEqualTo(16);
        assertThat(BroadcastTree.rangeLength(8, 16)).isEqualTo(8);
        assertThat(BroadcastTree.rangeLength(12, 16)).isEqualTo(4);
        assertThat(BroadcastTree.rangeLength(12, 14)).isEqualTo(2);
        assertThat(BroadcastTree.childCount(1)).isZero();
        assertThat(BroadcastTree.childCount(16)).isEqualTo(4);
        assertThat(BroadcastTree.childCount(17)).isEqualTo(5);
    }
}
