package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.engine.ChannelCipher;
import io.chainmesh.perf.capacity.CapacityGenerator;
import io.chainmesh.perf.capacity.CapacityShape;
import io.chainmesh.perf.capacity.CollapsedProfile;
import io.chainmesh.perf.capacity.JfrSummary;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Per-node capacity: ONE node under test in its own process, fed pre-signed traffic from many origins by a load
 * generator in another process over real TCP on 127.0.0.1, the node verifying, de-duplicating, delivering and
 * forwarding as in a network. chainmesh: {@link CapacityGenerator} (mainnet-shaped directory, batches of 64, of
 * 256 and of as many as the default largest frame holds ({@link #fullBatch()}), over AES-GCM records as deployed, and
 * full batches once more over plaintext links, like for like with FluxOS's unencrypted {@code ws://}); FluxOS-style:
 * {@code perf/baselines/fluxos/capacity.js} (flux-node.js fed by a Node.js generator playing 8 peers). The five
 * alternate, round after round (the machine is shared: ratios are taken within a round).
 * With {@code CAPACITY_JFR=1} in the environment the chainmesh node of the first round records JFR and the FluxOS-style
 * node of the first round runs under V8's profiler, and the report summarises both (top frames); with
 * {@code CAPACITY_PROFILE=1} async-profiler samples each chainmesh node of the first round over its measured window
 * (native and kernel frames included) and the report says where its CPU per message goes ({@link CollapsedProfile});
 * {@code CAPACITY_ROUNDS=N} sets the rounds (default 3). Quick mode: one round, a 64-member directory and small pools.
 */
final class CapacityPart implements SuitePart
{
    static final String NAME = "capacity";
    static final double GOAL = 1000;
    private static final int SIZE = 64;
    private static final int FLUX_PEERS = 8;
    private static final int ORIGINS = 1024;

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public JsonNode run(final SuiteSettings settings) throws Exception
    {
        final boolean quick = settings.quick();
        final String roundsSetting = System.getenv("CAPACITY_ROUNDS");
        final int rounds = null != roundsSetting ? Integer.parseInt(roundsSetting) : quick ? 1 : 3;
        final double seconds = quick ? 2 : 10;
        final CapacityShape shape = quick ? new CapacityShape(64, 16, 7, 2_005, 5) : CapacityShape.mainnet();
        final List<ChainmeshRow> chainmeshRows = quick ? List.of(new ChainmeshRow(64, ChannelCipher.AES_GCM)) : List.of(
            new ChainmeshRow(64, ChannelCipher.AES_GCM), new ChainmeshRow(256, ChannelCipher.AES_GCM),
            new ChainmeshRow(fullBatch(), ChannelCipher.AES_GCM), new ChainmeshRow(fullBatch(), ChannelCipher.PLAINTEXT));
        final ObjectNode part = settings.mapper().createObjectNode();
        part.put("description", "one node under test, pre-signed traffic from " + ORIGINS + " origins by a generator in " +
            "another process, 127.0.0.1, " + SIZE + " B messages; chainmesh closed loop (at most " +
            CapacityGenerator.DEFAULT_WINDOW + " batches sent and not delivered), FluxOS-style open loop with back-pressure " +
            "respected (a peer link above 1 MiB buffered is waited for)");
        part.put("members", shape.members());
        part.put("keys", shape.operators());
        part.put("rounds", rounds);
        final ArrayNode rowsRun = part.putArray("chainmeshRows");
        for (final ChainmeshRow row : chainmeshRows)
        {
            rowsRun.addObject().put("key", row.key()).put("messagesPerBatch", row.messagesPerBatch())
                .put("cipher", row.cipher().name());
        }
        part.put("seconds", seconds);
        part.put("loadAverageBefore", SideBySidePart.loadAverage());
        final ArrayNode runs = part.putArray("runs");
        final NodeBaseline fluxos = NodeBaseline.fluxos(settings.repository(), settings.mapper());
        final boolean jfr = "1".equals(System.getenv("CAPACITY_JFR"));
        final boolean profile = "1".equals(System.getenv("CAPACITY_PROFILE"));
        for (int round = 1; round <= rounds; round++)
        {
            for (final ChainmeshRow row : chainmeshRows)
            {
                final int batch = row.messagesPerBatch();
                final boolean first = row.equals(chainmeshRows.get(0));
                final Path recording = jfr && round == 1 && first ?
                    Files.createTempFile("chainmesh-capacity-", ".jfr") : null;
                final Path profileFile = profile && round == 1 ?
                    Files.createTempFile("chainmesh-capacity-", ".collapsed") : null;
                settings.log().accept("capacity: round " + round + ", chainmesh node, " + row.label());
                final int pool = quick ? 2_000 : (batch <= 64 ? 60_000 : 30_000);
                final CapacityGenerator.Settings run = new CapacityGenerator.Settings(shape, ORIGINS, batch, SIZE,
                    quick ? 200 : warmupBatches(batch), pool, seconds, 7, 1, row.cipher(), CapacityGenerator.DEFAULT_WINDOW,
                    CapacityGenerator.nodeJvm(CapacityGenerator.jfrOptions(null == recording ? "" : recording.toString())),
                    null == profileFile ? "" : profileFile.toString(), settings.log());
                ObjectNode result;
                try (CapacityGenerator generator = new CapacityGenerator(run, settings.mapper()))
                {
                    result = generator.run();
                }
                catch (final Exception ex)
                {
                    // One failed run (a lost link on the loaded box) is reported as such; the other rounds still count.
                    settings.log().accept("capacity: run failed: " + ex);
                    result = settings.mapper().createObjectNode();
                    result.put("system", "chainmesh");
                    result.put("messagesPerBatch", batch);
                    result.put("cipher", row.cipher().name());
                    result.put("failed", ex.toString());
                }
                result.put("round", round);
                result.put("row", row.key());
                if (null != recording)
                {
                    try
                    {
                        result.put("jfrSummary", JfrSummary.summarize(recording, 15,
                            java.time.Instant.ofEpochMilli(result.path("measuredFromEpochMillis").asLong())));
                    }
                    catch (final java.io.IOException ex)
                    {
                        result.put("jfrSummary", "no recording: " + ex);
                    }
                    Files.deleteIfExists(recording);
                }
                if (null != profileFile)
                {
                    if (Files.size(profileFile) > 0)
                    {
                        result.set("profile", CollapsedProfile.summarize(profileFile, settings.mapper()));
                    }
                    Files.deleteIfExists(profileFile);
                }
                runs.add(result);
                if (first)
                {
                    settings.log().accept("capacity: round " + round + ", FluxOS-style node");
                    ObjectNode flux;
                    try
                    {
                        final List<String> args = new ArrayList<>(List.of("--peers", Integer.toString(FLUX_PEERS),
                            "--origins", Integer.toString(ORIGINS), "--keys", "256", "--size", Integer.toString(SIZE),
                            "--warmup", quick ? "200" : "2000", "--messages", quick ? "1000" : "30000", "--seconds",
                            Double.toString(seconds)));
                        final Path profiles = jfr && round == 1 ? Files.createTempDirectory("chainmesh-capacity-cpuprof-") :
                            null;
                        if (null != profiles)
                        {
                            args.addAll(List.of("--cpu-prof", profiles.toString()));
                        }
                        flux = (ObjectNode)fluxos.script("capacity.js", args, (long)seconds + 180);
                        if (null != profiles)
                        {
                            try (java.util.stream.Stream<Path> files = Files.list(profiles))
                            {
                                files.forEach(f -> f.toFile().delete());
                            }
                            Files.deleteIfExists(profiles);
                        }
                    }
                    catch (final java.io.IOException ex)
                    {
                        settings.log().accept("capacity: FluxOS-style run failed: " + ex);
                        flux = settings.mapper().createObjectNode();
                        flux.put("system", "fluxos-style");
                        flux.put("failed", ex.toString());
                    }
                    flux.put("round", round);
                    flux.put("row", "fluxos");
                    runs.add(flux);
                }
            }
        }
        part.put("loadAverageAfter", SideBySidePart.loadAverage());
        final ObjectNode summary = part.putObject("summary");
        for (final ChainmeshRow chainmeshRow : chainmeshRows)
        {
            final String row = chainmeshRow.key();
            summary.put(row + "DeliveredPerSecond", median(runs, row, "deliveredPerSecond"));
            summary.put(row + "CpuMicrosPerMessage", median(runs, row, "nodeCpuMicrosPerMessage"));
            summary.put(row + "RatioDelivered", medianRatio(runs, row, "deliveredPerSecond", false));
            summary.put(row + "RatioCpuPerMessage", medianRatio(runs, row, "nodeCpuMicrosPerMessage", true));
        }
        summary.put("fluxosDeliveredPerSecond", median(runs, "fluxos", "deliveredPerSecond"));
        summary.put("fluxosCpuMicrosPerMessage", median(runs, "fluxos", "nodeCpuMicrosPerMessage"));
        return part;
    }

    private static double median(final ArrayNode runs, final String row, final String field)
    {
        final List<Double> values = new ArrayList<>();
        runs.forEach(r ->
        {
            if (row.equals(r.path("row").asText()) && !r.has("failed"))
            {
                values.add(r.path(field).asDouble());
            }
        });
        return median(values);
    }

    /** Per round: the chainmesh row over the FluxOS-style row of the same round (inverted: FluxOS over chainmesh). */
    private static double medianRatio(final ArrayNode runs, final String row, final String field, final boolean inverted)
    {
        final List<Double> ratios = new ArrayList<>();
        for (final JsonNode r : runs)
        {
            if (!row.equals(r.path("row").asText()) || r.has("failed"))
            {
                continue;
            }
            for (final JsonNode f : runs)
            {
                if ("fluxos".equals(f.path("row").asText()) && !f.has("failed") &&
                    f.path("round").asInt() == r.path("round").asInt())
                {
                    final double a = r.path(field).asDouble();
                    final double b = f.path(field).asDouble();
                    ratios.add(inverted ? b / a : a / b);
                }
            }
        }
        return median(ratios);
    }

    private static double median(final List<Double> values)
    {
        if (values.isEmpty())
        {
            return 0;
        }
        final double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] :
            (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    /**
     * @return the most {@link #SIZE}-byte messages one batch holds within the engine's default largest BATCH frame: the
     *         size an origin's batcher reaches when it publishes faster than it signs.
     */
    static int fullBatch()
    {
        final int frame = new io.chainmesh.engine.broadcast.BroadcastContext().maxBatchFrameLength();
        return (frame - BatchDescriptor.ENTRIES_OFFSET - BatchDescriptor.SIGNATURE_LENGTH) /
            (BatchDescriptor.ENTRY_HEADER_LENGTH + SIZE);
    }

    /**
     * Warm-up batches before the measured pool. A node that has run for minutes has nothing left to compile; after
     * 20,000 batches (a few seconds) C2 still took 30 % of the measured window's samples at 64 and 256 per batch,
     * and 15 % at full batches after 40,000 (6 % after 80,000).
     */
    private static int warmupBatches(final int messagesPerBatch)
    {
        return messagesPerBatch > 256 ? 80_000 : 60_000;
    }

    private static String roundOrder(final JsonNode part)
    {
        final StringBuilder order = new StringBuilder();
        final JsonNode rows = part.path("chainmeshRows");
        for (int i = 0; i < rows.size(); i++)
        {
            order.append(i == 0 ? "chainmesh " : ", chainmesh ").append(ChainmeshRow.of(rows.get(i)).label());
            if (i == 0)
            {
                order.append(", FluxOS-style");
            }
        }
        return order.toString();
    }

    /**
     * Adds the headline rows of a capacity part: chainmesh / FluxOS-style delivered msgs/s per node, and CPU per
     * message, medians over rounds of the ratio within each round.
     *
     * @param rows the headline.
     * @param part the part's figures.
     */
    static void headline(final ArrayNode rows, final JsonNode part)
    {
        final JsonNode summary = part.path("summary");
        if (!summary.isObject())
        {
            return;
        }
        final double flux = summary.path("fluxosDeliveredPerSecond").asDouble();
        final double fluxCpu = summary.path("fluxosCpuMicrosPerMessage").asDouble();
        for (final JsonNode chainmeshRow : part.path("chainmeshRows"))
        {
            final ChainmeshRow variant = ChainmeshRow.of(chainmeshRow);
            final String row = variant.key();
            if (!summary.has(row + "DeliveredPerSecond"))
            {
                continue;
            }
            final double ratio = summary.path(row + "RatioDelivered").asDouble();
            SuiteReport.row(rows, "one node, pre-signed traffic from another process (" + variant.label() + "), " +
                "delivered msgs/s: chainmesh / FluxOS-style node (median of per-round ratios)",
                summary.path(row + "DeliveredPerSecond").asDouble(), flux, "msgs/s", ratio, "≥ " + (long)GOAL + "×",
                ratio >= GOAL);
            final double cpuRatio = summary.path(row + "RatioCpuPerMessage").asDouble();
            SuiteReport.row(rows, "one node (" + variant.label() + "), node CPU per delivered message: " +
                "chainmesh / FluxOS-style (lower is better)", summary.path(row + "CpuMicrosPerMessage").asDouble(), fluxCpu,
                "µs", cpuRatio == 0 ? 0 : 1 / cpuRatio, "", null);
        }
    }

    /**
     * The part's section of the suite report.
     *
     * @param sb   the report.
     * @param part the part's figures.
     */
    static void markdown(final StringBuilder sb, final JsonNode part)
    {
        if (!part.has("runs"))
        {
            return;
        }
        sb.append("## Per-node capacity: one node, pre-signed traffic from another process\n\n")
            .append(part.path("description").asText()).append("; chainmesh directory ")
            .append(String.format(Locale.ROOT, "%,d", part.path("members").asInt())).append(" members under ")
            .append(String.format(Locale.ROOT, "%,d", part.path("keys").asInt())).append(" keys; ")
            .append(part.path("rounds").asInt()).append(" rounds, each ").append(roundOrder(part))
            .append(" in turn; load average ").append(part.path("loadAverageBefore").asDouble()).append(" before, ")
            .append(part.path("loadAverageAfter").asDouble()).append(" after.\n\n");
        sb.append("| round | node | delivered msgs/s | node CPU cores | node CPU µs per msg | forwarded msgs/s | ")
            .append("forwarded bytes/s | send → forward p50 / p99 ms | load before → after | all delivered |\n")
            .append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n");
        for (final JsonNode r : part.path("runs"))
        {
            final boolean chainmesh = "chainmesh".equals(r.path("system").asText());
            final String node = chainmesh ? "chainmesh, " + ChainmeshRow.of(r).label() + ", " +
                r.path("links").asInt() + " links, verify " + r.path("verifier").asText() :
                "FluxOS-style, " + r.path("peers").asInt() + " peers, secp256k1 " + r.path("secp256k1").asText();
            if (r.has("failed"))
            {
                sb.append("| ").append(r.path("round").asInt()).append(" | ").append(r.path("row").asText())
                    .append(" | **failed**: ").append(r.path("failed").asText().replace('|', '/'))
                    .append(" | | | | | | | |\n");
                continue;
            }
            sb.append("| ").append(r.path("round").asInt()).append(" | ").append(node)
                .append(" | ").append(SuiteReport.number(r.path("deliveredPerSecond").asDouble()))
                .append(" | ").append(String.format(Locale.ROOT, "%.2f", r.path("nodeCpuCores").asDouble()))
                .append(" | ").append(SuiteReport.number(r.path("nodeCpuMicrosPerMessage").asDouble()))
                .append(" | ").append(SuiteReport.number(r.path("forwardedMessagesPerSecond").asDouble()))
                .append(" | ").append(SuiteReport.number(r.path("forwardedBytesPerSecond").asDouble()))
                .append(" | ").append(String.format(Locale.ROOT, "%.0f / %.0f", r.path("p50Millis").asDouble(),
                    r.path("p99Millis").asDouble()))
                .append(" | ").append(String.format(Locale.ROOT, "%.1f → %.1f", r.path("loadAverageBefore").asDouble(),
                    r.path("loadAverageAfter").asDouble()))
                .append(" | ").append(r.path("allDelivered").asBoolean() ? "yes" : "**NO**").append(" |\n");
        }
        sb.append('\n');
        for (final JsonNode r : part.path("runs"))
        {
            if (r.has("jfrSummary"))
            {
                sb.append("JFR of the chainmesh node, round ").append(r.path("round").asInt()).append(", ")
                    .append(r.path("messagesPerBatch").asInt()).append(" per batch, samples of the measured window:\n\n```\n")
                    .append(r.path("jfrSummary").asText()).append("```\n\n");
            }
        }
        for (final JsonNode r : part.path("runs"))
        {
            if (r.path("profile").isObject())
            {
                sb.append("async-profiler, chainmesh node, round ").append(r.path("round").asInt()).append(", ")
                    .append(ChainmeshRow.of(r).label()).append(", the measured window (µs per msg: ")
                    .append("the kind's share of the node's CPU per delivered message):\n\n```\n")
                    .append(CollapsedProfile.text((ObjectNode)r.path("profile"),
                        r.path("nodeCpuMicrosPerMessage").asDouble()))
                    .append("```\n\n");
            }
        }
        for (final JsonNode r : part.path("runs"))
        {
            if (r.has("cpuProfileTop"))
            {
                sb.append("V8 CPU profile of the FluxOS-style node, round ").append(r.path("round").asInt())
                    .append(", self time by function, shares of its busy time (its whole life, warm-up included):\n\n```\n")
                    .append(r.path("cpuProfileTop").asText()).append("\n```\n\n");
            }
        }
        sb.append("Forwarded: what the node sent on to its tree children (chainmesh) or flooded to its other peers ")
            .append("(FluxOS-style), counted by the generator. Latency: generator send → the first forward of that batch or ")
            .append("message back from the node (after its delivery); under open-loop saturation it is queueing. CPU: the ")
            .append("node process's CPU time over the measured window (JIT and GC threads included) / delivered messages.\n\n");
    }

    /**
     * One chainmesh configuration of the part: messages per batch, and how the links are protected. The deployed
     * default is AES-GCM records; the plaintext row is the like-for-like comparison with the FluxOS-style node, whose
     * peers talk unencrypted {@code ws://} as FluxOS's do.
     */
    record ChainmeshRow(int messagesPerBatch, ChannelCipher cipher)
    {
        static ChainmeshRow of(final JsonNode node)
        {
            return new ChainmeshRow(node.path("messagesPerBatch").asInt(),
                ChannelCipher.valueOf(node.path("cipher").asText(ChannelCipher.AES_GCM.name())));
        }

        String key()
        {
            return "chainmesh" + messagesPerBatch + (cipher == ChannelCipher.AES_GCM ? "" : "-" +
                cipher.name().toLowerCase(Locale.ROOT));
        }

        String label()
        {
            return messagesPerBatch + " msgs per batch" + (cipher == ChannelCipher.PLAINTEXT ?
                ", plaintext links like FluxOS's ws://" : cipher == ChannelCipher.AES_GCM ? "" : ", " + cipher);
        }
    }
}
