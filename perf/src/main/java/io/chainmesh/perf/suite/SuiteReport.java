package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a suite result (the JSON {@link PerfSuite} writes) into the headline ratios and a Markdown report with
 * the charts of {@link SuiteCharts}. Runs on its own too, to re-render a committed result:
 * {@code java ... io.chainmesh.perf.suite.SuiteReport perf/results/2026-12-01-suite.json}.
 */
public final class SuiteReport
{
    /** Parts this class draws tables for; any other part is listed as JSON. */
    private static final Set<String> KNOWN_PARTS = Set.of("pointToPoint", "broadcast", "sideBySide", "scaling", "jmh",
        CapacityPart.NAME);
    /** Goals from the issues: point to point vs the raw Netty ceiling; signed broadcast vs FluxOS-style; AES-GCM vs plaintext. */
    static final double P2P_GOAL = 0.8;
    static final double BROADCAST_GOAL = 1000;
    static final double ENCRYPTION_GOAL = 0.7;
    /** Goals against js-libp2p gossipsub and the raw fan-out ceiling. */
    static final double GOSSIPSUB_RATE_GOAL = 100;
    static final double GOSSIPSUB_BYTES_GOAL = 0.1;
    static final double CEILING_GOAL = 0.5;

    private SuiteReport()
    {
    }

    /**
     * Re-renders the report and charts of a result file next to it.
     *
     * @param args the result JSON.
     * @throws IOException if it cannot be read or the report written.
     */
    public static void main(final String[] args) throws IOException
    {
        final Path json = Path.of(args[0]);
        final ObjectNode root = (ObjectNode)new ObjectMapper().readTree(json.toFile());
        final String stem = json.getFileName().toString().replaceFirst("\\.json$", "");
        System.out.println(write(root, json.toAbsolutePath().getParent(), stem));
    }

