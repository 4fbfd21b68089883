package io.chainmesh.sim;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Long runs, left out of the default build: {@code ./mvnw -B -ntp -pl sim -am verify -Psim-soak}. Each failure
 * names its seed and the command that replays it.
 */
@Tag("soak")
class SimulationSoakTest
{
    @Test
    void shouldDeliverEverythingAtMainnetScaleWithinTheTreeBounds()
    {
        final Outcome outcome = new Simulation(new SimConfig().members(SimConfig.MAINNET).seconds(60).seed(1))
            .progress(System.err).run();

        assertThat(outcome.violations).as(replay(outcome)).isEmpty();
        assertThat(outcome.figures.get("delivery_percent")).isEqualTo(100.0);
        assertThat(outcome.figures.get("transmissions_per_delivery")).isEqualTo(1.0);
        assertThat((int)outcome.figures.get("hops_max")).isLessThanOrEqualTo((int)outcome.figures.get("hops_bound"));
    }

    @Test
    void shouldLoseNothingUnderFaultsForRandomSeeds()
    {
        final long swarmSeed = System.nanoTime();
        final SplittableRandom seeds = new SplittableRandom(swarmSeed);
        for (int run = 0; run < 8; run++)
        {
            final long seed = seeds.nextLong(1, Long.MAX_VALUE);
            final Outcome outcome = new Simulation(new SimConfig().members(600).seconds(40).seed(seed).drainSeconds(15)
                .faults("down=2%,crash=5%@3-15+4,partition=30%@8+10,slow=1%,forge=2@4")).run();

            assertThat(outcome.violations).as("swarm seed " + swarmSeed + ", " + replay(outcome)).isEmpty();
        }
    }

    @Test
    void shouldCloseNoLinkBetweenLiveMembersWhenOneMemberDiesUnderLoad()
    {
        final Outcome outcome = new Simulation(new SimConfig().members(3_000).seconds(20).seed(3)
            .load(200, 32, 1024).faults("kill=1@8")).progress(System.err).run();

        assertThat(outcome.violations).as(replay(outcome)).isEmpty();
        assertThat((Map<?, ?>)outcome.figures.get("link_closes_between_live_members")).isEmpty();
    }

    private static String replay(final Outcome outcome)
    {
        return "seed " + outcome.figures.get("seed") + ", replay: " + outcome.figures.get("replay");
    }
}
