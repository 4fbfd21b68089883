package io.chainmesh.sim;

import io.chainmesh.engine.broadcast.BroadcastCounters;
import io.chainmesh.engine.broadcast.BroadcastTree;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's figures and verdict: what was delivered to whom (checked against who should have it: every member
 * alive at the end and not down from the start, for every batch, except that a member restarted from nothing
 * is owed only what was still within retention when it restarted), hops, latencies, traffic by kind, state per
 * member, and every invariant violation seen during the run.
 */
final class Outcome
{
    private static final int MAX_LOST_LISTED = 10;
    /** How many of the slowest batches have the path to their last member broken down. */
    private static final int SLOWEST_BATCHES = 3;
    /** A leaver is owed what was published this long before the block that removed it (a propagation and a repair). */
    static final long LEAVER_ALLOWANCE_NANOS = 3_000_000_000L;

    final Map<String, Object> figures = new LinkedHashMap<>();
    final List<String> violations = new ArrayList<>();
    long lostPairs;
    /** What the charts draw: latencies per delivery and to the last member, hops, bytes per member by kind. */
    Histogram perDelivery;
    Histogram toLastMember;
    long[] hopCounts;
    long[][] bytesByKind;
    double seconds;

    static Outcome of(final Simulation sim, final long wallNanos)
    {
        final Outcome outcome = new Outcome();
        outcome.collect(sim, wallNanos);
        return outcome;
    }

    boolean passed()
    {
        return violations.isEmpty();
    }

    private void collect(final Simulation sim, final long wallNanos)
    {
        final SimConfig config = sim.config;
        final int n = sim.nodes.length;
        final Ledger ledger = sim.ledger;
        int alive = 0;
        for (final SimNode node : sim.nodes)
        {
            alive += node.alive ? 1 : 0;
        }
        figures.put("seed", config.seed());
        figures.put("listed", config.members());
        figures.put("members", n);
        figures.put("distinct_keys", sim.directory.distinctKeys());
        figures.put("alive_at_end", alive);
        long links = 0;
        int mostLinks = 0;
        for (final SimNode node : sim.nodes)
        {
            links += node.neighbours.length;
            mostLinks = Math.max(mostLinks, node.neighbours.length);
        }
        final Map<String, Object> linksPerMember = new LinkedHashMap<>();
        linksPerMember.put("mean", round((double)links / Math.max(1, n), 1));
        linksPerMember.put("max", mostLinks);
        figures.put("links_per_member", linksPerMember);
        figures.put("simulated_seconds", config.seconds());
        figures.put("wall_seconds", round(wallNanos / 1e9, 1));
        figures.put("events", sim.events.scheduled());
        figures.put("load_batches_per_second", config.batchesPerSecond());
        figures.put("publishers", config.publishers());
        figures.put("payload_bytes", config.payloadBytes());
        figures.put("faults", config.faults());
        figures.put("batches_published", ledger.batches());
        figures.put("offers_refused", sim.offersRefused);
        figures.put("forged_frames_sent", sim.faults.forged);
        figures.put("lying_want_miss_sent", sim.byzantine.liesSent);
        if (sim.faults.plan.narrowers() + sim.faults.plan.flooders() + sim.faults.plan.replayers() > 0)
        {
            final Map<String, Object> byzantine = new LinkedHashMap<>();
            byzantine.put("narrowed_forwards_sent", sim.byzantine.narrowedSent);
            byzantine.put("flood_wants_sent", sim.byzantine.floodWantsSent);
            byzantine.put("replayed_frames_sent", sim.byzantine.replaysSent);
            byzantine.put("repair_bytes_to_flooders", sim.network.repairBytesToFlooders);
            byzantine.put("repair_bytes_per_second_to_flooders_per_honest_member_mean",
                round(sim.network.repairBytesToFlooders / config.seconds() / Math.max(1, honest(sim)), 1));
            byzantine.put("repair_bytes_per_second_to_flooders_busiest_member",
                round(sim.network.maxRepairBytesToFloodersByMember() / config.seconds(), 1));
            figures.put("byzantine", byzantine);
        }
        if (null != sim.churn)
        {
            figures.put("listed_at_start", sim.initialMembers);
            figures.put("block_seconds", sim.faults.plan.blockSeconds());
            figures.put("block_skew_max_seconds", sim.faults.plan.skewSeconds());
            figures.put("blocks", sim.churn.blocks());
            figures.put("left_per_block", sim.churn.perBlock());
            figures.put("members_left", sim.churn.left);
            figures.put("members_joined", sim.churn.joined);
            figures.put("dials_refused_not_listed", sim.network.refusedNotListed);
        }
        deliveries(sim);
        traffic(sim, n);
        state(sim);
        engineCounters(sim);
        violations.addAll(0, ledger.violations());
        if (ledger.violationCount() > ledger.violations().size())
        {
            violations.add("... " + (ledger.violationCount() - ledger.violations().size()) + " more violations");
        }
        figures.put("violations", ledger.violationCount() + lostPairs);
        figures.put("replay", "sim/run.sh " + config.toArgs());
    }

