package io.chainmesh.sim;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Membership changing at block boundaries, fixed seeds, seconds each: members leave and join the list at each block
 * and see it at different times, so for a while they disagree on the ring; nothing owed is lost and nothing is
 * delivered twice.
 */
class ChurnTest
{
    @Test
    void shouldDeliverEveryBatchToMembersListedThroughoutAndToJoinersFromTheirJoinWhileTheListChanges()
    {
        final Outcome outcome = new Simulation(new SimConfig().members(250).seconds(18).drainSeconds(4).seed(3)
            .faults("churn=2%@4+1.5")).run();

        assertThat(outcome.violations).isEmpty();
        assertThat(outcome.figures.get("delivery_percent")).isEqualTo(100.0);
        assertThat((int)outcome.figures.get("blocks")).isEqualTo(4);
        assertThat((int)outcome.figures.get("members_left")).isEqualTo(4 * 5);
        assertThat((int)outcome.figures.get("members_joined")).isEqualTo(4 * 5);
        // The skew shows: joiners are refused by members that have not seen their block yet, and links move.
        assertThat((long)outcome.figures.get("dials_refused_not_listed")).isGreaterThan(0);
        assertThat(closes(outcome)).containsKeys("MEMBER_LEFT", "LINK_NO_LONGER_NEEDED");
    }

    @Test
    void shouldReplayAChurningRunExactlyFromItsSeed()
    {
        final SimConfig config = new SimConfig().members(150).seconds(9).seed(8).faults("churn=3%@3+1");
        final Map<String, Object> first = withoutWallTime(new Simulation(config).run());
        final Map<String, Object> second = withoutWallTime(new Simulation(config).run());

        assertThat(second).isEqualTo(first);
        assertThat((int)first.get("members_joined")).isGreaterThan(0);
    }

    @Test
    void shouldNotCountAJoinersHistoryOrALeaversLateBatchesAsOwed()
    {
        final Outcome outcome = new Simulation(new SimConfig().members(200).seconds(14).drainSeconds(3).seed(4)
            .faults("churn=3%@4+1")).run();

        assertThat(outcome.violations).isEmpty();
        // Joiners catch up on retained history (not owed) and leavers still get some of what follows their block.
        assertThat((long)outcome.figures.get("joiner_history_deliveries_not_owed")).isGreaterThan(0);
        assertThat((long)outcome.figures.get("expected_deliveries")).isEqualTo((long)outcome.figures.get("delivered"));
    }

    @Test
    void shouldDeliverAQuittingPublishersBatchesFromWhileItWasListedAndNoLinkClosesOverItsLaterOnes()
    {
        final Outcome outcome = new Simulation(new SimConfig().members(250).seconds(20).drainSeconds(8).seed(3)
            .faults("churn=2%@4+1.5,quit=1")).run();

        assertThat(outcome.violations).isEmpty();
        assertThat(outcome.figures.get("delivery_percent")).isEqualTo(100.0);
        // Its batches from about its leave on are refused by lists that no longer have it: not owed, counted.
        assertThat((long)outcome.figures.get("quitting_publishers_batches_near_leave_member_pairs")).isGreaterThan(0);
        assertThat(closes(outcome)).containsOnlyKeys("MEMBER_LEFT", "LINK_NO_LONGER_NEEDED");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> closes(final Outcome outcome)
    {
        return (Map<String, Long>)outcome.figures.get("link_closes_between_live_members");
    }

    private static Map<String, Object> withoutWallTime(final Outcome outcome)
    {
        final Map<String, Object> figures = new LinkedHashMap<>(outcome.figures);
        figures.remove("wall_seconds");
        return figures;
    }
}
