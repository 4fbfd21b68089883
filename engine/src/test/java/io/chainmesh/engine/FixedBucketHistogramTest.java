package io.chainmesh.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FixedBucketHistogramTest
{
    @Test
    void shouldCountEachValueInTheFirstBucketWhoseBoundHoldsIt()
    {
        final FixedBucketHistogram histogram = new FixedBucketHistogram(1, 10, 100);

        histogram.record(0);
        histogram.record(1);
        histogram.record(2);
        histogram.record(10);
        histogram.record(11, 3);
        histogram.record(101);
        histogram.record(Long.MAX_VALUE / 8);

        assertThat(histogram.bucketCount()).isEqualTo(4);
        assertThat(new long[] {histogram.count(0), histogram.count(1), histogram.count(2), histogram.count(3)})
            .containsExactly(2, 2, 3, 2);
        assertThat(histogram.totalCount()).isEqualTo(9);
        assertThat(histogram.sum()).isEqualTo(0 + 1 + 2 + 10 + 33 + 101 + Long.MAX_VALUE / 8);
        assertThat(histogram.upperBound(2)).isEqualTo(100);
    }

    @Test
    void shouldRejectBoundsThatAreEmptyOrNotIncreasing()
    {
        assertThatThrownBy(FixedBucketHistogram::new).hasMessageContaining("upperBounds is empty");
        assertThatThrownBy(() -> new FixedBucketHistogram(1, 5, 5))
            .hasMessageContaining("upperBounds=[1, 5, 5] must be strictly increasing (index 2)");
    }

    @Test
    void shouldKeepItsOwnCopyOfTheBounds()
    {
        final long[] bounds = {1, 2};
        final FixedBucketHistogram histogram = new FixedBucketHistogram(bounds);
        bounds[0] = 50;

        histogram.record(1);

        assertThat(histogram.count(0)).isEqualTo(1);
        assertThat(histogram.upperBound(0)).isEqualTo(1);
    }
}
