package io.chainmesh.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A bespoke fluxd for failure modes: answers {@code getblockcount} from a devnet chain and the list
 * method according to the current {@link Mode}. Real JDK HTTP server on 127.0.0.1, port 0.
 */
final class ScriptedFluxd implements AutoCloseable
{
    enum Mode
    {
        OK,
        HTTP_500_HTML,
        MALFORMED_JSON,
        TRUNCATED_JSON,
        CONNECTION_CLOSED_EARLY,
        OVERSIZED_CHUNKED,
        OVERSIZED_DECLARED,
        NOT_AN_ARRAY
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final DevnetChain chain;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2, r ->
    {
        final Thread thread = new Thread(r, "scripted-fluxd");
        thread.setDaemon(true);
        return thread;
    });
    final AtomicReference<Mode> mode = new AtomicReference<>(Mode.OK);
    /** When >= 0, getblockcount answers this instead of the chain's height (to simulate a reorg). */
    final java.util.concurrent.atomic.AtomicLong heightOverride = new java.util.concurrent.atomic.AtomicLong(-1);

    ScriptedFluxd(final DevnetChain chain) throws IOException
    {
        this.chain = chain;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    URI uri()
    {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        try (exchange)
        {
            final JsonNode request = MAPPER.readTree(exchange.getRequestBody().readNBytes(65536));
            final String method = request.path("method").asText();
            if ("getblockcount".equals(method))
            {
                send(exchange, 200, ("{\"result\":" + (heightOverride.get() >= 0 ? heightOverride.get() : chain.height()) + ",\"error\":null,\"id\":1}").getBytes(StandardCharsets.UTF_8));
                return;
            }
            final byte[] list = FluxdNodeListWriter.toJsonArray(chain.current().members());
            final String envelope = "{\"result\":" + new String(list, StandardCharsets.UTF_8) + ",\"error\":null,\"id\":1}";
            switch (mode.get())
            {
                case OK -> send(exchange, 200, envelope.getBytes(StandardCharsets.UTF_8));
                case HTTP_500_HTML -> send(exchange, 500, "<html>Internal error</html>".getBytes(StandardCharsets.UTF_8));
                case MALFORMED_JSON -> send(exchange, 200, "{\"result\":[{\"pubkey\":02ab}]".getBytes(StandardCharsets.UTF_8));
                case TRUNCATED_JSON -> send(exchange, 200,
                    envelope.substring(0, envelope.length() / 2).getBytes(StandardCharsets.UTF_8));
                case NOT_AN_ARRAY -> send(exchange, 200, "{\"result\":\"nope\",\"error\":null}".getBytes(StandardCharsets.UTF_8));
                case CONNECTION_CLOSED_EARLY ->
                {
                    final byte[] body = envelope.getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(200, body.length);
                    final OutputStream out = exchange.getResponseBody();
                    out.write(body, 0, body.length / 2);
                    out.flush();
                    // Closing with bytes missing makes the JDK server drop the connection.
                }
                case OVERSIZED_CHUNKED ->
                {
                    exchange.sendResponseHeaders(200, 0);
                    final byte[] chunk = new byte[64 * 1024];
                    java.util.Arrays.fill(chunk, (byte)' ');
                    try (OutputStream out = exchange.getResponseBody())
                    {
                        for (int i = 0; i < 64; i++)
                        {
                            out.write(chunk);
                        }
                    }
                    catch (final IOException expected)
                    {
                        // The client hangs up once over its cap.
                    }
                }
                case OVERSIZED_DECLARED ->
                {
                    exchange.sendResponseHeaders(200, 50L * 1024 * 1024);
                    exchange.getResponseBody().write(new byte[1024]);
                }
                default -> throw new IllegalStateException();
            }
        }
        catch (final IOException ignore)
        {
            // Expected in the early-close and oversized modes.
        }
    }

    private static void send(final HttpExchange exchange, final int status, final byte[] body) throws IOException
    {
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }
}
