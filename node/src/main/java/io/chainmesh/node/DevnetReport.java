package io.chainmesh.node;

import java.util.List;

/**
 * The outcome of a devnet run, written as JSON by {@code chainmesh devnet --report}.
 *
 * @param nodes                   members started.
 * @param strategy                broadcast strategy.
 * @param messageSize             payload bytes per message.
 * @param targetRate              offered messages per second over all nodes (0 = as fast as accepted).
 * @param durationSeconds         seconds from the first offer until everything owed was delivered (or the drain ended).
 * @param published               messages accepted by {@code offer}.
 * @param backPressured           offers refused with back pressure (retried).
 * @param expectedDeliveries      deliveries owed: every message to every other steady member.
 * @param delivered               deliveries counted at steady members.
 * @param missing                 deliveries owed but not seen when the run ended.
 * @param duplicates              messages delivered more than once to one node.
 * @param deliveredPerNodePerSecond delivered messages per node per second of {@code durationSeconds}.
 * @param megabytesPerSecond      payload megabytes delivered per second, all nodes.
 * @param latencyMicros           publish-to-deliver latency percentiles (p50, p90, p99, p99.9, max).
 * @param batchSizes              batches by size bucket: index i counts [2^i, 2^(i+1)) messages.
 * @param batchesPublished        signed batches originated.
 * @param batchesForwarded        batch transmissions (tree or flood), repair excluded.
 * @param repairFrames            batches sent in answer to WANTs.
 * @param churned                 index of the member that left and rejoined, or -1.
 * @param perNode                 one row per node.
 * @param passed                  true if nothing owed is missing and nothing was duplicated.
 * @param bytesOut                bytes written by all nodes' links from the first offer to the end of the run
 *                                (engine {@code bytes out} counters: frames with headers, control traffic included;
 *                                with {@code --processes}, from each member's start, handshakes included).
 * @param faults                  what a fault plan or link faults did ({@code --processes} only), or null.
 */
public record DevnetReport(
    int nodes,
    String strategy,
    int messageSize,
    long targetRate,
    double durationSeconds,
    long published,
    long backPressured,
    long expectedDeliveries,
    long delivered,
    long missing,
    long duplicates,
    double deliveredPerNodePerSecond,
    double megabytesPerSecond,
    Latency latencyMicros,
    long[] batchSizes,
    long batchesPublished,
    long batchesForwarded,
    long repairFrames,
    int churned,
    List<NodeRow> perNode,
    boolean passed,
    long bytesOut,
    DevnetFaultReport faults)
{
    /**
     * Latency percentiles in microseconds.
     *
     * @param p50   median.
     * @param p90   90th percentile.
     * @param p99   99th percentile.
     * @param p999  99.9th percentile.
     * @param max   maximum.
     * @param count samples.
     */
    public record Latency(double p50, double p90, double p99, double p999, double max, long count)
    {
    }

    /**
     * One node's figures.
     *
     * @param index      member index.
     * @param port       listening port.
     * @param published  messages it originated.
     * @param delivered  messages delivered to it.
     * @param missing    messages owed to it but not delivered.
     * @param duplicates messages delivered to it more than once.
     * @param links      authenticated links at the end.
     * @param p50Micros  median latency of its deliveries.
     * @param p99Micros  99th percentile latency of its deliveries.
     */
    public record NodeRow(
        int index, int port, long published, long delivered, long missing, long duplicates, int links,
        double p50Micros, double p99Micros)
    {
    }
}
