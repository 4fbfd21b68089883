package io.chainmesh.perf.flux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.chain.DevnetChain;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.PeerView;
import io.chainmesh.node.flux.FluxBridge;
import io.chainmesh.node.flux.FluxBridgeCounters;
import io.chainmesh.node.flux.FluxEnvelope;
import org.agrona.CloseHelper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * FluxOS messages end to end over 16 nodes, two ways, in one run on one machine:
 * <ol>
 *   <li><b>bridged</b>: 16 in-process chainmesh nodes, each with a {@link FluxBridge} and one FluxOS-style Node.js
 *   peer ({@code node/src/test/js/flux-bridge-peers.js}; half connect to their bridge, half are dialled by it). The
 *   peer of node 0 injects signed {@code fluxapprunning} / {@code fluxappregister} envelopes at a fixed rate; the
 *   latency is from that send to the arrival at each other node's FluxOS peer (one Node.js process, one clock).</li>
 *   <li><b>flood</b>: the FluxOS-style network of {@code perf/baselines/fluxos} (16 Node.js processes, JSON
 *   envelopes signed per message, de-duplicated, verified and flooded to every peer), one publisher at the same
 *   rate, without and with its FluxOS pacing ({@code --pace}).</li>
 * </ol>
 * Writes {@code <out>/<date>-flux-bridge.json} and {@code .md}.
 * <p>
 * usage: {@code FluxBridgeHarness <messages> <ratePerSecond> <outDir>} (run by {@code perf/flux-bridge.sh}).
 */
public final class FluxBridgeHarness
{
    private static final int NODES = 16;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path PEERS = Path.of("node/src/test/js");
    private static final Path FLOOD = Path.of("perf/baselines/fluxos");

    private FluxBridgeHarness()
    {
    }

