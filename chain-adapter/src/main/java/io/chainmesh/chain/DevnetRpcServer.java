package io.chainmesh.chain;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.crypto.PublicKey;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves a directory source (usually a {@link DevnetChain}) as a fluxd-compatible JSON-RPC endpoint on
 * a loopback port, so {@link FluxdRpcSource} is exercised against a real HTTP server and separate node
 * processes can share one devnet chain. JDK {@code HttpServer}, bound to 127.0.0.1 port 0 by default.
 * <p>
 * Methods: {@code getblockcount}; {@code viewdeterministicfluxnodelist} and its alias
 * {@code viewdeterministiczelnodelist} (the optional filter parameter is ignored);
 * {@code getfluxnodestatus} and its alias {@code getzelnodestatus}. Because one devnet server answers for
 * many nodes, the status methods need to know who asks: the node's collateral ({@code txhash:outidx}) or
 * public key as {@code params[0]}, or in the {@code X-Chainmesh-Pubkey} header. A listed collateral (or a key
 * listed for exactly one collateral) answers {@code status: CONFIRMED} with its entry, an unlisted one
 * {@code status: EXPIRED}; a key shared by several collaterals, or a missing or invalid one, is error -8.
 * <p>
 * Like fluxd it answers HTTP 401 (empty body) on bad basic auth, HTTP 404 with error -32601 for an
 * unknown method, HTTP 500 with the JSON-RPC error otherwise, and error -28 ("Loading block index...")
 * during the optional warm-up (the first {@link Context#warmUpCalls(int)} calls, and until
 * {@link Context#warmUpMs(long)} after launch by the clock). Request bodies over the cap get HTTP 413.
 * For tests, {@link Context#legacyMethodsOnly(boolean)} answers -32601 to the current method names so
 * the alias fallback is exercised.
 * <p>
 * Requests are served by a small pool of daemon threads named {@code chainmesh-devnet-rpc}.
 */
public final class DevnetRpcServer implements AutoCloseable
{
    /** Header naming the asking node for the status methods. */
    public static final String PUBKEY_HEADER = "X-Chainmesh-Pubkey";

    private static final Logger LOG = LoggerFactory.getLogger(DevnetRpcServer.class);
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
        .build());
    private static final JsonFactory FACTORY = new JsonFactory();

    private final Context ctx;
    private final HttpServer server;
    private final ExecutorService executor;
    private final byte[] expectedAuthorization;
    private final long startMs;
    private final AtomicLong calls = new AtomicLong();
    private volatile boolean closed;

    private DevnetRpcServer(final Context ctx, final HttpServer server, final ExecutorService executor)
    {
        this.ctx = ctx;
        this.server = server;
        this.executor = executor;
        this.expectedAuthorization = ("Basic " + Base64.getEncoder().encodeToString(
            (ctx.rpcUser() + ":" + ctx.rpcPassword()).getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
        this.startMs = ctx.clock().time();
    }

    /**
     * Binds and starts serving.
     *
     * @param ctx settings; {@link Context#conclude()} is called here.
     * @return the running server.
     * @throws IOException if the address cannot be bound.
     */
    public static DevnetRpcServer launch(final Context ctx) throws IOException
    {
        ctx.conclude();
        final HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(ctx.host()), ctx.port()), 64);
        final ExecutorService executor = Executors.newFixedThreadPool(ctx.threads(), r ->
        {
            final Thread thread = new Thread(r, "chainmesh-devnet-rpc");
            thread.setDaemon(true);
            return thread;
        });
        final DevnetRpcServer rpc = new DevnetRpcServer(ctx, server, executor);
        try
        {
            server.createContext("/", rpc::handle);
            server.setExecutor(executor);
            server.start();
        }
        catch (final RuntimeException ex)
        {
            executor.shutdownNow();
            server.stop(0);
            throw ex;
        }
        LOG.info("devnet fluxd RPC listening on {}", rpc.uri());
        return rpc;
    }

    /**
     * @return the bound port.
     */
    public int port()
    {
        return server.getAddress().getPort();
    }

    /**
     * @return {@code http://host:port/}, ready for {@link FluxdRpcSource.Context#uri(URI)}.
     */
    public URI uri()
    {
        final String host = ctx.host().indexOf(':') >= 0 ? "[" + ctx.host() + "]" : ctx.host();
        return URI.create("http://" + host + ":" + port() + "/");
    }

    /**
     * @return the settings (user, password, ...).
     */
    public Context context()
    {
        return ctx;
    }

    /**
     * @return number of authenticated JSON-RPC calls received so far.
     */
    public long callCount()
    {
        return calls.get();
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow();
        try
        {
            executor.awaitTermination(1, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        try (exchange)
        {
            if (!"POST".equals(exchange.getRequestMethod()))
            {
                exchange.getResponseHeaders().add("Allow", "POST");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            final String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (null == authorization ||
                !MessageDigest.isEqual(expectedAuthorization, authorization.getBytes(StandardCharsets.UTF_8)))
            {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"jsonrpc\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            final byte[] body = readCapped(exchange);
            if (null == body)
            {
                exchange.sendResponseHeaders(413, -1);
                return;
            }
            calls.incrementAndGet();
            final JsonNode request;
            try
            {
                request = MAPPER.readTree(body);
            }
            catch (final IOException ex)
            {
                reply(exchange, null, -32700, "Parse error");
                return;
            }
            if (null == request || !request.isObject() || !request.path("method").isTextual())
            {
                reply(exchange, null, -32600, "Invalid Request object");
                return;
            }
            final JsonNode id = request.get("id");
            if (inWarmUp())
            {
                reply(exchange, id, ChainDataException.RPC_IN_WARMUP, "Loading block index...");
                return;
            }
            dispatch(exchange, id, request.path("method").asText(), request.path("params"));
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("devnet RPC request failed", ex);
            throw ex;
        }
    }

    private boolean inWarmUp()
    {
        return calls.get() <= ctx.warmUpCalls() || ctx.clock().time() - (startMs + ctx.warmUpMs()) < 0;
    }

    private void dispatch(final HttpExchange exchange, final JsonNode id, final String method, final JsonNode params)
        throws IOException
    {
        final DirectorySnapshot snapshot = ctx.source().current();
        switch (method)
        {
            case "getblockcount":
                respond(exchange, 200, id, generator -> generator.writeNumber(snapshot.height()));
                return;

            case FluxdRpcSource.LIST_METHOD:
            case FluxdRpcSource.STATUS_METHOD:
                if (ctx.legacyMethodsOnly())
                {
                    reply(exchange, id, ChainDataException.RPC_METHOD_NOT_FOUND, "Method not found");
                    return;
                }
                break;

            case FluxdRpcSource.LIST_METHOD_ALIAS:
            case FluxdRpcSource.STATUS_METHOD_ALIAS:
                break;

            default:
                reply(exchange, id, ChainDataException.RPC_METHOD_NOT_FOUND, "Method not found");
                return;
        }
        if (FluxdRpcSource.LIST_METHOD.equals(method) || FluxdRpcSource.LIST_METHOD_ALIAS.equals(method))
        {
            respond(exchange, 200, id, generator -> FluxdNodeListWriter.writeArray(generator, snapshot.members()));
            return;
        }
        String asker = params.path(0).isTextual() ? params.path(0).asText() : null;
        if (null == asker)
        {
            asker = exchange.getRequestHeaders().getFirst(PUBKEY_HEADER);
        }
        if (null == asker)
        {
            reply(exchange, id, -8, method + " needs the node's collateral (txhash:outidx) or pubkey as params[0] or header " +
                PUBKEY_HEADER + " (devnet)");
            return;
        }
        final String trimmed = asker.trim();
        final Member member;
        final String unlistedKey;
        if (trimmed.indexOf(':') > 0)
        {
            final MemberId collateral;
            try
            {
                collateral = MemberId.parse(trimmed);
            }
            catch (final IllegalArgumentException ex)
            {
                reply(exchange, id, -8, "invalid collateral: " + ex.getMessage());
                return;
            }
            member = snapshot.find(collateral);
            unlistedKey = null;
        }
        else
        {
            final PublicKey nodeId;
            try
            {
                nodeId = PublicKey.fromHex(trimmed);
            }
            catch (final CodecException ex)
            {
                reply(exchange, id, -8, "invalid pubkey: " + ex.getMessage());
                return;
            }
            final List<Member> listed = snapshot.membersWithKey(nodeId);
            if (listed.size() > 1)
            {
                reply(exchange, id, -8, "pubkey " + nodeId + " is listed for " + listed.size() +
                    " collaterals; ask with the collateral (txhash:outidx)");
                return;
            }
            member = listed.isEmpty() ? null : listed.get(0);
            unlistedKey = nodeId.toHex();
        }
        respond(exchange, 200, id, generator ->
        {
            generator.writeStartObject();
            if (null == member)
            {
                generator.writeStringField("status", "EXPIRED");
                if (null != unlistedKey)
                {
                    generator.writeStringField("pubkey", unlistedKey);
                }
                else
                {
                    generator.writeStringField("collateral", trimmed);
                }
            }
            else
            {
                generator.writeStringField("status", "CONFIRMED");
                FluxdNodeListWriter.writeFields(generator, member);
            }
            generator.writeEndObject();
        });
    }

    private byte[] readCapped(final HttpExchange exchange) throws IOException
    {
        final String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (null != declared)
        {
            try
            {
                if (Long.parseLong(declared.trim()) > ctx.maxRequestBytes())
                {
                    return null;
                }
            }
            catch (final NumberFormatException ex)
            {
                return null;
            }
        }
        try (InputStream in = exchange.getRequestBody())
        {
            final byte[] body = in.readNBytes(ctx.maxRequestBytes() + 1);
            return body.length > ctx.maxRequestBytes() ? null : body;
        }
    }

    private void reply(final HttpExchange exchange, final JsonNode id, final int code, final String message) throws IOException
    {
        final int status = ChainDataException.RPC_METHOD_NOT_FOUND == code ? 404 : -32600 == code ? 400 : 500;
        final ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator generator = FACTORY.createGenerator(out))
        {
            generator.writeStartObject();
            generator.writeNullField("result");
            generator.writeObjectFieldStart("error");
            generator.writeNumberField("code", code);
            generator.writeStringField("message", message);
            generator.writeEndObject();
            writeId(generator, id);
            generator.writeEndObject();
        }
        send(exchange, status, out.toByteArray());
    }

    private void respond(final HttpExchange exchange, final int status, final JsonNode id, final ResultWriter result)
        throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator generator = FACTORY.createGenerator(out))
        {
            generator.writeStartObject();
            generator.writeFieldName("result");
            result.write(generator);
            generator.writeNullField("error");
            writeId(generator, id);
            generator.writeEndObject();
        }
        send(exchange, status, out.toByteArray());
    }

    private static void writeId(final JsonGenerator generator, final JsonNode id) throws IOException
    {
        generator.writeFieldName("id");
        if (null == id || !id.isValueNode())
        {
            generator.writeNull();
        }
        else
        {
            MAPPER.writeTree(generator, id);
        }
    }

    private static void send(final HttpExchange exchange, final int status, final byte[] body) throws IOException
    {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(body);
        }
    }

    @FunctionalInterface
    private interface ResultWriter
    {
        void write(JsonGenerator generator) throws IOException;
    }

    /**
     * Server settings; fluent setters, validated by {@link #conclude()}.
     */
    public static final class Context
    {
        private DirectorySource source;
        private String host = "127.0.0.1";
        private int port = 0;
        private String rpcUser = "devnet";
        private String rpcPassword = "devnet";
        private int warmUpCalls = 0;
        private long warmUpMs = 0;
        private int maxRequestBytes = 64 * 1024;
        private boolean legacyMethodsOnly;
        private int threads = 2;
        private EpochClock clock = SystemEpochClock.INSTANCE;

        /**
         * @param source the directory to serve, usually a {@link DevnetChain} (required).
         * @return this.
         */
        public Context source(final DirectorySource source)
        {
            this.source = source;
            return this;
        }

        /**
         * @return the directory served.
         */
        public DirectorySource source()
        {
            return source;
        }

        /**
         * @param host loopback address to bind (default 127.0.0.1).
         * @return this.
         */
        public Context host(final String host)
        {
            this.host = host;
            return this;
        }

        /**
         * @return address to bind.
         */
        public String host()
        {
            return host;
        }

        /**
         * @param port port to bind (default 0: any free port, see {@link DevnetRpcServer#port()}).
         * @return this.
         */
        public Context port(final int port)
        {
            this.port = port;
            return this;
        }

        /**
         * @return port to bind.
         */
        public int port()
        {
            return port;
        }

        /**
         * @param user   rpcuser clients must send (default "devnet").
         * @param password rpcpassword clients must send (default "devnet").
         * @return this.
         */
        public Context credentials(final String user, final String password)
        {
            this.rpcUser = user;
            this.rpcPassword = password;
            return this;
        }

        /**
         * @return rpcuser.
         */
        public String rpcUser()
        {
            return rpcUser;
        }

        /**
         * @return rpcpassword.
         */
        public String rpcPassword()
        {
            return rpcPassword;
        }

        /**
         * @param count the first {@code count} authenticated calls answer -28 (default 0).
         * @return this.
         */
        public Context warmUpCalls(final int count)
        {
            this.warmUpCalls = count;
            return this;
        }

        /**
         * @return calls answered -28 at start.
         */
        public int warmUpCalls()
        {
            return warmUpCalls;
        }

        /**
         * @param ms calls answer -28 until this long after launch by the clock (default 0).
         * @return this.
         */
        public Context warmUpMs(final long ms)
        {
            this.warmUpMs = ms;
            return this;
        }

        /**
         * @return warm-up time after launch.
         */
        public long warmUpMs()
        {
            return warmUpMs;
        }

        /**
         * @param bytes largest request body accepted (default 64 KiB); larger gets HTTP 413.
         * @return this.
         */
        public Context maxRequestBytes(final int bytes)
        {
            this.maxRequestBytes = bytes;
            return this;
        }

        /**
         * @return largest request body accepted.
         */
        public int maxRequestBytes()
        {
            return maxRequestBytes;
        }

        /**
         * @param legacyOnly true to answer -32601 to the current method names (test the alias fallback).
         * @return this.
         */
        public Context legacyMethodsOnly(final boolean legacyOnly)
        {
            this.legacyMethodsOnly = legacyOnly;
            return this;
        }

        /**
         * @return whether only the old method names are served.
         */
        public boolean legacyMethodsOnly()
        {
            return legacyMethodsOnly;
        }

        /**
         * @param count serving threads (default 2).
         * @return this.
         */
        public Context threads(final int count)
        {
            this.threads = count;
            return this;
        }

        /**
         * @return serving threads.
         */
        public int threads()
        {
            return threads;
        }

        /**
         * @param clock time source for the warm-up period (default system clock).
         * @return this.
         */
        public Context clock(final EpochClock clock)
        {
            this.clock = clock;
            return this;
        }

        /**
         * @return time source.
         */
        public EpochClock clock()
        {
            return clock;
        }

        /**
         * Validates the settings.
         *
         * @return this.
         * @throws IllegalArgumentException naming the first invalid setting.
         */
        public Context conclude()
        {
            if (null == source)
            {
                throw new IllegalArgumentException("source must be set");
            }
            if (!EndpointParser.isIpv4(host) && !EndpointParser.isIpv6(host))
            {
                throw new IllegalArgumentException("host=" + host + " must be an IP literal");
            }
            if (port < 0 || port > 65535)
            {
                throw new IllegalArgumentException("port=" + port + " must be in [0, 65535]");
            }
            if (null == rpcUser || null == rpcPassword || rpcUser.indexOf(':') >= 0)
            {
                throw new IllegalArgumentException("rpcUser=" + rpcUser + " must be set without ':' and rpcPassword must be set");
            }
            if (warmUpCalls < 0 || warmUpMs < 0)
            {
                throw new IllegalArgumentException("warmUpCalls=" + warmUpCalls + " and warmUpMs=" + warmUpMs + " must be >= 0");
            }
            if (maxRequestBytes < 256)
            {
                throw new IllegalArgumentException("maxRequestBytes=" + maxRequestBytes + " must be >= 256");
            }
            if (threads < 1)
            {
                throw new IllegalArgumentException("threads=" + threads + " must be >= 1");
            }
            if (null == clock)
            {
                throw new IllegalArgumentException("clock must be set");
            }
            return this;
        }
    }
}
