package io.chainmesh.perf.broadcast;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chainmesh.engine.broadcast.BroadcastStrategy;
import io.chainmesh.node.DevnetReport;
import io.chainmesh.node.DevnetRunner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Signed broadcast, 16 nodes in one JVM on 127.0.0.1, in one run: batched tree broadcast, batched
 * flooding, the tree with Disruptor end-of-batch batching only (no linger), one signature per message
 * (the baseline), and a light-load latency run. Writes {@code perf/results/<date>-broadcast.json} and
 * {@code .md}.
 * <pre>
 * ./mvnw -B -ntp -q -pl perf -am package -DskipTests
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "perf/target/classes:$(cat perf/target/classpath.txt)" \
 *     io.chainmesh.perf.broadcast.BroadcastComparison [--quick] [--nodes 16] [--seconds 8] [--size 64]
 * </pre>
 */
public final class BroadcastComparison
{
    private BroadcastComparison()
    {
    }

    private record Case(String name, String description, DevnetRunner.Context context)
    {
    }

    /**
     * @param args {@code --quick}, {@code --nodes N}, {@code --seconds S}, {@code --size B}, {@code --out DIR}.
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final boolean quick = List.of(args).contains("--quick");
        final int nodes = intArg(args, "--nodes", 16);
        final int seconds = intArg(args, "--seconds", quick ? 3 : 8);
        final int size = intArg(args, "--size", 64);
        final Path out = Path.of(stringArg(args, "--out", "perf/results"));
        final long millis = seconds * 1000L;

        final List<Case> cases = List.of(
            new Case("tree", "tree, batched (20 ms linger), max rate",
                base(nodes, size, millis).strategy(BroadcastStrategy.TREE).rate(0).lingerMicros(20_000)),
            new Case("flood", "flood, batched (20 ms linger), max rate",
                base(nodes, size, millis).strategy(BroadcastStrategy.FLOOD).rate(0).lingerMicros(20_000)),
            new Case("tree-no-linger", "tree, Disruptor end-of-batch batching only, max rate",
                base(nodes, size, millis).strategy(BroadcastStrategy.TREE).rate(0).lingerMicros(0)),
            new Case("per-message-signature", "tree, one signature per message (baseline), max rate",
                base(nodes, size, millis).strategy(BroadcastStrategy.TREE).rate(0).lingerMicros(0).maxMessagesPerBatch(1)),
            new Case("tree-latency", "tree, 500 msgs/s offered, no linger: latency under light load",
                base(nodes, size, millis).strategy(BroadcastStrategy.TREE).rate(500).lingerMicros(0)));

        final Map<String, DevnetReport> results = new LinkedHashMap<>();
        for (final Case c : cases)
        {
            System.err.println("== " + c.name + ": " + c.description);
            results.put(c.name, new DevnetRunner(c.context.progress(System.err::println, false)).run());
        }

        final Map<String, Object> document = new LinkedHashMap<>();
        document.put("benchmark", "signed broadcast, " + nodes + " nodes in one JVM, " + size + " B messages");
        document.put("machine", machine());
        document.put("command", "java ... io.chainmesh.perf.broadcast.BroadcastComparison " + String.join(" ", args));
        final Map<String, Object> runs = new LinkedHashMap<>();
        for (final Case c : cases)
        {
            runs.put(c.name, Map.of("description", c.description, "report", results.get(c.name)));
        }
        document.put("runs", runs);
        final double ratio = results.get("tree").deliveredPerNodePerSecond() /
            Math.max(1e-9, results.get("per-message-signature").deliveredPerNodePerSecond());
        document.put("treeVsPerMessageSignature", ratio);

        Files.createDirectories(out);
        final String stem = LocalDate.now() + "-broadcast" + (quick ? "-quick" : "");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve(stem + ".json").toFile(), document);
        final String markdown = markdown(cases, results, ratio, nodes, size, seconds, args);
        Files.writeString(out.resolve(stem + ".md"), markdown);
        System.out.println(markdown);
    }

    private static DevnetRunner.Context base(final int nodes, final int size, final long millis)
    {
        return new DevnetRunner.Context().nodes(nodes).messageSize(size).durationMillis(millis).drainMillis(30_000);
    }

    private static String markdown(
        final List<Case> cases, final Map<String, DevnetReport> results, final double ratio, final int nodes, final int size,
        final int seconds, final String[] args)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("# Signed broadcast: ").append(nodes).append(" nodes in one JVM, ").append(size).append(" B messages, ")
            .append(seconds).append(" s per run\n\n");
        sb.append("Machine: ").append(machine()).append("\n\n");
        sb.append("| run | delivered msgs/s per node | publish rate msgs/s | msgs per signature | transmissions per batch per member |")
            .append(" latency p50 / p99 ms | repaired | all delivered |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (final Case c : cases)
        {
            final DevnetReport r = results.get(c.name);
            sb.append(String.format("| %s | %,.0f | %,.0f | %.1f | %.2f | %.1f / %.1f | %,d | %s |%n", c.description,
                r.deliveredPerNodePerSecond(), r.published() / r.durationSeconds(),
                r.batchesPublished() == 0 ? 0.0 : r.published() / (double)r.batchesPublished(),
                r.batchesPublished() == 0 ? 0.0 : r.batchesForwarded() / (double)r.batchesPublished() / (r.nodes() - 1),
                r.latencyMicros().p50() / 1000, r.latencyMicros().p99() / 1000, r.repairFrames(), r.passed() ? "yes" : "NO"));
        }
        sb.append(String.format("%n**Tree broadcast delivers %.0f× the rate of one signature per message** (target ≥ 50×).%n", ratio));
        sb.append("\nAll nodes share this machine's cores and every batch is verified by each of the other ")
            .append(nodes - 1).append(" nodes in the same JVM, so absolute rates are a fraction of what ")
            .append(nodes).append(" separate machines would reach; the ratios are the point.\n");
        sb.append("\nReproduce: `java ... io.chainmesh.perf.broadcast.BroadcastComparison ").append(String.join(" ", args))
            .append("` (see perf/README.md).\n");
        return sb.toString();
    }

    private static String machine()
    {
        return Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + " " +
            System.getProperty("java.version") + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch");
    }

    private static int intArg(final String[] args, final String name, final int fallback)
    {
        final String value = stringArg(args, name, null);
        return null == value ? fallback : Integer.parseInt(value);
    }

    private static String stringArg(final String[] args, final String name, final String fallback)
    {
        for (int i = 0; i < args.length - 1; i++)
        {
            if (args[i].equals(name))
            {
                return args[i + 1];
            }
        }
        return fallback;
    }

}
