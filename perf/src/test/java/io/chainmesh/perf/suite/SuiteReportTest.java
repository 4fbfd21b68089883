package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The report and chart writers on synthetic figures: headline ratios, tables, PNGs, the README section. */
class SuiteReportTest
{
    private final ObjectMapper mapper = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void shouldWriteHeadlineTablesAndChartsFromSyntheticResult() throws Exception
    {
        final ObjectNode root = syntheticResult();
        root.set("headline", SuiteReport.headline(mapper, root));

        final String markdown = SuiteReport.write(root, dir, "2026-12-01-test");

        assertThat(Files.readString(dir.resolve("2026-12-01-test.md"))).isEqualTo(markdown);
        assertThat(markdown)
            .contains("point-to-point throughput, 64 B: chainmesh / raw Netty ceiling | 900,000 msgs/s | 1,000,000 msgs/s | 0.900× | ≥ 0.8× | yes")
            .contains("point-to-point throughput, 16 KiB: chainmesh / raw Netty ceiling | 30,000 msgs/s | 60,000 msgs/s | 0.500× | ≥ 0.8× | **no**")
            .contains("RTT p99, 64 B: chainmesh / Aeron (lower is better) | 30.0 µs | 20.0 µs | 1.50×")
            .contains("chainmesh tree / FluxOS-style | 50,000 msgs/s | 500 msgs/s | 100× | ≥ 1000× | **no**")
            .contains("delivered msgs/s per node: chainmesh tree / gossipsub | 40,000 msgs/s | 100 msgs/s | 400× | ≥ 100× | yes")
            .contains("bytes on the wire per delivered message: chainmesh tree / gossipsub (lower is better) | 72.0 B | 1,900 B")
            .contains("p99 publish → deliver: chainmesh tree / gossipsub (lower is better) | 4.00 ms | 40.0 ms | 0.100× | ≤ 1× | yes")
            .contains("chainmesh tree / raw fan-out ceiling | 40,000 msgs/s | 100,000 msgs/s | 0.400× | ≥ 0.5× | **no**")
            .contains("chainmesh tree / signed fan-out ceiling (the same signatures and AES-GCM records, no engine) | " +
                "40,000 msgs/s | 80,000 msgs/s | 0.500× | — |  |")
            .contains("| signed fan-out ceiling |")
            .contains("Unmeasured warm-ups of 4 s each: the chainmesh tree and the signed ceiling")
            .contains("chainmesh tree / chainmesh flood (same run) | 40,000 msgs/s | 50,000 msgs/s | 0.800× | ≥ 1× | **no**")
            .contains("duplicate copies per delivered message: chainmesh tree / gossipsub | 0.00 copies | 3.00 copies | 0.00× | chainmesh 0 | yes")
            .contains("## Side by side")
            .contains("## Scaling with N").contains("## JMH").contains("encode16x64")
            .contains("## encryption").contains("\"plaintextMsgsPerSec\" : 5")
            .contains("## Failed parts").contains("**other**: java.lang.IllegalStateException: boom");
        final List<String> charts = List.of("p2p-msgs", "p2p-mbps", "rtt-64b", "rtt-16384b", "broadcast-rate",
            "broadcast-bytes", "side-by-side-rate", "side-by-side-bytes", "side-by-side-light-p99", "scaling-rate", "scaling-bytes", "scaling-p99");
        for (final String chart : charts)
        {
            final Path png = dir.resolve("charts/2026-12-01-test-" + chart + ".png");
            assertThat(markdown).contains("(charts/2026-12-01-test-" + chart + ".png)");
            final byte[] bytes = Files.readAllBytes(png);
            assertThat(bytes.length).isGreaterThan(5_000);
            assertThat(bytes[1]).isEqualTo((byte)'P');
            assertThat(bytes[2]).isEqualTo((byte)'N');
        }
    }

    @Test
    void shouldReplaceOnlyTheSuiteSectionOfTheReadme() throws Exception
    {
        final ObjectNode root = syntheticResult();
        root.set("headline", SuiteReport.headline(mapper, root));
        final Path readme = dir.resolve("README.md");
        Files.writeString(readme, "# perf\n\nbefore\n<!-- suite:begin -->\nold table\n<!-- suite:end -->\nafter\n");

        PerfSuite.updateReadme(readme, root, "2026-12-01-suite");

        final String text = Files.readString(readme);
        assertThat(text).startsWith("# perf\n\nbefore\n<!-- suite:begin -->\nLatest full suite: [`results/2026-12-01-suite.md`]")
            .contains("| point-to-point throughput, 64 B").doesNotContain("old table").endsWith("<!-- suite:end -->\nafter\n");
    }

