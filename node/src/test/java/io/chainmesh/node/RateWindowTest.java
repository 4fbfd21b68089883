package io.chainmesh.node;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Sliding-window rates: independent of how often they are read, limited to the window. */
class RateWindowTest
{
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    @Test
    void shouldGiveTheSameRateWhetherReadOftenOrRarely()
    {
        final RateWindow window = new RateWindow(1, 10 * S, S, 0);
        for (int t = 1; t <= 5; t++)
        {
            window.sample(t * S, new long[] {100L * t});
        }

        // Read twice in quick succession: a between-calls rate would be 0 or wild the second time.
        assertThat(window.rates(5 * S + S / 2, new long[] {550})[0]).isCloseTo(100.0, within(0.01));
        assertThat(window.rates(5 * S + S / 2 + 1_000, new long[] {550})[0]).isCloseTo(100.0, within(0.01));
    }

    @Test
    void shouldForgetWhatHappenedBeforeTheWindow()
    {
        final RateWindow window = new RateWindow(2, 10 * S, S, 0);
        // A burst of 1,000,000 in the first second, then a steady 10/s on the first total, nothing on the second.
        window.sample(S, new long[] {1_000_000, 7});
        for (int t = 2; t <= 30; t++)
        {
            window.sample(t * S, new long[] {1_000_000 + 10L * (t - 1), 7});
        }

        final double[] rates = window.rates(30 * S, new long[] {1_000_000 + 290, 7});

        assertThat(rates[0]).isCloseTo(10.0, within(0.01));
        assertThat(rates[1]).isZero();
    }

    @Test
    void shouldSampleAtMostOncePerInterval()
    {
        final RateWindow window = new RateWindow(1, 2 * S, S, 0);
        window.sample(S, new long[] {10});
        // Too soon after the last sample: ignored, so it cannot push the window's oldest sample out early.
        window.sample(S + 1, new long[] {1_000});
        window.sample(2 * S, new long[] {20});

        assertThat(window.rates(3 * S, new long[] {30})[0]).isCloseTo(10.0, within(0.01));
    }

    @Test
    void shouldUseTimeSinceStartWhileYoungerThanTheWindow()
    {
        final RateWindow window = new RateWindow(1, 10 * S, S, 0);

        assertThat(window.rates(2 * S, new long[] {50})[0]).isCloseTo(25.0, within(0.01));
    }

    @Test
    void shouldRejectTotalsOfTheWrongWidth()
    {
        final RateWindow window = new RateWindow(2, 10 * S, S, 0);

        assertThatThrownBy(() -> window.rates(S, new long[] {1})).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("must have 2 values");
    }
}