    /**
     * @param args messages, rate per second, output directory.
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final int messages = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        final int rate = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        final Path out = Path.of(args.length > 2 ? args[2] : "perf/results");
        npmCi(PEERS);
        npmCi(FLOOD);

        final String loadBefore = loadAverage();
        final JsonNode bridged = bridged(messages, rate);
        System.out.println("bridged: " + bridged);
        final long seconds = Math.max(1, Math.round((double)messages / rate));
        final JsonNode flood = flood(seconds, rate, false);
        System.out.println("flood: " + flood);
        final JsonNode paced = flood(seconds, rate, true);
        System.out.println("flood paced: " + paced);

        final ObjectNode result = JSON.createObjectNode();
        result.put("nodes", NODES).put("messages", messages).put("ratePerSecond", rate)
            .put("cpus", Runtime.getRuntime().availableProcessors());
        result.set("bridged", bridged);
        result.set("flood", flood);
        result.set("floodPaced", paced);
        // The machine is shared: its load says how far the figures are from a quiet box's.
        result.put("loadAverageBefore", loadBefore).put("loadAverageAfter", loadAverage());
        final String date = LocalDate.now(ZoneOffset.UTC).toString();
        Files.createDirectories(out);
        Files.writeString(out.resolve(date + "-flux-bridge.json"),
            JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n");
        Files.writeString(out.resolve(date + "-flux-bridge.md"), markdown(result, messages, rate));
        System.out.println("wrote " + out.resolve(date + "-flux-bridge.md"));
    }

    private static JsonNode bridged(final int messages, final int rate) throws Exception
    {
        final DevnetChain chain = DevnetChain.launch(new DevnetChain.Context().memberCount(NODES).operators(NODES / 4));
        final List<ChainmeshNode> nodes = new ArrayList<>();
        final List<FluxBridge> bridges = new ArrayList<>();
        Process process = null;
        final Path dir = Files.createTempDirectory("chainmesh-flux-bridge-");
        try
        {
            for (int i = 0; i < NODES; i++)
            {
                nodes.add(ChainmeshNode.launch(new ChainmeshNode.Context()
                    .nodeKey(chain.memberKey(i))
                    .member(chain.memberId(i))
                    .directorySource(chain)
                    .bindAddress(new InetSocketAddress("127.0.0.1", chain.portFor(i)))
                    .ioThreads(1)));
            }
            for (int i = 0; i < NODES / 2; i++)
            {
                bridges.add(FluxBridge.launch(new FluxBridge.Context().node(nodes.get(i)).directory(chain::current)
                    .bindAddress(new InetSocketAddress("127.0.0.1", 0))));
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!nodes.stream().allMatch(n -> n.peers().stream().filter(p -> p.state() == PeerView.State.ACTIVE)
                .count() >= 2))
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("the overlay did not form within 60 s");
                }
                Thread.sleep(20);
            }
            final ObjectNode config = JSON.createObjectNode();
            final ArrayNode connect = config.putArray("connect");
            for (int i = 0; i < NODES / 2; i++)
            {
                connect.addObject().put("node", i).put("url", "ws://127.0.0.1:" + bridges.get(i).localAddress().getPort() +
                    "/ws/flux/" + (16127 + 10 * i));
            }
            final ArrayNode serve = config.putArray("serve");
            for (int i = NODES / 2; i < NODES; i++)
            {
                serve.add(i);
            }
            final ArrayNode members = config.putArray("members");
            for (int i = 0; i < NODES; i++)
            {
                members.addObject().put("privateKey", chain.memberKey(i).privateKeyHex()).put("ip", chain.endpoint(i).toString());
            }
            config.put("origin", 0).put("messages", messages).put("rate", rate).put("hostile", false)
                .put("timeoutMs", 120_000).put("lingerMs", 1000);
            final Path configFile = dir.resolve("peers.json");
            Files.writeString(configFile, JSON.writeValueAsString(config));
            process = new ProcessBuilder("node", "flux-bridge-peers.js", configFile.toString()).directory(PEERS.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            final BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            final JsonNode listening = readEvent(lines, "listening");
            for (int i = NODES / 2; i < NODES; i++)
            {
                bridges.add(FluxBridge.launch(new FluxBridge.Context().node(nodes.get(i)).directory(chain::current)
                    .fluxOsAddress(new InetSocketAddress("127.0.0.1", listening.get("ports").get(Integer.toString(i)).asInt()))
                    .reconnect(50, 1000)));
            }
            final ObjectNode result = (ObjectNode)readEvent(lines, "result");
            long duplicates = 0;
            for (int i = 1; i < NODES; i++)
            {
                duplicates += result.get("perNode").get(Integer.toString(i)).get("duplicates").asLong();
            }
            result.put("duplicatesReceived", duplicates);
            long notPublished = 0;
            long bridgeDuplicates = 0;
            long rateLimited = 0;
            long droppedSlowPeer = 0;
            long refused = 0;
            long fewestDelivered = Long.MAX_VALUE;
            for (final FluxBridge bridge : bridges)
            {
                notPublished += bridge.relay().notPublished();
                bridgeDuplicates += bridge.relay().duplicates();
                rateLimited += bridge.counters().get(FluxBridgeCounters.Counter.RATE_LIMITED);
                droppedSlowPeer += bridge.counters().get(FluxBridgeCounters.Counter.DELIVERIES_DROPPED_SLOW_PEER);
                for (final FluxEnvelope.Refusal refusal : FluxEnvelope.Refusal.values())
                {
                    refused += bridge.relay().refused(refusal);
                }
                if (bridge != bridges.get(0))
                {
                    fewestDelivered = Math.min(fewestDelivered, bridge.relay().delivered());
                }
            }
            result.put("relayedAtOrigin", bridges.get(0).relay().relayed());
            result.put("fewestDeliveredByABridge", fewestDelivered);
            result.put("rateLimited", rateLimited);
            result.put("deliveriesDroppedSlowPeer", droppedSlowPeer);
            result.put("refused", refused);
            result.put("notPublished", notPublished);
            // Copies that reached a bridge again (from the overlay or a FluxOS peer) and went no further.
            result.put("bridgeDuplicates", bridgeDuplicates);
            int fewestReceived = Integer.MAX_VALUE;
            for (int i = 1; i < NODES; i++)
            {
                fewestReceived = Math.min(fewestReceived, result.get("perNode").get(Integer.toString(i)).get("received").asInt());
            }
            result.put("fewestReceivedByAPeer", fewestReceived);
            result.remove("perNode");
            return result;
        }
        finally
        {
            if (null != process)
            {
                process.waitFor(10, TimeUnit.SECONDS);
                process.destroyForcibly();
            }
            bridges.forEach(CloseHelper::quietClose);
            nodes.forEach(CloseHelper::quietClose);
            CloseHelper.quietClose(chain);
        }
    }

    private static JsonNode flood(final long seconds, final int rate, final boolean pace) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of("node", "run.js", "--nodes", Integer.toString(NODES),
            "--duration", Long.toString(seconds), "--size", "160", "--publishers", "1", "--rate", Integer.toString(rate)));
        if (pace)
        {
            command.add("--pace");
        }
        final Process process = new ProcessBuilder(command).directory(FLOOD.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(seconds + 120, TimeUnit.SECONDS) || 0 != process.exitValue())
        {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        final String[] lines = output.split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    private static String loadAverage()
    {
        try
        {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    private static JsonNode readEvent(final BufferedReader lines, final String event) throws IOException
    {
        String line;
        while (null != (line = lines.readLine()))
        {
            final JsonNode node = JSON.readTree(line);
            if (event.equals(node.path("event").asText()))
            {
                return node;
            }
            if ("error".equals(node.path("event").asText()))
            {
                throw new IOException("FluxOS-style peers failed: " + line);
            }
        }
        throw new IOException("FluxOS-style peers ended before " + event);
    }

    private static void npmCi(final Path project) throws IOException, InterruptedException
    {
        final Path installedLock = project.resolve("node_modules/.package-lock.json");
        if (Files.isRegularFile(installedLock) && Files.getLastModifiedTime(installedLock).compareTo(
            Files.getLastModifiedTime(project.resolve("package-lock.json"))) >= 0)
        {
            return;
        }
        final Process process = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
            .directory(project.toFile()).inheritIO().start();
        if (!process.waitFor(300, TimeUnit.SECONDS) || 0 != process.exitValue())
        {
            throw new IOException("npm ci in " + project + " failed");
        }
    }

    private static String markdown(final JsonNode result, final int messages, final int rate)
    {
        final JsonNode bridged = result.get("bridged");
        final StringBuilder md = new StringBuilder();
        md.append("# FluxOS messages: bridged over chainmesh vs the FluxOS-style flood\n\n");
        md.append("Command: `perf/flux-bridge.sh ").append(messages).append(' ').append(rate).append("` (")
            .append(result.get("cpus").asInt()).append(" CPUs, all systems on the same machine, one after the other ")
            .append("in the same run).\n\n");
        md.append(String.format(Locale.ROOT, "%d nodes; one origin sends %d signed messages at %d/s. Load average " +
            "(1, 5, 15 min) before: %s; after: %s.%n%n", NODES, messages, rate,
            result.get("loadAverageBefore").asText(), result.get("loadAverageAfter").asText()));
        md.append("| system | published | all delivered | p50 ms | p99 ms | max ms | unique messages/s | deliveries/s | ")
            .append("redundant copies received |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        final JsonNode latency = bridged.get("latencyMs");
        md.append(String.format(Locale.ROOT, "| bridged (chainmesh overlay, FluxOS-style peers at both ends) | %d | %s | %d | %d | %d | %d | %d | %d |%n",
            messages, bridged.get("complete").asBoolean(), latency.get("p50").asLong(), latency.get("p99").asLong(),
            latency.get("max").asLong(), bridged.get("messagesPerSecond").asLong(), bridged.get("deliveriesPerSecond").asLong(),
            bridged.get("duplicatesReceived").asLong() + bridged.get("bridgeDuplicates").asLong()));
        final JsonNode later = bridged.get("secondHalfLatencyMs");
        md.append(String.format(Locale.ROOT, "| bridged, second half of the messages only | %d | | %d | %d | %d | | | |%n",
            messages / 2, later.get("p50").asLong(), later.get("p99").asLong(), later.get("max").asLong()));
        for (final String name : new String[] {"flood", "floodPaced"})
        {
            final JsonNode flood = result.get(name);
            final double elapsed = flood.get("elapsedSeconds").asDouble();
            final JsonNode floodLatency = flood.get("latencyMillis");
            md.append(String.format(Locale.ROOT, "| FluxOS-style flood%s | %d | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %d |%n",
                "floodPaced".equals(name) ? ", paced (--pace)" : "", flood.get("published").asLong(),
                flood.get("deliveredAll").asBoolean(), floodLatency.get("p50").asDouble(), floodLatency.get("p99").asDouble(),
                floodLatency.get("max").asDouble(), flood.get("published").asDouble() / elapsed,
                flood.get("deliveredPerNodePerSecond").asDouble() * NODES, flood.get("duplicatesReceived").asLong()));
        }
        md.append("\nunique messages/s: messages published over the time until the last node had them all (the flood's ")
            .append("elapsed time includes its drain); deliveries/s: messages received by all nodes together per second; ")
            .append("redundant copies: copies a node received and dropped as seen (bridged: at the FluxOS-style peers and ")
            .append("the bridges; the overlay's own repair traffic is not in it).\n");
        md.append("\nLatency is from the origin's send to each other node's receipt (bridged: at the FluxOS-style peer ")
            .append("of that node, through two WebSocket hops and the overlay). Raw figures: the JSON file beside this one.\n");
        return md.toString();
    }
}