    /**
     * The claims the issue asks the report to lead with, as rows {claim, chainmesh, baseline, ratio, goal, met}.
     *
     * @param mapper for the nodes.
     * @param root   the suite result.
     * @return the rows, possibly empty when parts are missing.
     */
    static ArrayNode headline(final ObjectMapper mapper, final JsonNode root)
    {
        final ArrayNode rows = mapper.createArrayNode();
        for (final JsonNode size : root.path("parts").path("pointToPoint").path("sizes"))
        {
            final String label = SuiteCharts.sizeLabel(size.path("payloadBytes").asInt());
            final double engine = size.path("chainmesh").path("msgsPerSec").asDouble();
            final double raw = size.path("rawNetty").path("msgsPerSec").asDouble();
            row(rows, "point-to-point throughput, " + label + ": chainmesh / raw Netty ceiling", engine, raw,
                "msgs/s", engine / raw, "≥ " + P2P_GOAL + "×", engine / raw >= P2P_GOAL);
        }
        for (final JsonNode size : root.path("parts").path("pointToPoint").path("sizes"))
        {
            final String label = SuiteCharts.sizeLabel(size.path("payloadBytes").asInt());
            final double engine = size.path("chainmesh").path("rttMicros").path("p99").asDouble();
            final double raw = size.path("rawNetty").path("rttMicros").path("p99").asDouble();
            final double aeron = size.path("aeron").path("rttMicros").path("p99").asDouble();
            row(rows, "RTT p99, " + label + ": chainmesh / raw Netty (lower is better)", engine, raw, "µs", engine / raw,
                "", null);
            row(rows, "RTT p99, " + label + ": chainmesh / Aeron (lower is better)", engine, aeron, "µs", engine / aeron,
                "", null);
        }
        for (final String payload : new String[] {"64", "16384"})
        {
            final JsonNode sizes = root.path("parts").path("encryption").path("payloads").path(payload);
            if (sizes.has("PLAINTEXT") && sizes.has("AES_GCM"))
            {
                final String label = SuiteCharts.sizeLabel(Integer.parseInt(payload));
                final double sealed = sizes.path("AES_GCM").path("throughputMsgsPerSec").asDouble();
                final double plain = sizes.path("PLAINTEXT").path("throughputMsgsPerSec").asDouble();
                final boolean goal = "64".equals(payload);
                row(rows, "point-to-point throughput, " + label + ": AES-GCM records / plaintext", sealed, plain,
                    "msgs/s", sealed / plain, goal ? "≥ " + ENCRYPTION_GOAL + "×" : "", goal ? sealed / plain >= ENCRYPTION_GOAL : null);
                final double sealedP99 = sizes.path("AES_GCM").path("rttP99Micros").asDouble();
                final double plainP99 = sizes.path("PLAINTEXT").path("rttP99Micros").asDouble();
                row(rows, "RTT p99, " + label + ": AES-GCM records / plaintext (lower is better)", sealedP99, plainP99,
                    "µs", sealedP99 / plainP99, "", null);
            }
        }
        final JsonNode runs = root.path("parts").path("broadcast").path("runs");
        if (runs.has("tree") && runs.has("fluxos"))
        {
            final double tree = runs.path("tree").path("deliveredPerNodePerSecond").asDouble();
            final double fluxos = runs.path("fluxos").path("deliveredPerNodePerSecond").asDouble();
            row(rows, "signed broadcast, " + runs.path("tree").path("nodes").asInt() +
                " nodes, delivered msgs/s per node: chainmesh tree / FluxOS-style", tree, fluxos, "msgs/s",
                tree / fluxos, "≥ " + (long)BROADCAST_GOAL + "×", tree / fluxos >= BROADCAST_GOAL);
        }
        if (runs.has("tree") && runs.has("perMessageSignature"))
        {
            final double tree = runs.path("tree").path("deliveredPerNodePerSecond").asDouble();
            final double single = runs.path("perMessageSignature").path("deliveredPerNodePerSecond").asDouble();
            row(rows, "signed broadcast: chainmesh tree / chainmesh one signature per message", tree, single, "msgs/s",
                tree / single, "", null);
        }
        if (runs.has("tree") && runs.has("flood"))
        {
            final double tree = runs.path("tree").path("bytesOnWirePerDelivered").asDouble();
            final double flood = runs.path("flood").path("bytesOnWirePerDelivered").asDouble();
            row(rows, "bytes on the wire per delivered message: chainmesh tree / chainmesh flood (lower is better)",
                tree, flood, "B", tree / flood, "", null);
        }
        if (runs.has("tree") && runs.has("fluxos"))
        {
            final double tree = runs.path("tree").path("bytesOnWirePerDelivered").asDouble();
            final double fluxos = runs.path("fluxos").path("bytesOnWirePerDelivered").asDouble();
            row(rows, "bytes on the wire per delivered message: chainmesh tree / FluxOS-style (lower is better)",
                tree, fluxos, "B", tree / fluxos, "", null);
        }
        sideBySideHeadline(rows, root.path("parts").path("sideBySide").path("runs"));
        CapacityPart.headline(rows, root.path("parts").path(CapacityPart.NAME));
        return rows;
    }

