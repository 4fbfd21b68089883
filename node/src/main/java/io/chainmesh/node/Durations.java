package io.chainmesh.node;

import picocli.CommandLine;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations on the command line ({@code 500ms}, {@code 5s}, {@code 2m}, {@code 1.5h}; a bare number is in the
 * option's own unit) and durations printed for people ({@code 830 µs}, {@code 12.5 ms}, {@code 1.24 s}).
 */
final class Durations
{
    /** Longest duration an option accepts: far beyond any run, far below overflow of nanoseconds. */
    static final Duration MAX = Duration.ofDays(365);

    private static final Pattern TEXT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|µs|ms|s|m|h|d)?");

    private Durations()
    {
    }

    /**
     * @param text        e.g. {@code 250ms}, {@code 5s}, {@code 2m}, {@code 0.5}.
     * @param defaultUnit the unit of a bare number ({@code s} or {@code ms}).
     * @return the duration, rounded to the nanosecond.
     * @throws IllegalArgumentException if the text is not a non-negative number with one of the units
     *                                  ns, us, µs, ms, s, m, h, d, or is longer than {@link #MAX}.
     */
    static Duration parse(final String text, final String defaultUnit)
    {
        final Matcher m = TEXT.matcher(null == text ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (null == text || text.length() > 32 || !m.matches())
        {
            throw new IllegalArgumentException("'" + text + "' is not a duration: a number with a unit " +
                "(500ms, 5s, 2m, 1h; ns, us, ms, s, m, h, d), or a bare number of " + unitName(defaultUnit));
        }
        final String unit = null == m.group(2) ? defaultUnit : m.group(2);
        final double nanosPerUnit = switch (unit)
        {
            case "ns" -> 1;
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            case "d" -> 86400e9;
            default -> throw new IllegalStateException(unit);
        };
        final double nanos = Double.parseDouble(m.group(1)) * nanosPerUnit;
        if (nanos > MAX.toNanos())
        {
            throw new IllegalArgumentException("'" + text + "' is longer than " + MAX.toDays() + " days");
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    /**
     * @param nanos a duration in nanoseconds (e.g. a latency).
     * @return three significant digits in the largest unit under which it is at least 1: {@code 950 ns},
     *         {@code 830 µs}, {@code 12.5 ms}, {@code 1.24 s}; minutes and more as {@code 2 m 05 s}.
     */
    static String human(final double nanos)
    {
        if (Double.isNaN(nanos))
        {
            return "-";
        }
        if (0 == nanos)
        {
            return "0";
        }
        final double abs = Math.abs(nanos);
        if (abs < 1e3)
        {
            return threeDigits(nanos) + " ns";
        }
        if (abs < 1e6)
        {
            return threeDigits(nanos / 1e3) + " µs";
        }
        if (abs < 1e9)
        {
            return threeDigits(nanos / 1e6) + " ms";
        }
        if (abs < 60e9)
        {
            return threeDigits(nanos / 1e9) + " s";
        }
        final long seconds = Math.round(nanos / 1e9);
        return seconds / 60 + " m " + String.format(Locale.ROOT, "%02d", seconds % 60) + " s";
    }

    private static String threeDigits(final double value)
    {
        final double abs = Math.abs(value);
        // Round first, so 999.6 prints as "1000", never as "999.6" or "1e3".
        final String pattern = abs >= 99.95 ? "%.0f" : abs >= 9.995 ? "%.1f" : "%.2f";
        return String.format(Locale.ROOT, pattern, value);
    }

    private static Duration convertWith(final String value, final String defaultUnit)
    {
        try
        {
            return parse(value, defaultUnit);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.TypeConversionException(ex.getMessage());
        }
    }

    private static String unitName(final String unit)
    {
        return "s".equals(unit) ? "seconds" : "ms".equals(unit) ? "milliseconds" : unit;
    }

    /** For options whose bare numbers are seconds. */
    static final class Seconds implements CommandLine.ITypeConverter<Duration>
    {
        @Override
        public Duration convert(final String value)
        {
            return convertWith(value, "s");
        }
    }

    /** For options whose bare numbers are milliseconds. */
    static final class Millis implements CommandLine.ITypeConverter<Duration>
    {
        @Override
        public Duration convert(final String value)
        {
            return convertWith(value, "ms");
        }
    }
}
