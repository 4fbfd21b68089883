package io.chainmesh.engine.broadcast;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayDeque;
import java.util.Deque;

import static org.assertj.core.api.Assertions.assertThat;

class BroadcastTreeTest
{
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void shouldReachEveryMemberExactlyOnceWithNMinusOneTransmissionsInLogDepth(final int radixBits)
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
                queue.add(new int[] {origin, BroadcastTree.rangeLength(0, n, radixBits)});
                received[origin] = 1;
                while (!queue.isEmpty())
                {
                    final int[] node = queue.poll();
                    final int index = node[0];
                    final int length = node[1];
                    int previous = 0;
                    for (int j = 0; j < BroadcastTree.childCount(length, radixBits); j++)
                    {
                        final int distance = BroadcastTree.childDistance(j, radixBits);
                        final int unit = BroadcastTree.digitUnit(distance, radixBits);
                        assertThat(distance % unit == 0 && distance / unit < (1 << radixBits) && distance < length)
                            .as("tree edges are ring fingers c * r^j inside the range: %d", distance).isTrue();
                        assertThat(distance).as("children by distance").isGreaterThan(previous);
                        previous = distance;
                        final int child = BroadcastTree.indexAt(index, distance, n);
                        final int childLength = BroadcastTree.childRangeLength(length, j, radixBits);
                        final int childOffset = BroadcastTree.offset(origin, child, n);
                        assertThat(childLength).as("receiver derives its range alone (n=%d)", n)
                            .isEqualTo(BroadcastTree.rangeLength(childOffset, n, radixBits));
                        assertThat(BroadcastTree.parentOffset(childOffset, radixBits)).as("parent of %d", childOffset)
                            .isEqualTo(BroadcastTree.offset(origin, index, n));
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
                assertThat(maxDepth).isLessThanOrEqualTo(BroadcastTree.depthBound(n, radixBits));
                assertThat(BroadcastTree.depthBound(n, radixBits)).as("ceil(log_r n), n=%d", n)
                    .isEqualTo(n == 1 ? 0 : (int)Math.ceil(Math.log(n) / Math.log(1 << radixBits) - 1e-9));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void shouldTakeEveryRangeAHandOverShapesAndRefuseOthersNarrowerThanTheDefault(final int radixBits)
    {
        final int maxExplicit = io.chainmesh.codec.batch.BatchDescriptor.MAX_EXPLICIT_RANGE;
        for (int n = 2; n <= 300; n++)
        {
            final java.util.Map<Integer, java.util.Set<Integer>> legit = new java.util.HashMap<>();
            for (int down = 1; down < n; down++)
            {
                final int downRange = BroadcastTree.rangeLength(down, n, radixBits);
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
                    assertThat(BroadcastTree.checkedRange(node[1], node[0], n, maxExplicit, node[2], radixBits))
                        .as("n=%d down=%d offset=%d range=%d from=%d", n, down, node[0], node[1], node[2]).isEqualTo(node[1]);
                    for (int j = 0; j < BroadcastTree.childCount(node[1], radixBits); j++)
                    {
                        queue.add(new int[] {node[0] + BroadcastTree.childDistance(j, radixBits),
                            BroadcastTree.childRangeLength(node[1], j, radixBits), node[0]});
                    }
                }
            }
            for (int offset = 1; offset < n; offset++)
            {
                final int byDefault = BroadcastTree.rangeLength(offset, n, radixBits);
                for (int from = -1; from < offset; from++)
                {
                    for (int named = 1; named < byDefault; named++)
                    {
                        final boolean shaped = legit.getOrDefault(offset * 1024 + from, java.util.Set.of()).contains(named);
                        final int covered = BroadcastTree.checkedRange(named, offset, n, maxExplicit, from, radixBits);
                        if (covered != (shaped ? named : byDefault))
                        {
                            assertThat(covered).as("n=%d offset=%d named=%d from=%d", n, offset, named, from)
                                .isEqualTo(shaped ? named : byDefault);
                        }
                    }
                }
                assertThat(BroadcastTree.checkedRange(byDefault + 3, offset, n, maxExplicit, 0, radixBits))
                    .as("wider is taken, within the ring").isEqualTo(Math.min(byDefault + 3, n - offset));
            }
        }
        if (radixBits == 1)
        {
            assertThat(BroadcastTree.checkedRange(1, 8, 16, 127, 0, 1)).as("offset 8 has no ancestor but the origin").isEqualTo(8);
            assertThat(BroadcastTree.checkedRange(1, 6, 16, 127, 5, 1)).as("shaped by a hand-over past 4, from its parent 5")
                .isEqualTo(1);
            assertThat(BroadcastTree.checkedRange(1, 6, 16, 127, 4, 1)).as("the same range from the default parent").isEqualTo(2);
        }
        else if (radixBits == 2)
        {
            assertThat(BroadcastTree.checkedRange(1, 32, 64, 127, 0, 2)).as("offset 32 has no ancestor but the origin")
                .isEqualTo(16);
            assertThat(BroadcastTree.checkedRange(1, 20, 64, 127, 17, 2)).as("shaped by a hand-over past 16, from its parent 17")
                .isEqualTo(1);
            assertThat(BroadcastTree.checkedRange(1, 20, 64, 127, 16, 2)).as("the same range from the default parent").isEqualTo(4);
            assertThat(BroadcastTree.checkedRange(2, 20, 64, 127, 17, 2)).as("a shape the hand-over does not give").isEqualTo(4);
        }
        else
        {
            assertThat(BroadcastTree.checkedRange(1, 256, 512, 127, 0, 3)).as("offset 256 has no ancestor but the origin")
                .isEqualTo(64);
            assertThat(BroadcastTree.checkedRange(1, 80, 512, 127, 73, 3)).as("shaped by a hand-over past 64, from its parent 73")
                .isEqualTo(1);
            assertThat(BroadcastTree.checkedRange(1, 80, 512, 127, 64, 3)).as("the same range from the default parent").isEqualTo(8);
            assertThat(BroadcastTree.checkedRange(2, 80, 512, 127, 73, 3)).as("a shape the hand-over does not give").isEqualTo(8);
        }
    }

    @Test
    void shouldComputeOffsetsAroundTheRing()
    {
        assertThat(BroadcastTree.offset(5, 2, 8)).isEqualTo(5);
        assertThat(BroadcastTree.indexAt(5, 5, 8)).isEqualTo(2);
        assertThat(BroadcastTree.RADIX).isEqualTo(8);
        assertThat(BroadcastTree.rangeLength(0, 16)).isEqualTo(16);
        assertThat(BroadcastTree.rangeLength(8, 16)).isEqualTo(8);
        assertThat(BroadcastTree.rangeLength(64, 640)).isEqualTo(64);
        assertThat(BroadcastTree.rangeLength(448, 640)).isEqualTo(64);
        assertThat(BroadcastTree.rangeLength(16, 80)).isEqualTo(8);
        assertThat(BroadcastTree.rangeLength(24, 30)).isEqualTo(6);
        assertThat(BroadcastTree.rangeLength(12, 14)).isEqualTo(1);
        assertThat(BroadcastTree.rangeLength(12, 14, 2)).isEqualTo(2);
        assertThat(BroadcastTree.rangeLength(13, 16)).isEqualTo(1);
        assertThat(BroadcastTree.rangeLength(8, 16, 2)).isEqualTo(4);
        assertThat(BroadcastTree.rangeLength(48, 80, 2)).isEqualTo(16);
        assertThat(BroadcastTree.rangeLength(8, 16, 1)).isEqualTo(8);
        assertThat(BroadcastTree.parentOffset(13)).isEqualTo(8);
        assertThat(BroadcastTree.parentOffset(8)).isZero();
        assertThat(BroadcastTree.parentOffset(01530)).isEqualTo(01500);
        assertThat(BroadcastTree.parentOffset(13, 2)).isEqualTo(12);
        assertThat(BroadcastTree.parentOffset(0b11_01_00, 2)).isEqualTo(0b11_00_00);
        assertThat(BroadcastTree.parentOffset(12, 1)).isEqualTo(8);
        assertThat(BroadcastTree.childCount(1)).isZero();
        assertThat(BroadcastTree.childCount(64)).as("1 .. 7, 8, 16, .., 56").isEqualTo(14);
        assertThat(BroadcastTree.childCount(65)).as("and 64").isEqualTo(15);
        assertThat(BroadcastTree.childCount(16, 2)).as("1, 2, 3, 4, 8, 12").isEqualTo(6);
        assertThat(BroadcastTree.childCount(17, 2)).as("and 16").isEqualTo(7);
        assertThat(BroadcastTree.childCount(16, 1)).isEqualTo(4);
        assertThat(BroadcastTree.childCount(17, 1)).isEqualTo(5);
        assertThat(BroadcastTree.childDistance(9)).isEqualTo(24);
        assertThat(BroadcastTree.childRangeLength(30, 9)).isEqualTo(6);
        assertThat(BroadcastTree.childDistance(5, 2)).isEqualTo(12);
        assertThat(BroadcastTree.childRangeLength(14, 5, 2)).isEqualTo(2);
        assertThat(BroadcastTree.maxChildren(3)).isEqualTo(71);
        assertThat(BroadcastTree.maxChildren(2)).isEqualTo(46);
        assertThat(BroadcastTree.maxChildren(1)).isEqualTo(31);
        assertThat(BroadcastTree.depthBound(13_047)).isEqualTo(5);
        assertThat(BroadcastTree.depthBound(13_047, 2)).isEqualTo(7);
        assertThat(BroadcastTree.depthBound(13_047, 1)).isEqualTo(14);
    }
}
