package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Runs every part of the suite in turn, each bounded in time, and writes {@code <out>/<date>-<name>.json} (raw
 * figures, machine facts, versions), {@code <date>-<name>.md} (headline ratios, tables) and PNG charts under
 * {@code <out>/charts/}. A full run also refreshes the latest-suite section of {@code perf/README.md}.
 * A part that fails is recorded under {@code failures} and the suite carries on. Normally started by
 * {@code perf/run.sh [--quick]}, which builds the module and sets the JVM options.
 * <pre>
 * PerfSuite [--quick] [--only pointToPoint,encryption,broadcast,sideBySide,scaling,jmh,capacity] [--name suite] [--out perf/results] [--repository .]
 * </pre>
 */
public final class PerfSuite
{
    private static final String README_BEGIN = "<!-- suite:begin -->";
    private static final String README_END = "<!-- suite:end -->";

    private PerfSuite()
    {
    }

    /**
     * The parts, in the order they run; add new ones here (the report lists parts it has no table for as JSON).
     *
     * @return fresh part instances.
     */
    static List<SuitePart> parts()
    {
        return List.of(new PointToPointPart(), new EncryptionPart(), new BroadcastPart(), new SideBySidePart(), new ScalingPart(),
            new JmhPart(), new CapacityPart());
    }

    /**
     * @param args see the class comment.
     * @throws Exception if the results cannot be written.
     */
    public static void main(final String[] args) throws Exception
    {
        final List<String> list = List.of(args);
        final boolean quick = list.contains("--quick");
        final String only = stringArg(args, "--only", "");
        final String name = stringArg(args, "--name", quick ? "suite-quick" : "suite");
        final Path out = Path.of(stringArg(args, "--out", "perf/results"));
        final Path repository = Path.of(stringArg(args, "--repository", "."));
        final ObjectMapper mapper = SuiteReport.mapper();
        final SuiteSettings settings = new SuiteSettings(quick, repository, mapper,
            line -> System.err.println("[suite " + String.format("%6.1f", uptimeSeconds()) + " s] " + line));

        final String date = LocalDate.now(ZoneOffset.UTC).toString();
        final String stem = date + "-" + name;
        final ObjectNode root = mapper.createObjectNode();
        root.put("suite", name);
        root.put("date", date);
        root.put("quick", quick);
        root.put("command", System.getProperty("chainmesh.perf.command", "perf/run.sh " + String.join(" ", args)).trim());
        root.put("jsonFile", out.resolve(stem + ".json").toString());
        root.set("machine", MachineFacts.machine(mapper));
        root.set("versions", MachineFacts.versions(mapper));
        final ObjectNode parts = root.putObject("parts");
        final ObjectNode failures = root.putObject("failures");
        final ObjectNode partSeconds = root.putObject("partSeconds");
        final Set<String> selected = only.isEmpty() ? Set.of() : Set.of(only.split(","));
        final long start = System.nanoTime();
        final List<String> ran = new ArrayList<>();
        for (final SuitePart part : parts())
        {
            if (!selected.isEmpty() && !selected.contains(part.name()))
            {
                continue;
            }
            final long partStart = System.nanoTime();
            settings.log().accept("== " + part.name());
            try
            {
                parts.set(part.name(), part.run(settings));
                ran.add(part.name());
            }
            catch (final Exception | LinkageError ex)
            {
                ex.printStackTrace();
                failures.put(part.name(), ex.toString());
            }
            partSeconds.put(part.name(), Math.round((System.nanoTime() - partStart) / 1e8) / 10.0);
        }
        root.put("elapsedSeconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
        ((ObjectNode)root.get("machine")).put("loadAverageAtEnd",
            java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        root.set("headline", SuiteReport.headline(mapper, root));

        Files.createDirectories(out);
        mapper.writeValue(out.resolve(stem + ".json").toFile(), root);
        final String markdown = SuiteReport.write(root, out, stem);
        if (!quick && selected.isEmpty() && failures.isEmpty())
        {
            updateReadme(repository.resolve("perf/README.md"), root, stem);
        }
        System.out.println(markdown);
        System.err.println("results: " + out.resolve(stem + ".json") + ", " + out.resolve(stem + ".md") + ", " +
            out.resolve("charts") + (failures.isEmpty() ? "" : "; FAILED parts: " + failures));
        if (!failures.isEmpty())
        {
            System.exit(1);
        }
    }

    /** Replaces the text between the suite markers of perf/README.md with the headline table of this run. */
    static void updateReadme(final Path readme, final ObjectNode root, final String stem) throws IOException
    {
        if (!Files.isRegularFile(readme))
        {
            return;
        }
        final String text = Files.readString(readme, StandardCharsets.UTF_8);
        final int begin = text.indexOf(README_BEGIN);
        final int end = text.indexOf(README_END);
        if (begin < 0 || end < begin)
        {
            return;
        }
        final String section = README_BEGIN + "\n" + "Latest full suite: [`results/" + stem + ".md`](results/" + stem +
            ".md), " + root.path("machine").path("cores").asInt() + " cores, whole suite " +
            String.format("%.0f s", root.path("elapsedSeconds").asDouble()) + ":\n\n" + SuiteReport.headlineTable(root) + "\n";
        Files.writeString(readme, text.substring(0, begin) + section + text.substring(end), StandardCharsets.UTF_8);
    }

    private static double uptimeSeconds()
    {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
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
