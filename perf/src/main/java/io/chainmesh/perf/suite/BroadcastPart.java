package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.engine.broadcast.BroadcastStrategy;

/**
 * Signed broadcast, 16 nodes, 64 B, every node publishing at max rate: chainmesh tree (batched), chainmesh flood
 * (batched), chainmesh tree with one signature per message, and the FluxOS-style Node.js baseline with the same
 * node count, size and publishers; plus a chainmesh tree run at light load (500 msgs/s) for latency. Chainmesh
 * nodes share one JVM, the baseline's are one process each: both share this machine's cores.
 */
final class BroadcastPart implements SuitePart
{
    static final int NODES = 16;
    static final int SIZE = 64;

    @Override
    public String name()
    {
        return "broadcast";
    }

    @Override
    public JsonNode run(final SuiteSettings settings) throws Exception
    {
        final long seconds = settings.pick(8, 1);
        final ObjectNode part = settings.mapper().createObjectNode();
        part.put("description", "signed broadcast, " + NODES + " nodes on 127.0.0.1, " + SIZE + " B, every node publishing");
        part.put("nodes", NODES);
        part.put("payloadBytes", SIZE);
        part.put("publishSeconds", seconds);
        final ObjectNode runs = part.putObject("runs");
        settings.log().accept("broadcast: chainmesh tree");
        runs.set("tree", BroadcastRows.chainmesh(settings.mapper(), "tree, batched (20 ms linger)", NODES, SIZE, seconds,
            BroadcastStrategy.TREE, 20_000, 65_535, 0));
        settings.log().accept("broadcast: chainmesh flood");
        runs.set("flood", BroadcastRows.chainmesh(settings.mapper(), "flood, batched (20 ms linger)", NODES, SIZE, seconds,
            BroadcastStrategy.FLOOD, 20_000, 65_535, 0));
        settings.log().accept("broadcast: chainmesh tree, one signature per message");
        runs.set("perMessageSignature", BroadcastRows.chainmesh(settings.mapper(), "tree, one signature per message",
            NODES, SIZE, seconds, BroadcastStrategy.TREE, 0, 1, 0));
        if (!settings.quick())
        {
            settings.log().accept("broadcast: chainmesh tree at 500 msgs/s (latency under light load)");
            runs.set("treeLightLoad", BroadcastRows.chainmesh(settings.mapper(), "tree, 500 msgs/s offered, no linger",
                NODES, SIZE, seconds, BroadcastStrategy.TREE, 0, 65_535, 500));
        }
        settings.log().accept("broadcast: FluxOS-style baseline (Node.js)");
        runs.set("fluxos", BroadcastRows.fluxos(settings.mapper(),
            NodeBaseline.fluxos(settings.repository(), settings.mapper()).run(NODES, Math.max(seconds, 2), SIZE, NODES)));
        return part;
    }
}
