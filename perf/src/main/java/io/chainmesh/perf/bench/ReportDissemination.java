package io.chainmesh.perf.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chainmesh.bench.BenchDevnet;
import io.chainmesh.bench.BenchReportBook;
import io.chainmesh.bench.BenchReports;
import io.chainmesh.bench.NodeMeasurements;
import io.chainmesh.bench.TierRequirement;
import io.chainmesh.bench.TierVerdict;
import io.chainmesh.codec.control.BenchReport;
import io.chainmesh.codec.crypto.BitcoinMessage;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.Status;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * How many signed bench reports per second 16 in-process nodes disseminate and aggregate, against a
 * baseline in the same run.
 * <p>
 * chainmesh: each report is a signed protobuf {@code BenchReport} offered on {@link BenchReports#TOPIC};
 * the engine packs reports into batches signed once, and every receiver verifies the batch signature and
 * then each report's own signature ({@code BenchReporter} to {@code BenchReportBook}).
 * Baseline: each report is a JSON document (Jackson) signed as a Bitcoin signed message
 * ({@link BitcoinMessage}), published as its own message ({@code maxMessagesPerBatch(1)}, so its own
 * engine signature too), and every receiver parses the JSON, checks the origin, verifies the Bitcoin
 * signature and keeps the latest per member. Reports are created and signed before the clock starts in
 * both cases. A run ends when every receiver processed every report or after {@code --seconds}.
 * Usage: {@code ReportDissemination [--nodes 16] [--reports 100] [--seconds 20] [--out perf/results]}.
 */
public final class ReportDissemination
{
    private static final int BASELINE_TOPIC = 0xBE01;

    private ReportDissemination()
    {
    }

    /**
     * @param args options, see the class javadoc.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final int nodes = Integer.parseInt(arg(args, "--nodes", "16"));
        final int reports = Integer.parseInt(arg(args, "--reports", "100"));
        final long seconds = Long.parseLong(arg(args, "--seconds", "20"));
        final Path out = Path.of(arg(args, "--out", "perf/results"));

        // warm-up of both paths (JIT), results discarded
        runChainmesh(nodes, Math.max(1, reports / 5), seconds);
        runBaseline(nodes, Math.max(1, reports / 5), seconds);
        final Map<String, Object> chainmesh = runChainmesh(nodes, reports, seconds);
        System.err.println("chainmesh: " + chainmesh);
        final Map<String, Object> baseline = runBaseline(nodes, reports, seconds);
        System.err.println("baseline: " + baseline);

        final double ratio = (double)chainmesh.get("reportsPerSecond") / Math.max(1e-9, (double)baseline.get("reportsPerSecond"));
        final double ratio95 = (double)chainmesh.get("reportsPerSecond95") /
            Math.max(1e-9, (double)baseline.get("reportsPerSecond95"));
        final Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("nodes", nodes);
        doc.put("reportsPerNode", reports);
        doc.put("maxSeconds", seconds);
        doc.put("cores", Runtime.getRuntime().availableProcessors());
        doc.put("chainmesh", chainmesh);
        doc.put("baseline", baseline);
        doc.put("ratio", ratio);
        doc.put("ratio95", ratio95);
        Files.createDirectories(out);
        final String stem = LocalDate.now(ZoneOffset.UTC) + "-bench-reports";
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve(stem + ".json").toFile(), doc);
        final String md = "# Bench report dissemination, " + nodes + " nodes in one JVM\n\n" +
            "Each node publishes " + reports + " signed reports; a report counts when every other node has verified " +
            "and aggregated it. Reports are signed before the clock starts; both paths are warmed up first (one run of a fifth of the reports each, discarded).\n\n" +
            "| case | reports/s disseminated | reports/s over first 95% | deliveries processed | expected | seconds |\n" +
            "| --- | ---: | ---: | ---: | ---: | ---: |\n" +
            row("chainmesh: protobuf report, batch sig + report sig", chainmesh) +
            row("baseline: JSON + Bitcoin signed message, one message per batch", baseline) +
            String.format("%nRatio chainmesh / baseline: **%.1fx** (over the first 95%% of deliveries: %.1fx)%n%nCommand: `$JAVA io.chainmesh.perf.bench.ReportDissemination %s`%n",
                ratio, ratio95, String.join(" ", args));
        final String note = ((boolean)chainmesh.get("complete") && (boolean)baseline.get("complete")) ? "" :
            "\nNote: a case that did not complete within " + seconds + " s is rated as processed deliveries over the cap: " +
            "a lower bound for it, so the ratio is an upper bound (the shortfall may be a stall, not only slowness).\n";
        Files.writeString(out.resolve(stem + ".md"), md + note);
        System.out.print(md + note);
    }

    private static String row(final String name, final Map<String, Object> r)
    {
        return String.format("| %s | %.0f | %.0f | %d | %d | %.2f |%n", name, (double)r.get("reportsPerSecond"),
            (double)r.get("reportsPerSecond95"),
            (long)r.get("processed"), (long)r.get("expected"), (double)r.get("seconds"));
    }

    private static NodeMeasurements measurements(final int i)
    {
        return new NodeMeasurements(8, 64_000_000_000L, 1_000_000_000_000L, 500 + i, 1600, 9000, 450, 100 + i, 900);
    }

    private static Map<String, Object> runChainmesh(final int n, final int reports, final long seconds)
    {
        try (BenchDevnet devnet = BenchDevnet.launch(n, 2, 42, c -> {}))
        {
            final long base = System.currentTimeMillis() - TimeUnit.HOURS.toMillis(1);
            final List<List<UnsafeBuffer>> signed = new ArrayList<>();
            for (int i = 0; i < n; i++)
            {
                final List<UnsafeBuffer> mine = new ArrayList<>();
                final NodeKey key = devnet.chain().memberKey(i);
                final NodeMeasurements m = measurements(i);
                final TierVerdict verdict = TierVerdict.derive(m, TierRequirement.FLUX_DEFAULTS);
                for (int k = 0; k < reports; k++)
                {
                    mine.add(new UnsafeBuffer(BenchReports.create(key, m, verdict, base + k).toByteArray()));
                }
                signed.add(mine);
            }
            final long expected = (long)n * reports * (n - 1);
            final long start = System.nanoTime();
            final long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
            publishAll(n, reports, deadline, (i, k) -> devnet.node(i), BenchReports.TOPIC, signed);
            long processed = 0;
            long at95 = 0;
            while (System.nanoTime() - deadline < 0)
            {
                processed = chainmeshProcessed(devnet, n);
                if (0 == at95 && processed * 100 >= expected * 95)
                {
                    at95 = System.nanoTime();
                }
                if (processed >= expected)
                {
                    break;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            final double elapsed = (System.nanoTime() - start) / 1e9;
            final double seconds95 = at95 == 0 ? Double.NaN : (at95 - start) / 1e9;
            processed = chainmeshProcessed(devnet, n);
            long malformed = 0;
            for (int i = 0; i < n; i++)
            {
                malformed += devnet.reporter(i).malformedCount() + devnet.reporter(i).wrongOriginCount();
            }
            return result(processed, expected, elapsed, seconds95, n, Map.of("rejected", malformed,
                "allLatestHeld", devnet.minReports() == n - 1));
        }
    }

    private static long chainmeshProcessed(final BenchDevnet devnet, final int n)
    {
        long sum = 0;
        for (int i = 0; i < n; i++)
        {
            final Map<BenchReportBook.Outcome, Long> c = devnet.reporter(i).book().outcomeCounts();
            sum += c.get(BenchReportBook.Outcome.ACCEPTED) + c.get(BenchReportBook.Outcome.STALE);
        }
        return sum;
    }

    /** Baseline receiver: JSON parse, origin check, Bitcoin signed message verification, latest per member. */
    private static final class JsonReceiver implements io.chainmesh.engine.broadcast.MessageHandler
    {
        private final ObjectMapper mapper = new ObjectMapper();
        private final java.util.function.Supplier<io.chainmesh.chain.DirectorySnapshot> directory;

        JsonReceiver(final java.util.function.Supplier<io.chainmesh.chain.DirectorySnapshot> directory)
        {
            this.directory = directory;
        }

        private final Map<Long, Long> latest = new ConcurrentHashMap<>();
        final AtomicLong processed = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();

        @Override
        public void onMessage(final long originId, final int topic, final DirectBuffer buffer, final int offset, final int length)
        {
            try
            {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                final JsonNode envelope = mapper.readTree(bytes);
                final String body = envelope.get("body").asText();
                final PublicKey signer = PublicKey.fromHex(envelope.get("node").asText());
                final io.chainmesh.chain.Member origin = directory.get().findByOriginId(originId);
                if (null == origin || !origin.publicKey().equals(signer) ||
                    !BitcoinMessage.verify(signer, body.getBytes(StandardCharsets.UTF_8), envelope.get("sig").asText()))
                {
                    rejected.incrementAndGet();
                    return;
                }
                final JsonNode report = mapper.readTree(body);
                latest.merge(originId, report.get("timestampMillis").asLong(), Math::max);
                processed.incrementAndGet();
            }
            catch (final Exception ex)
            {
                rejected.incrementAndGet();
            }
        }
    }

    private static Map<String, Object> runBaseline(final int n, final int reports, final long seconds) throws Exception
    {
        try (BenchDevnet devnet = BenchDevnet.launch(n, 2, 43, c -> c.broadcast().maxMessagesPerBatch(1)))
        {
            final ObjectMapper mapper = new ObjectMapper();
            final JsonReceiver[] receivers = new JsonReceiver[n];
            for (int i = 0; i < n; i++)
            {
                receivers[i] = new JsonReceiver(devnet.chain()::current);
                devnet.node(i).subscribe(BASELINE_TOPIC, receivers[i]);
            }
            final long base = System.currentTimeMillis() - TimeUnit.HOURS.toMillis(1);
            final List<List<UnsafeBuffer>> signed = new ArrayList<>();
            for (int i = 0; i < n; i++)
            {
                final List<UnsafeBuffer> mine = new ArrayList<>();
                final NodeKey key = devnet.chain().memberKey(i);
                final NodeMeasurements m = measurements(i);
                final TierVerdict verdict = TierVerdict.derive(m, TierRequirement.FLUX_DEFAULTS);
                for (int k = 0; k < reports; k++)
                {
                    final BenchReport r = BenchReports.create(key, m, verdict, base + k);
                    final Map<String, Object> body = new LinkedHashMap<>();
                    body.put("nodeId", key.publicKey().toString());
                    body.put("timestampMillis", r.getTimestampMillis());
                    body.put("benchVersion", r.getBenchVersion());
                    body.put("tier", r.getTier().name());
                    body.put("tierReason", r.getTierReason());
                    body.put("cores", r.getCores());
                    body.put("ramBytes", r.getRamBytes());
                    body.put("storageBytes", r.getStorageBytes());
                    body.put("epsSingle", r.getEpsSingle());
                    body.put("epsMulti", r.getEpsMulti());
                    body.put("memoryBandwidthMBps", r.getMemoryBandwidthMbps());
                    body.put("diskWriteMBps", r.getDiskWriteMbps());
                    body.put("networkRttMicros", r.getNetworkRttMicros());
                    body.put("networkThroughputMbps", r.getNetworkThroughputMbps());
                    body.put("architecture", r.getArchitecture());
                    final String text = mapper.writeValueAsString(body);
                    final Map<String, Object> envelope = new LinkedHashMap<>();
                    envelope.put("node", key.publicKey().toString());
                    envelope.put("body", text);
                    envelope.put("sig", BitcoinMessage.sign(key, text.getBytes(StandardCharsets.UTF_8)));
                    mine.add(new UnsafeBuffer(mapper.writeValueAsBytes(envelope)));
                }
                signed.add(mine);
            }
            final long expected = (long)n * reports * (n - 1);
            final long start = System.nanoTime();
            final long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
            publishAll(n, reports, deadline, (i, k) -> devnet.node(i), BASELINE_TOPIC, signed);
            long at95 = 0;
            while (System.nanoTime() - deadline < 0 && baselineProcessed(receivers) < expected)
            {
                if (0 == at95 && baselineProcessed(receivers) * 100 >= expected * 95)
                {
                    at95 = System.nanoTime();
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            final double elapsed = (System.nanoTime() - start) / 1e9;
            final double seconds95 = at95 == 0 ? Double.NaN : (at95 - start) / 1e9;
            long rejected = 0;
            for (final JsonReceiver r : receivers)
            {
                rejected += r.rejected.get();
            }
            return result(baselineProcessed(receivers), expected, elapsed, seconds95, n, Map.of("rejected", rejected,
                "messageBytes", signed.get(0).get(0).capacity()));
        }
    }

    private static long baselineProcessed(final JsonReceiver[] receivers)
    {
        long sum = 0;
        for (final JsonReceiver r : receivers)
        {
            sum += r.processed.get();
        }
        return sum;
    }

    @FunctionalInterface
    private interface NodeOf
    {
        ChainmeshNode node(int i, int k);
    }

    private static void publishAll(final int n, final int reports, final long deadline, final NodeOf nodes, final int topic,
        final List<List<UnsafeBuffer>> signed)
    {
        // one thread round-robins over the nodes so every node's reports are in flight together
        for (int k = 0; k < reports; k++)
        {
            for (int i = 0; i < n; i++)
            {
                final UnsafeBuffer b = signed.get(i).get(k);
                while (true)
                {
                    final long status = nodes.node(i, k).offer(topic, b, 0, b.capacity());
                    if (status >= 0)
                    {
                        break;
                    }
                    if (status == Status.CLOSED || status == Status.MESSAGE_TOO_LARGE || System.nanoTime() - deadline > 0)
                    {
                        return;
                    }
                    LockSupport.parkNanos(50_000);
                }
            }
        }
    }

    private static Map<String, Object> result(
        final long processed, final long expected, final double seconds, final double seconds95, final int n,
        final Map<String, Object> extra)
    {
        final Map<String, Object> r = new LinkedHashMap<>();
        r.put("processed", processed);
        r.put("expected", expected);
        r.put("complete", processed >= expected);
        r.put("seconds", seconds);
        // a report is disseminated when all n-1 other nodes processed it
        r.put("reportsPerSecond", processed / (double)(n - 1) / seconds);
        r.put("seconds95", seconds95);
        // rate over the first 95% of deliveries: insensitive to a slow tail
        r.put("reportsPerSecond95", 0.95 * expected / (n - 1) / seconds95);
        r.putAll(extra);
        return r;
    }

    private static String arg(final String[] args, final String name, final String fallback)
    {
        for (int i = 0; i + 1 < args.length; i++)
        {
            if (args[i].equals(name))
            {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
