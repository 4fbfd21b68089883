package io.chainmesh.sim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three byzantine members each ask their neighbours for everything retained, 100 times a second, for 6 s. A WANT of
 * ~100 bytes names every retained frame; a member serves a peer only above the contiguous mark that peer's own digest
 * vouches for, and at most that peer's repair allowance (what it retains, earned back at twice what it commits), so
 * the flood cannot take the same retention again and again. Delivery stays at 100 %. The bound asserted is what one
 * answer per neighbour would cost: each honest member sends a flooder its retention once. Replay: {@code sim/run.sh
 * --members 300 --seconds 8 --seed 5 --faults flood=3@2/100}.
 */
class FloodedRepairTest
{
    private static final int FLOODERS = 3;
    /** Links of a member in a 300-member overlay: 2 successors, fingers each way, inbound ones: fewer than this. */
    private static final int LINKS_PER_MEMBER_AT_MOST = 40;

    @Test
    void shouldNotLetAMemberThatFloodsWantsTakeTheSameRetentionAgainAndAgain()
    {
        final SimConfig config = new SimConfig().members(300).seconds(8).seed(5).faults("flood=" + FLOODERS + "@2/100");
        final Outcome outcome = new Simulation(config).run();

        assertThat(outcome.figures.get("delivery_percent")).isEqualTo(100.0);
        assertThat(ByzantineTest.byzantine(outcome).get("repair_bytes_to_flooders"))
            .isLessThanOrEqualTo((long)FLOODERS * LINKS_PER_MEMBER_AT_MOST * config.retentionBytes());
    }
}
