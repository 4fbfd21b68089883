package io.chainmesh.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A run's figures as JSON and as a Markdown summary. */
final class Reports
{
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Reports()
    {
    }

    static String json(final Outcome outcome)
    {
        final Map<String, Object> all = new LinkedHashMap<>(outcome.figures);
        all.put("passed", outcome.passed());
        all.put("violation_examples", outcome.violations);
        try
        {
            return JSON.writeValueAsString(all);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static String markdown(final String title, final Outcome outcome, final List<Path> charts)
    {
        final StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
        if (!charts.isEmpty())
        {
            md.append("Charts:");
            for (final Path chart : charts)
            {
                final String name = chart.getFileName().toString();
                md.append(" [").append(name.substring(name.lastIndexOf('-') + 1, name.length() - 4)).append("](")
                    .append(name).append(')');
            }
            md.append(".\n\n");
        }
        md.append("Verdict: **").append(outcome.passed() ? "passed" : "FAILED").append("** (")
            .append(outcome.figures.get("violations")).append(" invariant violations).\n\n");
        md.append("| figure | value |\n| --- | --- |\n");
        for (final Map.Entry<String, Object> e : outcome.figures.entrySet())
        {
            md.append("| ").append(e.getKey()).append(" | `").append(e.getValue()).append("` |\n");
        }
        if (!outcome.violations.isEmpty())
        {
            md.append("\nViolations (first ones):\n\n");
            for (final String v : outcome.violations)
            {
                md.append("- ").append(v).append('\n');
            }
        }
        return md.toString();
    }
}
