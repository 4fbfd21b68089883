package io.chainmesh.perf.flux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.chain.DevnetChain;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.PeerView;
import io.chainmesh.node.flux.FluxBridge;
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
            for (final FluxBridge bridge : bridges)
            {
                notPublished += bridge.relay().notPublished();
            }
            result.put("notPublished", notPublished);
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
        md.append(String.format(Locale.ROOT, "%d nodes; one origin sends %d signed messages at %d/s.%n%n", NODES,
            messages, rate));
        md.append("| system | complete | duplicates received | p50 ms | p99 ms | max ms | unique messages/s | deliveries/s |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        md.append(String.format(Locale.ROOT, "| bridged (chainmesh tree, FluxOS peers at both ends) | %s | %d | %s | %s | %s | %s | %s |%n",
            bridged.get("complete").asBoolean(), bridged.get("duplicatesReceived").asLong(),
            bridged.get("latencyMs").get("p50"), bridged.get("latencyMs").get("p99"), bridged.get("latencyMs").get("max"),
            bridged.get("messagesPerSecond"), bridged.get("deliveriesPerSecond")));
        for (final String name : new String[] {"flood", "floodPaced"})
        {
            final JsonNode flood = result.get(name);
            final double delivered = flood.get("deliveredPerNodePerSecond").asDouble() * NODES;
            md.append(String.format(Locale.ROOT, "| FluxOS-style flood%s | %s | %d | %s | %s | %s | %.0f | %.0f |%n",
                "floodPaced".equals(name) ? ", paced (--pace)" : "", flood.get("deliveredAll").asBoolean(),
                flood.get("duplicatesReceived").asLong(), flood.get("latencyMillis").get("p50"),
                flood.get("latencyMillis").get("p99"), flood.get("latencyMillis").get("max"),
                delivered / Math.max(1, NODES - 1), delivered));
        }
        md.append("\nLatency is from the origin's send to each other node's receipt (bridged: at the FluxOS-style peer ")
            .append("of that node, through two WebSocket hops and the overlay). Raw figures: the JSON file beside this one.\n");
        return md.toString();
    }
}
