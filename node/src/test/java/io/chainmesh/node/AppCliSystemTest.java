package io.chainmesh.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.chain.DevnetChain;
import io.chainmesh.chain.DevnetRpcServer;
import io.chainmesh.engine.PeerView;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chainmesh publish} and {@code chainmesh subscribe} against two {@code chainmesh node}s configured with
 * {@code app.address}, over real sockets on 127.0.0.1.
 */
class AppCliSystemTest
{
    private static final String TOKEN = "cli-test-token-0123456789";

    @TempDir
    Path dir;

    @Test
    void shouldPublishStdinLinesThroughOneNodeAndPrintThemFromAnother() throws Exception
    {
        final List<AutoCloseable> resources = new ArrayList<>();
        try
        {
            final DevnetChain chain = DevnetChain.launch(new DevnetChain.Context().memberCount(2));
            resources.add(chain);
            final DevnetRpcServer rpc = DevnetRpcServer.launch(new DevnetRpcServer.Context().source(chain));
            resources.add(0, rpc);
            Files.writeString(dir.resolve("app.token"), TOKEN + "\n");
            final List<NodeRunner> runners = new ArrayList<>();
            for (int i = 0; i < 2; i++)
            {
                final NodeRunner runner = NodeRunner.launch(NodeConfig.load(writeConfig(chain, rpc, i)));
                runners.add(runner);
                resources.add(0, runner);
            }
            await(() -> active(runners.get(0)) == 1 && active(runners.get(1)) == 1);
            final String publisherMember = chain.memberId(0).toString();

            final StringWriter subscribeOut = new StringWriter();
            final StringWriter subscribeErr = new StringWriter();
            final CompletableFuture<Integer> subscriber = CompletableFuture.supplyAsync(() -> ChainmeshCli.commandLine(
                new PrintWriter(subscribeOut, true), new PrintWriter(subscribeErr, true)).execute("subscribe",
                "--url", runners.get(1).app().url(), "--token-file", dir.resolve("app.token").toString(),
                "--topic", "42", "--count", "3", "--format", "json"));
            await(() -> subscribeErr.toString().contains("subscribed to [42]"));

            final StringWriter publishErr = new StringWriter();
            final CommandLine publish = ChainmeshCli.commandLine(new PrintWriter(new StringWriter(), true),
                new PrintWriter(publishErr, true));
            ((PublishCommand)publish.getSubcommands().get("publish").getCommand()).stdin =
                new ByteArrayInputStream("one\ntwo\nthree, with a tab\t\n".getBytes(StandardCharsets.UTF_8));
            assertThat(publish.execute("publish", "--url", runners.get(0).app().url(), "--token-file",
                dir.resolve("app.token").toString(), "--topic", "42")).as(publishErr.toString()).isZero();

            assertThat(subscriber.get(20, TimeUnit.SECONDS)).as(subscribeErr.toString()).isZero();
            final ObjectMapper json = new ObjectMapper();
            final List<String> payloads = new ArrayList<>();
            for (final String line : subscribeOut.toString().split("\n"))
            {
                final JsonNode delivery = json.readTree(line);
                assertThat(delivery.get("member").asText()).isEqualTo(publisherMember);
                assertThat(delivery.get("topic").asInt()).isEqualTo(42);
                assertThat(delivery.get("direct").asBoolean()).isFalse();
                payloads.add(new String(java.util.Base64.getDecoder().decode(delivery.get("payload").asText()),
                    StandardCharsets.UTF_8));
            }
            assertThat(payloads).containsExactly("one", "two", "three, with a tab\t");
            assertThat(runners.get(0).app().counters().get(io.chainmesh.node.app.AppCounters.Counter.PUBLISHED))
                .isEqualTo(3);

            final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            final String metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" +
                runners.get(0).httpAddress().getAddress().getHostAddress() + ":" + runners.get(0).httpAddress().getPort() +
                "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("chainmesh_app_published_total 3\n", "chainmesh_app_clients_connected ");
            final String status = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" +
                runners.get(1).httpAddress().getAddress().getHostAddress() + ":" + runners.get(1).httpAddress().getPort() +
                "/status")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(json.readTree(status).get("app").get("delivered").asLong()).isEqualTo(3);
            assertThat(json.readTree(status).get("app").get("url").asText()).isEqualTo(runners.get(1).app().url());

            // A wrong token: the command names the refusal and fails.
            Files.writeString(dir.resolve("wrong.token"), "wrong-token-0123456789");
            final StringWriter wrongErr = new StringWriter();
            assertThat(ChainmeshCli.commandLine(new PrintWriter(new StringWriter(), true), new PrintWriter(wrongErr, true))
                .execute("publish", "--url", runners.get(0).app().url(), "--token-file",
                    dir.resolve("wrong.token").toString(), "--topic", "42", "--message", "x"))
                .isEqualTo(ChainmeshCli.EXIT_FAILURE);
            assertThat(wrongErr.toString()).contains("HTTP 401");
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
    void shouldEscapeControlCharactersSoOneMessageIsOneLine()
    {
        assertThat(SubscribeCommand.escape("a\nb\\c\r\t\u0001é")).isEqualTo("a\\nb\\\\c\\r\\t\\u0001é");
    }

    private Path writeConfig(final DevnetChain chain, final DevnetRpcServer rpc, final int index) throws Exception
    {
        final Path key = dir.resolve("node" + index + ".key");
        Files.writeString(key, chain.memberKey(index).privateKeyHex() + "\n");
        final Path config = dir.resolve("node" + index + ".properties");
        Files.writeString(config,
            "node.key.file=" + key.getFileName() + "\n" +
            "listen.address=127.0.0.1:" + chain.portFor(index) + "\n" +
            "directory.source=devnet\n" +
            "directory.rpc.url=" + rpc.uri() + "\n" +
            "directory.rpc.user=devnet\n" +
            "directory.rpc.password=devnet\n" +
            "directory.poll.interval.ms=50\n" +
            "counters.file=counters" + index + ".dat\n" +
            "app.address=127.0.0.1:0\n" +
            "app.token.file=app.token\n");
        return config;
    }

    private static int active(final NodeRunner runner)
    {
        int active = 0;
        for (final PeerView peer : runner.node().peers())
        {
            if (peer.state() == PeerView.State.ACTIVE)
            {
                active++;
            }
        }
        return active;
    }

    private static void await(final java.util.function.BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean())
        {
            assertThat(System.nanoTime() - deadline).as("timed out").isNegative();
            Thread.sleep(10);
        }
    }
}
