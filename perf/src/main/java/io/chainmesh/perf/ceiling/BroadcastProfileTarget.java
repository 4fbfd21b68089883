package io.chainmesh.perf.ceiling;

import io.chainmesh.engine.broadcast.BroadcastStrategy;
import io.chainmesh.node.DevnetReport;
import io.chainmesh.node.DevnetRunner;

/**
 * One broadcast run to profile from outside (JFR, async-profiler): chainmesh tree or flood at max rate, or the
 * raw fan-out ceiling, 16 nodes, 64 B, every node publishing. Prints the figures.
 * <pre>
 * $JAVA -XX:StartFlightRecording=filename=tree.jfr,settings=profile io.chainmesh.perf.ceiling.BroadcastProfileTarget tree 8
 * jfr print --events jdk.ExecutionSample tree.jfr   # or: jfr summary tree.jfr
 * </pre>
 */
public final class BroadcastProfileTarget
{
    private BroadcastProfileTarget()
    {
    }

    /**
     * @param args {@code tree|flood|ceiling} [seconds=8] [nodes=16] [ceiling batch=40].
     * @throws InterruptedException if interrupted.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final String what = args.length > 0 ? args[0] : "tree";
        final int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        final int nodes = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        if ("ceiling".equals(what))
        {
            final int batch = args.length > 3 ? Integer.parseInt(args[3]) : 40;
            System.out.println(RawFanoutCeiling.run(nodes, 64, batch, seconds, 1000));
            return;
        }
        final DevnetReport report = new DevnetRunner(new DevnetRunner.Context().nodes(nodes).messageSize(64)
            .durationMillis(seconds * 1000L).drainMillis(30_000)
            .strategy("flood".equals(what) ? BroadcastStrategy.FLOOD : BroadcastStrategy.TREE).rate(0).lingerMicros(20_000)
            .warmupMillis(2_000).maxMessagesPerBatch(65_535)).run();
        System.out.printf("%s: %.0f delivered msgs/s per node, %.1f msgs per signature, p50 %.1f ms, p99 %.1f ms, all delivered %s%n",
            what, report.deliveredPerNodePerSecond(), report.published() / (double)Math.max(1, report.batchesPublished()),
            report.latencyMicros().p50() / 1000, report.latencyMicros().p99() / 1000, report.passed());
    }
}
