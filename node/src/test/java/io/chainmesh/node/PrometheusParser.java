package io.chainmesh.node;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict test-side parser of the Prometheus text exposition format: every line is a HELP, a TYPE or a
 * sample {@code name{labels} value}; names match {@code [a-zA-Z_:][a-zA-Z0-9_:]*}; a family's TYPE comes
 * before its samples (a histogram's {@code _bucket}, {@code _count} and {@code _sum} belong to it); no series
 * repeats; counters end in {@code _total}; a histogram's buckets never decrease and its {@code +Inf} bucket equals
 * its {@code _count}.
 */
final class PrometheusParser
{
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
    private static final Pattern HELP = Pattern.compile("^# HELP (" + NAME + ") .*$");
    private static final Pattern TYPE = Pattern.compile("^# TYPE (" + NAME + ") (counter|gauge|untyped|histogram|summary)$");
    private static final Pattern SAMPLE = Pattern.compile(
        "^(" + NAME + ")(\\{(?:" + LABEL + ")(?:," + LABEL + ")*\\})? (-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|NaN|[+-]Inf)$");
    private static final Pattern LE = Pattern.compile("(?:^\\{|,)le=\"([^\"]*)\"");

    record Result(int samples, Set<String> names)
    {
    }

    private PrometheusParser()
    {
    }

    static Result parse(final String text)
    {
        if (!text.endsWith("\n"))
        {
            throw new AssertionError("exposition must end with a newline");
        }
        final Map<String, String> types = new HashMap<>();
        final Set<String> series = new HashSet<>();
        final Map<String, double[]> histograms = new HashMap<>();
        int samples = 0;
        int lineNo = 0;
        for (final String line : text.split("\n", -1))
        {
            lineNo++;
            if (line.isEmpty())
            {
                continue;
            }
            final Matcher help = HELP.matcher(line);
            final Matcher type = TYPE.matcher(line);
            final Matcher sample = SAMPLE.matcher(line);
            if (help.matches())
            {
                continue;
            }
            if (type.matches())
            {
                if (null != types.put(type.group(1), type.group(2)))
                {
                    throw new AssertionError("line " + lineNo + ": second TYPE for " + type.group(1));
                }
                continue;
            }
            if (!sample.matches())
            {
                throw new AssertionError("line " + lineNo + " is not a valid sample: " + line);
            }
            final String name = sample.group(1);
            final String family = familyOf(name, types);
            if (null == family)
            {
                throw new AssertionError("line " + lineNo + ": sample " + name + " before its TYPE");
            }
            if ("counter".equals(types.get(name)) && !name.endsWith("_total"))
            {
                throw new AssertionError("line " + lineNo + ": counter " + name + " does not end in _total");
            }
            if ("histogram".equals(types.get(family)))
            {
                checkHistogram(lineNo, name, family, sample.group(2), Double.parseDouble(sample.group(3)), histograms);
            }
            if (!series.add(name + (null == sample.group(2) ? "" : sample.group(2))))
            {
                throw new AssertionError("line " + lineNo + ": duplicate series " + line);
            }
            samples++;
        }
        return new Result(samples, types.keySet());
    }

    private static String familyOf(final String name, final Map<String, String> types)
    {
        if (types.containsKey(name))
        {
            return name;
        }
        for (final String suffix : new String[] {"_bucket", "_count", "_sum"})
        {
            if (name.endsWith(suffix))
            {
                final String base = name.substring(0, name.length() - suffix.length());
                final String type = types.get(base);
                if ("histogram".equals(type) || "summary".equals(type))
                {
                    return base;
                }
            }
        }
        return null;
    }

    /** Per histogram series (its labels without le): last bucket count, +Inf count. */
    private static void checkHistogram(
        final int lineNo, final String name, final String family, final String labels, final double value,
        final Map<String, double[]> histograms)
    {
        final String others = (null == labels ? "" : labels).replaceAll("le=\"[^\"]*\"", "")
            .replaceAll("[{}]", "").replaceAll("^,|,$", "").replace(",,", ",");
        final double[] state = histograms.computeIfAbsent(family + "{" + others + "}", f -> new double[] {0, -1});
        if (name.endsWith("_bucket"))
        {
            final Matcher le = LE.matcher(null == labels ? "" : labels);
            if (!le.find())
            {
                throw new AssertionError("line " + lineNo + ": bucket of " + family + " without le");
            }
            if (value < state[0])
            {
                throw new AssertionError("line " + lineNo + ": bucket of " + family + " decreases: " + value);
            }
            state[0] = value;
            if ("+Inf".equals(le.group(1)))
            {
                state[1] = value;
            }
        }
        else if (name.endsWith("_count") && value != state[1])
        {
            throw new AssertionError("line " + lineNo + ": " + name + " " + value + " differs from the +Inf bucket " + state[1]);
        }
    }
}
