package io.chainmesh.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FluxbenchdClientTest
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String BENCHMARKS = "{\"ipaddress\":\"1.2.3.4\",\"cores\":8,\"ram\":62.8,\"ssd\":900,\"hdd\":0," +
        "\"ddwrite\":\"812.5\",\"totalstorage\":900,\"disksinfo\":[{\"disk\":\"sda\",\"size\":900}],\"eps\":2543.1," +
        "\"ping\":4.2,\"download_speed\":912.3,\"upload_speed\":880.1,\"bench_version\":\"4.0.0\"," +
        "\"flux_version\":\"8.0.0\",\"architecture\":\"amd64\",\"thunder\":false,\"real_cores\":4,\"speed\":3.6}";

    private final Map<String, String> results = new ConcurrentHashMap<>();
    private HttpServer server;

    private FluxbenchdClient start() throws IOException
    {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/", exchange ->
        {
            try (exchange)
            {
                final JsonNode request = MAPPER.readTree(exchange.getRequestBody().readNBytes(4096));
                final String result = results.get(request.path("method").asText());
                final byte[] body = (null == result ?
                    "{\"result\":null,\"error\":{\"code\":-32601,\"message\":\"Method not found\"},\"id\":1}" :
                    "{\"result\":" + result + ",\"error\":null,\"id\":1}").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(null == result ? 404 : 200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        return new FluxbenchdClient(new FluxbenchdClient.Context()
            .uri(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/")).requestTimeoutMs(2_000));
    }

    @AfterEach
    void stop()
    {
        if (null != server)
        {
            server.stop(0);
        }
    }

    @Test
    void shouldReadStatus() throws IOException
    {
        results.put("getstatus", "{\"status\":\"online\",\"benchmarking\":\"complete\",\"flux\":true}");

        assertThat(start().getStatus()).isEqualTo(new FluxbenchdClient.Status("online", "complete", true));
    }

    @Test
    void shouldReadBenchmarksWithNumericStrings() throws IOException
    {
        results.put("getbenchmarks", BENCHMARKS);

        final FluxbenchdClient.Benchmarks benchmarks = start().getBenchmarks();

        assertThat(benchmarks.cores()).isEqualTo(8);
        assertThat(benchmarks.ramGb()).isEqualTo(62.8);
        assertThat(benchmarks.ddWriteMbs()).isEqualTo(812.5);
        assertThat(benchmarks.eps()).isEqualTo(2543.1);
        assertThat(benchmarks.realCores()).isEqualTo(4);
        assertThat(benchmarks.architecture()).isEqualTo("amd64");
        assertThat(benchmarks.ipAddress()).isEqualTo("1.2.3.4");
    }

    @Test
    void shouldAcceptResultEncodedAsJsonString() throws IOException
    {
        results.put("getbenchmarks", MAPPER.writeValueAsString(BENCHMARKS));

        assertThat(start().getBenchmarks().cores()).isEqualTo(8);
    }

    @Test
    void shouldRejectFieldOfWrongTypeNamingIt() throws IOException
    {
        results.put("getbenchmarks", BENCHMARKS.replace("\"cores\":8", "\"cores\":\"many\""));

        assertThatThrownBy(start()::getBenchmarks).isInstanceOf(ChainDataException.class)
            .hasMessageContaining("getbenchmarks field cores=\"many\" is not a number");
    }

    @Test
    void shouldRejectNonObjectResult() throws IOException
    {
        results.put("getstatus", "[1,2]");

        assertThatThrownBy(start()::getStatus).isInstanceOf(ChainDataException.class)
            .hasMessageContaining("getstatus result is not an object");
    }

    @Test
    void shouldReportUnknownMethodWithItsCode() throws IOException
    {
        final FluxbenchdClient client = start();

        assertThatThrownBy(client::getStatus).isInstanceOf(ChainDataException.class)
            .satisfies(e -> assertThat(((ChainDataException)e).rpcCode()).isEqualTo(-32601));
    }

    @Test
    void shouldReportOversizedAnswer() throws IOException
    {
        results.put("getstatus", "{\"status\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}");

        assertThatThrownBy(start()::getStatus).isInstanceOf(ChainDataException.class)
            .satisfies(e -> assertThat(((ChainDataException)e).kind()).isEqualTo(ChainDataException.Kind.OVERSIZED));
    }
}
