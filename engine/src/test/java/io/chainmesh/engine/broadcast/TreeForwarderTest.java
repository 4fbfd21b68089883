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
        assertThat(plan(0, -1, 0, ALL_LINKED)).containsExactly("1/0", "2/0", "3/0", "4/0", "5/0", "6/0", "7/0", "8/0");
        assertThat(plan(8, 0, 0, ALL_LINKED)).containsExactly("9/0", "10/0", "11/0", "12/0", "13/0", "14/0", "15/0");
        assertThat(plan(9, 8, 0, ALL_LINKED)).isEmpty();
    }

    @Test
    void shouldSplitByFourWithARadixOfFour()
    {
        final TreeForwarder quaternary = new TreeForwarder(2);
        assertThat(plan(quaternary, 0, -1, 0, ALL_LINKED)).containsExactly("1/0", "2/0", "3/0", "4/0", "8/0", "12/0");
        assertThat(plan(quaternary, 4, 0, 0, ALL_LINKED)).containsExactly("5/0", "6/0", "7/0");
        assertThat(plan(quaternary, 3, 0, 0, index -> index != 4)).containsExactly("5/3h");
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
        assertThat(plan(8, 0, 1, ALL_LINKED)).containsExactly("9/0", "10/0", "11/0", "12/0", "13/0", "14/0", "15/0");
    }

    @Test
    void shouldHandTheRangeOfADownSuccessorToTheMemberAfterIt()
    {
        final IntPredicate eightIsDown = index -> index != 8;
        assertThat(plan(7, 0, 0, eightIsDown)).containsExactly("9/7h");
        // Not back to where it came from.
        assertThat(plan(7, 9, 0, eightIsDown)).isEmpty();
        // A down successor that covers only itself needs nobody else.
        assertThat(plan(1, 0, 0, index -> index != 2)).isEmpty();
    }

    @Test
    void shouldNameEveryChildsRangeInsideAHandedOverRange()
    {
        // Offset 64 of 128 is down: 63 hands [65, 128) to 65, which splits it as an 8-nomial tree of its own.
        final int count = tree.plan(128, 65, 0, 63, 63, index -> index != 64);
        final List<String> targets = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            targets.add(tree.target(i) + "/" + BatchDescriptor.explicitRange(tree.flags(i)));
        }
        assertThat(targets).containsExactly("66/1", "67/1", "68/1", "69/1", "70/1", "71/1", "72/1",
            "73/8", "81/8", "89/8", "97/8", "105/8", "113/8", "121/7");
    }

    @Test
    void shouldTakeTheRangeOfADownPredecessorWhicheverWayTheBatchCame()
    {
        final IntPredicate eightIsDown = index -> index != 8;
        final String[] rest = {"10/1", "11/1", "12/1", "13/1", "14/1", "15/1"};
        assertThat(plan(9, 10, BatchDescriptor.FLAG_REPAIR >>> 1, eightIsDown)).containsExactly(rest);
        assertThat(plan(9, -1, 0, eightIsDown)).containsExactly(rest);
    }
}