    private void deliveries(final Simulation sim)
    {
        final Ledger ledger = sim.ledger;
        final long retentionNanos = sim.config.retentionMillis() * 1_000_000L;
        final Histogram propagation = new Histogram(3_600_000_000_000L, 3);
        final Histogram nearBlock = new Histogram(3_600_000_000_000L, 3);
        final Histogram awayFromBlocks = new Histogram(3_600_000_000_000L, 3);
        long expected = 0;
        long delivered = 0;
        long notOwed = 0;
        long joinerHistory = 0;
        long quitterLate = 0;
        long quitterLateDelivered = 0;
        long afterLeaving = 0;
        int incomplete = 0;
        final List<Integer> completeBatches = new ArrayList<>();
        for (int b = 0; b < ledger.batches(); b++)
        {
            final long publishedAt = ledger.publishedAt(b);
            boolean complete = true;
            for (final SimNode node : sim.nodes)
            {
                if (node.index == ledger.origin(b) || !node.alive || node.downFromStart ||
                    (node.lastStatelessRestart >= 0 && publishedAt < node.lastStatelessRestart - retentionNanos))
                {
                    continue;
                }
                if (sim.faults.evictedBeforeHeal(node.index, ledger.origin(b), publishedAt, retentionNanos))
                {
                    notOwed++;
                    continue;
                }
                final SimNode origin = sim.nodes[ledger.origin(b)];
                if (origin.leftAt >= 0 && publishedAt > origin.leftAt - LEAVER_ALLOWANCE_NANOS)
                {
                    // Published by a leaver near or after the block that removed it: lists without it refuse it.
                    quitterLate++;
                    quitterLateDelivered += ledger.delivered(b, node.index) ? 1 : 0;
                    continue;
                }
                if (node.joiner && publishedAt < node.joinedAt)
                {
                    // A joiner is owed what is published from its join on; older history is counted apart.
                    joinerHistory += ledger.delivered(b, node.index) ? 1 : 0;
                    continue;
                }
                if (node.leftAt >= 0 && publishedAt > node.leftAt - LEAVER_ALLOWANCE_NANOS)
                {
                    // A leaver is owed only what was published while it was listed, a propagation before it left.
                    afterLeaving += ledger.delivered(b, node.index) ? 1 : 0;
                    continue;
                }
                expected++;
                if (ledger.delivered(b, node.index))
                {
                    delivered++;
                }
                else
                {
                    complete = false;
                    if (lostPairs++ < MAX_LOST_LISTED)
                    {
                        violations.add("LOST batch " + b + " (origin " + ledger.origin(b) + ", published at " +
                            ms(publishedAt) + " ms) never delivered to live member " + node.index + describe(node));
                    }
                }
            }
            if (complete)
            {
                completeBatches.add(b);
                propagation.recordValue(Math.max(0, ledger.lastDeliveryAt(b) - publishedAt));
                if (null != sim.churn)
                {
                    (sim.churn.nearBlock(publishedAt) ? nearBlock : awayFromBlocks)
                        .recordValue(Math.max(0, ledger.lastDeliveryAt(b) - publishedAt));
                }
            }
            else
            {
                incomplete++;
            }
        }
        figures.put("expected_deliveries", expected);
        figures.put("not_owed_beyond_retention_at_heal", notOwed);
        figures.put("delivered", delivered);
        if (null != sim.churn)
        {
            figures.put("joiner_history_deliveries_not_owed", joinerHistory);
            figures.put("leaver_deliveries_not_owed", afterLeaving);
            if (sim.faults.plan.quitters() > 0)
            {
                figures.put("quitting_publishers_batches_near_leave_member_pairs", quitterLate);
                figures.put("quitting_publishers_batches_near_leave_delivered", quitterLateDelivered);
            }
        }
        figures.put("delivery_percent", expected == 0 ? 100.0 : round(100.0 * delivered / expected, 4));
        figures.put("batches_not_fully_delivered", incomplete);
        final long[] hops = ledger.hopCounts();
        final Map<String, Long> hopDistribution = new LinkedHashMap<>();
        int maxHop = 0;
        for (int h = 1; h < hops.length; h++)
        {
            if (hops[h] > 0)
            {
                hopDistribution.put(Integer.toString(h), hops[h]);
                maxHop = h;
            }
        }
        figures.put("hops_max", maxHop);
        // One hop more than the tree's depth: a hand-over past a down member adds one.
        figures.put("hops_bound", 1 + BroadcastTree.depthBound(Math.max(1, sim.nodes.length)));
        figures.put("hops_distribution", hopDistribution);
        figures.put("propagation_to_last_member_ms", percentiles(propagation));
        figures.put("slowest_batches_path_to_last_member", slowestPaths(ledger, completeBatches));
        if (null != sim.churn)
        {
            figures.put("propagation_to_last_member_ms_published_near_a_block", percentiles(nearBlock));
            figures.put("propagation_to_last_member_ms_published_away_from_blocks", percentiles(awayFromBlocks));
        }
        perDelivery = ledger.deliveryLatency();
        toLastMember = propagation;
        hopCounts = hops;
        bytesByKind = sim.network.traffic.bytes;
        seconds = sim.config.seconds();
        figures.put("delivery_latency_ms", percentiles(ledger.deliveryLatency()));
    }

