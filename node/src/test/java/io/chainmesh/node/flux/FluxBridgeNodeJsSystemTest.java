package io.chainmesh.node.flux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.chain.DevnetChain;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.PeerView;
import io.chainmesh.node.flux.FluxBridgeCounters.Counter;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * FluxOS-style peers in Node.js ({@code node/src/test/js/flux-bridge-peers.js}: npm {@code ws} and
 * {@code bitcoinjs-message}, as FluxOS) on every node of a 16-node in-process devnet, half connecting to their bridge
 * and half dialled by it. The peer of node 0 injects signed {@code fluxapprunning} and {@code fluxappregister}
 * messages; every other peer receives each exactly once and verifies its original signature as FluxOS does; forged,
 * stale, unknown-signer and replayed envelopes are refused and counted at node 0. Needs {@code node} and {@code npm}
 * on the PATH; without them it is skipped ({@link FluxBridgeSystemTest} covers the bridge without Node.js).
 */
class FluxBridgeNodeJsSystemTest
{
    static final Path JS = Path.of("src", "test", "js").toAbsolutePath();
    private static final int NODES = 16;
    private static final int MESSAGES = 40;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void shouldCarryFluxOsMessagesFromOnePeerToThePeersOfEveryOtherNodeExactlyOnce() throws Exception
    {
        Assumptions.assumeTrue(available("node") && available("npm"),
            "node and npm are not on the PATH: the Node.js FluxOS-peer test is skipped");
        npmCi(JS, dir);
        final DevnetChain chain = DevnetChain.launch(new DevnetChain.Context().memberCount(NODES).operators(NODES / 4));
        final List<ChainmeshNode> nodes = new ArrayList<>();
        final List<FluxBridge> bridges = new ArrayList<>();
        Process process = null;
        try
        {
            for (int i = 0; i < NODES; i++)
            {
                nodes.add(ChainmeshNode.launch(new ChainmeshNode.Context()
                    .nodeKey(chain.memberKey(i))
                    .member(chain.memberId(i))
                    .directorySource(chain)
                    .bindAddress(new InetSocketAddress("127.0.0.1", chain.portFor(i)))
                    .ioThreads(1)
                    .reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
                    .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(50))));
            }
            // Nodes 0..7: their FluxOS peer connects to the bridge.
            for (int i = 0; i < NODES / 2; i++)
            {
                bridges.add(FluxBridge.launch(new FluxBridge.Context().node(nodes.get(i)).directory(chain::current)
                    .bindAddress(new InetSocketAddress("127.0.0.1", 0))));
            }
            await(() -> nodes.stream().allMatch(n -> n.peers().stream().filter(p -> p.state() == PeerView.State.ACTIVE)
                .count() >= 2), 60);

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
            config.put("origin", 0).put("messages", MESSAGES).put("rate", 0).put("hostile", true).put("timeoutMs", 60_000);
            final Path configFile = dir.resolve("peers.json");
            Files.writeString(configFile, JSON.writeValueAsString(config));

            process = new ProcessBuilder("node", "flux-bridge-peers.js", configFile.toString()).directory(JS.toFile())
                .redirectError(dir.resolve("peers.err").toFile()).start();
            final Process running = process;
            final Thread watchdog = new Thread(() ->
            {
                if (!waitFor(running, 180))
                {
                    running.destroyForcibly();
                }
            }, "flux-peers-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            final BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            final JsonNode listening = readEvent(lines, "listening");
            // Nodes 8..15: the bridge dials its FluxOS peer, as it dials the local FluxOS.
            for (int i = NODES / 2; i < NODES; i++)
            {
                bridges.add(FluxBridge.launch(new FluxBridge.Context().node(nodes.get(i)).directory(chain::current)
                    .fluxOsAddress(new InetSocketAddress("127.0.0.1", listening.get("ports").get(Integer.toString(i)).asInt()))
                    .reconnect(50, 1000)));
            }
            final JsonNode result = readEvent(lines, "result");

            assertThat(result.get("complete").asBoolean()).as(result.toString()).isTrue();
            assertThat(result.get("peers").asInt()).isEqualTo(NODES - 1);
            for (int i = 1; i < NODES; i++)
            {
                final JsonNode node = result.get("perNode").get(Integer.toString(i));
                assertThat(node.get("received").asInt()).as("node " + i).isEqualTo(MESSAGES);
                assertThat(node.get("duplicates").asInt()).as("node " + i).isZero();
                assertThat(node.get("invalid").asInt()).as("node " + i).isZero();
                assertThat(node.get("unexpected").asInt()).as("node " + i).isZero();
            }
            final FluxBridge origin = bridges.get(0);
            assertThat(origin.relay().relayed()).isEqualTo(MESSAGES);
            assertThat(origin.relay().refused(FluxEnvelope.Refusal.BAD_SIGNATURE)).isEqualTo(1);
            assertThat(origin.relay().refused(FluxEnvelope.Refusal.STALE)).isEqualTo(1);
            assertThat(origin.relay().refused(FluxEnvelope.Refusal.UNKNOWN_SIGNER)).isEqualTo(1);
            assertThat(origin.relay().duplicates()).isEqualTo(1);
            assertThat(origin.counters().get(Counter.HASH_REQUESTS_SENT)).isEqualTo(1);
            for (int i = 1; i < NODES; i++)
            {
                assertThat(bridges.get(i).relay().delivered()).as("bridge " + i).isEqualTo(MESSAGES);
                assertThat(bridges.get(i).counters().get(Counter.DELIVERIES)).as("bridge " + i).isEqualTo(MESSAGES);
            }
            assertThat(bridges.subList(NODES / 2, NODES)).allMatch(b -> b.counters().get(Counter.OUTBOUND_CONNECTED) >= 1);
            assertThat(waitFor(process, 30)).isTrue();
        }
        finally
        {
            if (null != process)
            {
                process.destroyForcibly();
            }
            bridges.forEach(CloseHelper::quietClose);
            nodes.forEach(CloseHelper::quietClose);
            CloseHelper.quietClose(chain);
        }
    }

