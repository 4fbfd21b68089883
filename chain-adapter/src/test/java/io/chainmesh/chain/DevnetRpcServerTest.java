package io.chainmesh.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DevnetRpcServerTest
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String AUTH = "Basic " + Base64.getEncoder().encodeToString("devnet:devnet".getBytes(StandardCharsets.UTF_8));

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private DevnetChain chain;
    private DevnetRpcServer server;

    @BeforeEach
    void setUp() throws IOException
    {
        chain = new DevnetChain(new DevnetChain.Context().seed(5).memberCount(4).basePort(41000));
        server = DevnetRpcServer.launch(new DevnetRpcServer.Context().source(chain).maxRequestBytes(1024));
    }

    @AfterEach
    void tearDown()
    {
        server.close();
        server.close();
        chain.close();
    }

    private HttpResponse<String> post(final String body, final String... headers) throws Exception
    {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(server.uri()).POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0)
        {
            builder.headers(headers);
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldBindLoopbackPortAndAnswerBlockCountWithEchoedId() throws Exception
    {
        assertThat(server.uri().getHost()).isEqualTo("127.0.0.1");
        assertThat(server.port()).isPositive();

        final HttpResponse<String> response = post("{\"jsonrpc\":\"1.0\",\"id\":\"abc\",\"method\":\"getblockcount\",\"params\":[]}",
            "Authorization", AUTH);

        assertThat(response.statusCode()).isEqualTo(200);
        final JsonNode json = MAPPER.readTree(response.body());
        assertThat(json.path("result").asLong()).isEqualTo(chain.height());
        assertThat(json.path("id").asText()).isEqualTo("abc");
        assertThat(json.path("error").isNull()).isTrue();
    }

    @Test
    void shouldAnswer401WithoutCredentials() throws Exception
    {
        final HttpResponse<String> response = post("{\"method\":\"getblockcount\"}");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"jsonrpc\"");
    }

    @Test
    void shouldAnswer404WithMethodNotFound() throws Exception
    {
        final HttpResponse<String> response = post("{\"id\":1,\"method\":\"stop\"}", "Authorization", AUTH);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(MAPPER.readTree(response.body()).path("error").path("code").asInt()).isEqualTo(-32601);
    }

    @Test
    void shouldAnswerParseErrorToGarbage() throws Exception
    {
        final HttpResponse<String> response = post("{not json", "Authorization", AUTH);

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(MAPPER.readTree(response.body()).path("error").path("code").asInt()).isEqualTo(-32700);
    }

    @Test
    void shouldAnswer413ToOversizedRequest() throws Exception
    {
        final HttpResponse<String> response = post("{\"method\":\"getblockcount\",\"pad\":\"" + "x".repeat(2000) + "\"}",
            "Authorization", AUTH);

        assertThat(response.statusCode()).isEqualTo(413);
    }

    @Test
    void shouldAnswer405ToGet() throws Exception
    {
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(server.uri()).GET().build(),
            HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(405);
    }

    @Test
    void shouldIdentifyAskingNodeByHeader() throws Exception
    {
        final HttpResponse<String> response = post("{\"id\":1,\"method\":\"getfluxnodestatus\",\"params\":[]}",
            "Authorization", AUTH, DevnetRpcServer.PUBKEY_HEADER, chain.publicKey(2).toHex());

        final JsonNode result = MAPPER.readTree(response.body()).path("result");
        assertThat(result.path("status").asText()).isEqualTo("CONFIRMED");
        assertThat(result.path("pubkey").asText()).isEqualTo(chain.publicKey(2).toHex());
        assertThat(result.path("ip").asText()).as("listed port: mesh port 41002 - 5").isEqualTo("127.0.0.1:40997");
    }

    @Test
    void shouldAnswerInvalidPubkeyWithError() throws Exception
    {
        final HttpResponse<String> response = post("{\"id\":1,\"method\":\"getzelnodestatus\",\"params\":[\"02zz\"]}",
            "Authorization", AUTH);

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(MAPPER.readTree(response.body()).path("error").path("code").asInt()).isEqualTo(-8);
    }

    @Test
    void shouldWarmUpUntilClockPasses() throws Exception
    {
        final CachedEpochClock clock = new CachedEpochClock();
        try (DevnetRpcServer warming = DevnetRpcServer.launch(new DevnetRpcServer.Context().source(chain).clock(clock).warmUpMs(1_000)))
        {
            final JsonRpcClient client = new JsonRpcClient(warming.uri(), "devnet", "devnet", 1_000, 2_000, 4096);
            assertThatThrownBy(() -> client.call("getblockcount")).isInstanceOf(ChainDataException.class)
                .satisfies(e -> assertThat(((ChainDataException)e).kind()).isEqualTo(ChainDataException.Kind.WARMING_UP));
            clock.advance(1_000);
            assertThat(client.call("getblockcount").asLong()).isEqualTo(chain.height());
        }
    }

    @Test
    void shouldServeFollowingChainAdvances() throws Exception
    {
        final JsonRpcClient client = new JsonRpcClient(server.uri(), "devnet", "devnet", 1_000, 2_000, 1 << 20);
        chain.leave(0);
        chain.advance();

        final JsonNode list = client.call(FluxdRpcSource.LIST_METHOD);

        assertThat(list.size()).isEqualTo(3);
        assertThat(client.call("getblockcount").asLong()).isEqualTo(chain.height());
        assertThat(URI.create(server.uri().toString()).getPort()).isEqualTo(server.port());
    }

    @Test
    void shouldRejectInvalidSettingsNamingThem()
    {
        assertThatThrownBy(() -> DevnetRpcServer.launch(new DevnetRpcServer.Context()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("source");
        assertThatThrownBy(() -> DevnetRpcServer.launch(new DevnetRpcServer.Context().source(chain).host("example.com")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host=example.com");
    }
}