    /**
     * Where the time to the last member went for the slowest batches: the one-way link latencies drawn along its
     * path, the senders' uplinks (backlog and serialisation), and the rest: CPU at each hop (ingress queue, verify,
     * commit), frames held behind earlier ones on the same connection and, under faults, the time a holder kept the
     * batch until a repair sent it on.
     */
    private static List<Map<String, Object>> slowestPaths(final Ledger ledger, final List<Integer> batches)
    {
        batches.sort((a, b) -> Long.compare(ledger.lastDeliveryAt(b) - ledger.publishedAt(b),
            ledger.lastDeliveryAt(a) - ledger.publishedAt(a)));
        final List<Map<String, Object>> slowest = new ArrayList<>();
        for (int i = 0; i < Math.min(SLOWEST_BATCHES, batches.size()); i++)
        {
            final int b = batches.get(i);
            final int last = ledger.lastMember(b);
            final long total = ledger.lastDeliveryAt(b) - ledger.publishedAt(b);
            final long link = ledger.pathLinkNanos(b, last);
            final long uplink = ledger.pathUplinkNanos(b, last);
            final Map<String, Object> path = new LinkedHashMap<>();
            path.put("batch", b);
            path.put("to_last_member_ms", ms(total));
            path.put("hops", ledger.hopAt(b, last));
            path.put("link_latency_ms", ms(link));
            path.put("uplink_ms", ms(uplink));
            path.put("cpu_and_queueing_ms", ms(total - link - uplink));
            slowest.add(path);
        }
        return slowest;
    }

    private void traffic(final Simulation sim, final int n)
    {
        final Traffic traffic = sim.network.traffic;
        final double seconds = sim.config.seconds();
        final long batchFrames = traffic.total(Traffic.DATA, false) + traffic.total(Traffic.REPAIR, false);
        final long deliveries = sim.ledger.deliveries();
        figures.put("batch_transmissions", batchFrames);
        figures.put("transmissions_per_delivery", deliveries == 0 ? 0 : round((double)batchFrames / deliveries, 4));
        figures.put("repair_frames", traffic.total(Traffic.REPAIR, false));
        figures.put("repair_bytes", traffic.total(Traffic.REPAIR, true));
        final long repaired = sim.ledger.repairedDeliveries();
        figures.put("repaired_deliveries", repaired);
        figures.put("repair_frames_per_repaired_delivery",
            repaired == 0 ? 0 : round((double)traffic.total(Traffic.REPAIR, false) / repaired, 3));
        figures.put("repair_bytes_per_repaired_delivery",
            repaired == 0 ? 0 : round((double)traffic.total(Traffic.REPAIR, true) / repaired, 1));
        figures.put("repaired_delivery_latency_ms", percentiles(sim.ledger.repairedLatency()));
        final Map<String, Object> perNode = new LinkedHashMap<>();
        long control = 0;
        for (int kind = 0; kind < Traffic.NAMES.length; kind++)
        {
            final long total = traffic.total(kind, true);
            perNode.put(Traffic.NAMES[kind] + "_mean", round(total / seconds / n, 1));
            perNode.put(Traffic.NAMES[kind] + "_max", round(traffic.max(kind) / seconds, 1));
            if (kind == Traffic.DIGEST || kind == Traffic.WANT || kind == Traffic.WANT_MISS || kind == Traffic.HEARTBEAT)
            {
                control += total;
            }
        }
        final long data = traffic.total(Traffic.DATA, true) + traffic.total(Traffic.REPAIR, true);
        figures.put("bytes_per_second_per_node", perNode);
        figures.put("control_bytes_per_second_per_node", round(control / seconds / n, 1));
        figures.put("data_bytes_per_second_per_node", round(data / seconds / n, 1));
        figures.put("control_to_data_ratio", data == 0 ? 0 : round((double)control / data, 3));
        figures.put("frames_lost_in_reset_connections", sim.network.droppedInFlight);
        figures.put("sends_back_pressured", sim.network.backPressured);
        figures.put("link_closes", sim.network.closes());
        figures.put("link_closes_between_live_members", sim.network.closesBetweenLiveMembers());
    }

