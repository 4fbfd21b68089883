package io.chainmesh.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.chainmesh.codec.control.BenchReport;
import io.chainmesh.codec.crypto.PublicKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Answers fluxbenchd's JSON-RPC methods so that tools which read FluxBench can read chainmesh:
 * {@code getstatus}, {@code getbenchmarks}, and the chainmesh extension {@code getnetworkbenchmarks}
 * (the latest report of every member). JSON-RPC 1.0 over HTTP POST on a loopback port, optional
 * basic auth, request bodies capped at {@link #MAX_REQUEST_BYTES}.
 * <p>
 * Served by the JDK's HTTP server on one thread named {@code chainmesh-fluxbenchd}; never on an
 * engine thread.
 */
public final class FluxbenchdServer implements AutoCloseable
{
    /** Largest request body accepted. */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(FluxbenchdServer.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<BenchStatus> status;
    private final Supplier<Map<PublicKey, BenchReport>> network;
    private final String expectedAuthorization;

    private FluxbenchdServer(
        final InetSocketAddress bind,
        final String user,
        final String password,
        final Supplier<BenchStatus> status,
        final Supplier<Map<PublicKey, BenchReport>> network) throws IOException
    {
        this.status = Objects.requireNonNull(status, "status");
        this.network = Objects.requireNonNull(network, "network");
        this.expectedAuthorization = null == user ? null :
            "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.server = HttpServer.create(bind, 16);
        this.executor = Executors.newSingleThreadExecutor(r ->
        {
            final Thread t = new Thread(r, "chainmesh-fluxbenchd");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /**
     * Binds and starts serving.
     *
     * @param bind     address to bind, e.g. 127.0.0.1:16224 or port 0.
     * @param user     basic-auth user, or null for no authentication.
     * @param password basic-auth password.
     * @param status   the node's own status and latest report.
     * @param network  the latest report per member.
     * @return the running server.
     * @throws IOException if the address cannot be bound.
     */
    public static FluxbenchdServer launch(
        final InetSocketAddress bind,
        final String user,
        final String password,
        final Supplier<BenchStatus> status,
        final Supplier<Map<PublicKey, BenchReport>> network) throws IOException
    {
        final FluxbenchdServer server = new FluxbenchdServer(bind, user, password, status, network);
        server.server.start();
        return server;
    }

    /**
     * @return the bound address (with the real port when bound to port 0).
     */
    public InetSocketAddress address()
    {
        return server.getAddress();
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        try (exchange)
        {
            if (!"POST".equals(exchange.getRequestMethod()))
            {
                reply(exchange, 405, error(null, -32600, "only POST is accepted"));
                return;
            }
            if (null != expectedAuthorization &&
                !expectedAuthorization.equals(exchange.getRequestHeaders().getFirst("Authorization")))
            {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"jsonrpc\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            final byte[] body;
            try (InputStream in = exchange.getRequestBody())
            {
                body = in.readNBytes(MAX_REQUEST_BYTES + 1);
            }
            if (body.length > MAX_REQUEST_BYTES)
            {
                reply(exchange, 413, error(null, -32600, "request body exceeds limit " + MAX_REQUEST_BYTES + " bytes"));
                return;
            }
            final JsonNode request;
            try
            {
                request = MAPPER.readTree(body);
            }
            catch (final IOException ex)
            {
                reply(exchange, 500, error(null, -32700, "parse error: request is not valid JSON"));
                return;
            }
            final JsonNode id = null == request ? null : request.get("id");
            final JsonNode method = null == request ? null : request.get("method");
            if (null == method || !method.isTextual())
            {
                reply(exchange, 500, error(id, -32600, "invalid request: no method"));
                return;
            }
            final JsonNode result;
            switch (method.asText())
            {
                case "getstatus": result = statusJson(); break;
                case "getbenchmarks": result = benchmarksJson(status.get().report(), status.get()); break;
                case "getnetworkbenchmarks": result = networkJson(); break;
                default:
                    reply(exchange, 404, error(id, -32601, "Method not found"));
                    return;
            }
            final ObjectNode response = JsonNodeFactory.instance.objectNode();
            response.set("result", result);
            response.putNull("error");
            response.set("id", id);
            reply(exchange, 200, response);
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("fluxbenchd request failed", ex);
        }
    }

    private JsonNode statusJson()
    {
        final BenchStatus s = status.get();
        final ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("status", "online");
        node.put("benchmarking", s.benchmarking());
        node.put("flux", true);
        return node;
    }

    private JsonNode networkJson()
    {
        final ArrayNode array = JsonNodeFactory.instance.arrayNode();
        for (final Map.Entry<PublicKey, BenchReport> e : network.get().entrySet())
        {
            final ObjectNode row = benchmarksJson(e.getValue(), null);
            row.put("pubkey", e.getKey().toHex());
            array.add(row);
        }
        return array;
    }

    /**
     * Maps a report to fluxbenchd's {@code getbenchmarks} shape: sizes in GB, speeds in MB/s and Mb/s.
     */
    static ObjectNode benchmarksJson(final BenchReport r, final BenchStatus s)
    {
        final ObjectNode node = JsonNodeFactory.instance.objectNode();
        if (null != s)
        {
            node.put("ipaddress", s.ipAddress());
            node.put("flux_version", s.version());
        }
        if (null == r)
        {
            node.put("status", "CUMULUS_FAILED");
            node.put("error", "no benchmark completed yet");
            return node;
        }
        node.put("status", r.getTier().name());
        node.put("tier_reason", r.getTierReason());
        node.put("cores", r.getCores());
        node.put("real_cores", r.getRealCores());
        node.put("ram", round2(r.getRamBytes() / 1e9));
        node.put("ssd", round2(r.getStorageBytes() / 1e9));
        node.put("hdd", 0);
        node.put("totalstorage", round2(r.getStorageBytes() / 1e9));
        node.set("disksinfo", JsonNodeFactory.instance.arrayNode());
        node.put("ddwrite", round2(r.getDiskWriteMbps()));
        node.put("eps", round2(r.getEpsMulti()));
        node.put("ping", Double.isNaN(r.getNetworkRttMicros()) ? 0 : round2(r.getNetworkRttMicros() / 1000.0));
        node.put("download_speed", Double.isNaN(r.getNetworkThroughputMbps()) ? 0 : round2(r.getNetworkThroughputMbps()));
        node.put("upload_speed", Double.isNaN(r.getNetworkThroughputMbps()) ? 0 : round2(r.getNetworkThroughputMbps()));
        node.put("speed", round2(r.getEpsSingle()));
        node.put("bench_version", r.getBenchVersion());
        node.put("architecture", r.getArchitecture());
        node.put("thunder", false);
        node.put("time", r.getTimestampMillis() / 1000);
        node.put("error", "");
        return node;
    }

    private static double round2(final double value)
    {
        return Math.round(value * 100.0) / 100.0;
    }

    private static ObjectNode error(final JsonNode id, final int code, final String message)
    {
        final ObjectNode response = JsonNodeFactory.instance.objectNode();
        response.putNull("result");
        final ObjectNode error = response.putObject("error");
        error.put("code", code);
        error.put("message", message);
        response.set("id", id);
        return response;
    }

    private static void reply(final HttpExchange exchange, final int status, final JsonNode body) throws IOException
    {
        final byte[] bytes = MAPPER.writeValueAsBytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(bytes);
        }
    }

    /**
     * Stops serving. Idempotent.
     */
    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }
}
