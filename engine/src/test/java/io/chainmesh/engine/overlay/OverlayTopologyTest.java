package io.chainmesh.engine.overlay;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.engine.TestDirectory;
import io.chainmesh.engine.broadcast.BroadcastTree;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OverlayTopologyTest
{
    @Test
    void shouldHaveNoLinksForSingleMember()
    {
        final OverlayTopology topology = OverlayTopology.of(TestDirectory.snapshotOf(1), 2);
        assertThat(topology.targets(0)).isEmpty();
        assertThat(topology.expectedInbound(0)).isEmpty();
        assertThat(topology.linkCount()).isZero();
    }

    @Test
    void shouldHaveNoLinksForEmptyDirectory()
    {
        final OverlayTopology topology = OverlayTopology.of(DirectorySnapshot.empty(), 2);
        assertThat(topology.size()).isZero();
        assertThat(topology.linkCount()).isZero();
    }

    @Test
    void shouldLinkTwoMembersOnceDialledBySmallerNodeId()
    {
        final DirectorySnapshot snapshot = TestDirectory.snapshotOf(2);
        final OverlayTopology topology = OverlayTopology.of(snapshot, 2);
        assertThat(topology.targets(0)).containsExactly(1);
        assertThat(topology.targets(1)).containsExactly(0);
        assertThat(topology.linkCount()).isEqualTo(1);
        final boolean zeroSmaller = snapshot.member(0).id().compareTo(snapshot.member(1).id()) < 0;
        assertThat(topology.dials(0, 1)).isEqualTo(zeroSmaller);
        assertThat(topology.dials(1, 0)).isEqualTo(!zeroSmaller);
    }

    @Test
    void shouldFullyConnectThreeMembers()
    {
        final OverlayTopology topology = OverlayTopology.of(TestDirectory.snapshotOf(3), 2);
        assertThat(topology.targets(0)).containsExactly(1, 2);
        assertThat(topology.targets(1)).containsExactly(2, 0);
        assertThat(topology.targets(2)).containsExactly(0, 1);
        assertThat(topology.linkCount()).isEqualTo(3);
    }

    @Test
    void shouldComputeSuccessorsAndFingersForSixteen()
    {
        final OverlayTopology topology = OverlayTopology.of(TestDirectory.snapshotOf(16), 2);
        // successors 1, 2; fingers 1 .. 7, 8
        assertThat(topology.targets(0)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(topology.targets(15)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(topology.expectedInbound(0)).containsExactly(8, 9, 10, 11, 12, 13, 14, 15);
        for (int i = 0; i < 16; i++)
        {
            assertThat(topology.targets(i)).doesNotContain(i).doesNotHaveDuplicates();
        }
    }

    @Test
    void shouldHonourLargerSuccessorCount()
    {
        final OverlayTopology topology = OverlayTopology.of(TestDirectory.snapshotOf(100), 10);
        assertThat(topology.targets(3)).containsExactly(4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 19, 27, 35, 43, 51, 59, 67);
    }

    @Test
    void shouldPlaceFingersAtPowersOfTheTreeRadix()
    {
        assertThat(OverlayTopology.computeTargets(0, 16, 2, 1)).as("radix 2").containsExactly(1, 2, 4, 8);
        assertThat(OverlayTopology.computeTargets(0, 70, 2, 2)).as("radix 4")
            .containsExactly(1, 2, 3, 4, 8, 12, 16, 32, 48, 64);
        assertThat(OverlayTopology.computeTargets(0, 70, 2, 3)).as("radix 8")
            .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 16, 24, 32, 40, 48, 56, 64);
        assertThat(OverlayTopology.computeTargets(0, 13_047, 2, BroadcastTree.RADIX_BITS)).as("Flux mainnet's list")
            .hasSize(31);
        assertThat(OverlayTopology.computeTargets(0, 13_047, 2, 2)).hasSize(21);
        assertThat(OverlayTopology.computeTargets(0, 13_047, 2, 1)).hasSize(14);
    }

    @Test
    void shouldBeDeterministicAcrossIndependentComputations()
    {
        final DirectorySnapshot snapshot = TestDirectory.snapshotOf(100);
        final OverlayTopology a = OverlayTopology.of(snapshot, 2);
        final OverlayTopology b = OverlayTopology.of(DirectorySnapshot.of(snapshot.height(), snapshot.members()), 2);
        for (int i = 0; i < 100; i++)
        {
            assertThat(a.targets(i)).containsExactly(b.targets(i));
            assertThat(a.expectedInbound(i)).containsExactly(b.expectedInbound(i));
            for (int j = 0; j < 100; j++)
            {
                assertThat(a.dials(i, j)).isEqualTo(b.dials(i, j));
            }
        }
    }

    @Test
    void shouldKeepDegreeLogarithmicForHundred()
    {
        final OverlayTopology topology = OverlayTopology.of(TestDirectory.snapshotOf(100), 2);
        for (int i = 0; i < 100; i++)
        {
            // 2 successors + fingers 1 .. 7, 8, 16, .., 56, 64 (2 duplicated) = 15 targets
            assertThat(topology.targets(i)).hasSize(15);
            assertThat(topology.neighbours(i).length).isLessThanOrEqualTo(2 * 15);
        }
    }

    @Test
    void shouldAgreeThatEveryExpectedLinkHasExactlyOneDialler()
    {
        final OverlayTopology topology = OverlayTopology.of(TestDirectory.snapshotOf(37), 3);
        for (int i = 0; i < 37; i++)
        {
            for (int j = 0; j < 37; j++)
            {
                if (topology.isLink(i, j))
                {
                    assertThat(topology.dials(i, j) ^ topology.dials(j, i)).as("link %d-%d", i, j).isTrue();
                }
                else
                {
                    assertThat(topology.dials(i, j) || topology.dials(j, i)).isFalse();
                }
            }
        }
    }

    @Test
    void shouldMakeEveryMemberReachableWithinLogarithmicHops()
    {
        final int n = 100;
        final OverlayTopology topology = OverlayTopology.of(TestDirectory.snapshotOf(n), 2);
        for (int source = 0; source < n; source += 7)
        {
            final int[] hops = new int[n];
            Arrays.fill(hops, -1);
            hops[source] = 0;
            final ArrayDeque<Integer> queue = new ArrayDeque<>();
            queue.add(source);
            while (!queue.isEmpty())
            {
                final int current = queue.poll();
                for (final int next : topology.targets(current))
                {
                    if (hops[next] < 0)
                    {
                        hops[next] = hops[current] + 1;
                        queue.add(next);
                    }
                }
            }
            assertThat(Arrays.stream(hops).max().getAsInt()).isLessThanOrEqualTo(BroadcastTree.depthBound(n));
            assertThat(Arrays.stream(hops).min().getAsInt()).isZero();
        }
    }

    @Test
    void shouldListNeighboursAsUnionOfTargetsAndInbound()
    {
        final OverlayTopology topology = OverlayTopology.of(TestDirectory.snapshotOf(16), 2);
        final Set<Integer> expected = new HashSet<>();
        Arrays.stream(topology.targets(5)).forEach(expected::add);
        Arrays.stream(topology.expectedInbound(5)).forEach(expected::add);
        assertThat(Arrays.stream(topology.neighbours(5)).boxed()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void shouldRejectNonPositiveSuccessorCount()
    {
        assertThatThrownBy(() -> OverlayTopology.of(TestDirectory.snapshotOf(4), 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ringSuccessors=0");
    }

    @Test
    void shouldMeasureClockwiseDistance()
    {
        assertThat(OverlayTopology.clockwiseDistance(14, 2, 16)).isEqualTo(4);
        assertThat(OverlayTopology.clockwiseDistance(2, 14, 16)).isEqualTo(12);
        assertThat(OverlayTopology.clockwiseDistance(5, 5, 16)).isZero();
    }
}
