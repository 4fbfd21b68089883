package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.engine.broadcast.BroadcastStrategy;
import io.chainmesh.node.DevnetReport;
import io.chainmesh.node.DevnetRunner;
import io.chainmesh.perf.ceiling.RawFanoutCeiling;

/**
 * One broadcast run as a comparable row, whichever system ran it: delivered msgs/s per node, publish-to-deliver
 * latency, bytes on the wire per delivered message, messages per signature.
 */
final class BroadcastRows
{
    private BroadcastRows()
    {
    }

    /**
     * A chainmesh devnet in this JVM, all nodes publishing round robin, closed loop at max rate unless rate > 0,
     * after a warm-up of half the run (at most 2 s).
     */
    static ObjectNode chainmesh(
        final ObjectMapper mapper, final String variant, final int nodes, final int size, final long seconds,
        final BroadcastStrategy strategy, final long lingerMicros, final int maxMessagesPerBatch, final long rate)
        throws InterruptedException
    {
        final DevnetReport report = new DevnetRunner(new DevnetRunner.Context().nodes(nodes).messageSize(size)
            .durationMillis(seconds * 1000).drainMillis(30_000).strategy(strategy).rate(rate).lingerMicros(lingerMicros)
            // The same workload on another topic first, excluded from the figures: the first run of a suite
            // otherwise measures ECDSA and the pipeline interpreted (its tree row came out below flood's).
            .warmupMillis(Math.min(2_000, seconds * 500))
            .maxMessagesPerBatch(maxMessagesPerBatch)).run();
        final ObjectNode row = mapper.createObjectNode();
        row.put("system", "chainmesh");
        row.put("variant", variant);
        row.put("nodes", nodes);
        row.put("payloadBytes", size);
        row.put("offeredRate", rate);
        row.put("seconds", round(report.durationSeconds()));
        row.put("published", report.published());
        row.put("deliveredPerNodePerSecond", round(report.deliveredPerNodePerSecond()));
        row.put("latencyP50Ms", round(report.latencyMicros().p50() / 1000));
        row.put("latencyP99Ms", round(report.latencyMicros().p99() / 1000));
        row.put("bytesOnWirePerDelivered", report.delivered() == 0 ? 0 : round(report.bytesOut() / (double)report.delivered()));
        row.put("messagesPerSignature", report.batchesPublished() == 0 ? 0 :
            round(report.published() / (double)report.batchesPublished()));
        row.put("allDelivered", report.passed());
        row.put("missing", report.missing());
        row.put("duplicates", report.duplicates());
        // Copies on the wire beyond the one each member needs, per delivered message (gossipsub's measure): every
        // batch needs n - 1 receptions; transmissions are tree or flood forwards plus repair.
        final double receptionsNeeded = report.batchesPublished() * (double)(nodes - 1);
        row.put("duplicatesPerMessage", receptionsNeeded == 0 ? 0 : round(Math.max(0,
            (report.batchesForwarded() + report.repairFrames() - receptionsNeeded) / receptionsNeeded)));
        row.set("report", mapper.valueToTree(report));
        return row;
    }

    /** A FluxOS-style run (Node.js processes, WebSocket + JSON, one Bitcoin signed message per message, flooding). */
    static ObjectNode fluxos(final ObjectMapper mapper, final JsonNode result)
    {
        final ObjectNode row = mapper.createObjectNode();
        row.put("system", "fluxos-style");
        row.put("variant", "flood, JSON, one signature per message");
        row.put("nodes", result.path("nodes").asInt());
        row.put("payloadBytes", result.path("size").asInt());
        row.put("offeredRate", result.path("rate").asLong());
        row.put("seconds", round(result.path("elapsedSeconds").asDouble()));
        row.put("published", result.path("published").asLong());
        row.put("deliveredPerNodePerSecond", round(result.path("deliveredPerNodePerSecond").asDouble()));
        row.put("latencyP50Ms", round(result.path("latencyMillis").path("p50").asDouble()));
        row.put("latencyP99Ms", round(result.path("latencyMillis").path("p99").asDouble()));
        row.put("bytesOnWirePerDelivered", round(result.path("bytesOnWirePerDelivered").asDouble()));
        row.put("messagesPerSignature", 1);
        row.put("allDelivered", result.path("deliveredAll").asBoolean());
        row.put("missing", result.path("missing").asLong());
        row.set("report", result);
        return row;
    }

    /** A js-libp2p gossipsub run (Node.js processes, TCP + Noise + Yamux, StrictSign secp256k1, mesh D = 6). */
    static ObjectNode gossipsub(final ObjectMapper mapper, final JsonNode result)
    {
        final ObjectNode row = mapper.createObjectNode();
        row.put("system", "gossipsub");
        row.put("variant", (result.path("rate").asDouble() > 0 ? result.path("rate").asDouble() + " msgs/s per publisher" :
            "max rate, closed loop") + ", StrictSign secp256k1");
        row.put("nodes", result.path("nodes").asInt());
        row.put("payloadBytes", result.path("size").asInt());
        row.put("offeredRate", Math.round(result.path("rate").asDouble() * result.path("publishers").asInt()));
        row.put("seconds", round(result.path("elapsedSeconds").asDouble()));
        row.put("published", result.path("published").asLong());
        row.put("deliveredPerNodePerSecond", round(result.path("deliveredPerNodePerSecond").asDouble()));
        row.put("latencyP50Ms", round(result.path("latencyMillis").path("p50").asDouble()));
        row.put("latencyP99Ms", round(result.path("latencyMillis").path("p99").asDouble()));
        row.put("bytesOnWirePerDelivered", round(result.path("bytesOnWirePerDelivered").asDouble()));
        row.put("messagesPerSignature", 1);
        row.put("duplicatesPerMessage", round(result.path("duplicatesPerMessage").asDouble()));
        row.put("allDelivered", result.path("deliveredAll").asBoolean());
        row.put("missing", result.path("missing").asLong());
        row.set("report", result);
        return row;
    }

    /**
     * A fan-out ceiling: chainmesh's tree and batching over plain Netty, with no signature and no AEAD, or with
     * chainmesh's signatures and AES-GCM records and nothing else of its engine.
     */
    static ObjectNode ceiling(final ObjectMapper mapper, final RawFanoutCeiling.Result result)
    {
        final ObjectNode row = mapper.createObjectNode();
        final boolean signed = result.work() == RawFanoutCeiling.Work.SIGNED_SEALED;
        row.put("system", signed ? "signed fan-out ceiling" : "raw fan-out ceiling");
        row.put("variant", "same tree, " + result.messagesPerBatch() + " msgs per frame, raw Netty, " +
            (signed ? "signed batches checked at every node, AES-GCM records" : "no signature, no AEAD"));
        row.put("nodes", result.nodes());
        row.put("payloadBytes", result.payloadBytes());
        row.put("offeredRate", 0);
        row.put("seconds", round(result.seconds()));
        row.put("published", result.published());
        row.put("deliveredPerNodePerSecond", round(result.deliveredPerNodePerSecond()));
        row.put("latencyP50Ms", round(result.latencyP50Ms()));
        row.put("latencyP99Ms", round(result.latencyP99Ms()));
        row.put("bytesOnWirePerDelivered", round(result.bytesOnWirePerDelivered()));
        row.put("messagesPerSignature", result.messagesPerBatch());
        row.put("eventLoopThreads", result.eventLoopThreads());
        row.put("allDelivered", result.refused() == 0);
        row.put("missing", 0);
        row.put("refusedBatches", result.refused());
        return row;
    }

    static double round(final double value)
    {
        return Math.round(value * 100) / 100.0;
    }
}