    private void state(final Simulation sim)
    {
        int maxIngress = 0;
        long maxUplink = 0;
        for (final SimNode node : sim.nodes)
        {
            maxIngress = Math.max(maxIngress, node.maxIngressDepth);
            maxUplink = Math.max(maxUplink, node.maxUplinkBacklogNanos);
        }
        final Map<String, Object> state = new LinkedHashMap<>();
        state.put("ingress_backlog_max_frames", maxIngress);
        state.put("ingress_ring_slots", sim.config.ingressRingSize());
        state.put("uplink_backlog_max_ms", round(maxUplink / 1e6, 1));
        state.put("link_queue_max_bytes", sim.network.maxLinkPendingBytes);
        state.put("link_budget_bytes", sim.config.linkBudgetBytes());
        state.put("retention_bytes", sim.config.retentionBytes());
        figures.put("state_per_node", state);
        if (sim.network.maxLinkPendingBytes > sim.config.linkBudgetBytes())
        {
            violations.add("UNBOUNDED link queue " + sim.network.maxLinkPendingBytes + " B over the budget");
        }
    }

    private void engineCounters(final Simulation sim)
    {
        long duplicates = 0;
        long lostBeyondRetention = 0;
        long handedOver = 0;
        long wants = 0;
        long forged = 0;
        long resent = 0;
        long originPauses = 0;
        long repairForwardsHeld = 0;
        long repairCutByPeerAllowance = 0;
        long repairRangesHeldByAsker = 0;
        for (final SimNode node : sim.nodes)
        {
            final BroadcastCounters c = node.stage.counters();
            duplicates += c.duplicates();
            lostBeyondRetention += c.lostBeyondRetention();
            handedOver += c.forwardsHandedOver();
            wants += c.wantsSent();
            forged += c.forged();
            resent += c.forwardsResent();
            originPauses += c.originPauses();
            repairForwardsHeld += c.repairForwardsHeld();
            repairCutByPeerAllowance += c.repairCutByPeerAllowance();
            repairRangesHeldByAsker += c.repairRangesHeldByAsker();
        }
        final Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("duplicates", duplicates);
        counters.put("lost_beyond_retention", lostBeyondRetention);
        counters.put("forwards_handed_over", handedOver);
        counters.put("wants_sent", wants);
        counters.put("forged", forged);
        counters.put("forwards_resent", resent);
        counters.put("origin_pauses", originPauses);
        counters.put("repair_forwards_held", repairForwardsHeld);
        counters.put("repair_cut_by_peer_allowance", repairCutByPeerAllowance);
        counters.put("repair_ranges_held_by_asker", repairRangesHeldByAsker);
        figures.put("engine_counters", counters);
    }

    private static int honest(final Simulation sim)
    {
        int count = 0;
        for (final SimNode node : sim.nodes)
        {
            count += node.flooder || node.liar || node.narrower || node.replayer ? 0 : 1;
        }
        return count;
    }

    private static String describe(final SimNode node)
    {
        return (node.liar ? " (a liar)" : "") + (node.joiner ? " (joined at " + ms(node.joinedAt) + " ms)" : "") +
            (node.leftAt >= 0 ? " (left at " + ms(node.leftAt) + " ms)" : "") + (node.incarnation > 0 ? " (restarted " + node.incarnation / 2 + "x" +
            (node.lastStatelessRestart >= 0 ? ", from nothing at " + ms(node.lastStatelessRestart) + " ms" : "") + ")" : "");
    }

    private static Map<String, Double> percentiles(final Histogram histogram)
    {
        final Map<String, Double> p = new LinkedHashMap<>();
        p.put("p50", ms(histogram.getValueAtPercentile(50)));
        p.put("p99", ms(histogram.getValueAtPercentile(99)));
        p.put("max", ms(histogram.getMaxValue()));
        return p;
    }

    private static double ms(final long nanos)
    {
        return round(nanos / 1e6, 1);
    }

    static double round(final double value, final int digits)
    {
        final double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
