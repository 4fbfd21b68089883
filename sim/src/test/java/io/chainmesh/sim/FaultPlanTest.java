package io.chainmesh.sim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultPlanTest
{
    @Test
    void shouldParseEveryFault()
    {
        final FaultPlan plan = FaultPlan.parse("down=2%,crash=5%@10-40+5,partition=30%@20+60,slow=1%,kill=1@20,forge=3@5,lie=4");

        assertThat(plan).isEqualTo(new FaultPlan(0.02, 0.05, 10, 40, 5, 0.30, 20, 60, 0.01, 1, 20, 3, 5, 4));
        assertThat(FaultPlan.parse("")).isEqualTo(FaultPlan.NONE);
    }

    @Test
    void shouldNameTheFaultThatDoesNotParse()
    {
        assertThatThrownBy(() -> FaultPlan.parse("down=2%,crash=5%"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crash=5%");
        assertThatThrownBy(() -> FaultPlan.parse("flood=1"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown fault 'flood'");
        assertThatThrownBy(() -> FaultPlan.parse("down=80%")).hasMessageContaining("[0%, 50%]");
    }
}
