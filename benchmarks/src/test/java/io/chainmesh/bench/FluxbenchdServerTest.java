package io.chainmesh.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.codec.control.BenchReport;
import io.chainmesh.codec.crypto.NodeKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FluxbenchdServerTest
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final NodeKey KEY = NodeKey.fromHex("05".repeat(32));
    private static final NodeMeasurements M =
        new NodeMeasurements(4, 32_000_000_000L, 500_000_000_000L, 300, 1000, 8000, 300, 250, 600);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FluxbenchdServer server;
    private BenchReport report;

    @BeforeEach
    void start() throws Exception
    {
        report = BenchReports.create(KEY, M, TierVerdict.derive(M, TierRequirement.FLUX_DEFAULTS), 1_700_000_000_000L);
        server = FluxbenchdServer.launch(new InetSocketAddress("127.0.0.1", 0), "bench", "secret",
            () -> new BenchStatus("complete", report, "127.0.0.1:16127", "0.1.0"),
            () -> Map.of(KEY.publicKey(), report));
    }

    @AfterEach
    void stop()
    {
        server.close();
    }

    private HttpResponse<String> post(final String body, final String user, final String password) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.address().getPort() + "/"))
            .timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.ofString(body));
        if (null != user)
        {
            request.header("Authorization", "Basic " +
                Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode call(final String method) throws Exception
    {
        final HttpResponse<String> response =
            post("{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"" + method + "\",\"params\":[]}", "bench", "secret");
        assertThat(response.statusCode()).isEqualTo(200);
        final JsonNode json = MAPPER.readTree(response.body());
        assertThat(json.get("id").asInt()).isEqualTo(7);
        assertThat(json.get("error").isNull()).isTrue();
        return json.get("result");
    }

    @Test
    void shouldAnswerGetStatusInFluxbenchdShape() throws Exception
    {
        final JsonNode status = call("getstatus");

        assertThat(status.get("status").asText()).isEqualTo("online");
        assertThat(status.get("benchmarking").asText()).isEqualTo("complete");
        assertThat(status.get("flux").asBoolean()).isTrue();
    }

    @Test
    void shouldAnswerGetBenchmarksInFluxbenchdShapeAndUnits() throws Exception
    {
        final JsonNode bench = call("getbenchmarks");

        assertThat(bench.get("ipaddress").asText()).isEqualTo("127.0.0.1:16127");
        assertThat(bench.get("cores").asInt()).isEqualTo(4);
        assertThat(bench.get("ram").asDouble()).isEqualTo(32.0);
        assertThat(bench.get("ssd").asDouble()).isEqualTo(500.0);
        assertThat(bench.get("totalstorage").asDouble()).isEqualTo(500.0);
        assertThat(bench.get("ddwrite").asDouble()).isEqualTo(300.0);
        assertThat(bench.get("eps").asDouble()).isEqualTo(1000.0);
        assertThat(bench.get("ping").asDouble()).isEqualTo(0.25);
        assertThat(bench.get("download_speed").asDouble()).isEqualTo(600.0);
        assertThat(bench.get("status").asText()).isEqualTo("NIMBUS");
        assertThat(bench.get("bench_version").asText()).isEqualTo(BenchReports.BENCH_VERSION);
        for (final String field : new String[] {"hdd", "disksinfo", "upload_speed", "architecture", "thunder",
            "real_cores", "speed", "flux_version"})
        {
            assertThat(bench.has(field)).as(field).isTrue();
        }
    }

    @Test
    void shouldListNetworkReports() throws Exception
    {
        final JsonNode rows = call("getnetworkbenchmarks");

        assertThat(rows.size()).isEqualTo(1);
        assertThat(rows.get(0).get("pubkey").asText()).isEqualTo(KEY.publicKey().toHex());
    }

    @Test
    void shouldRefuseWrongCredentialsUnknownMethodsAndBadBodies() throws Exception
    {
        assertThat(post("{\"method\":\"getstatus\"}", "bench", "wrong").statusCode()).isEqualTo(401);
        assertThat(post("{\"method\":\"getstatus\"}", null, null).statusCode()).isEqualTo(401);

        final HttpResponse<String> unknown = post("{\"id\":1,\"method\":\"stop\"}", "bench", "secret");
        assertThat(MAPPER.readTree(unknown.body()).get("error").get("code").asInt()).isEqualTo(-32601);

        final HttpResponse<String> garbage = post("{not json", "bench", "secret");
        assertThat(garbage.statusCode()).isEqualTo(500);
        assertThat(MAPPER.readTree(garbage.body()).get("error").get("code").asInt()).isEqualTo(-32700);

        final HttpResponse<String> huge = post("[" + "1,".repeat(40_000) + "1]", "bench", "secret");
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(huge.body()).contains("exceeds limit 65536");
    }
}
