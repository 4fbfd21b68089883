package io.chainmesh.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chainmesh.bench.BenchDevnet;
import io.chainmesh.bench.BenchmarkRunner;
import io.chainmesh.bench.NetworkBenchmark;
import io.chainmesh.bench.NodeMeasurements;
import io.chainmesh.bench.TierVerdict;
import io.chainmesh.codec.control.BenchReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code chainmesh bench}: runs the local benchmarks (CPU, memory, disk) and prints the figures and the
 * tier they earn. With {@code --publish} it also starts an in-process devnet of {@code --nodes} real
 * nodes on 127.0.0.1: each node measures its network through the engine (RTT and throughput to its ring
 * successors), signs a report with the locally measured figures plus its own network figures, publishes it
 * on the bench topic, and the command prints the network's table once every node holds all reports.
 * Exit 0 on success, 1 if the reports did not all arrive.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Benchmark this machine (CPU, memory, disk) and derive its tier; optionally disseminate signed " +
        "reports over an in-process devnet.")
final class BenchCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Short runs (about a second in all) instead of the standard ones.")
    boolean quick;

    @Option(names = "--json", description = "Print machine-readable JSON only.")
    boolean json;

    @Option(names = "--dir", paramLabel = "<dir>", description = "Directory for the disk test (default: java.io.tmpdir).")
    Path dir;

    @Option(names = "--publish", description = "Start an in-process devnet, measure its network, publish and collect " +
        "every node's signed report, print the network's table.")
    boolean publish;

    @Option(names = "--nodes", defaultValue = "4", description = "Devnet nodes with --publish (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--seed", defaultValue = "42", description = "Devnet seed with --publish (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final boolean terminal = !json && null != System.console();
        final BenchmarkRunner.Context ctx = quick ? BenchmarkRunner.Context.quick() : new BenchmarkRunner.Context();
        if (null != dir)
        {
            ctx.diskDirectory(dir);
        }
        ctx.progress((step, index, count) ->
        {
            if (json)
            {
                return;
            }
            if (terminal)
            {
                final int width = 30;
                final int filled = width * index / count;
                out.printf("\r[%s%s] %d/%d %-20s", "#".repeat(filled), ".".repeat(width - filled), index + 1, count, step);
            }
            else
            {
                out.printf("step %d/%d: %s%n", index + 1, count, step);
            }
            out.flush();
        });
        final BenchmarkRunner runner = new BenchmarkRunner(ctx);
        final NodeMeasurements local = runner.measureLocal();
        final TierVerdict verdict = runner.tierOf(local);
        if (terminal)
        {
            out.printf("\r%-70s\r", "");
        }
        final Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("measurements", local);
        doc.put("tier", verdict.qualifies() ? verdict.tier().name() : "BELOW_CUMULUS");
        doc.put("reason", verdict.reason());
        if (!json)
        {
            printLocal(out, local, verdict);
        }
        int exit = 0;
        if (publish)
        {
            exit = publish(out, local, runner, doc);
        }
        if (json)
        {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
        }
        out.flush();
        return exit;
    }

    private int publish(final PrintWriter out, final NodeMeasurements local, final BenchmarkRunner runner,
        final Map<String, Object> doc) throws Exception
    {
        if (!json)
        {
            out.printf("%nstarting an in-process devnet of %d nodes on 127.0.0.1 ...%n", nodes);
            out.flush();
        }
        try (BenchDevnet devnet = BenchDevnet.launch(nodes, 2, seed, c -> {}))
        {
            final NetworkBenchmark.Limits limits = quick ? NetworkBenchmark.Limits.quick() : NetworkBenchmark.Limits.standard();
            // one discarded quick run first so the JIT does not inflate the first node's figures
            devnet.measureNetwork(0, NetworkBenchmark.Limits.quick());
            final long now = System.currentTimeMillis();
            for (int i = 0; i < nodes; i++)
            {
                final NetworkBenchmark.Result net = devnet.measureNetwork(i, limits);
                final NodeMeasurements m = local.withNetwork(net.rttMicros(), net.throughputMbps());
                devnet.publishReport(i, m, runner.tierOf(m), now);
                if (!json)
                {
                    out.printf("node %d: rtt %.1f us, throughput %.1f Mb/s, report published%n", i, net.rttMicros(),
                        net.throughputMbps());
                    out.flush();
                }
            }
            final boolean complete = devnet.awaitAllReports(nodes, TimeUnit.SECONDS.toNanos(30));
            final List<Object> reports = new ArrayList<>();
            for (final BenchReport r : devnet.reporter(0).latest().values())
            {
                reports.add(toMap(r));
            }
            doc.put("networkComplete", complete);
            doc.put("networkReports", reports);
            if (!json)
            {
                out.println();
                out.print(devnet.reporter(0).table());
                out.println(complete ? "every node holds all " + nodes + " reports" :
                    "INCOMPLETE: fewest reports held by a node = " + devnet.minReports() + "/" + nodes);
            }
            return complete ? 0 : ChainmeshCli.EXIT_NEGATIVE;
        }
    }

    private static Map<String, Object> toMap(final BenchReport r)
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        map.put("nodeId", io.chainmesh.codec.crypto.PublicKey.fromBytes(r.getNodeId().toByteArray()).toString());
        map.put("timestampMillis", r.getTimestampMillis());
        map.put("tier", r.getTier().name());
        map.put("tierReason", r.getTierReason());
        map.put("cores", r.getCores());
        map.put("ramBytes", r.getRamBytes());
        map.put("epsMulti", r.getEpsMulti());
        map.put("diskWriteMBps", r.getDiskWriteMbps());
        map.put("networkRttMicros", r.getNetworkRttMicros());
        map.put("networkThroughputMbps", r.getNetworkThroughputMbps());
        return map;
    }

    private static void printLocal(final PrintWriter out, final NodeMeasurements m, final TierVerdict verdict)
    {
        out.printf("%-24s %16s%n", "measurement", "value");
        out.printf("%-24s %16d%n", "cores", m.cores());
        out.printf("%-24s %16.1f%n", "ram GB", m.ramBytes() / 1e9);
        out.printf("%-24s %16.1f%n", "storage GB", m.storageBytes() / 1e9);
        out.printf("%-24s %16.1f%n", "cpu eps single", m.epsSingle());
        out.printf("%-24s %16.1f%n", "cpu eps multi", m.epsMulti());
        out.printf("%-24s %16.1f%n", "memory MB/s", m.memoryBandwidthMBps());
        out.printf("%-24s %16.1f%n", "disk write MB/s", m.diskWriteMBps());
        out.printf("%-24s %16s%n", "tier", verdict.qualifies() ? verdict.tier().name() : "BELOW_CUMULUS");
        out.printf("%-24s %s%n", "reason", verdict.reason());
    }
}
