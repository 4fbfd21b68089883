package io.chainmesh.perf.ceiling;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.engine.broadcast.BroadcastStrategy;
import io.chainmesh.node.DevnetReport;
import io.chainmesh.node.DevnetRunner;
import io.chainmesh.perf.capacity.CollapsedProfile;

import java.nio.file.Path;

/**
 * One broadcast run to profile from outside (JFR, async-profiler): chainmesh tree or flood at max rate, or the
 * raw or signed fan-out ceiling, 16 nodes, 64 B, every node publishing. Prints the figures.
 * <pre>
 * $JAVA -XX:StartFlightRecording=filename=tree.jfr,settings=profile io.chainmesh.perf.ceiling.BroadcastProfileTarget tree 8
 * jfr print --events jdk.ExecutionSample tree.jfr   # or: jfr summary tree.jfr
 * $JAVA -DwarmupMillis=6000 -Dprofile=tree.collapsed io.chainmesh.perf.ceiling.BroadcastProfileTarget tree 8 16
 * </pre>
 * {@code -Dprofile=FILE} samples every thread's CPU with async-profiler from the end of the warm-up to the end of the
 * run and prints where a delivery's CPU goes ({@link CollapsedProfile}); {@code -DwarmupMillis} sets the warm-up
 * (default 2 s, as the suite's rows).
 */
public final class BroadcastProfileTarget
{
    private BroadcastProfileTarget()
    {
    }

    /**
     * @param args {@code tree|flood|ceiling|signed-ceiling} [seconds=8] [nodes=16] [ceiling batch=40] [verify workers
     *             per node=1].
     * @throws InterruptedException if interrupted.
     * @throws java.io.IOException if {@code -Dprofile=FILE} cannot be written or read.
     */
    public static void main(final String[] args) throws InterruptedException, java.io.IOException
    {
        final String what = args.length > 0 ? args[0] : "tree";
        final int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        final int nodes = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        final String profile = System.getProperty("profile");
        if (what.endsWith("ceiling"))
        {
            final int batch = args.length > 3 ? Integer.parseInt(args[3]) : 40;
            final RawFanoutCeiling.Result result = RawFanoutCeiling.run(nodes, 64, batch, seconds, 1000,
                what.startsWith("signed") ? RawFanoutCeiling.Work.SIGNED_SEALED : RawFanoutCeiling.Work.NONE,
                () -> startProfile(profile));
            System.out.println(result);
            if (null != profile)
            {
                printProfile(profile, result.delivered());
            }
            return;
        }
        final DevnetReport report = new DevnetRunner(new DevnetRunner.Context().nodes(nodes).messageSize(64)
            .progress(line -> startProfileAfterWarmUp(profile, line), false)
            .durationMillis(seconds * 1000L).drainMillis(30_000)
            .strategy("flood".equals(what) ? BroadcastStrategy.FLOOD : BroadcastStrategy.TREE).rate(0).lingerMicros(20_000)
            .warmupMillis(Long.getLong("warmupMillis", 2_000)).maxMessagesPerBatch(65_535)
            .verifyWorkers(args.length > 4 ? Integer.parseInt(args[4]) : 1)).run();
        System.out.printf("%s: %.0f delivered msgs/s per node, %.1f msgs per signature, p50 %.1f ms, p99 %.1f ms, all delivered %s%n",
            what, report.deliveredPerNodePerSecond(), report.published() / (double)Math.max(1, report.batchesPublished()),
            report.latencyMicros().p50() / 1000, report.latencyMicros().p99() / 1000, report.passed());
        if (null != profile)
        {
            printProfile(profile, report.deliveredPerNodePerSecond() * nodes * report.durationSeconds());
        }
    }

    /** Stops the profiler and prints where a delivery's CPU went, over the deliveries it sampled. */
    private static void printProfile(final String profile, final double deliveries) throws java.io.IOException
    {
        one.profiler.AsyncProfiler.getInstance().execute("stop,file=" + profile + ",collapsed");
        final ObjectNode summary = CollapsedProfile.summarize(Path.of(profile), new ObjectMapper());
        // One sample per 0.5 ms of CPU, all threads.
        System.out.println(CollapsedProfile.text(summary, summary.path("samples").asLong() * 500.0 / deliveries));
    }

    private static void startProfileAfterWarmUp(final String profile, final String line)
    {
        if (line.startsWith("warm-up: ") && line.contains(" messages in "))
        {
            startProfile(profile);
        }
    }

    private static void startProfile(final String profile)
    {
        if (null != profile)
        {
            try
            {
                one.profiler.AsyncProfiler.getInstance().execute("start,event=cpu,interval=500000,threads");
            }
            catch (final java.io.IOException ex)
            {
                throw new java.io.UncheckedIOException(ex);
            }
        }
    }
}
