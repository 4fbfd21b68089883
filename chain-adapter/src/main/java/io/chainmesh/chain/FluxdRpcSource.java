package io.chainmesh.chain;

import com.fasterxml.jackson.databind.JsonNode;
import io.chainmesh.codec.crypto.PublicKey;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Reads the directory from a fluxd daemon over JSON-RPC: polls {@code getblockcount} and, on a new
 * height, fetches {@code viewdeterministicfluxnodelist} (falling back for good to
 * {@code viewdeterministiczelnodelist} when fluxd answers -32601 "method not found").
 * <p>
 * Failures (warm-up -28, refused connections, timeouts, 401, 5xx, malformed, truncated or oversized
 * bodies) never stop it: it keeps the last good snapshot, retries with exponential backoff and jitter
 * (delay drawn in {@code [b/2, b]}, {@code b} doubling from {@code backoffMinMs} to {@code backoffMaxMs}),
 * logs once per change of {@link State} or error kind, and exposes {@link #health()}. A list read at a
 * height lower than the published one (a reorg) is not published; the next higher one is.
 * <p>
 * Threads: {@link #launch()} starts the {@code chainmesh-fluxd-poller} daemon thread, which owns the
 * poll state and the parser; listeners are called on it. Tests may instead drive {@link #pollOnce()} or
 * {@link #doWork()} from one thread (both are synchronized, so they never overlap with the poller).
 * {@link #current()} and {@link #health()} read volatiles and are safe from any thread.
 */
public final class FluxdRpcSource implements DirectorySource
{
    /** Current list method name. */
    public static final String LIST_METHOD = "viewdeterministicfluxnodelist";
    /** Older alias of {@link #LIST_METHOD}. */
    public static final String LIST_METHOD_ALIAS = "viewdeterministiczelnodelist";
    /** Current status method name. */
    public static final String STATUS_METHOD = "getfluxnodestatus";
    /** Older alias of {@link #STATUS_METHOD}. */
    public static final String STATUS_METHOD_ALIAS = "getzelnodestatus";

    private static final Logger LOG = LoggerFactory.getLogger(FluxdRpcSource.class);
    private static final int LOGGED_EXAMPLES = 3;

    /**
     * The poller's view of fluxd.
     */
    public enum State
    {
        /** No answer yet. */
        STARTING,
        /** The last poll succeeded. */
        HEALTHY,
        /** fluxd answers -28 (still loading). */
        WARMING_UP,
        /** The last poll failed for another reason. */
        FAILING
    }

    /**
     * A health report; immutable.
     *
     * @param state               the poller's view.
     * @param lastSuccessMs       clock time of the last successful poll, -1 if none.
     * @param lastError           text of the latest error, empty if none yet.
     * @param lastErrorKind       kind of the latest error, null if none yet.
     * @param consecutiveFailures failures since the last success.
     * @param height              latest height fluxd reported, -1 if none.
     * @param snapshotHeight      height of the published snapshot.
     * @param listMethod          the list method in use (the alias after a fallback).
     */
    public record Health(
        State state,
        long lastSuccessMs,
        String lastError,
        ChainDataException.Kind lastErrorKind,
        int consecutiveFailures,
        long height,
        long snapshotHeight,
        String listMethod)
    {
    }

    private final Context ctx;
    private final JsonRpcClient client;
    private final CopyOnWriteArrayList<DirectoryListener> listeners = new CopyOnWriteArrayList<>();
    private final Object wakeup = new Object();

    // Poll state: owned by whoever holds this object's monitor (the poller thread or a test driver).
    private final FluxdNodeListParser parser;
    private final SplittableRandom random;
    private String listMethod = LIST_METHOD;
    private long listHeight = -1;
    private long backoffMs;
    private long nextAttemptMs;
    private int consecutiveFailures;
    private long lastSuccessMs = -1;
    private String lastError = "";
    private ChainDataException.Kind lastErrorKind;
    private State state = State.STARTING;
    private long height = -1;
    private ParseResult lastParse;

    private volatile DirectorySnapshot current = DirectorySnapshot.empty();
    private volatile Health health;
    private volatile boolean closed;
    private Thread poller;

    /**
     * Builds the source; does not start polling.
     *
     * @param ctx settings; {@link Context#conclude()} is called here.
     * @throws IllegalStateException if jackson-databind (an optional dependency of this module) is missing.
     */
    public FluxdRpcSource(final Context ctx)
    {
        OptionalDependencies.requireJackson("FluxdRpcSource");
        this.ctx = ctx.conclude();
        this.client = new JsonRpcClient(ctx.uri(), ctx.rpcUser(), ctx.rpcPassword(), ctx.connectTimeoutMs(),
            ctx.requestTimeoutMs(), ctx.maxBodyBytes());
        this.parser = new FluxdNodeListParser(new FluxdNodeListParser.Context().defaultPort(ctx.defaultPort()));
        this.random = new SplittableRandom(ctx.jitterSeed());
        this.nextAttemptMs = ctx.clock().time();
        publishHealth();
    }

    /**
     * Builds the source and starts its poller thread.
     *
     * @param ctx settings.
     * @return the running source.
     */
    public static FluxdRpcSource launch(final Context ctx)
    {
        return new FluxdRpcSource(ctx).launch();
    }

    /**
     * Starts the {@code chainmesh-fluxd-poller} daemon thread. Idempotent.
     *
     * @return this.
     */
    public synchronized FluxdRpcSource launch()
    {
        if (closed)
        {
            throw new IllegalStateException("source is closed");
        }
        if (null == poller)
        {
            poller = new Thread(this::run, "chainmesh-fluxd-poller");
            poller.setDaemon(true);
            poller.start();
        }
        return this;
    }

    private void run()
    {
        while (!closed)
        {
            long waitMs;
            try
            {
                doWork();
                synchronized (this)
                {
                    waitMs = nextAttemptMs - ctx.clock().time();
                }
            }
            catch (final RuntimeException ex)
            {
                // pollOnce() already turns failures into health; this guards against a bug spinning the thread.
                LOG.error("fluxd poller failed unexpectedly; continuing", ex);
                waitMs = ctx.backoffMaxMs();
            }
            if (waitMs > 0)
            {
                synchronized (wakeup)
                {
                    try
                    {
                        // Bounded so that a clock that jumps still gets looked at again soon.
                        wakeup.wait(Math.min(waitMs, 1000));
                    }
                    catch (final InterruptedException ex)
                    {
                        return;
                    }
                }
            }
        }
    }

    /**
     * Polls if the next attempt is due by the clock.
     *
     * @return 1 if a poll ran, else 0.
     */
    public synchronized int doWork()
    {
        if (closed || ctx.clock().time() - nextAttemptMs < 0)
        {
            return 0;
        }
        pollOnce();
        return 1;
    }

    /**
     * Polls now, whatever the schedule: reads the height, fetches the list if it changed, publishes.
     *
     * @return true if the poll succeeded.
     */
    public synchronized boolean pollOnce()
    {
        if (closed)
        {
            return false;
        }
        try
        {
            final long chainHeight = readHeight();
            height = chainHeight;
            if (chainHeight != listHeight)
            {
                final ParseResult result = fetchList();
                final DirectorySnapshot snapshot = result.toSnapshot(chainHeight);
                listHeight = chainHeight;
                lastParse = result;
                logRejections(result, chainHeight);
                if (chainHeight >= current.height())
                {
                    publish(snapshot);
                }
                else
                {
                    LOG.info("fluxd at {} went back to height {} below published {}; keeping the published list",
                        client.uri(), chainHeight, current.height());
                }
            }
            onSuccess();
            return true;
        }
        catch (final ChainDataException ex)
        {
            onFailure(ex);
            return false;
        }
        catch (final RuntimeException ex)
        {
            onFailure(new ChainDataException(ChainDataException.Kind.MALFORMED, "unexpected failure: " + ex, ex));
            return false;
        }
        finally
        {
            publishHealth();
        }
    }

    private long readHeight()
    {
        final JsonNode result = client.call("getblockcount");
        if (!result.isIntegralNumber() || !result.canConvertToLong() || result.asLong() < 0)
        {
            throw new ChainDataException(ChainDataException.Kind.MALFORMED, "getblockcount result " +
                FluxdNodeListParser.bounded(result.toString(), 40) + " is not a non-negative integer");
        }
        return result.asLong();
    }

    private ParseResult fetchList()
    {
        try
        {
            final byte[] body = client.callRaw(listMethod);
            return parser.parse(body, 0, body.length);
        }
        catch (final ChainDataException ex)
        {
            if (ChainDataException.RPC_METHOD_NOT_FOUND != ex.rpcCode() || !LIST_METHOD.equals(listMethod))
            {
                throw ex;
            }
            LOG.info("fluxd at {} does not know {}; using {}", client.uri(), LIST_METHOD, LIST_METHOD_ALIAS);
            listMethod = LIST_METHOD_ALIAS;
            final byte[] body = client.callRaw(listMethod);
            return parser.parse(body, 0, body.length);
        }
    }

    private void publish(final DirectorySnapshot snapshot)
    {
        final DirectorySnapshot previous = current;
        current = snapshot;
        final DirectoryDiff diff = snapshot.diff(previous);
        for (final DirectoryListener listener : listeners)
        {
            try
            {
                listener.onSnapshot(snapshot, diff);
            }
            catch (final RuntimeException ex)
            {
                LOG.error("directory listener failed at height {}", snapshot.height(), ex);
            }
        }
    }

    private void onSuccess()
    {
        final long now = ctx.clock().time();
        if (State.HEALTHY != state)
        {
            if (consecutiveFailures > 0)
            {
                LOG.info("fluxd at {} is healthy again at height {} after {} failures", client.uri(), height, consecutiveFailures);
            }
            else
            {
                LOG.info("fluxd at {} is healthy at height {}", client.uri(), height);
            }
        }
        state = State.HEALTHY;
        lastErrorKind = null;
        consecutiveFailures = 0;
        backoffMs = 0;
        lastSuccessMs = now;
        nextAttemptMs = now + ctx.pollIntervalMs();
    }

    private void onFailure(final ChainDataException ex)
    {
        final long now = ctx.clock().time();
        final State newState = ChainDataException.Kind.WARMING_UP == ex.kind() ? State.WARMING_UP : State.FAILING;
        if (newState != state || ex.kind() != lastErrorKind)
        {
            LOG.warn("fluxd at {} is {}: {}; keeping the snapshot at height {} and retrying with backoff",
                client.uri(), newState, ex.getMessage(), current.height());
        }
        state = newState;
        lastErrorKind = ex.kind();
        lastError = ex.getMessage();
        consecutiveFailures++;
        backoffMs = 0 == backoffMs ? ctx.backoffMinMs() : Math.min(ctx.backoffMaxMs(), backoffMs * 2);
        nextAttemptMs = now + backoffMs / 2 + random.nextLong(backoffMs / 2 + 1);
    }

    private void logRejections(final ParseResult result, final long chainHeight)
    {
        if (result.rejectedCount() > 0)
        {
            LOG.info("fluxd list at height {}: {} members accepted, {} entries rejected {}, e.g. {}", chainHeight,
                result.members().size(), result.rejectedCount(), result.rejectionCounts(),
                result.rejectionExamples().subList(0, Math.min(LOGGED_EXAMPLES, result.rejectionExamples().size())));
        }
    }

    private void publishHealth()
    {
        health = new Health(state, lastSuccessMs, lastError, lastErrorKind, consecutiveFailures, height,
            current.height(), listMethod);
    }

    /**
     * @return the latest health report.
     */
    public Health health()
    {
        return health;
    }

    /**
     * @return the clock time at which the next poll is due (for tests of the backoff).
     */
    public synchronized long nextAttemptMs()
    {
        return nextAttemptMs;
    }

    /**
     * @return the outcome of the latest list parse (accepted and rejected counts), or null before the first.
     */
    public synchronized ParseResult lastParse()
    {
        return lastParse;
    }

    /**
     * Asks fluxd for this node's own entry ({@code getfluxnodestatus}, falling back to
     * {@code getzelnodestatus}), as a real fluxd answers for the node it runs beside. Synchronous; call it
     * from a thread that may block.
     *
     * @return the status.
     * @throws ChainDataException on any failure.
     */
    public FluxNodeStatus nodeStatus()
    {
        return askStatus(null);
    }

    /**
     * Like {@link #nodeStatus()}, naming the node by its collateral as {@code params[0]}: the devnet RPC server
     * serves many nodes and needs to know which one asks. Do not use against a real fluxd.
     *
     * @param asker the asking node, or null for no parameter.
     * @return the status.
     * @throws ChainDataException on any failure.
     */
    public FluxNodeStatus nodeStatus(final MemberId asker)
    {
        return askStatus(null == asker ? null : asker.toString());
    }

    /**
     * Like {@link #nodeStatus(MemberId)}, naming the node by its public key: the devnet RPC server answers with the
     * entry when the key is listed for exactly one collateral. Do not use against a real fluxd.
     *
     * @param publicKey the asking node's key.
     * @return the status.
     * @throws ChainDataException on any failure.
     */
    public FluxNodeStatus nodeStatus(final PublicKey publicKey)
    {
        return askStatus(publicKey.toHex());
    }

    private FluxNodeStatus askStatus(final String asker)
    {
        final Object[] params = null == asker ? new Object[0] : new Object[]{ asker };
        JsonNode result;
        try
        {
            result = client.call(STATUS_METHOD, params);
        }
        catch (final ChainDataException ex)
        {
            if (ChainDataException.RPC_METHOD_NOT_FOUND != ex.rpcCode())
            {
                throw ex;
            }
            result = client.call(STATUS_METHOD_ALIAS, params);
        }
        if (!result.isObject())
        {
            throw new ChainDataException(ChainDataException.Kind.MALFORMED, STATUS_METHOD + " result is not an object");
        }
        final String status = FluxdNodeListParser.bounded(result.path("status").asText(""), 64);
        final Map<String, Object> fields = new HashMap<>();
        for (final Map.Entry<String, JsonNode> field : result.properties())
        {
            if (field.getValue().isValueNode() && !field.getValue().isNull())
            {
                fields.put(field.getKey(), field.getValue().isIntegralNumber() ?
                    (Object)field.getValue().asLong() : field.getValue().asText());
            }
        }
        try
        {
            final Member member = new FluxdNodeListParser(new FluxdNodeListParser.Context().defaultPort(ctx.defaultPort()))
                .parseEntry(fields);
            return new FluxNodeStatus(status, member, "");
        }
        catch (final ChainDataException ex)
        {
            return new FluxNodeStatus(status, null, ex.getMessage());
        }
    }

    @Override
    public DirectorySnapshot current()
    {
        return current;
    }

    @Override
    public AutoCloseable subscribe(final DirectoryListener listener)
    {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        synchronized (wakeup)
        {
            wakeup.notifyAll();
        }
        final Thread thread;
        synchronized (this)
        {
            thread = poller;
        }
        if (null != thread)
        {
            thread.interrupt();
        }
        listeners.clear();
    }

    /**
     * Settings; fluent setters, validated by {@link #conclude()}.
     */
    public static final class Context
    {
        /** fluxd's mainnet default rpcport. */
        public static final int DEFAULT_RPC_PORT = 16124;

        private URI uri;
        private String host = "127.0.0.1";
        private int port = -1;
        private String rpcUser;
        private String rpcPassword;
        private Path fluxConf;
        private long pollIntervalMs = 5_000;
        private long requestTimeoutMs = 10_000;
        private long connectTimeoutMs = 3_000;
        private int maxBodyBytes = 64 * 1024 * 1024;
        private int defaultPort = FluxdNodeListParser.DEFAULT_FLUXOS_PORT;
        private long backoffMinMs = 1_000;
        private long backoffMaxMs = 60_000;
        private long jitterSeed = System.nanoTime();
        private EpochClock clock = SystemEpochClock.INSTANCE;

        /**
         * @param uri full endpoint, e.g. {@code http://127.0.0.1:16124/}; overrides host and port.
         * @return this.
         */
        public Context uri(final URI uri)
        {
            this.uri = uri;
            return this;
        }

        /**
         * @return the endpoint (after {@link #conclude()}).
         */
        public URI uri()
        {
            return uri;
        }

        /**
         * @param host fluxd host (default 127.0.0.1).
         * @return this.
         */
        public Context host(final String host)
        {
            this.host = host;
            return this;
        }

        /**
         * @param port fluxd rpcport (default: flux.conf's rpcport, else {@value #DEFAULT_RPC_PORT}).
         * @return this.
         */
        public Context port(final int port)
        {
            this.port = port;
            return this;
        }

        /**
         * @param user rpcuser (default: from flux.conf).
         * @return this.
         */
        public Context rpcUser(final String user)
        {
            this.rpcUser = user;
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
         * @param password rpcpassword (default: from flux.conf).
         * @return this.
         */
        public Context rpcPassword(final String password)
        {
            this.rpcPassword = password;
            return this;
        }

        /**
         * @return rpcpassword.
         */
        public String rpcPassword()
        {
            return rpcPassword;
        }

        /**
         * @param path a flux.conf to read rpcuser, rpcpassword and rpcport from (explicit settings win).
         * @return this.
         */
        public Context fluxConf(final Path path)
        {
            this.fluxConf = path;
            return this;
        }

        /**
         * @param intervalMs time between polls when healthy (default 5000).
         * @return this.
         */
        public Context pollIntervalMs(final long intervalMs)
        {
            this.pollIntervalMs = intervalMs;
            return this;
        }

        /**
         * @return time between polls when healthy.
         */
        public long pollIntervalMs()
        {
            return pollIntervalMs;
        }

        /**
         * @param timeoutMs overall time allowed for one call, body included (default 10000).
         * @return this.
         */
        public Context requestTimeoutMs(final long timeoutMs)
        {
            this.requestTimeoutMs = timeoutMs;
            return this;
        }

        /**
         * @return overall time allowed for one call.
         */
        public long requestTimeoutMs()
        {
            return requestTimeoutMs;
        }

        /**
         * @param timeoutMs TCP connect timeout (default 3000).
         * @return this.
         */
        public Context connectTimeoutMs(final long timeoutMs)
        {
            this.connectTimeoutMs = timeoutMs;
            return this;
        }

        /**
         * @return TCP connect timeout.
         */
        public long connectTimeoutMs()
        {
            return connectTimeoutMs;
        }

        /**
         * @param bytes largest response body accepted (default 64 MiB; mainnet's list is about 10 MB).
         * @return this.
         */
        public Context maxBodyBytes(final int bytes)
        {
            this.maxBodyBytes = bytes;
            return this;
        }

        /**
         * @return largest response body accepted.
         */
        public int maxBodyBytes()
        {
            return maxBodyBytes;
        }

        /**
         * @param port port for entries without one (default {@value FluxdNodeListParser#DEFAULT_FLUXOS_PORT}).
         * @return this.
         */
        public Context defaultPort(final int port)
        {
            this.defaultPort = port;
            return this;
        }

        /**
         * @return port for entries without one.
         */
        public int defaultPort()
        {
            return defaultPort;
        }

        /**
         * @param minMs first retry delay (default 1000).
         * @param maxMs largest retry delay (default 60000).
         * @return this.
         */
        public Context backoff(final long minMs, final long maxMs)
        {
            this.backoffMinMs = minMs;
            this.backoffMaxMs = maxMs;
            return this;
        }

        /**
         * @return first retry delay.
         */
        public long backoffMinMs()
        {
            return backoffMinMs;
        }

        /**
         * @return largest retry delay.
         */
        public long backoffMaxMs()
        {
            return backoffMaxMs;
        }

        /**
         * @param seed seed of the jitter (default: time based; fix it in tests).
         * @return this.
         */
        public Context jitterSeed(final long seed)
        {
            this.jitterSeed = seed;
            return this;
        }

        /**
         * @return seed of the jitter.
         */
        public long jitterSeed()
        {
            return jitterSeed;
        }

        /**
         * @param clock time source for scheduling and health (default system clock).
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
         * Reads flux.conf if set, fills the endpoint, and validates. Idempotent.
         *
         * @return this.
         * @throws IllegalArgumentException naming the first invalid setting.
         * @throws ChainDataException       if flux.conf cannot be read.
         */
        public Context conclude()
        {
            if (null != fluxConf)
            {
                final FluxConf conf = FluxConf.read(fluxConf);
                if (null == rpcUser)
                {
                    rpcUser = conf.rpcUser();
                }
                if (null == rpcPassword)
                {
                    rpcPassword = conf.rpcPassword();
                }
                if (port < 0 && conf.rpcPort() > 0)
                {
                    port = conf.rpcPort();
                }
            }
            if (null == uri)
            {
                final int resolvedPort = port < 0 ? DEFAULT_RPC_PORT : port;
                if (resolvedPort < 1 || resolvedPort > 65535)
                {
                    throw new IllegalArgumentException("port=" + resolvedPort + " must be in [1, 65535]");
                }
                final String literal = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
                uri = URI.create("http://" + literal + ":" + resolvedPort + "/");
            }
            if (pollIntervalMs <= 0)
            {
                throw new IllegalArgumentException("pollIntervalMs=" + pollIntervalMs + " must be > 0");
            }
            if (requestTimeoutMs <= 0 || connectTimeoutMs <= 0)
            {
                throw new IllegalArgumentException("requestTimeoutMs=" + requestTimeoutMs + " and connectTimeoutMs=" +
                    connectTimeoutMs + " must be > 0");
            }
            if (maxBodyBytes < 1024)
            {
                throw new IllegalArgumentException("maxBodyBytes=" + maxBodyBytes + " must be >= 1024");
            }
            if (defaultPort < 1 || defaultPort > 65535)
            {
                throw new IllegalArgumentException("defaultPort=" + defaultPort + " must be in [1, 65535]");
            }
            if (backoffMinMs <= 0 || backoffMaxMs < backoffMinMs)
            {
                throw new IllegalArgumentException("backoff min=" + backoffMinMs + " max=" + backoffMaxMs +
                    " must satisfy 0 < min <= max");
            }
            if (null == clock)
            {
                throw new IllegalArgumentException("clock must be set");
            }
            return this;
        }
    }
}
