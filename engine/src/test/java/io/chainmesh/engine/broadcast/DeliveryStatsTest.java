package io.chainmesh.engine.broadcast;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryStatsTest
{
    @Test
    void shouldCountEveryMessageOfABatchAtItsAge()
    {
        final DeliveryStats stats = new DeliveryStats();

        stats.onCommit(7, 0, 10, 1_000, 1_003, 0, 0);
        stats.onCommit(7, 1, 5, 1_000, 1_400, 1, 1);

        // 3 ms falls in the (2, 3] bucket, 400 ms in (300, 500].
        assertThat(stats.ageMillis().count(2)).isEqualTo(10);
        assertThat(stats.ageMillis().count(15)).isEqualTo(5);
        assertThat(stats.ageMillis().totalCount()).isEqualTo(15);
        assertThat(stats.ageMillis().sum()).isEqualTo(10 * 3 + 5 * 400);
    }

    @Test
    void shouldFollowEachOriginsProgressAndGap()
    {
        final DeliveryStats stats = new DeliveryStats();

        stats.onCommit(7, 0, 2, 1_000, 1_010, 0, 0);
        stats.onCommit(9, 4, 1, 1_000, 1_020, 4, 4);
        stats.onCommit(7, 3, 2, 1_050, 1_060, 3, 0);
        // A repair below the highest fills part of the gap: the newest batch's age stays.
        stats.onCommit(7, 1, 2, 1_000, 1_090, 3, 1);

        assertThat(stats.origins()).containsExactly(
            new DeliveryStats.Origin(7, 3, 6, 3, 2, 10, 1_060),
            new DeliveryStats.Origin(9, 1, 1, 4, 0, 20, 1_020));
    }

    @Test
    void shouldNotCountAClockAheadOfOursAsNegativeAge()
    {
        final DeliveryStats stats = new DeliveryStats();

        stats.onCommit(7, 0, 1, 2_000, 1_000, 0, 0);

        assertThat(stats.ageMillis().count(0)).isEqualTo(1);
        assertThat(stats.origins().get(0).lastAgeMillis()).isZero();
    }
}
