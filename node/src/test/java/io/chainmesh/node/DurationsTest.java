package io.chainmesh.node;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest
{
    @Test
    void parsesEveryUnitAndBareNumbersInTheOptionsUnit()
    {
        assertThat(Durations.parse("500ms", "s")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("5s", "ms")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.parse("2m", "s")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1.5h", "s")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("1d", "s")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.parse("250us", "s")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(Durations.parse("250µs", "s")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(Durations.parse("7ns", "s")).isEqualTo(Duration.ofNanos(7));
        assertThat(Durations.parse("10 S", "ms")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("2.5", "s")).isEqualTo(Duration.ofMillis(2500));
        assertThat(Durations.parse("20", "ms")).isEqualTo(Duration.ofMillis(20));
        assertThat(Durations.parse("0", "s")).isEqualTo(Duration.ZERO);
    }

    @Test
    void refusesWhatIsNotADuration()
    {
        for (final String bad : new String[] {"", "s", "-1", "-1s", "5x", "5 sec", "1e3", "1,5s", "NaN", "5s5", "0x10"})
        {
            assertThatThrownBy(() -> Durations.parse(bad, "s")).as(bad)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a duration");
        }
        assertThatThrownBy(() -> Durations.parse("366d", "s")).hasMessageContaining("longer than 365 days");
        assertThatThrownBy(() -> Durations.parse("9".repeat(40), "s")).hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> Durations.parse(null, "s")).hasMessageContaining("is not a duration");
    }

    @Test
    void printsThreeSignificantDigitsInTheLargestFittingUnit()
    {
        assertThat(Durations.human(0)).isEqualTo("0");
        assertThat(Durations.human(950)).isEqualTo("950 ns");
        assertThat(Durations.human(1_500)).isEqualTo("1.50 µs");
        assertThat(Durations.human(830_000)).isEqualTo("830 µs");
        assertThat(Durations.human(12_500_000)).isEqualTo("12.5 ms");
        assertThat(Durations.human(1_244_660_000)).isEqualTo("1.24 s");
        assertThat(Durations.human(999_600)).isEqualTo("1000 µs");
        assertThat(Durations.human(125_000_000_000L)).isEqualTo("2 m 05 s");
        assertThat(Durations.human(Double.NaN)).isEqualTo("-");
    }

    @Test
    void devnetAcceptsUnitsAndNamesTheOptionOfABadOne()
    {
        final StringWriter err = new StringWriter();
        final int code = ChainmeshCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err))
            .execute("devnet", "--duration", "5 minutes");
        assertThat(code).isEqualTo(ChainmeshCli.EXIT_USAGE);
        assertThat(err.toString()).contains("Invalid value for option '--duration': '5 minutes' is not a duration: " +
            "a number with a unit (500ms, 5s, 2m, 1h; ns, us, ms, s, m, h, d), or a bare number of seconds");

        final DevnetCommand command = new DevnetCommand();
        new picocli.CommandLine(command).parseArgs("--duration", "1m", "--warmup", "500ms", "--linger", "2ms");
        assertThat(command.duration).isEqualTo(Duration.ofMinutes(1));
        assertThat(command.warmup).isEqualTo(Duration.ofMillis(500));
        assertThat(command.linger).isEqualTo(Duration.ofMillis(2));
        new picocli.CommandLine(command).parseArgs("--linger-ms", "5");
        assertThat(command.linger).isEqualTo(Duration.ofMillis(5));
    }
}
