package io.chainmesh.sim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lying peers cannot make a member skip what honest peers retain. A member that restarts from nothing asks where
 * each origin's stream starts; a byzantine peer answers every WANT with "all of it is gone". One such answer
 * used to set where history starts (seed 9 lost batch 37 at member 270, restarted from nothing at 9.4 s); now a
 * floor needs a second, independent peer (or the origin's own word, or no other answer in time), and a gap two
 * peers call gone while a third says it holds it is asked of that third. 15 liars among 300 members, 30 of them
 * restarting. Replay: {@code sim/run.sh --members 300 --seconds 30 --drain 10 --seed 9
 * --faults crash=10%@4-12+3,lie=15,forge=3@3}.
 */
class LyingHistoryFloorTest
{
    @Test
    void shouldNotLetOneLyingPeerSetARestartedMembersHistoryFloor()
    {
        final Outcome outcome = new Simulation(new SimConfig().members(300).seconds(30).drainSeconds(10).seed(9)
            .faults("crash=10%@4-12+3,lie=15,forge=3@3")).run();

        assertThat(outcome.violations).isEmpty();
    }
}