    private static void sideBySideHeadline(final ArrayNode rows, final JsonNode runs)
    {
        final JsonNode tree = runs.path("tree");
        final String at = tree.path("nodes").asInt() + " nodes";
        final double treeRate = tree.path("deliveredPerNodePerSecond").asDouble();
        if (tree.isObject() && runs.has("gossipsub"))
        {
            final JsonNode gossipsub = runs.path("gossipsub");
            final double rate = gossipsub.path("deliveredPerNodePerSecond").asDouble();
            row(rows, "signed broadcast, " + at + ", delivered msgs/s per node: chainmesh tree / gossipsub", treeRate, rate,
                "msgs/s", treeRate / rate, "≥ " + (long)GOSSIPSUB_RATE_GOAL + "×", treeRate / rate >= GOSSIPSUB_RATE_GOAL);
            final double treeBytes = tree.path("bytesOnWirePerDelivered").asDouble();
            final double bytes = gossipsub.path("bytesOnWirePerDelivered").asDouble();
            row(rows, "bytes on the wire per delivered message: chainmesh tree / gossipsub (lower is better)", treeBytes,
                bytes, "B", treeBytes / bytes, "≤ " + GOSSIPSUB_BYTES_GOAL + "×", treeBytes / bytes <= GOSSIPSUB_BYTES_GOAL);
            final double treeDuplicates = tree.path("duplicatesPerMessage").asDouble();
            row(rows, "duplicate copies per delivered message: chainmesh tree / gossipsub", treeDuplicates,
                gossipsub.path("duplicatesPerMessage").asDouble(), "copies", treeDuplicates / gossipsub.path("duplicatesPerMessage")
                    .asDouble(), "chainmesh 0", treeDuplicates == 0);
        }
        if (runs.has("treeLightLoad") && runs.has("gossipsubLightLoad"))
        {
            final double treeP99 = runs.path("treeLightLoad").path("latencyP99Ms").asDouble();
            final double p99 = runs.path("gossipsubLightLoad").path("latencyP99Ms").asDouble();
            row(rows, "light load (" + runs.path("treeLightLoad").path("offeredRate").asLong() +
                " msgs/s offered), p99 publish → deliver: chainmesh tree / gossipsub (lower is better)", treeP99, p99, "ms",
                treeP99 / p99, "≤ 1×", treeP99 <= p99);
        }
        if (tree.isObject() && runs.has("ceiling"))
        {
            final double ceiling = runs.path("ceiling").path("deliveredPerNodePerSecond").asDouble();
            row(rows, "signed broadcast, " + at + ", delivered msgs/s per node: chainmesh tree / raw fan-out ceiling",
                treeRate, ceiling, "msgs/s", treeRate / ceiling, "≥ " + CEILING_GOAL + "×", treeRate / ceiling >= CEILING_GOAL);
        }
        if (tree.isObject() && runs.has("signedCeiling"))
        {
            final double ceiling = runs.path("signedCeiling").path("deliveredPerNodePerSecond").asDouble();
            row(rows, "signed broadcast, " + at + ", delivered msgs/s per node: chainmesh tree / signed fan-out ceiling " +
                "(the same signatures and AES-GCM records, no engine)", treeRate, ceiling, "msgs/s", treeRate / ceiling,
                "—", null);
        }
        if (tree.isObject() && runs.has("flood"))
        {
            final double flood = runs.path("flood").path("deliveredPerNodePerSecond").asDouble();
            row(rows, "signed broadcast, " + at + ", delivered msgs/s per node: chainmesh tree / chainmesh flood (same run)",
                treeRate, flood, "msgs/s", treeRate / flood, "≥ 1×", treeRate >= flood);
        }
        if (tree.isObject() && runs.has("fluxos"))
        {
            final double fluxos = runs.path("fluxos").path("deliveredPerNodePerSecond").asDouble();
            row(rows, "signed broadcast, " + at + " (side by side run), delivered msgs/s per node: chainmesh tree / " +
                "FluxOS-style", treeRate, fluxos, "msgs/s", treeRate / fluxos, "≥ " + (long)BROADCAST_GOAL + "×",
                treeRate / fluxos >= BROADCAST_GOAL);
        }
    }

    static void row(
        final ArrayNode rows, final String claim, final double chainmesh, final double baseline, final String unit,
        final double ratio, final String goal, final Boolean met)
    {
        final ObjectNode row = rows.addObject();
        row.put("claim", claim);
        row.put("chainmesh", chainmesh);
        row.put("baseline", baseline);
        row.put("unit", unit);
        row.put("ratio", Double.isFinite(ratio) ? Math.round(ratio * 1000) / 1000.0 : 0);
        row.put("goal", goal);
        if (null != met)
        {
            row.put("met", met);
        }
    }

