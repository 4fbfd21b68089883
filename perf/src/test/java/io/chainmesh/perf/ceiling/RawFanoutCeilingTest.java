package io.chainmesh.perf.ceiling;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Both ceilings really fan out over sockets on 127.0.0.1: every published message reaches every other node once. */
class RawFanoutCeilingTest
{
    private static final int NODES = 5;

    @ParameterizedTest
    @EnumSource(RawFanoutCeiling.Work.class)
    void shouldDeliverEveryPublishedMessageToEveryOtherNodeOnce(final RawFanoutCeiling.Work work) throws Exception
    {
        final RawFanoutCeiling.Result result = RawFanoutCeiling.run(NODES, 64, 12, 0.4, 120, work);

        assertThat(result.work()).isEqualTo(work);
        assertThat(result.refused()).isZero();
        assertThat(result.published()).isPositive().isEqualTo(result.published() / 12 * 12);
        assertThat(result.delivered()).isEqualTo(result.published() * (NODES - 1));
        assertThat(result.latencyP99Ms()).isPositive();
        assertThat(result.bytesOnWirePerDelivered()).isGreaterThan(64);
    }

    @Test
    void shouldRefuseASignedShapeThatCannotCarryItsSendTimeOrFitAFrame()
    {
        assertThatThrownBy(() -> RawFanoutCeiling.run(NODES, 4, 12, 0.1, 120, RawFanoutCeiling.Work.SIGNED_SEALED))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8-byte send time");
        assertThatThrownBy(() -> RawFanoutCeiling.run(NODES, 1024, 65_535, 0.1, 120, RawFanoutCeiling.Work.SIGNED_SEALED))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must fit");
    }
}
