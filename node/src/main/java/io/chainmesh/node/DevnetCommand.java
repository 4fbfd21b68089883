package io.chainmesh.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chainmesh.engine.broadcast.BroadcastStrategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code chainmesh devnet}: the main job. Starts a devnet in this JVM, runs a broadcast workload, shows
 * progress, prints a summary and writes a JSON report. Exit 0 when every message reached every member
 * that stayed in the directory exactly once, 1 otherwise.
 */
@Command(name = "devnet", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run an embedded devnet of chainmesh nodes on 127.0.0.1 with a broadcast workload.")
final class DevnetCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    // 8: on a busy 2-core machine 16 in-process members, each verifying every other one's signatures, queue behind
    // each other (p50 in the hundreds of ms); 8 keep p50 in the tens of ms there.
    @Option(names = "--nodes", defaultValue = "8", description = "Members (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--rate", defaultValue = "5000",
        description = "Messages per second offered over all nodes; 0 = as fast as accepted (default: ${DEFAULT-VALUE}).")
    long rate;

    @Option(names = "--size", defaultValue = "128", description = "Payload bytes per message (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--duration", defaultValue = "10s", converter = Durations.Seconds.class,
        description = "Time of publishing: 500ms, 10s, 2m; a bare number is seconds (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "3s", converter = Durations.Seconds.class,
        description = "Time of the same workload on a separate topic before the measured run, not counted, so the " +
            "figures are of compiled code; a bare number is seconds (default: ${DEFAULT-VALUE}; 0 = none; in-process only).")
    Duration warmup;

    @Option(names = "--churn", description = "A member leaves a third of the way in and rejoins at two thirds.")
    boolean churn;

    @Option(names = "--strategy", defaultValue = "TREE", description = "TREE or FLOOD (default: ${DEFAULT-VALUE}).")
    BroadcastStrategy strategy;

    @Option(names = "--operators", defaultValue = "-1", paramLabel = "<k>",
        description = "Operators holding the members' keys: member i signs with operator i %% k's key, as Flux " +
            "operators list many nodes under one key; 0 = a key per member; -1 (default) = a quarter of the nodes.")
    int operators;

    @Option(names = "--seed", defaultValue = "42", description = "Devnet seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"--linger", "--linger-ms"}, defaultValue = "20ms", converter = Durations.Millis.class,
        description = "How long each node keeps a batch open for more messages before signing it; a bare number is " +
            "milliseconds. All nodes share this machine's cores and every batch is verified by each other node, so the " +
            "devnet batches harder than a real deployment would (default: ${DEFAULT-VALUE}).")
    Duration linger;

    @Option(names = "--io-threads", defaultValue = "2",
        description = "Netty IO threads shared by the nodes; with --processes each member has one (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--processes",
        description = "One JVM per member (same java and jar), sharing this process's devnet chain over its fluxd RPC endpoint.")
    boolean processes;

    @Option(names = "--base-port", defaultValue = "0",
        description = "Member i listens on base-port + i; 0 picks free loopback ports (default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--member-jvm-option", paramLabel = "<option>",
        description = "Extra JVM option for every member process of --processes (repeatable), e.g. -Xmx512m.")
    List<String> memberJvmOptions = new java.util.ArrayList<>();

    @Option(names = "--faults", paramLabel = "<plan>",
        description = "With --processes: faults played during publishing, TIME:ACTION[:TARGET] separated by commas, e.g. " +
            "5s:kill9:2,12s:restart:2,20s:partition:0-3|4-7,30s:heal; actions kill9, term, stop, cont, restart, " +
            "restart-wiped, partition (groups of members joined by | , members within a group by +), heal.")
    String faultPlan;

    @Option(names = "--link-latency", paramLabel = "<min[-max]>",
        description = "With --processes (test only): one-way latency every link adds inside the nodes, drawn per link " +
            "in the range, e.g. 50ms-300ms; a bare number is milliseconds.")
    String linkLatency;

    @Option(names = "--link-jitter", paramLabel = "<duration>", converter = Durations.Millis.class,
        description = "With --link-latency: most extra latency per read, without reordering (default: none).")
    Duration linkJitter;

    @Option(names = "--report", defaultValue = "chainmesh-devnet-report.json", paramLabel = "<path>",
        description = "Where to write the JSON report (default: ${DEFAULT-VALUE}).")
    Path report;

    @Override
    public Integer call() throws InterruptedException, IOException
    {
        if (!processes && !memberJvmOptions.isEmpty())
        {
            throw new IllegalArgumentException("--member-jvm-option=" + memberJvmOptions.get(0) + " needs --processes");
        }
        final DevnetProcessRunner.Faults faults = faults();
        final PrintWriter out = spec.commandLine().getOut();
        final boolean terminal = ChainmeshCli.isTerminal();
        final DevnetRunner.Context settings = new DevnetRunner.Context()
            .nodes(nodes).rate(rate).messageSize(size).durationMillis(duration.toMillis())
            .warmupMillis(processes ? 0 : warmup.toMillis())
            .churn(churn).strategy(strategy).seed(seed).ioThreads(ioThreads).lingerMicros(linger.toNanos() / 1000)
            .progress(line ->
            {
                if (terminal && line.startsWith("\r"))
                {
                    out.print(line);
                }
                else
                {
                    out.println(line.startsWith("\r") ? line.substring(1) : line);
                }
                out.flush();
            }, terminal)
            .statusPage(url ->
            {
                out.println("status page of member 0 (live while the devnet runs): " + url);
                out.flush();
            });
        settings.basePort(basePort);
        if (operators < -1 || operators > nodes)
        {
            throw new IllegalArgumentException("--operators=" + operators + " must be in [-1, --nodes=" + nodes + "]");
        }
        settings.operators(operators);
        final DevnetProcessRunner children = processes ? new DevnetProcessRunner(settings, memberJvmOptions, faults) : null;
        final DevnetRunner runner = processes ? null : new DevnetRunner(settings);
        final int keys = 0 == settings.operators() ? nodes : settings.operators();
        out.printf("chainmesh devnet: %d nodes%s under %d operator keys, %s broadcast, %s msgs/s of %d B for %s%s%n",
            nodes, processes ? " (one process each)" : "", keys, strategy, rate == 0 ? "max" : String.format("%,d", rate),
            size, Durations.human(duration.toNanos()), churn ? ", with churn" : "");
        if (faults.any())
        {
            out.println("faults: " + (null == faults.plan() ? "none" : faults.plan().text()) +
                (faults.latencyText().isEmpty() ? "" : "; link latency " + faults.latencyText() + " (injected inside the nodes)"));
        }
        out.flush();
        final DevnetReport result;
        try
        {
            result = processes ? children.run() : runner.run();
        }
        catch (final DevnetProcessRunner.MemberFailure ex)
        {
            if (terminal)
            {
                out.println();
            }
            out.flush();
            spec.commandLine().getErr().println("error: " + ex.getMessage());
            spec.commandLine().getErr().flush();
            return ChainmeshCli.EXIT_FAILURE;
        }
        if (terminal)
        {
            out.println();
        }
        printSummary(out, result);
        final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        final Path parent = report.toAbsolutePath().getParent();
        if (null != parent)
        {
            Files.createDirectories(parent);
        }
        json.writeValue(report.toFile(), result);
        out.println("report: " + report.toAbsolutePath());
        if (null != result.faults() && null != faults.plan())
        {
            out.println(result.passed() ? "PASSED: every message owed reached every live member exactly once (" +
                result.faults().lostAtDeath() + " in flight at a kill, committed by no live member)" :
                "FAILED: " + result.missing() + " deliveries owed to live members missing, " + result.duplicates() + " duplicated");
        }
        else
        {
            out.println(result.passed() ? "PASSED: every message reached every steady member exactly once" :
                "FAILED: " + result.missing() + " deliveries missing, " + result.duplicates() + " duplicated");
        }
        out.flush();
        return result.passed() ? 0 : ChainmeshCli.EXIT_NEGATIVE;
    }

    private static void printSummary(final PrintWriter out, final DevnetReport r)
    {
        out.println();
        out.printf("%-5s %-6s %10s %12s %9s %6s %6s %10s %10s%n",
            "node", "port", "published", "delivered", "missing", "dups", "links", "p50", "p99");
        for (final DevnetReport.NodeRow row : r.perNode())
        {
            out.printf("%-5s %-6d %,10d %,12d %,9d %,6d %6d %10s %10s%n",
                row.index() + (row.index() == r.churned() ? "*" : ""), row.port(), row.published(), row.delivered(),
                row.missing(), row.duplicates(), row.links(), micros(row.p50Micros()), micros(row.p99Micros()));
        }
        out.printf("%-5s %-6s %,10d %,12d %,9d %,6d%n", "total", "", r.published(), r.delivered(), r.missing(), r.duplicates());
        if (r.churned() >= 0)
        {
            out.println("* left and rejoined the directory during the run; not counted in the totals");
        }
        out.println();
        out.printf("delivered %,.0f msgs/s per node, %.1f MB/s in all; latency p50 %s, p90 %s, p99 %s, p99.9 %s, max %s%n",
            r.deliveredPerNodePerSecond(), r.megabytesPerSecond(), micros(r.latencyMicros().p50()),
            micros(r.latencyMicros().p90()), micros(r.latencyMicros().p99()), micros(r.latencyMicros().p999()),
            micros(r.latencyMicros().max()));
        out.printf("batches: %,d signed, %,d transmissions (%.2f per batch per other member), %,d repaired; " +
            "back-pressured offers %,d%n", r.batchesPublished(), r.batchesForwarded(),
            r.batchesPublished() == 0 ? 0.0 : r.batchesForwarded() / (double)r.batchesPublished() / (r.nodes() - 1),
            r.repairFrames(), r.backPressured());
        out.println("batch sizes (messages per signature): " + describe(r.batchSizes()));
        if (null != r.faults())
        {
            printFaults(out, r.faults());
        }
    }

    private static void printFaults(final PrintWriter out, final DevnetFaultReport f)
    {
        out.println();
        out.printf("%-5s %-26s %8s %8s %5s %10s %12s %10s %9s %10s %10s%n", "phase", "started by", "from", "to", "live",
            "published", "delivered", "deliv/s", "repairs", "p99", "max");
        for (final DevnetFaultReport.Phase p : f.phases())
        {
            out.printf("%-5d %-26s %7.1fs %7.1fs %5d %,10d %,12d %,10.0f %,9d %10s %10s%n", p.index(),
                p.startedBy().length() > 26 ? p.startedBy().substring(0, 23) + "..." : p.startedBy(), p.fromSeconds(),
                p.toSeconds(), p.liveMembers(), p.published(), p.delivered(), p.deliveredPerSecond(), p.repairFrames(),
                micros(p.latencyMicros().p99()), micros(p.latencyMicros().max()));
        }
        out.println();
        out.printf("%-9s %8s %8s %-16s %10s %10s %12s %10s %9s %9s%n", "member", "started", "ready", "ended",
            "published", "owed", "to every", "catch-up", "missing", "too old");
        for (final DevnetFaultReport.Incarnation i : f.incarnations())
        {
            out.printf("%-9s %7.1fs %7.1fs %-16s %,10d %,10d %,12d %10s %,9d %,9d%n", i.member() + "." + i.incarnation(),
                i.startedSeconds(), i.readySeconds(), null == i.endedSeconds() ? "live" :
                String.format("%s at %.1fs", i.endedBy(), i.endedSeconds()), i.published(), i.owed(),
                i.deliveredToEveryLiveMember(), null == i.catchUpSeconds() ? "-" : String.format("%.1f s", i.catchUpSeconds()),
                i.missing(), i.beyondRetention());
        }
        out.println("member.incarnation; owed: its messages every live member must have (all it published if it lived, " +
            "else what any live member committed); to every: the fewest of those any live member has; too old: history " +
            "published more than 55 s before a restarted member asked for it (ready, or later when its oldest history " +
            "came later: beyond retention), not owed to it");
    }

    private DevnetProcessRunner.Faults faults()
    {
        if (!processes && (null != faultPlan || null != linkLatency || null != linkJitter))
        {
            throw new IllegalArgumentException("--faults, --link-latency and --link-jitter need --processes");
        }
        if (null == faultPlan && null == linkLatency && null == linkJitter)
        {
            return DevnetProcessRunner.Faults.NONE;
        }
        final FaultPlan plan = null == faultPlan ? null : FaultPlan.parse(faultPlan, nodes, duration.toMillis());
        if (null != plan && (rate == 0 || churn))
        {
            throw new IllegalArgumentException("--faults needs a fixed --rate and no --churn (the closed loop of --rate 0 " +
                "waits for the slowest receiver, which a fault stops)");
        }
        long minUs = 0;
        long maxUs = 0;
        if (null != linkLatency)
        {
            final String[] range = linkLatency.split("-", -1);
            if (range.length > 2)
            {
                throw new IllegalArgumentException("--link-latency=" + linkLatency + " is not MIN or MIN-MAX, e.g. 50ms-300ms");
            }
            minUs = Durations.parse(range[0], "ms").toNanos() / 1000;
            maxUs = range.length == 2 ? Durations.parse(range[1], "ms").toNanos() / 1000 : minUs;
            if (maxUs < minUs || maxUs > 60_000_000)
            {
                throw new IllegalArgumentException("--link-latency=" + linkLatency + " must be MIN <= MAX <= 1m");
            }
        }
        final long jitterUs = null == linkJitter ? 0 : linkJitter.toNanos() / 1000;
        if (jitterUs > 60_000_000)
        {
            throw new IllegalArgumentException("--link-jitter=" + linkJitter + " must be <= 1m");
        }
        return new DevnetProcessRunner.Faults(plan, minUs, maxUs, jitterUs, null == linkLatency ? "" : linkLatency);
    }

    private static String micros(final double micros)
    {
        return Durations.human(micros * 1000);
    }

    private static String describe(final long[] buckets)
    {
        final StringBuilder sb = new StringBuilder();
        int last = buckets.length - 1;
        while (last > 0 && buckets[last] == 0)
        {
            last--;
        }
        for (int i = 0; i <= last; i++)
        {
            if (buckets[i] > 0)
            {
                sb.append(sb.length() > 0 ? ", " : "").append(i == 0 ? "1" : (1 << i) + "-" + ((1 << (i + 1)) - 1))
                    .append(": ").append(buckets[i]);
            }
        }
        return sb.length() == 0 ? Arrays.toString(buckets) : sb.toString();
    }
}