    /**
     * Writes {@code <stem>.md} and its charts under {@code charts/}.
     *
     * @param root the suite result, with its {@code headline}.
     * @param dir  results directory.
     * @param stem file name stem, e.g. {@code 2026-12-01-suite}.
     * @return the Markdown.
     * @throws IOException if a file cannot be written.
     */
    static String write(final ObjectNode root, final Path dir, final String stem) throws IOException
    {
        if (!root.has("headline"))
        {
            root.set("headline", headline(new ObjectMapper(), root));
        }
        final List<Path> charts = SuiteCharts.write(root, dir.resolve("charts"), stem);
        final String markdown = markdown(root, dir, charts);
        Files.writeString(dir.resolve(stem + ".md"), markdown, StandardCharsets.UTF_8);
        return markdown;
    }

    /**
     * The headline table alone (for perf/README.md).
     *
     * @param root the suite result, with its {@code headline}.
     * @return Markdown table.
     */
    static String headlineTable(final JsonNode root)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("| claim | chainmesh | baseline | ratio | goal | met |\n| --- | ---: | ---: | ---: | --- | --- |\n");
        for (final JsonNode row : root.path("headline"))
        {
            final String unit = row.path("unit").asText();
            sb.append("| ").append(row.path("claim").asText())
                .append(" | ").append(number(row.path("chainmesh").asDouble())).append(' ').append(unit)
                .append(" | ").append(number(row.path("baseline").asDouble())).append(' ').append(unit)
                .append(" | ").append(String.format(Locale.ROOT, "%.3g×", row.path("ratio").asDouble()))
                .append(" | ").append(row.path("goal").asText())
                .append(" | ").append(row.has("met") ? (row.path("met").asBoolean() ? "yes" : "**no**") : "")
                .append(" |\n");
        }
        return sb.toString();
    }

    private static String markdown(final JsonNode root, final Path dir, final List<Path> charts)
    {
        final StringBuilder sb = new StringBuilder();
        final JsonNode machine = root.path("machine");
        sb.append("# chainmesh performance suite").append(root.path("quick").asBoolean() ? " (quick)" : "")
            .append(", ").append(root.path("date").asText()).append("\n\n");
        sb.append("Command: `").append(root.path("command").asText()).append("`; whole suite ")
            .append(String.format(Locale.ROOT, "%.0f s", root.path("elapsedSeconds").asDouble()))
            .append(". Every comparison below was measured in this run, on this machine.\n\n");
        sb.append("Machine: ").append(machine.path("cores").asInt()).append(" cores (").append(machine.path("cpuModel").asText())
            .append("), ").append(machine.path("memoryMiB").asLong()).append(" MiB, ").append(machine.path("os").asText())
            .append(", load average ").append(String.format(Locale.ROOT, "%.1f", machine.path("loadAverageAtStart").asDouble()))
            .append(" at start, ").append(String.format(Locale.ROOT, "%.1f", machine.path("loadAverageAtEnd").asDouble()))
            .append(" at end")
            .append("; ").append(machine.path("jvm").asText()).append(".\n\n");
        sb.append("Versions: ");
        final Iterator<Map.Entry<String, JsonNode>> versions = root.path("versions").properties().iterator();
        while (versions.hasNext())
        {
            final Map.Entry<String, JsonNode> v = versions.next();
            sb.append(v.getKey()).append(' ').append(v.getValue().asText()).append(versions.hasNext() ? ", " : ".\n\n");
        }
        sb.append("## Headline\n\n").append(headlineTable(root)).append('\n');
        final JsonNode parts = root.path("parts");
        pointToPoint(sb, parts.path("pointToPoint"));
        broadcast(sb, parts.path("broadcast"));
        sideBySide(sb, parts.path("sideBySide"));
        scaling(sb, parts.path("scaling"));
        CapacityPart.markdown(sb, parts.path(CapacityPart.NAME));
        jmh(sb, parts.path("jmh"));
        final Iterator<Map.Entry<String, JsonNode>> others = parts.properties().iterator();
        while (others.hasNext())
        {
            final Map.Entry<String, JsonNode> part = others.next();
            if (!KNOWN_PARTS.contains(part.getKey()))
            {
                sb.append("## ").append(part.getKey()).append("\n\n```json\n").append(part.getValue().toPrettyString())
                    .append("\n```\n\n");
            }
        }
        if (root.path("failures").size() > 0)
        {
            sb.append("## Failed parts\n\n");
            root.path("failures").properties().forEach(f ->
                sb.append("- **").append(f.getKey()).append("**: ").append(f.getValue().asText()).append('\n'));
            sb.append('\n');
        }
        sb.append("## Charts\n\n");
        for (final Path chart : charts)
        {
            final String relative = dir.relativize(chart).toString();
            sb.append("![").append(chart.getFileName()).append("](").append(relative).append(")\n\n");
        }
        sb.append("Raw numbers, per-node reports and machine facts: `").append(root.path("jsonFile").asText()).append("`.\n");
        return sb.toString();
    }

    private static void pointToPoint(final StringBuilder sb, final JsonNode p2p)
    {
        if (!p2p.has("sizes"))
        {
            return;
        }
        sb.append("## Point to point\n\n").append(p2p.path("description").asText()).append(". Throughput: median of ")
            .append(p2p.path("throughputRounds").asInt()).append(" rounds (").append(p2p.path("throughputRoundWarmupSeconds").asInt())
            .append(" s warm-up + ").append(p2p.path("throughputRoundMeasureSeconds").asInt())
            .append(" s each); RTT: one message in flight, ").append(p2p.path("rttWarmupSeconds").asInt()).append(" s warm-up + ")
            .append(p2p.path("rttMeasureSeconds").asInt()).append(" s.\n\n");
        sb.append("chainmesh and the raw ceiling both produce on the link's event loop; the caller-thread columns put ")
            .append("the producer on its own thread on both sides (chainmesh: ring + IO-thread drain; raw: write + flush every 32).\n\n");
        sb.append("| payload | chainmesh msgs/s | MB/s | raw Netty ceiling msgs/s | MB/s | chainmesh caller thread msgs/s | ")
            .append("raw Netty caller thread msgs/s | Aeron msgs/s | MB/s | chainmesh / ceiling | chainmesh / Aeron |\n")
            .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (final JsonNode size : p2p.path("sizes"))
        {
            final JsonNode c = size.path("chainmesh");
            final JsonNode r = size.path("rawNetty");
            final JsonNode a = size.path("aeron");
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %s | %.1f | %s | %s | %s | %.1f | %.2f× | %.2f× |%n",
                SuiteCharts.sizeLabel(size.path("payloadBytes").asInt()),
                number(c.path("msgsPerSec").asDouble()), c.path("megabytesPerSec").asDouble(),
                number(r.path("msgsPerSec").asDouble()), r.path("megabytesPerSec").asDouble(),
                number(c.path("callerThreadMsgsPerSec").asDouble()),
                number(r.path("callerThreadMsgsPerSec").asDouble()),
                number(a.path("msgsPerSec").asDouble()), a.path("megabytesPerSec").asDouble(),
                c.path("msgsPerSec").asDouble() / r.path("msgsPerSec").asDouble(),
                c.path("msgsPerSec").asDouble() / a.path("msgsPerSec").asDouble()));
        }
        sb.append("\n| payload | system | RTT p50 µs | p99 µs | p99.9 µs | max µs | samples |\n")
            .append("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (final JsonNode size : p2p.path("sizes"))
        {
            final String label = SuiteCharts.sizeLabel(size.path("payloadBytes").asInt());
            for (final String[] system : new String[][] {{"chainmesh", "chainmesh"}, {"rawNetty", "raw Netty"}, {"aeron", "Aeron UDP"}})
            {
                final JsonNode rtt = size.path(system[0]).path("rttMicros");
                sb.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f | %.1f | %s |%n", label, system[1],
                    rtt.path("p50").asDouble(), rtt.path("p99").asDouble(), rtt.path("p999").asDouble(),
                    rtt.path("max").asDouble(), number(rtt.path("count").asDouble())));
            }
        }
        sb.append("\nThe raw Netty ceiling writes from the event loop itself (no hand-off, two busy threads), and so does ")
            .append("chainmesh in the main columns (`send` from a task on `linkExecutor`; the links are plaintext, as the ")
            .append("ceiling's are: the record layer's cost is the encryption part). Chainmesh from a caller thread and ")
            .append("Aeron keep three threads busy (caller, sender side, receiver side) on this machine's cores. Aeron runs an embedded media driver (SHARED threading), 8 KiB MTU, every thread idling by ")
            .append("parking 1 µs: spinning or yielding starves on a shared 2-core machine (see perf/README.md), so its ")
            .append("latency here reflects the machine's load more than Aeron.\n\n");
    }

    private static void broadcast(final StringBuilder sb, final JsonNode broadcast)
    {
        if (!broadcast.has("runs"))
        {
            return;
        }
        sb.append("## Broadcast\n\n").append(broadcast.path("description").asText()).append(", ")
            .append(broadcast.path("publishSeconds").asInt()).append(" s of publishing per run.\n\n");
        broadcastTable(sb, broadcast.path("runs").elements());
        sb.append("\nChainmesh nodes share one JVM; the FluxOS-style nodes are one Node.js process each; both share ")
            .append("this machine's cores, so absolute rates are a fraction of what separate machines reach. At max rate ")
            .append("chainmesh runs closed loop (stops offering while ~250 ms of deliveries are outstanding); the ")
            .append("baseline offers as fast as its WebSockets accept. Bytes on the wire per delivered message: all ")
            .append("bytes the nodes wrote (chainmesh engine `bytes out` counters; the baseline's socket byte counts) ")
            .append("divided by deliveries.\n\n");
    }

    private static void sideBySide(final StringBuilder sb, final JsonNode part)
    {
        if (!part.has("runs"))
        {
            return;
        }
        sb.append("## Side by side: chainmesh, gossipsub, FluxOS-style, fan-out ceilings\n\n")
            .append(part.path("description").asText()).append(", ").append(part.path("publishSeconds").asInt())
            .append(" s of publishing per run; load average ").append(part.path("loadAverageBefore").asDouble())
            .append(" before, ").append(part.path("loadAverageAfter").asDouble()).append(" after.");
        if (part.path("warmUpSeconds").asLong() > 0)
        {
            sb.append(" Unmeasured warm-ups of ").append(part.path("warmUpSeconds").asLong()).append(" s each: the ")
                .append("chainmesh tree and the signed ceiling in the suite's JVM before the rows, the FluxOS-style ")
                .append("network before its row.");
        }
        sb.append("\n\n");
        broadcastTable(sb, part.path("runs").elements());
        sb.append("\nDuplicates: copies received beyond the first, per delivered message (chainmesh: batch transmissions ")
            .append("and repair frames over the n - 1 receptions each batch needs; gossipsub: RPC message copies reaching ")
            .append("a node over its deliveries). gossipsub: js-libp2p, TCP + Noise + Yamux, StrictSign with secp256k1 ")
            .append("peer keys, library defaults (D = 6, heartbeat 1 s, flood publish) except IP colocation scoring ")
            .append("(every node is 127.0.0.1), one Node.js process per node; versions in its rows' reports. The raw ")
            .append("fan-out ceiling forwards the same tree with the tree row's batch size over plain Netty on one ")
            .append("event loop thread per core, with no signature, no AEAD and no pipeline; the signed fan-out ceiling ")
            .append("does the same with chainmesh's own signing, signature check and AES-GCM record code added back, ")
            .append("and nothing else of its engine.\n\n");
    }

    private static void broadcastTable(final StringBuilder sb, final Iterator<JsonNode> runs)
    {
        sb.append("| system | run | nodes | delivered msgs/s per node | latency p50 ms | p99 ms | bytes on wire per delivered | ")
            .append("msgs per signature | duplicates per message | all delivered |\n")
            .append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        while (runs.hasNext())
        {
            final JsonNode r = runs.next();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %.1f | %.1f | %.0f | %.1f | %s | %s |%n",
                r.path("system").asText(), r.path("variant").asText(), r.path("nodes").asInt(),
                number(r.path("deliveredPerNodePerSecond").asDouble()), r.path("latencyP50Ms").asDouble(),
                r.path("latencyP99Ms").asDouble(), r.path("bytesOnWirePerDelivered").asDouble(),
                r.path("messagesPerSignature").asDouble(),
                r.has("duplicatesPerMessage") ? String.format(Locale.ROOT, "%.2f", r.path("duplicatesPerMessage").asDouble()) : "",
                r.path("allDelivered").asBoolean() ? "yes" :
                    "**NO** (" + number(r.path("missing").asDouble()) + " missing after the drain)"));
        }
    }

    private static void scaling(final StringBuilder sb, final JsonNode scaling)
    {
        if (!scaling.has("runs"))
        {
            return;
        }
        sb.append("## Scaling with N\n\n").append(scaling.path("description").asText()).append(", ")
            .append(scaling.path("publishSeconds").asInt()).append(" s of publishing per run; N = ")
            .append(scaling.path("nodes").toString()).append(". Chainmesh nodes in one JVM (in process), FluxOS-style ")
            .append("nodes one process each.\n\n");
        final StringBuilder rows = new StringBuilder();
        final ArrayNode all = new ObjectMapper().createArrayNode();
        scaling.path("runs").elements().forEachRemaining(array -> array.forEach(all::add));
        broadcastTable(rows, all.elements());
        sb.append(rows).append('\n');
    }

    private static void jmh(final StringBuilder sb, final JsonNode jmh)
    {
        if (!jmh.has("benchmarks"))
        {
            return;
        }
        sb.append("## JMH\n\n").append(jmh.path("description").asText()).append(", ")
            .append(jmh.path("warmupIterations").asInt()).append(" warm-up + ").append(jmh.path("measurementIterations").asInt())
            .append(" measured iterations of ").append(jmh.path("iterationMillis").asInt()).append(" ms.\n\n");
        sb.append("| suite | benchmark | params | mode | score | error | unit | B/op (gc.alloc.rate.norm) |\n")
            .append("| --- | --- | --- | --- | ---: | ---: | --- | ---: |\n");
        for (final JsonNode b : jmh.path("benchmarks"))
        {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", b.path("suite").asText(),
                b.path("benchmark").asText(), b.path("params").asText(), b.path("mode").asText(),
                number(b.path("score").asDouble()), number(b.path("error").asDouble()), b.path("unit").asText(),
                b.has("allocBytesPerOp") ? String.format(Locale.ROOT, "%.2f", b.path("allocBytesPerOp").asDouble()) : ""));
        }
        sb.append('\n');
    }

    /** Three significant figures with thousands separators: 6,180,000 / 73.4 / 0.0123. */
    static String number(final double value)
    {
        if (!Double.isFinite(value))
        {
            return "n/a";
        }
        final double abs = Math.abs(value);
        if (abs >= 1000)
        {
            final double scale = Math.pow(10, Math.floor(Math.log10(abs)) - 2);
            return String.format(Locale.ROOT, "%,.0f", Math.round(value / scale) * scale);
        }
        return abs >= 100 ? String.format(Locale.ROOT, "%.0f", value) :
            abs >= 10 ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%.3g", value);
    }

    static ObjectMapper mapper()
    {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }
}
