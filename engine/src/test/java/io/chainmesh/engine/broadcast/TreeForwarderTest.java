package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.batch.BatchDescriptor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

import static org.assertj.core.api.Assertions.assertThat;

/** Where a batch goes next: targets and the flags each gets, from indices and link state only. */
class TreeForwarderTest
{
    private static final int N = 16;
    private static final IntPredicate ALL_LINKED = index -> true;

    private final TreeForwarder tree = new TreeForwarder();

    private List<String> plan(final int self, final int from, final int explicitRange, final IntPredicate linked)
    {
        return plan(tree, self, from, explicitRange, linked);
    }

    private static List<String> plan(
        final TreeForwarder tree, final int self, final int from, final int explicitRange, final IntPredicate linked)
    {
        final int count = tree.plan(N, self, 0, from, explicitRange, linked);
        final List<String> targets = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            targets.add(tree.target(i) + "/" + BatchDescriptor.explicitRange(tree.flags(i)) + (tree.isHandOver(i) ? "h" : ""));
        }
        return targets;
    }

    @Test
    void shouldForwardToTheChildrenOfTheDefaultRangeWithNoExplicitRange()
    {
        assertThat(plan(0, -1, 0, ALL_LINKED)).containsExactly("1/0", "2/0", "3/0", "4/0", "8/0", "12/0");
        assertThat(plan(4, 0, 0, ALL_LINKED)).containsExactly("5/0", "6/0", "7/0");
        assertThat(plan(5, 4, 0, ALL_LINKED)).isEmpty();
    }

    @Test
    void shouldSplitByTwoWithARadixOfTwo()
    {
        final TreeForwarder binary = new TreeForwarder(1);
        assertThat(plan(binary, 0, -1, 0, ALL_LINKED)).containsExactly("1/0", "2/0", "4/0", "8/0");
        assertThat(plan(binary, 4, 0, 0, ALL_LINKED)).containsExactly("5/0", "6/0");
        assertThat(plan(binary, 1, 0, 0, index -> index != 2)).containsExactly("3/1h");
    }

    @Test
    void shouldCoverTheDefaultRangeWhenASenderNamesANarrowerOne()
    {
        assertThat(plan(4, 0, 1, ALL_LINKED)).containsExactly("5/0", "6/0", "7/0");
    }

    @Test
    void shouldHandTheRangeOfADownSuccessorToTheMemberAfterIt()
    {
        final IntPredicate fourIsDown = index -> index != 4;
        assertThat(plan(3, 0, 0, fourIsDown)).containsExactly("5/3h");
        // Not back to where it came from.
        assertThat(plan(3, 5, 0, fourIsDown)).isEmpty();
        // A down successor that covers only itself needs nobody else.
        assertThat(plan(1, 0, 0, index -> index != 2)).isEmpty();
    }

    @Test
    void shouldNameEveryChildsRangeInsideAHandedOverRange()
    {
        // Offset 16 of 64 is down: 15 hands [17, 32) to 17, which splits it as a 4-nomial tree of its own.
        final int count = tree.plan(64, 17, 0, 15, 15, index -> index != 16);
        final List<String> targets = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            targets.add(tree.target(i) + "/" + BatchDescriptor.explicitRange(tree.flags(i)));
        }
        assertThat(targets).containsExactly("18/1", "19/1", "20/1", "21/4", "25/4", "29/3");
    }

    @Test
    void shouldTakeTheRangeOfADownPredecessorWhicheverWayTheBatchCame()
    {
        final IntPredicate fourIsDown = index -> index != 4;
        assertThat(plan(5, 6, BatchDescriptor.FLAG_REPAIR >>> 1, fourIsDown)).containsExactly("6/1", "7/1");
        assertThat(plan(5, -1, 0, fourIsDown)).containsExactly("6/1", "7/1");
    }
}
