package io.chainmesh.sim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultPlanTest
{
    @Test
    void shouldParseEveryFault()
    {
        final FaultPlan plan = FaultPlan.parse("down=2%,crash=5%@10-40+5,partition=30%@20+60,slow=1%,kill=1@20," +
            "forge=3@5,lie=4,churn=0.5%@20+1.5,narrow=6,flood=2@3/50,replay=7@4,quit=1");

        assertThat(plan).isEqualTo(new FaultPlan(0.02, 0.05, 10, 40, 5, 0.30, 20, 60, 0.01, 1, 20, 3, 5, 4,
            0.005, 20, 1.5, 6, 2, 3, 50, 7, 4, 1));
        assertThat(FaultPlan.parse("")).isEqualTo(FaultPlan.NONE);
        assertThat(FaultPlan.NONE.churns()).isFalse();
    }

    @Test
    void shouldTakeFluxBlockTimeAndDefaultSkewAndFloodRateWhenNotGiven()
    {
        final FaultPlan plan = FaultPlan.parse("churn=1%,flood=1@2");

        assertThat(plan.churns()).isTrue();
        assertThat(plan.blockSeconds()).isEqualTo(FaultPlan.DEFAULT_BLOCK_SECONDS);
        assertThat(plan.skewSeconds()).isEqualTo(FaultPlan.DEFAULT_SKEW_SECONDS);
        assertThat(plan.floodPerSecond()).isEqualTo(FaultPlan.DEFAULT_FLOOD_PER_SECOND);
    }

    @Test
    void shouldNameTheFaultThatDoesNotParse()
    {
        assertThatThrownBy(() -> FaultPlan.parse("down=2%,crash=5%"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crash=5%");
        assertThatThrownBy(() -> FaultPlan.parse("melt=1"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown fault 'melt'");
        assertThatThrownBy(() -> FaultPlan.parse("down=80%")).hasMessageContaining("[0%, 50%]");
        assertThatThrownBy(() -> FaultPlan.parse("churn=1%@10+10")).hasMessageContaining("block time");
        assertThatThrownBy(() -> FaultPlan.parse("churn=1%@0")).hasMessageContaining("positive");
        assertThatThrownBy(() -> FaultPlan.parse("flood=1@2/-3")).hasMessageContaining("positive");
        assertThatThrownBy(() -> FaultPlan.parse("narrow=-1")).hasMessageContaining(">= 0");
    }
}