    private JsonNode readEvent(final BufferedReader lines, final String event) throws IOException
    {
        String line;
        while (null != (line = lines.readLine()))
        {
            final JsonNode node = JSON.readTree(line);
            if (event.equals(node.path("event").asText()))
            {
                return node;
            }
            assertThat(node.path("event").asText()).as(line).isNotEqualTo("error");
        }
        throw new AssertionError("the Node.js peers ended before " + event + ": " +
            Files.readString(dir.resolve("peers.err"), StandardCharsets.UTF_8));
    }

    static boolean available(final String command)
    {
        try
        {
            final Process process = new ProcessBuilder(command, "--version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return waitFor(process, 30) && 0 == process.exitValue();
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    static void npmCi(final Path project, final Path dir) throws Exception
    {
        // npm ci wipes and reinstalls; npm's hidden lockfile newer than ours means the last one installed exactly it.
        final Path installedLock = project.resolve("node_modules/.package-lock.json");
        if (Files.isRegularFile(installedLock) && Files.getLastModifiedTime(installedLock).compareTo(
            Files.getLastModifiedTime(project.resolve("package-lock.json"))) >= 0)
        {
            return;
        }
        final Path output = Files.createTempFile(dir, "npm-", ".out");
        final Process process = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
            .directory(project.toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertThat(waitFor(process, 300)).as("npm ci within 300 s").isTrue();
        assertThat(process.exitValue()).as("npm ci: " + Files.readString(output)).isZero();
    }

    static boolean waitFor(final Process process, final long seconds)
    {
        try
        {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void await(final BooleanSupplier condition, final int seconds) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean())
        {
            assertThat(System.nanoTime() - deadline).as("timed out").isNegative();
            Thread.sleep(10);
        }
    }
}
