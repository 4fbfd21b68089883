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
