package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.engine.broadcast.BroadcastStrategy;
import io.chainmesh.perf.ceiling.RawFanoutCeiling;

import java.lang.management.ManagementFactory;

/**
 * Chainmesh against a real, widely used gossip implementation and against the machine, in one run at 16 nodes,
 * 64 B, every node publishing: chainmesh tree and flood (closed loop at max rate), the FluxOS-style baseline, js-libp2p
 * gossipsub (closed loop at max rate), a light-load row of chainmesh tree and gossipsub at the same offered rate (one
 * message per second per node, light for both), and two fan-out ceilings with the same tree and batching over plain
 * Netty (batch size = the tree row's messages per signature): the raw one, with no signature and no AEAD, and the
 * signed one, with chainmesh's signatures checked at every node and its AES-GCM records on every link, so that the
 * report splits what chainmesh leaves of the hardware into the cryptography's share and its engine's. Quick mode: the
 * tree and the ceilings only, 1 s each. Before the measured rows (not in quick mode) the tree and the signed ceiling
 * each run once unmeasured, so that the first measured row does not pay alone for compiling the code all rows share,
 * and the FluxOS-style network, in its own processes, runs the same workload unmeasured before its measured run.
 */
final class SideBySidePart implements SuitePart
{
    static final int NODES = 16;
    /** Offered messages per second over all nodes in the light-load rows: one per node per second. */
    static final int LIGHT_RATE = NODES;
    /**
     * Publishing time of each unmeasured warm-up run: the tree and the signed ceiling in this JVM before the rows, the
     * FluxOS-style network in its own processes before its row.
     */
    static final long WARM_UP_SECONDS = 4;

    @Override
    public String name()
    {
        return "sideBySide";
    }

    @Override
    public JsonNode run(final SuiteSettings settings) throws Exception
    {
        final long seconds = settings.pick(8, 1);
        final int size = BroadcastPart.SIZE;
        final ObjectNode part = settings.mapper().createObjectNode();
        part.put("description", "chainmesh vs gossipsub vs FluxOS-style vs the raw and signed fan-out ceilings, " + NODES +
            " nodes on 127.0.0.1, " + size + " B, every node publishing");
        part.put("nodes", NODES);
        part.put("payloadBytes", size);
        part.put("publishSeconds", seconds);
        part.put("lightRate", LIGHT_RATE);
        part.put("warmUpSeconds", settings.quick() ? 0 : WARM_UP_SECONDS);
        part.put("loadAverageBefore", loadAverage());
        final ObjectNode runs = part.putObject("runs");
        if (!settings.quick())
        {
            // Whichever row runs first in a fresh JVM pays for compiling the code the rows share (Netty, the
            // records, the signature check), and the rows after it do not. The tree and the signed ceiling run once
            // each, unmeasured, so that no row is measured cold.
            settings.log().accept("sideBySide: warming the JVM (tree and signed ceiling, not measured)");
            BroadcastRows.chainmesh(settings.mapper(), "warm-up", NODES, size, WARM_UP_SECONDS, BroadcastStrategy.TREE,
                20_000, 65_535, 0);
            RawFanoutCeiling.run(NODES, size, 150, WARM_UP_SECONDS, 1000, RawFanoutCeiling.Work.SIGNED_SEALED);
        }
        settings.log().accept("sideBySide: chainmesh tree");
        final ObjectNode tree = BroadcastRows.chainmesh(settings.mapper(), "tree, batched (20 ms linger)", NODES, size,
            seconds, BroadcastStrategy.TREE, 20_000, 65_535, 0);
        runs.set("tree", tree);
        settings.log().accept("sideBySide: raw fan-out ceiling");
        final int batch = (int)Math.max(1, Math.round(tree.path("messagesPerSignature").asDouble()));
        runs.set("ceiling", BroadcastRows.ceiling(settings.mapper(), RawFanoutCeiling.run(NODES, size, batch, seconds, 1000)));
        settings.log().accept("sideBySide: signed fan-out ceiling");
        runs.set("signedCeiling", BroadcastRows.ceiling(settings.mapper(),
            RawFanoutCeiling.run(NODES, size, batch, seconds, 1000, RawFanoutCeiling.Work.SIGNED_SEALED)));
        if (!settings.quick())
        {
            settings.log().accept("sideBySide: chainmesh flood");
            runs.set("flood", BroadcastRows.chainmesh(settings.mapper(), "flood, batched (20 ms linger)", NODES, size,
                seconds, BroadcastStrategy.FLOOD, 20_000, 65_535, 0));
            settings.log().accept("sideBySide: chainmesh tree at " + LIGHT_RATE + " msgs/s (light load)");
            runs.set("treeLightLoad", BroadcastRows.chainmesh(settings.mapper(), "tree, " + LIGHT_RATE +
                " msgs/s offered, no linger", NODES, size, seconds, BroadcastStrategy.TREE, 0, 65_535, LIGHT_RATE));
            settings.log().accept("sideBySide: FluxOS-style baseline (Node.js)");
            runs.set("fluxos", BroadcastRows.fluxos(settings.mapper(), NodeBaseline.fluxos(settings.repository(),
                settings.mapper()).runAfterWarmUp(NODES, seconds, size, NODES, WARM_UP_SECONDS)));
            final NodeBaseline gossipsub = NodeBaseline.gossipsub(settings.repository(), settings.mapper());
            settings.log().accept("sideBySide: gossipsub (js-libp2p, Node.js), max rate");
            runs.set("gossipsub", BroadcastRows.gossipsub(settings.mapper(), gossipsub.run(NODES, seconds, size, NODES)));
            settings.log().accept("sideBySide: gossipsub at " + LIGHT_RATE + " msgs/s (light load)");
            runs.set("gossipsubLightLoad", BroadcastRows.gossipsub(settings.mapper(),
                gossipsub.run(NODES, seconds, size, NODES, LIGHT_RATE / (double)NODES)));
        }
        part.put("loadAverageAfter", loadAverage());
        return part;
    }

    static double loadAverage()
    {
        return Math.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage() * 100) / 100.0;
    }
}
