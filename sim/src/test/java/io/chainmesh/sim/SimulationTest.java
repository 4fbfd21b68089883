package io.chainmesh.sim;

import io.chainmesh.engine.broadcast.BroadcastTree;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fixed-seed runs of the simulator in the default build (seconds of wall time each): the no-fault figures the
 * tree promises, a seed that replays exactly, and faults healed with nothing lost.
 */
class SimulationTest
{
    @Test
    void shouldDeliverEveryBatchToEveryMemberOnceAlongTheTreeWithoutFaults()
    {
        final Outcome outcome = new Simulation(new SimConfig().members(1_000).seconds(10).seed(7)).run();

        assertThat(outcome.violations).isEmpty();
        assertThat(outcome.figures.get("delivery_percent")).isEqualTo(100.0);
        assertThat((int)outcome.figures.get("batches_published")).isGreaterThan(20);
        assertThat(outcome.figures.get("transmissions_per_delivery")).isEqualTo(1.0);
        assertThat((int)outcome.figures.get("hops_max")).isLessThanOrEqualTo((int)outcome.figures.get("hops_bound"))
            .as("the tree's depth, ceil(log_r 999)").isLessThanOrEqualTo(BroadcastTree.depthBound(999));
        assertThat(outcome.figures.get("repair_frames")).isEqualTo(0L);
        @SuppressWarnings("unchecked")
        final List<Map<String, Object>> slowest = (List<Map<String, Object>>)outcome.figures.get("slowest_batches_path_to_last_member");
        assertThat(slowest).hasSize(3);
        for (final Map<String, Object> path : slowest)
        {
            final double total = (double)path.get("to_last_member_ms");
            assertThat((double)path.get("link_latency_ms")).as("one-way trips along the path").isPositive()
                .isLessThanOrEqualTo(total);
            assertThat((double)path.get("cpu_and_queueing_ms")).as("at least a verify per hop")
                .isGreaterThanOrEqualTo(0.05 * (int)path.get("hops") - 0.1);
        }
        assertThat((double)slowest.get(0).get("to_last_member_ms"))
            .isGreaterThanOrEqualTo((double)slowest.get(2).get("to_last_member_ms"));
    }

    @Test
    void shouldReplayARunExactlyFromItsSeed()
    {
        final SimConfig config = new SimConfig().members(300).seconds(6).seed(42).faults("crash=5%@2-3+1");
        final Map<String, Object> first = withoutWallTime(new Simulation(config).run());
        final Map<String, Object> second = withoutWallTime(new Simulation(config).run());
        final Map<String, Object> otherSeed = withoutWallTime(new Simulation(
            new SimConfig().members(300).seconds(6).seed(43).faults("crash=5%@2-3+1")).run());

        assertThat(second).isEqualTo(first);
        assertThat(otherSeed.get("events")).isNotEqualTo(first.get("events"));
    }

    @Test
    void shouldLoseNothingWithinRetentionThroughCrashesRestartsAndAHealedPartition()
    {
        final Outcome outcome = new Simulation(new SimConfig().members(400).seconds(30).seed(11)
            .faults("down=2%,crash=5%@3-8+3,partition=30%@6+8").drainSeconds(12)).run();

        assertThat(outcome.violations).isEmpty();
        assertThat(outcome.figures.get("delivery_percent")).isEqualTo(100.0);
        assertThat((long)outcome.figures.get("repair_frames")).isGreaterThan(0);
    }

    @Test
    void shouldDeliverNoForgedBatchAndLoseNothingToLyingMembers()
    {
        final Outcome outcome = new Simulation(new SimConfig().members(300).seconds(8).seed(5)
            .faults("forge=3@2,lie=10")).run();

        assertThat(outcome.violations).isEmpty();
        assertThat((long)outcome.figures.get("forged_frames_sent")).isGreaterThan(0);
        assertThat(engineCounter(outcome, "forged")).isGreaterThan(0);
        assertThat((long)outcome.figures.get("lying_want_miss_sent")).isGreaterThan(0);
        assertThat(outcome.figures.get("delivery_percent")).isEqualTo(100.0);
    }

    @SuppressWarnings("unchecked")
    private static long engineCounter(final Outcome outcome, final String name)
    {
        return ((Map<String, Long>)outcome.figures.get("engine_counters")).get(name);
    }

    private static Map<String, Object> withoutWallTime(final Outcome outcome)
    {
        final Map<String, Object> figures = new LinkedHashMap<>(outcome.figures);
        figures.remove("wall_seconds");
        return figures;
    }
}
