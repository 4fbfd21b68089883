package io.chainmesh.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.chain.DevnetChain;
import io.chainmesh.chain.DevnetRpcServer;
import io.chainmesh.chain.FluxdNodeListWriter;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.PeerView;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@code chainmesh node} against a devnet chain's fluxd-compatible RPC endpoint and against a JSON file, with
 * its HTTP endpoints and {@code chainmesh stat}; real sockets on 127.0.0.1.
 */
class NodeCommandSystemTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_MS = 20_000;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void shouldLinkToDevnetPeersViaRpcAndServeStatusMetricsAndStat() throws Exception
    {
        final List<AutoCloseable> resources = new ArrayList<>();
        try
        {
            final DevnetChain chain = DevnetChain.launch(new DevnetChain.Context().memberCount(3));
            resources.add(chain);
            final DevnetRpcServer rpc = DevnetRpcServer.launch(new DevnetRpcServer.Context().source(chain));
            resources.add(0, rpc);
            final List<ChainmeshNode> peers = new ArrayList<>();
            for (int i = 0; i < 2; i++)
            {
                final ChainmeshNode peer = ChainmeshNode.launch(new ChainmeshNode.Context()
                    .nodeKey(chain.memberKey(i))
                    .directorySource(chain)
                    .bindAddress(new InetSocketAddress("127.0.0.1", chain.portFor(i)))
                    .reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
                    .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(50)));
                peers.add(peer);
                resources.add(0, peer);
            }
            final Path counters = dir.resolve("counters.dat");
            final Path config = writeConfig(chain, 2,
                "directory.source=devnet\n" +
                "directory.rpc.url=" + rpc.uri() + "\n" +
                "directory.rpc.user=devnet\n" +
                "directory.rpc.password=devnet\n" +
                "directory.poll.interval.ms=50\n" +
                "flux.listen.address=127.0.0.1:0\n" +
                "counters.file=" + counters + "\n");
            final NodeRunner runner = NodeRunner.launch(NodeConfig.load(config));
            resources.add(0, runner);

            await("node links to both devnet peers", () -> activePeers(runner.node()) == 2);
            final JsonNode status = await("/status shows 2 active peers", () -> getJson(runner, "/status"),
                s -> s.get("peersActive").asInt() == 2);
            assertThat(status.get("collateral").asText()).isEqualTo(chain.memberId(2).toString());
            assertThat(status.get("publicKey").asText()).isEqualTo(chain.publicKey(2).toHex());
            assertThat(status.get("member").asBoolean()).isTrue();
            assertThat(status.has("memberReason")).isFalse();
            assertThat(status.get("directorySize").asInt()).isEqualTo(3);
            assertThat(status.get("directoryHeight").asLong()).isEqualTo(chain.height());
            assertThat(status.get("listenAddress").asText()).isEqualTo("127.0.0.1:" + chain.portFor(2));
            assertThat(status.get("rates").has("bytesInPerSec")).isTrue();
            assertThat(status.get("rates").get("windowMs").asLong())
                .isBetween(0L, TimeUnit.NANOSECONDS.toMillis(StatusEndpoints.RATE_WINDOW_NS));

            final JsonNode peerList = getJson(runner, "/peers");
            final Set<String> ids = new HashSet<>();
            peerList.forEach(p -> ids.add(p.get("collateral").asText()));
            assertThat(ids).contains(chain.memberId(0).toString(), chain.memberId(1).toString());

            final JsonNode directory = getJson(runner, "/directory");
            assertThat(directory.get("members").size()).isEqualTo(3);

            final HttpResponse<String> metrics = get(runner, "/metrics", "GET");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
            final PrometheusParser.Result parsed = PrometheusParser.parse(metrics.body());
            // Every counter of the reader appears as a sample, next to the JVM's, the build's and the histograms.
            final int[] counterCount = {0};
            runner.node().counters().reader().forEach((value, id, label) -> counterCount[0]++);
            assertThat(parsed.samples()).isGreaterThan(counterCount[0]);
            assertThat(parsed.names()).contains("chainmesh_bytes_in_total", "chainmesh_closes_sent_total",
                "chainmesh_connections", "chainmesh_broadcast_messages_delivered_total", "chainmesh_build_info",
                "chainmesh_rtt_seconds", "chainmesh_broadcast_delivery_latency_seconds",
                "chainmesh_broadcast_batch_size_messages", "chainmesh_directory_members", "jvm_memory_used_bytes",
                "process_cpu_seconds_total");
            assertThat(metrics.body()).contains("chainmesh_flux_peers_connected 0",
                "chainmesh_flux_refused_total{reason=\"bad_signature\"} 0");
            assertThat(getJson(runner, "/status").get("flux").get("listen").asText())
                .isEqualTo(runner.flux().localAddress().toString());
            assertThat(metrics.body()).contains("chainmesh_closes_sent_total{reason=\"NORMAL_SHUTDOWN\"} ",
                "chainmesh_directory_members 3", "chainmesh_rtt_seconds_bucket{le=\"+Inf\"} ");
            assertThat(metrics.body()).containsPattern("chainmesh_build_info\\{commit=\"[^\"]+\",version=\"[^\"]+\"} 1");
            assertThat(metrics.body()).doesNotContain("chainmesh_handshake_failures_total{reason=\"NORMAL_SHUTDOWN\"}");
            final Promtool.Verdict promtool = Promtool.checkMetrics(metrics.body());
            if (null != promtool)
            {
                assertThat(promtool.exitCode()).as(promtool.output()).isZero();
                assertThat(promtool.output()).isBlank();
            }

            final HttpResponse<String> page = get(runner, "/", "GET");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
            assertThat(page.body()).contains("<script src=\"app.js\">");
            final JsonNode overview = getJson(runner, "/overview");
            assertThat(overview.get("overlay").get("size").asInt()).isEqualTo(3);
            assertThat(overview.get("overlay").get("selfIndex").asInt()).isEqualTo(chain.current().indexOf(chain.memberId(2)));
            assertThat(overview.get("overlay").get("neighbours")).hasSize(2);
            assertThat(overview.get("latency").get("counts")).isNotEmpty();

            assertThat(get(runner, "/nope", "GET").statusCode()).isEqualTo(404);
            final HttpResponse<String> post = get(runner, "/status", "POST");
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("allow").orElse("")).isEqualTo("GET, HEAD");

            // stat reads the live counters file: heartbeats keep "bytes in" growing.
            final long first = statBytesIn(counters);
            assertThat(first).isPositive();
            await("stat observes bytes in grow", () -> statBytesIn(counters) > first);
        }
        finally
        {
            for (final AutoCloseable resource : resources)
            {
                CloseHelper.quietClose(resource);
            }
        }
    }

    @Test
    void shouldLinkToPeerFromJsonFileDirectory() throws Exception
    {
        final List<AutoCloseable> resources = new ArrayList<>();
        try
        {
            final DevnetChain chain = DevnetChain.launch(new DevnetChain.Context().memberCount(2).seed(7));
            resources.add(chain);
            final Path nodes = dir.resolve("nodes.json");
            try (OutputStream out = Files.newOutputStream(nodes))
            {
                FluxdNodeListWriter.writeEnvelope(chain.height(), chain.current().members(), out);
            }
            final ChainmeshNode peer = ChainmeshNode.launch(new ChainmeshNode.Context()
                .nodeKey(chain.memberKey(0))
                .directorySource(chain)
                .bindAddress(new InetSocketAddress("127.0.0.1", chain.portFor(0)))
                .reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
                .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(50)));
            resources.add(0, peer);
            final Path config = writeConfig(chain, 1,
                "directory.source=file\n" +
                "directory.file.path=nodes.json\n" +
                "counters.file=counters.dat\n");
            final NodeRunner runner = NodeRunner.launch(NodeConfig.load(config));
            resources.add(0, runner);

            await("node links to its peer", () -> activePeers(runner.node()) == 1);
            final JsonNode status = await("/status shows the peer", () -> getJson(runner, "/status"),
                s -> s.get("peersActive").asInt() == 1);
            assertThat(status.get("directorySize").asInt()).isEqualTo(2);
            assertThat(status.get("directoryHeight").asLong()).isEqualTo(chain.height());
            assertThat(getJson(runner, "/peers").get(0).get("collateral").asText()).isEqualTo(chain.memberId(0).toString());

            runner.close();
            assertThat(runner.awaitClosed(1, TimeUnit.SECONDS)).isTrue();
            await("peer sees the node leave", () -> activePeers(peer) == 0);

            // A restart while the list file is broken starts from the last list the node accepted.
            assertThat(dir.resolve("directory-last-good.json")).isRegularFile();
            Files.writeString(nodes, "[{\"txhash\": truncated");
            final NodeRunner restarted = NodeRunner.launch(NodeConfig.load(config));
            resources.add(0, restarted);
            await("restarted node links to its peer from the kept list", () -> activePeers(restarted.node()) == 1);
            final JsonNode again = getJson(restarted, "/status");
            assertThat(again.get("member").asBoolean()).isTrue();
            assertThat(again.get("directorySize").asInt()).isEqualTo(2);
        }
        finally
        {
            for (final AutoCloseable resource : resources)
            {
                CloseHelper.quietClose(resource);
            }
        }
    }

    @Test
    void shouldRefuseToStartOnAMalformedListWithExitTwo() throws Exception
    {
        try (DevnetChain chain = DevnetChain.launch(new DevnetChain.Context().memberCount(2)))
        {
            Files.writeString(dir.resolve("nodes.json"), "[{\"txhash\": truncated");
            final Path config = writeConfig(chain, 0, "directory.source=file\n" +
                "directory.file.path=nodes.json\n" +
                "counters.file=counters.dat\n");
            final StringWriter err = new StringWriter();
            final int code = ChainmeshCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err))
                .execute("node", "--config", config.toString());

            assertThat(code).as(err.toString()).isEqualTo(ChainmeshCli.EXIT_USAGE);
            assertThat(err.toString()).contains("nodes.json is not a usable node list");
        }
    }

    @Test
    void shouldStartAsANonMemberLoudlyAndBecomeOneWhenListed() throws Exception
    {
        final List<AutoCloseable> resources = new ArrayList<>();
        try
        {
            final DevnetChain chain = DevnetChain.launch(new DevnetChain.Context().memberCount(3).initiallyActive(2));
            resources.add(chain);
            final DevnetRpcServer rpc = DevnetRpcServer.launch(new DevnetRpcServer.Context().source(chain));
            resources.add(0, rpc);
            final String source = "directory.source=devnet\n" +
                "directory.rpc.url=" + rpc.uri() + "\n" +
                "directory.rpc.user=devnet\n" +
                "directory.rpc.password=devnet\n" +
                "directory.poll.interval.ms=50\n" +
                "counters.file=counters.dat\n";

            final Path unnamed = writeConfig(chain, 2, source);
            try (NodeRunner unlisted = NodeRunner.launch(NodeConfig.load(unnamed)))
            {
                final JsonNode status = getJson(unlisted, "/status");
                assertThat(status.get("member").asBoolean()).isFalse();
                assertThat(status.get("memberReason").asText()).contains("was listed for no collateral at start")
                    .contains("node.member=");
            }

            final Path required = writeConfig(chain, 2, source + "node.member=" + chain.memberId(2) + "\n" +
                "node.require.membership=true\n");
            final StringWriter refusedErr = new StringWriter();
            final int refusedCode = ChainmeshCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(refusedErr))
                .execute("node", "--config", required.toString());
            assertThat(refusedCode).isEqualTo(ChainmeshCli.EXIT_USAGE);
            assertThat(refusedErr.toString()).contains("not a member (node.require.membership=true)")
                .contains("collateral " + chain.memberId(2) + " is not in the list");

            final Path named = writeConfig(chain, 2, source + "node.member=" + chain.memberId(2) + "\n");
            final NodeRunner runner = NodeRunner.launch(NodeConfig.load(named));
            resources.add(0, runner);
            final JsonNode outside = getJson(runner, "/status");
            assertThat(outside.get("member").asBoolean()).isFalse();
            assertThat(outside.get("memberReason").asText()).contains(chain.memberId(2) + " is not in the list at height");

            chain.join(2);
            chain.advance();
            await("/status says member once listed", () -> getJson(runner, "/status"), st -> st.get("member").asBoolean());
        }
        finally
        {
            for (final AutoCloseable resource : resources)
            {
                CloseHelper.quietClose(resource);
            }
        }
    }

    private Path writeConfig(final DevnetChain chain, final int index, final String rest) throws Exception
    {
        final Path key = dir.resolve("node.key");
        Files.writeString(key, chain.memberKey(index).privateKeyHex() + "\n");
        final Path config = dir.resolve("node.properties");
        Files.writeString(config,
            "node.key.file=node.key\n" +
            "listen.address=127.0.0.1:" + chain.portFor(index) + "\n" +
            "http.address=127.0.0.1:0\n" +
            rest);
        return config;
    }

    private static int activePeers(final ChainmeshNode node)
    {
        int active = 0;
        for (final PeerView peer : node.peers())
        {
            if (peer.state() == PeerView.State.ACTIVE)
            {
                active++;
            }
        }
        return active;
    }

    private static long statBytesIn(final Path counters)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = ChainmeshCli.commandLine(new PrintWriter(out), new PrintWriter(err))
            .execute("stat", "--counters", counters.toString(), "--count", "1");
        assertThat(code).as(err.toString()).isZero();
        final Matcher matcher = Pattern.compile("^\\s*\\d+:\\s+([\\d,]+) - bytes in$", Pattern.MULTILINE)
            .matcher(out.toString());
        assertThat(matcher.find()).as(out.toString()).isTrue();
        return Long.parseLong(matcher.group(1).replace(",", ""));
    }

    private HttpResponse<String> get(final NodeRunner runner, final String path, final String method)
    {
        try
        {
            final InetSocketAddress address = runner.httpAddress();
            final HttpRequest request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + address.getPort() + path))
                .timeout(Duration.ofSeconds(5))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (final Exception ex)
        {
            throw new AssertionError("GET " + path + " failed", ex);
        }
    }

    private JsonNode getJson(final NodeRunner runner, final String path)
    {
        final HttpResponse<String> response = get(runner, path, "GET");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).isEqualTo("application/json");
        try
        {
            return JSON.readTree(response.body());
        }
        catch (final Exception ex)
        {
            throw new AssertionError("not JSON: " + response.body(), ex);
        }
    }

    static void await(final String what, final BooleanSupplier condition)
    {
        await(what, TIMEOUT_MS, condition);
    }

    static void await(final String what, final long timeoutMs, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("timed out after " + timeoutMs + " ms waiting until " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    static <T> T await(
        final String what, final java.util.function.Supplier<T> supplier, final java.util.function.Predicate<T> until)
    {
        final Object[] last = {null};
        await(what, () ->
        {
            final T value = supplier.get();
            last[0] = value;
            return until.test(value);
        });
        @SuppressWarnings("unchecked") final T result = (T)last[0];
        return result;
    }
}
