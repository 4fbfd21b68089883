package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.engine.overlay.OverlayTopology;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayDeque;
import java.util.Deque;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@link TreeForwarder} on every member of whole rings, exhaustively for small rings: which members a batch
 * reaches, how often, over which links and how deep, with no member down, one down and two down. Radix 2, 4 and 8
 * (the engine's) are checked with the same expectations.
 */
class TreeCoveragePropertyTest
{
    private static final int SUCCESSORS = 2;

    /** What one batch did on a ring. */
    private static final class Spread
    {
        final int[] received;
        int transmissions;
        int maxDepth;

        Spread(final int n)
        {
            received = new int[n];
        }
    }

    private static Spread spread(final int radixBits, final int n, final int origin, final boolean[] down, final int[][] targets)
    {
        final Spread spread = new Spread(n);
        final TreeForwarder forwarder = new TreeForwarder(radixBits);
        final int[] depth = new int[n];
        // Each entry: receiver, sender (-1: the origin's own batch), flags.
        final Deque<int[]> queue = new ArrayDeque<>();
        queue.add(new int[] {origin, -1, 0});
        spread.received[origin] = 1;
        while (!queue.isEmpty())
        {
            final int[] hop = queue.poll();
            final int self = hop[0];
            final int count = forwarder.plan(n, self, origin, hop[1], BatchDescriptor.explicitRange(hop[2]),
                index -> !down[index]);
            for (int i = 0; i < count; i++)
            {
                final int target = forwarder.target(i);
                if (null != targets && !contains(targets[self], target))
                {
                    assertThat(targets[self]).as("n=%d origin=%d: %d -> %d is a link %d dials", n, origin, self, target, self)
                        .contains(target);
                }
                if (down[target])
                {
                    continue;
                }
                spread.transmissions++;
                if (spread.received[target]++ == 0)
                {
                    depth[target] = depth[self] + 1;
                    spread.maxDepth = Math.max(spread.maxDepth, depth[target]);
                    queue.add(new int[] {target, self, forwarder.flags(i)});
                }
            }
        }
        return spread;
    }

    private static boolean contains(final int[] values, final int value)
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

    private static int[][] targets(final int n, final int radixBits)
    {
        final int[][] targets = new int[n][];
        for (int i = 0; i < n; i++)
        {
            targets[i] = OverlayTopology.computeTargets(i, n, SUCCESSORS, radixBits);
        }
        return targets;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void shouldReachEveryMemberExactlyOnceOverOverlayLinksWithinTheDepthBound(final int radixBits)
    {
        for (int n = 1; n <= 300; n++)
        {
            final int[][] targets = targets(n, radixBits);
            final boolean[] down = new boolean[n];
            for (int origin = 0; origin < n; origin++)
            {
                final Spread spread = spread(radixBits, n, origin, down, targets);
                for (int i = 0; i < n; i++)
                {
                    if (spread.received[i] != 1)
                    {
                        assertThat(spread.received[i]).as("n=%d origin=%d member=%d", n, origin, i).isEqualTo(1);
                    }
                }
                assertThat(spread.transmissions).as("n=%d origin=%d", n, origin).isEqualTo(n - 1);
                assertThat(spread.maxDepth).as("n=%d origin=%d", n, origin)
                    .isLessThanOrEqualTo(BroadcastTree.depthBound(n, radixBits));
            }
        }
        for (final int n : new int[] {1_023, 1_024, 1_025, 4_097, 13_047})
        {
            final int[][] targets = targets(n, radixBits);
            final boolean[] down = new boolean[n];
            for (final int origin : new int[] {0, 1, n / 2, n - 1})
            {
                final Spread spread = spread(radixBits, n, origin, down, targets);
                assertThat(spread.received).as("n=%d origin=%d", n, origin).containsOnly(1);
                assertThat(spread.transmissions).isEqualTo(n - 1);
                assertThat(spread.maxDepth).isLessThanOrEqualTo(BroadcastTree.depthBound(n, radixBits));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void shouldReachEveryLiveMemberExactlyOnceWithOneMemberDown(final int radixBits)
    {
        for (int n = 2; n <= 300; n++)
        {
            final int[][] targets = targets(n, radixBits);
            for (final int origin : new int[] {0, n / 3})
            {
                for (int downOffset = 1; downOffset < n; downOffset++)
                {
                    assertCoverageWithDown(radixBits, n, origin, targets, downOffset);
                }
            }
        }
        for (final int n : new int[] {4_097, 13_047})
        {
            final int[][] targets = targets(n, radixBits);
            for (final int downOffset : new int[] {1, 3, 4, 7, 8, 63, 64, 65, 256, 512, 1_024, 3_072, 3_584, 4_096, 8_192, 12_288, n - 2})
            {
                if (downOffset >= n)
                {
                    continue;
                }
                assertCoverageWithDown(radixBits, n, n / 3, targets, downOffset);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void shouldLeaveOnlyTheRangesOfTwoDownMembersToRepairAndReachTheRestOnce(final int radixBits)
    {
        int reachedOnce = 0;
        for (int n = 3; n <= 100; n++)
        {
            final int origin = n / 3;
            for (int a = 1; a < n; a++)
            {
                for (int b = a + 1; b < n; b++)
                {
                    final boolean[] down = new boolean[n];
                    down[BroadcastTree.indexAt(origin, a, n)] = true;
                    down[BroadcastTree.indexAt(origin, b, n)] = true;
                    final Spread spread = spread(radixBits, n, origin, down, null);
                    // Two in a row, or one inside the other's range, is beyond what the hand-over repairs.
                    final boolean apart = b - a >= 2 && b >= a + BroadcastTree.rangeLength(a, n, radixBits);
                    boolean all = true;
                    for (int offset = 0; offset < n; offset++)
                    {
                        final int index = BroadcastTree.indexAt(origin, offset, n);
                        if (down[index])
                        {
                            continue;
                        }
                        final int received = spread.received[index];
                        all &= received == 1;
                        if (apart && received != 1)
                        {
                            assertThat(received).as("n=%d origin=%d down=%d,%d offset=%d", n, origin, a, b, offset).isEqualTo(1);
                        }
                        else if (received == 0)
                        {
                            assertThat(inRangeOf(a, offset, n, radixBits) || inRangeOf(b, offset, n, radixBits))
                                .as("n=%d down=%d,%d: offset %d is missed only inside a down member's range", n, a, b, offset)
                                .isTrue();
                        }
                    }
                    reachedOnce += all ? 1 : 0;
                }
            }
        }
        assertThat(reachedOnce).as("most pairs lose nothing").isGreaterThan(150_000);
    }

    private static boolean inRangeOf(final int downOffset, final int offset, final int n, final int radixBits)
    {
        return offset > downOffset && offset < downOffset + BroadcastTree.rangeLength(downOffset, n, radixBits);
    }

    private static void assertCoverageWithDown(
        final int radixBits, final int n, final int origin, final int[][] targets, final int downOffset)
    {
        final boolean[] down = new boolean[n];
        down[BroadcastTree.indexAt(origin, downOffset, n)] = true;
        final Spread spread = spread(radixBits, n, origin, down, targets);
        // The member after the down one covers the rest of its range, as far as a frame can name.
        final int repairFrom = downOffset + 1 + BatchDescriptor.MAX_EXPLICIT_RANGE;
        final int repairTo = downOffset + BroadcastTree.rangeLength(downOffset, n, radixBits);
        for (int offset = 0; offset < n; offset++)
        {
            if (offset != downOffset)
            {
                final int expected = offset >= repairFrom && offset < repairTo ? 0 : 1;
                final int received = spread.received[BroadcastTree.indexAt(origin, offset, n)];
                if (received != expected)
                {
                    assertThat(received).as("n=%d origin=%d down=%d offset=%d", n, origin, downOffset, offset).isEqualTo(expected);
                }
            }
        }
    }
}
