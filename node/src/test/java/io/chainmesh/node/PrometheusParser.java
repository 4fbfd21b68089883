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
 * before its samples; no series repeats.
 */
final class PrometheusParser
{
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
    private static final Pattern HELP = Pattern.compile("^# HELP (" + NAME + ") .*$");
    private static final Pattern TYPE = Pattern.compile("^# TYPE (" + NAME + ") (counter|gauge|untyped|histogram|summary)$");
    private static final Pattern SAMPLE = Pattern.compile(
        "^(" + NAME + ")(\\{(?:" + LABEL + ")(?:," + LABEL + ")*\\})? (-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)$");

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
            final String family = types.containsKey(name) ? name : null;
            if (null == family)
            {
                throw new AssertionError("line " + lineNo + ": sample " + name + " before its TYPE");
            }
            if ("counter".equals(types.get(name)) && !name.endsWith("_total"))
            {
                throw new AssertionError("line " + lineNo + ": counter " + name + " does not end in _total");
            }
            if (!series.add(name + (null == sample.group(2) ? "" : sample.group(2))))
            {
                throw new AssertionError("line " + lineNo + ": duplicate series " + line);
            }
            samples++;
        }
        return new Result(samples, types.keySet());
    }
}
