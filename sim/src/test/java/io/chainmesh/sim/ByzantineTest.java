package io.chainmesh.sim;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Byzantine members beyond forging and lying, fixed seeds, seconds each: too-narrow ranges are ignored by the tree,
 * flooding WANTs costs the honest members uplink but no delivery, replayed batches are never delivered twice.
 */
class ByzantineTest
{
    @Test
    void shouldIgnoreTooNarrowRangesSoEveryMemberGetsEveryBatchAlongTheTree()
    {
        // Only a forward to a child that covers more than itself can be narrowed: with radix 8 its sender sits at an
        // offset from the origin that is a multiple of 64, so it takes a fifth of the members to have a few of them.
        final Outcome outcome = new Simulation(new SimConfig().members(300).seconds(8).seed(5).faults("narrow=60")).run();

        assertThat(outcome.violations).isEmpty();
        assertThat(byzantine(outcome).get("narrowed_forwards_sent")).isGreaterThan(0L);
        assertThat(outcome.figures.get("delivery_percent")).isEqualTo(100.0);
        // Taken, a narrowed range would leave the receiver's subtree to repair; ignored, the tree is whole.
        assertThat(outcome.figures.get("repair_frames")).isEqualTo(0L);
        assertThat(outcome.figures.get("transmissions_per_delivery")).isEqualTo(1.0);
    }

    @Test
    void shouldDeliverEverythingWhileMembersFloodWants()
    {
        final Outcome outcome = new Simulation(new SimConfig().members(300).seconds(8).seed(5).faults("flood=3@2")).run();

        assertThat(outcome.violations).isEmpty();
        assertThat(outcome.figures.get("delivery_percent")).isEqualTo(100.0);
        assertThat(byzantine(outcome).get("flood_wants_sent")).isGreaterThan(0L);
        assertThat(byzantine(outcome).get("repair_bytes_to_flooders")).isGreaterThan(0L);
    }

    @Test
    void shouldNeverDeliverAReplayedBatchTwice()
    {
        final Outcome outcome = new Simulation(new SimConfig().members(300).seconds(8).seed(5).faults("replay=3@3")).run();

        assertThat(outcome.violations).isEmpty();
        assertThat(outcome.figures.get("delivery_percent")).isEqualTo(100.0);
        final long replayed = byzantine(outcome).get("replayed_frames_sent");
        assertThat(replayed).isGreaterThan(0L);
        assertThat(engineCounters(outcome).get("duplicates")).isGreaterThanOrEqualTo(replayed / 2);
    }

    @Test
    void shouldHoldEveryInvariantWithEveryByzantineBehaviourAndChurnTogether()
    {
        final Outcome outcome = new Simulation(new SimConfig().members(200).seconds(12).drainSeconds(3).seed(6)
            .faults("churn=2%@4+1,narrow=5,flood=2@2,replay=2@2,forge=2@2,lie=3")).run();

        assertThat(outcome.violations).isEmpty();
        assertThat(outcome.figures.get("delivery_percent")).isEqualTo(100.0);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Long> byzantine(final Outcome outcome)
    {
        return (Map<String, Long>)(Map<?, ?>)outcome.figures.get("byzantine");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> engineCounters(final Outcome outcome)
    {
        return (Map<String, Long>)outcome.figures.get("engine_counters");
    }
}
