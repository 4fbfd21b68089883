package io.chainmesh.node.http;

import org.agrona.concurrent.status.CountersReader;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders every allocated counter of a {@link CountersReader} in the Prometheus text exposition format
 * (version 0.0.4).
 * <p>
 * Naming: a label {@code "closes sent NORMAL_SHUTDOWN"} becomes
 * {@code chainmesh_closes_sent_total{reason="NORMAL_SHUTDOWN"}}, {@code "connections CONNECTED"} becomes the
 * gauge {@code chainmesh_connections{state="CONNECTED"}}, a label {@code "broadcast forged batches: <id>"}
 * becomes {@code chainmesh_broadcast_forged_batches_total{node="<id>"}}; any other label is sanitised into a
 * name. Counters that are levels rather than totals (connections, rtt) are gauges without {@code _total}.
 * Two counters that would render the same series get a {@code counter_id} label so no sample is lost.
 * Called on the HTTP thread, never on the hot path.
 */
public final class PrometheusText
{
    /** Content type of the exposition format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final String[][] DIMENSIONS = {
        {"connections ", "state"},
        {"handshake failures ", "reason"},
        {"closes sent ", "reason"},
        {"closes received ", "reason"},
        {"direct refused ", "reason"},
    };

    private PrometheusText()
    {
    }

    /**
     * @param reader the counters.
     * @return the exposition text, one family per metric name with HELP and TYPE before its samples.
     */
    public static String render(final CountersReader reader)
    {
        final Map<String, Family> families = new LinkedHashMap<>();
        final Set<String> series = new HashSet<>();
        reader.forEach((value, counterId, label) ->
        {
            String base = label;
            String labelName = null;
            String labelValue = null;
            final int colon = label.indexOf(": ");
            if (colon > 0)
            {
                base = label.substring(0, colon);
                labelName = "node";
                labelValue = label.substring(colon + 2);
            }
            else
            {
                for (final String[] dimension : DIMENSIONS)
                {
                    if (label.startsWith(dimension[0]) && label.length() > dimension[0].length())
                    {
                        base = dimension[0].trim();
                        labelName = dimension[1];
                        labelValue = label.substring(dimension[0].length());
                        break;
                    }
                }
            }
            final boolean gauge = base.startsWith("connections") || base.startsWith("rtt ");
            final String name = "chainmesh_" + sanitise(base) + (gauge ? "" : "_total");
            final String help = base;
            final Family family = families.computeIfAbsent(name, n -> new Family(n, help, gauge));
            final StringBuilder labels = new StringBuilder();
            if (null != labelName)
            {
                labels.append(labelName).append("=\"").append(escape(labelValue)).append('"');
            }
            if (!series.add(name + "{" + labels + "}"))
            {
                labels.append(labels.length() > 0 ? "," : "").append("counter_id=\"").append(counterId).append('"');
            }
            family.samples.add(name + (labels.length() > 0 ? "{" + labels + "}" : "") + " " + value);
        });
        final StringBuilder out = new StringBuilder(4096);
        for (final Family family : families.values())
        {
            out.append("# HELP ").append(family.name).append(' ').append("chainmesh ").append(family.help).append('\n');
            out.append("# TYPE ").append(family.name).append(' ').append(family.gauge ? "gauge" : "counter").append('\n');
            for (final String sample : family.samples)
            {
                out.append(sample).append('\n');
            }
        }
        return out.toString();
    }

    static String sanitise(final String text)
    {
        final StringBuilder sb = new StringBuilder(text.length());
        boolean underscore = false;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = Character.toLowerCase(text.charAt(i));
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            {
                sb.append(c);
                underscore = false;
            }
            else if (!underscore && sb.length() > 0)
            {
                sb.append('_');
                underscore = true;
            }
        }
        while (sb.length() > 0 && sb.charAt(sb.length() - 1) == '_')
        {
            sb.setLength(sb.length() - 1);
        }
        return sb.length() == 0 ? "unnamed" : sb.toString();
    }

    private static String escape(final String value)
    {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static final class Family
    {
        final String name;
        final String help;
        final boolean gauge;
        final List<String> samples = new ArrayList<>();

        Family(final String name, final String help, final boolean gauge)
        {
            this.name = name;
            this.help = help.replace("\\", "\\\\").replace("\n", "\\n");
            this.gauge = gauge;
        }
    }
}
