package io.chainmesh.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.DirectorySource;
import io.chainmesh.chain.FluxdRpcSource;
import io.chainmesh.chain.JsonFileSource;
import io.chainmesh.chain.Member;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.EngineCounters;
import io.chainmesh.engine.PeerView;
import io.chainmesh.engine.broadcast.BroadcastCounters;
import io.chainmesh.node.app.AppApiServer;
import io.chainmesh.node.http.PrometheusText;
import io.chainmesh.node.http.StatusHttpServer;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One running {@code chainmesh node}: directory source, counters file, {@link ChainmeshNode} and the HTTP
 * status server, started in that order by {@link #launch(NodeConfig)} and closed in reverse by
 * {@link #close()}. The CLI owns the process (signals, exit code); this class never calls {@code System.exit},
 * so tests run it in-process.
 * <p>
 * Threads: the source's poller calls the height listener (logging only); the HTTP thread renders
 * {@code /status} etc. by reading the node's thread-safe views and counters.
 */
public final class NodeRunner implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(NodeRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code /status} rates are over this sliding window, sampled every {@link #RATE_SAMPLE_NS}. */
    static final long RATE_WINDOW_NS = TimeUnit.SECONDS.toNanos(10);
    static final long RATE_SAMPLE_NS = TimeUnit.SECONDS.toNanos(1);
    private static final String[] RATE_NAMES = {"bytesInPerSec", "bytesOutPerSec", "framesInPerSec", "framesOutPerSec",
        "messagesPublishedPerSec", "messagesDeliveredPerSec"};

    private final NodeConfig config;
    private final Consumer<ChainmeshNode.Context> tuning;
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final long startNs = System.nanoTime();
    private DirectorySource source;
    private AutoCloseable heightSubscription;
    private CountersFile countersFile;
    private ChainmeshNode node;
    private StatusHttpServer http;
    private AppApiServer app;
    private final RateWindow rates = new RateWindow(RATE_NAMES.length, RATE_WINDOW_NS, RATE_SAMPLE_NS, startNs);
    private ScheduledExecutorService rateSampler;
    private boolean closed;

    private NodeRunner(final NodeConfig config, final Consumer<ChainmeshNode.Context> tuning)
    {
        this.config = config;
        this.tuning = tuning;
    }

    /**
     * Starts everything; on a failure closes what was started and rethrows.
     *
     * @param config a validated config.
     * @return the running node.
     */
    public static NodeRunner launch(final NodeConfig config)
    {
        return launch(config, ctx -> {});
    }

    /**
     * As {@link #launch(NodeConfig)}, with engine settings the config file does not carry (the devnet members
     * of {@code devnet --processes} tune broadcast and reconnect timing this way).
     *
     * @param config a validated config.
     * @param tuning applied to the node's context after the config's settings, before launch.
     * @return the running node.
     */
    static NodeRunner launch(final NodeConfig config, final Consumer<ChainmeshNode.Context> tuning)
    {
        final NodeRunner runner = new NodeRunner(config, tuning);
        try
        {
            runner.start();
            return runner;
        }
        catch (final Exception ex)
        {
            // Netty rethrows checked exceptions (BindException) undeclared: clean up whatever was started.
            runner.close();
            throw ex;
        }
    }

    private void start()
    {
        source = newSource(config);
        heightSubscription = source.subscribe((snapshot, diff) -> LOG.info(
            "directory height {} members {}", snapshot.height(), snapshot.size()));
        countersFile = CountersFile.create(config.countersFile());
        final ChainmeshNode.Context ctx = new ChainmeshNode.Context()
            .nodeKey(config.nodeKey())
            .directorySource(source)
            .bindAddress(config.listenAddress())
            .maxFrameLength(config.maxFrameLength())
            .peerOutboundBudget(config.peerOutboundBudget())
            .countersBuffers(countersFile.metaDataBuffer(), countersFile.valuesBuffer());
        final AppApiServer.Context appCtx = null == config.appAddress() ? null : new AppApiServer.Context()
            .bindAddress(config.appAddress())
            .token(config.appToken())
            .maxFrameLength(config.appMaxFrameLength())
            .queueBytes(config.appClientQueueBytes())
            .slowSubscriberPolicy(config.appSlowSubscriber())
            .maxClients(config.appMaxClients())
            .directorySource(source);
        if (null != appCtx)
        {
            // The API owns this node's direct messages: their payload carries the API's topic.
            ctx.directHandler(appCtx.directHandler());
        }
        tuning.accept(ctx);
        node = ChainmeshNode.launch(ctx);
        if (null != appCtx)
        {
            app = AppApiServer.launch(appCtx.node(node));
        }
        rateSampler = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread thread = new Thread(r, "chainmesh-rates");
            thread.setDaemon(true);
            return thread;
        });
        rateSampler.scheduleAtFixedRate(() -> rates.sample(System.nanoTime(), totals()),
            RATE_SAMPLE_NS, RATE_SAMPLE_NS, TimeUnit.NANOSECONDS);
        http = new StatusHttpServer(config.httpAddress(), this::route).launch();
        final DirectorySnapshot snapshot = source.current();
        LOG.info("node {} started: listen {} http {} app {} counters {} source {} directory height {} members {}",
            node.nodeId().toHex(), node.localAddress(), http.localAddress(), null == app ? "off" : app.url(),
            config.countersFile(), config.sourceKind(), snapshot.height(), snapshot.size());
    }

    private static DirectorySource newSource(final NodeConfig config)
    {
        switch (config.sourceKind())
        {
            case FILE:
                return JsonFileSource.launch(new JsonFileSource.Context()
                    .path(config.filePath())
                    .pollIntervalMs(config.pollIntervalMs()));
            case FLUXD:
            case DEVNET:
            default:
                final FluxdRpcSource.Context ctx = new FluxdRpcSource.Context().pollIntervalMs(config.pollIntervalMs());
                if (null != config.fluxConf())
                {
                    ctx.fluxConf(config.fluxConf());
                }
                else
                {
                    ctx.uri(config.rpcUrl()).rpcUser(config.rpcUser()).rpcPassword(config.rpcPassword());
                }
                return FluxdRpcSource.launch(ctx);
        }
    }

    /** @return the node. */
    public ChainmeshNode node()
    {
        return node;
    }

    /** @return the HTTP server's bound address. */
    public InetSocketAddress httpAddress()
    {
        return http.localAddress();
    }

    /** @return the application API, or null when {@code app.address} is not configured. */
    public AppApiServer app()
    {
        return app;
    }

    /** @return the directory source. */
    public DirectorySource source()
    {
        return source;
    }

    /**
     * Blocks until {@link #close()} has run (e.g. from the shutdown hook).
     *
     * @throws InterruptedException if interrupted.
     */
    public void awaitClosed() throws InterruptedException
    {
        closedLatch.await();
    }

    /**
     * @param timeout how long.
     * @param unit    its unit.
     * @return true if closed within the timeout.
     * @throws InterruptedException if interrupted.
     */
    public boolean awaitClosed(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        return closedLatch.await(timeout, unit);
    }

    /** Closes the HTTP server, application API, node, counters file and source, in that order. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        LOG.info("node shutting down");
        if (null != rateSampler)
        {
            // It reads the counters: stopped before the file is unmapped.
            rateSampler.shutdownNow();
            try
            {
                rateSampler.awaitTermination(5, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        CloseHelper.quietClose(http);
        // Clients are told the node is going away before the node stops delivering.
        CloseHelper.quietClose(app);
        CloseHelper.quietClose(node);
        CloseHelper.quietClose(heightSubscription);
        CloseHelper.quietClose(source);
        // Unmapped only after the node (its only writer) is closed.
        CloseHelper.quietClose(countersFile);
        LOG.info("node stopped");
        closedLatch.countDown();
    }

    StatusHttpServer.Response route(final String path)
    {
        switch (path)
        {
            case "/status":
                return json(status());
            case "/peers":
                return json(peers());
            case "/directory":
                return json(directory());
            case "/metrics":
                final String metrics = PrometheusText.render(node.counters().reader());
                if (null == app)
                {
                    return new StatusHttpServer.Response(PrometheusText.CONTENT_TYPE, metrics);
                }
                final StringBuilder withApp = new StringBuilder(metrics);
                app.counters().renderPrometheus(withApp);
                return new StatusHttpServer.Response(PrometheusText.CONTENT_TYPE, withApp.toString());
            default:
                return null;
        }
    }

    private Map<String, Object> status()
    {
        final DirectorySnapshot snapshot = source.current();
        final List<PeerView> peers = node.peers();
        int connected = 0;
        for (final PeerView peer : peers)
        {
            if (peer.state() == PeerView.State.ACTIVE)
            {
                connected++;
            }
        }
        final Map<String, Object> status = new LinkedHashMap<>();
        status.put("nodeId", node.nodeId().toHex());
        status.put("listenAddress", node.localAddress().getAddress().getHostAddress() + ":" +
            node.localAddress().getPort());
        status.put("uptimeMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));
        status.put("directoryHeight", snapshot.height());
        status.put("directorySize", snapshot.size());
        status.put("peers", peers.size());
        status.put("peersActive", connected);
        final long nowNs = System.nanoTime();
        final long[] now = totals();
        final double[] perSecond = rates.rates(nowNs, now);
        final Map<String, Object> rateMap = new LinkedHashMap<>();
        rateMap.put("windowMs", TimeUnit.NANOSECONDS.toMillis(Math.min(rates.windowNs(), nowNs - startNs)));
        for (int i = 0; i < RATE_NAMES.length; i++)
        {
            rateMap.put(RATE_NAMES[i], Math.round(perSecond[i] * 10.0) / 10.0);
        }
        status.put("rates", rateMap);
        final Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("bytesIn", now[0]);
        totals.put("bytesOut", now[1]);
        totals.put("framesIn", now[2]);
        totals.put("framesOut", now[3]);
        totals.put("messagesPublished", now[4]);
        totals.put("messagesDelivered", now[5]);
        status.put("totals", totals);
        if (null != app)
        {
            final Map<String, Object> appStatus = new LinkedHashMap<>();
            appStatus.put("url", app.url());
            appStatus.putAll(app.counters().toMap());
            status.put("app", appStatus);
        }
        return status;
    }

    private long[] totals()
    {
        final EngineCounters counters = node.counters();
        final BroadcastCounters broadcast = node.broadcastCounters();
        return new long[] {
            counters.bytesIn().get(), counters.bytesOut().get(), counters.framesIn().get(), counters.framesOut().get(),
            null == broadcast ? 0 : broadcast.messagesPublished(), null == broadcast ? 0 : broadcast.messagesDelivered()};
    }

    private List<Map<String, Object>> peers()
    {
        final List<Map<String, Object>> list = new ArrayList<>();
        for (final PeerView peer : node.peers())
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("nodeId", null == peer.nodeId() ? null : peer.nodeId().toHex());
            entry.put("remoteAddress", String.valueOf(peer.remoteAddress()));
            entry.put("direction", peer.direction().name());
            entry.put("state", peer.state().name());
            entry.put("rttLastNs", peer.rttLastNs());
            entry.put("rttEwmaNs", peer.rttEwmaNs());
            entry.put("bytesIn", peer.bytesIn());
            entry.put("bytesOut", peer.bytesOut());
            entry.put("queuedBytes", peer.queuedBytes());
            list.add(entry);
        }
        return list;
    }

    private Map<String, Object> directory()
    {
        final DirectorySnapshot snapshot = source.current();
        final Map<String, Object> result = new LinkedHashMap<>();
        result.put("height", snapshot.height());
        result.put("size", snapshot.size());
        final List<Map<String, Object>> members = new ArrayList<>();
        for (final Member member : snapshot.members())
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("nodeId", member.nodeId().toHex());
            entry.put("endpoint", member.endpoint().toString());
            entry.put("tier", String.valueOf(member.tier()));
            entry.put("txHash", member.txHash());
            entry.put("outputIndex", member.outputIndex());
            entry.put("confirmedHeight", member.confirmedHeight());
            members.add(entry);
        }
        result.put("members", members);
        return result;
    }

    private static StatusHttpServer.Response json(final Object value)
    {
        try
        {
            return new StatusHttpServer.Response("application/json", JSON.writeValueAsString(value) + "\n");
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException("cannot render JSON", ex);
        }
    }
}
