package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.engine.broadcast.BroadcastStrategy;

/**
 * The same signed broadcast (64 B, every node publishing at max rate) at 4, 8, 16 and 32 nodes: chainmesh tree,
 * chainmesh flood, the FluxOS-style baseline and gossipsub (up to 16 nodes), to show how delivered rate, latency and bytes per delivery move
 * with N. Chainmesh nodes run in this JVM (separate JVMs would add 32 heaps and JITs competing for 2 cores
 * without changing what is compared); the baseline's nodes are one Node.js process each.
 * Quick mode: chainmesh tree at 4 and 8 nodes only.
 */
final class ScalingPart implements SuitePart
{
    private static final int[] NODES = {4, 8, 16, 32};
    private static final int[] QUICK_NODES = {4, 8};
    /**
     * gossipsub stops at 16: 32 Node.js processes each verifying every message in pure-JS secp256k1 on two shared
     * cores take minutes to form the mesh and drain, longer than the suite's budget.
     */
    private static final int GOSSIPSUB_MAX_NODES = 16;

    @Override
    public String name()
    {
        return "scaling";
    }

    @Override
    public JsonNode run(final SuiteSettings settings) throws Exception
    {
        final long seconds = settings.pick(5, 1);
        final int[] counts = settings.quick() ? QUICK_NODES : NODES;
        final ObjectNode part = settings.mapper().createObjectNode();
        part.put("description", "signed broadcast, " + BroadcastPart.SIZE + " B, every node publishing, N nodes");
        part.put("publishSeconds", seconds);
        part.put("inProcess", true);
        final ArrayNode nodes = part.putArray("nodes");
        for (final int n : counts)
        {
            nodes.add(n);
        }
        final ObjectNode runs = part.putObject("runs");
        final ArrayNode tree = runs.putArray("tree");
        final ArrayNode flood = settings.quick() ? null : runs.putArray("flood");
        final ArrayNode fluxos = settings.quick() ? null : runs.putArray("fluxos");
        final ArrayNode gossipsub = settings.quick() ? null : runs.putArray("gossipsub");
        final NodeBaseline baseline = NodeBaseline.fluxos(settings.repository(), settings.mapper());
        final NodeBaseline gossip = NodeBaseline.gossipsub(settings.repository(), settings.mapper());
        for (final int n : counts)
        {
            settings.log().accept("scaling: " + n + " nodes, chainmesh tree");
            tree.add(BroadcastRows.chainmesh(settings.mapper(), "tree", n, BroadcastPart.SIZE, seconds,
                BroadcastStrategy.TREE, 20_000, 65_535, 0));
            if (null != flood)
            {
                settings.log().accept("scaling: " + n + " nodes, chainmesh flood");
                flood.add(BroadcastRows.chainmesh(settings.mapper(), "flood", n, BroadcastPart.SIZE, seconds,
                    BroadcastStrategy.FLOOD, 20_000, 65_535, 0));
                settings.log().accept("scaling: " + n + " nodes, FluxOS-style baseline");
                fluxos.add(BroadcastRows.fluxos(settings.mapper(), baseline.run(n, seconds, BroadcastPart.SIZE, n)));
                if (n <= GOSSIPSUB_MAX_NODES)
                {
                    settings.log().accept("scaling: " + n + " nodes, gossipsub");
                    gossipsub.add(BroadcastRows.gossipsub(settings.mapper(), gossip.run(n, seconds, BroadcastPart.SIZE, n)));
                }
            }
        }
        // The bulky per-node reports stay in the broadcast part; here one row per N is enough.
        runs.forEach(array -> array.forEach(row -> ((ObjectNode)row).remove("report")));
        return part;
    }
}