    private ObjectNode syntheticResult()
    {
        final ObjectNode root = mapper.createObjectNode();
        root.put("date", "2026-12-01");
        root.put("command", "perf/run.sh");
        root.put("elapsedSeconds", 600.0);
        root.putObject("machine").put("cores", 2).put("cpuModel", "test cpu").put("memoryMiB", 1024);
        root.putObject("versions").put("netty", "4.2.20.Final").put("aeron", "1.51.0");
        final ObjectNode parts = root.putObject("parts");
        final ObjectNode p2p = parts.putObject("pointToPoint");
        p2p.put("description", "synthetic").put("throughputRounds", 3);
        final ArrayNode sizes = p2p.putArray("sizes");
        sizes.add(size(64, 900_000, 1_000_000, 500_000, 30, 25, 20));
        sizes.add(size(16 * 1024, 30_000, 60_000, 20_000, 80, 70, 90));
        final ObjectNode broadcast = parts.putObject("broadcast");
        broadcast.put("nodes", 16).put("payloadBytes", 64).put("publishSeconds", 8);
        final ObjectNode runs = broadcast.putObject("runs");
        runs.set("tree", row("chainmesh", 16, 50_000, 90));
        runs.set("flood", row("chainmesh", 16, 2_000, 600));
        runs.set("perMessageSignature", row("chainmesh", 16, 1_000, 300));
        runs.set("fluxos", row("fluxos-style", 16, 500, 2_900));
        final ObjectNode sideBySide = parts.putObject("sideBySide");
        sideBySide.put("nodes", 16).put("payloadBytes", 64).put("publishSeconds", 8).put("lightRate", 16).put("warmUpSeconds", 4);
        final ObjectNode side = sideBySide.putObject("runs");
        side.set("tree", row("chainmesh", 16, 40_000, 72).put("duplicatesPerMessage", 0.0));
        side.set("ceiling", row("raw fan-out ceiling", 16, 100_000, 70));
        side.set("signedCeiling", row("signed fan-out ceiling", 16, 80_000, 71));
        side.set("flood", row("chainmesh", 16, 50_000, 400).put("duplicatesPerMessage", 14.0));
        side.set("treeLightLoad", row("chainmesh", 16, 15, 150).put("offeredRate", 16).put("latencyP99Ms", 4.0));
        side.set("fluxos", row("fluxos-style", 16, 400, 2_900));
        side.set("gossipsub", row("gossipsub", 16, 100, 1_900).put("duplicatesPerMessage", 3.0));
        side.set("gossipsubLightLoad", row("gossipsub", 16, 15, 1_500).put("latencyP99Ms", 40.0));
        final ObjectNode scaling = parts.putObject("scaling");
        scaling.putArray("nodes").add(4).add(8);
        final ObjectNode scalingRuns = scaling.putObject("runs");
        scalingRuns.putArray("tree").add(row("chainmesh", 4, 80_000, 80)).add(row("chainmesh", 8, 60_000, 85));
        scalingRuns.putArray("flood").add(row("chainmesh", 4, 9_000, 200)).add(row("chainmesh", 8, 4_000, 400));
        scalingRuns.putArray("fluxos").add(row("fluxos-style", 4, 1_500, 900)).add(row("fluxos-style", 8, 900, 1_800));
        final ObjectNode jmh = parts.putObject("jmh");
        jmh.putArray("benchmarks").addObject().put("suite", "codec").put("benchmark", "BatchCodecBenchmark.encode16x64")
            .put("mode", "avgt").put("score", 109.3).put("error", 2.1).put("unit", "ns/op").put("allocBytesPerOp", 0.01);
        parts.putObject("encryption").put("plaintextMsgsPerSec", 5);
        root.putObject("failures").put("other", "java.lang.IllegalStateException: boom");
        return root;
    }

    private ObjectNode size(
        final int payload, final double chainmesh, final double raw, final double aeron, final double chainmeshP99,
        final double rawP99, final double aeronP99)
    {
        final ObjectNode size = mapper.createObjectNode();
        size.put("payloadBytes", payload);
        size.set("chainmesh", system(payload, chainmesh, chainmeshP99));
        size.set("rawNetty", system(payload, raw, rawP99).put("callerThreadMsgsPerSec", raw / 3));
        size.set("aeron", system(payload, aeron, aeronP99));
        return size;
    }

    private ObjectNode system(final int payload, final double msgsPerSec, final double p99Micros)
    {
        final Histogram histogram = new Histogram(3);
        for (int i = 1; i <= 1000; i++)
        {
            histogram.recordValue((long)(p99Micros * 1000 * i / 990));
        }
        final ObjectNode node = mapper.createObjectNode();
        node.put("msgsPerSec", msgsPerSec).put("megabytesPerSec", msgsPerSec * payload / 1e6);
        final ObjectNode rtt = PointToPointPart.rtt(mapper, histogram);
        rtt.put("p99", p99Micros);
        node.set("rttMicros", rtt);
        return node;
    }

    private ObjectNode row(final String system, final int nodes, final double delivered, final double bytes)
    {
        return mapper.createObjectNode().put("system", system).put("variant", "v").put("nodes", nodes)
            .put("deliveredPerNodePerSecond", delivered).put("latencyP50Ms", 100.0).put("latencyP99Ms", 600.0)
            .put("bytesOnWirePerDelivered", bytes).put("messagesPerSignature", 1.0).put("allDelivered", true);
    }
}
