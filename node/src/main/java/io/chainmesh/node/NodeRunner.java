package io.chainmesh.node;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.FluxNodeStatus;
import io.chainmesh.chain.FluxdNodeListParser;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.chain.DirectorySource;
import io.chainmesh.chain.FluxdRpcSource;
import io.chainmesh.chain.JsonFileSource;
import io.chainmesh.chain.Member;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.node.app.AppApiServer;
import io.chainmesh.node.flux.FluxBridge;
import io.chainmesh.node.http.BuildInfo;
import io.chainmesh.node.http.StatusHttpServer;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
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

    private final NodeConfig config;
    private final Consumer<ChainmeshNode.Context> tuning;
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private DirectorySource source;
    private AutoCloseable heightSubscription;
    private AutoCloseable lastGoodKeeper;
    private CountersFile countersFile;
    private ChainmeshNode node;
    private StatusEndpoints endpoints;
    private StatusHttpServer http;
    private MemberId member;
    private boolean unnamed;
    private volatile Membership membership = new Membership(false, "not started");
    private AppApiServer app;
    private FluxBridge flux;
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
        // Kept from the real source only: a start from the kept list does not write it back.
        lastGoodKeeper = LastGoodDirectory.keep(source, config.lastGoodListFile());
        if (0 == source.current().size())
        {
            final DirectorySnapshot kept = LastGoodDirectory.read(config.lastGoodListFile());
            if (null != kept)
            {
                LOG.warn("the directory source has no list yet: starting from the last good list {} ({} members) " +
                    "until it has one", config.lastGoodListFile(), kept.size());
                source = LastGoodDirectory.seeded(source, kept);
            }
            else if (source instanceof JsonFileSource file && !file.lastError().isEmpty())
            {
                throw new NotAMemberException("directory file " + config.filePath() + " is not a usable node list (and " +
                    "no last good list is kept at " + config.lastGoodListFile() + "): " + file.lastError());
            }
        }
        final DirectorySnapshot initial = 0 == source.current().size() ? awaitFirstList(source) : source.current();
        member = resolveMember(initial);
        membership = membershipOf(initial);
        if (!membership.member())
        {
            if (config.requireMembership())
            {
                throw new NotAMemberException("not a member (" + NodeConfig.REQUIRE_MEMBERSHIP + "=true): " +
                    membership.reason());
            }
            LOG.warn("this node is NOT a member of the directory: {}", membership.reason());
        }
        heightSubscription = source.subscribe((snapshot, diff) ->
        {
            LOG.info("directory height {} members {}", snapshot.height(), snapshot.size());
            final Membership next = membershipOf(snapshot);
            if (!next.equals(membership))
            {
                if (next.member())
                {
                    LOG.warn("this node is now a member of the directory at height {}: {}", snapshot.height(), member);
                }
                else
                {
                    LOG.warn("this node is NOT a member of the directory at height {}: {}", snapshot.height(),
                        next.reason());
                }
                membership = next;
            }
        });
        countersFile = CountersFile.create(config.countersFile());
        final ChainmeshNode.Context ctx = new ChainmeshNode.Context()
            .nodeKey(config.nodeKey())
            .member(member)
            .directorySource(source)
            .bindAddress(null != config.listenAddress() ? config.listenAddress() : meshAddress(initial, member))
            .maxFrameLength(config.maxFrameLength())
            .peerOutboundBudget(config.peerOutboundBudget())
            .maxUnauthenticatedConnections(config.maxUnauthenticated())
            .maxUnauthenticatedPerSource(config.maxUnauthenticatedPerSource())
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
        endpoints = new StatusEndpoints(node, source::current, "node")
            .notMemberReason(() -> membership.member() ? "" : membership.reason());
        if (config.fluxBridgeEnabled())
        {
            flux = FluxBridge.launch(new FluxBridge.Context()
                .node(node)
                .directory(source::current)
                .bindAddress(config.fluxListenAddress())
                .fluxOsAddress(config.fluxOsAddress())
                .advertisedPort(config.fluxAdvertisedPort())
                .allowedPeers(config.fluxPeersAllow())
                .maxPeers(config.fluxMaxPeers())
                .maxFrameLength(config.fluxMaxFrameLength())
                .seenCapacity(config.fluxSeenCapacity())
                .version("chainmesh/" + BuildInfo.current().version()));
        }
        if (null != app || null != flux)
        {
            endpoints.extras(status ->
            {
                if (null != app)
                {
                    final Map<String, Object> appStatus = new LinkedHashMap<>();
                    appStatus.put("url", app.url());
                    appStatus.putAll(app.counters().toMap());
                    status.put("app", appStatus);
                }
                if (null != flux)
                {
                    status.put("flux", flux.status());
                }
            }, metrics ->
            {
                if (null != app)
                {
                    app.counters().renderPrometheus(metrics);
                }
                if (null != flux)
                {
                    flux.renderPrometheus(metrics);
                }
            });
        }
        endpoints.start();
        http = new StatusHttpServer(config.httpAddress(), endpoints).launch();
        final DirectorySnapshot snapshot = source.current();
        LOG.info("node {} (key {}) started: listen {} http {} app {} flux {} counters {} source {} directory height {} " +
            "members {}", member, node.publicKey().toHex(), node.localAddress(), http.localAddress(),
            null == app ? "off" : app.url(), null == flux ? "off" : flux.status().get("listen") + " fluxos " +
            flux.status().get("fluxos"),
            config.countersFile(), config.sourceKind(), snapshot.height(), snapshot.size());
    }

    /**
     * A source that polls (fluxd, devnet) has no list until its first poll: membership decided on that empty list
     * would call every node a non-member. Waits a few poll intervals for the first list (at most 30 s), then goes on
     * with what there is.
     */
    private DirectorySnapshot awaitFirstList(final DirectorySource directory)
    {
        final CountDownLatch first = new CountDownLatch(1);
        final AutoCloseable subscription = directory.subscribe((snapshot, diff) -> first.countDown());
        try
        {
            if (0 == directory.current().size())
            {
                first.await(Math.min(30_000, Math.max(1_000, 3 * config.pollIntervalMs())), TimeUnit.MILLISECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            CloseHelper.quietClose(subscription);
        }
        return directory.current();
    }

    /**
     * The member this node speaks for: configured, else what fluxd says of the node beside it (a devnet endpoint
     * is asked by key), else the one member its key is listed for. A key listed for several members needs
     * {@code node.member}; a key listed for none gets a placeholder no list can hold, so the node starts as a
     * non-member (peers refuse it with NOT_A_MEMBER) and says how to name its collateral.
     */
    private MemberId resolveMember(final DirectorySnapshot snapshot)
    {
        if (null != config.member())
        {
            return config.member();
        }
        final PublicKey key = config.nodeKey().publicKey();
        if (source instanceof FluxdRpcSource fluxd)
        {
            try
            {
                final FluxNodeStatus status = config.sourceKind() == NodeConfig.SourceKind.DEVNET ?
                    fluxd.nodeStatus(key) : fluxd.nodeStatus();
                if (null != status.member() && status.member().publicKey().equals(key))
                {
                    return status.member().id();
                }
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("fluxd did not say which collateral this node is ({}); trying the key's entries", ex.toString());
            }
        }
        final List<Member> listed = snapshot.membersWithKey(key);
        if (1 == listed.size())
        {
            return listed.get(0).id();
        }
        if (listed.size() > 1)
        {
            throw new NotAMemberException("cannot tell which member this node is: key " + key + " is listed for " +
                listed.size() + " collaterals at height " + snapshot.height() + "; set " + NodeConfig.MEMBER +
                "=txhash:outidx");
        }
        unnamed = true;
        return unlistedPlaceholder(key);
    }

    /**
     * @param key the node's key.
     * @return a collateral no chain lists (its txhash is a hash of the key under a chainmesh label), so peers refuse
     *         the node as NOT_A_MEMBER until it is configured with its real one.
     */
    static MemberId unlistedPlaceholder(final PublicKey key)
    {
        try
        {
            final java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256");
            sha256.update("chainmesh/unlisted/".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return MemberId.of(io.chainmesh.codec.Hex.encode(sha256.digest(key.toBytes())), 0);
        }
        catch (final java.security.NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 unavailable", ex);
        }
    }

    private static InetSocketAddress meshAddress(final DirectorySnapshot snapshot, final MemberId member)
    {
        final Member listed = snapshot.find(member);
        final int listedPort = null == listed ? FluxdNodeListParser.DEFAULT_FLUXOS_PORT : listed.endpoint().port();
        return new InetSocketAddress("0.0.0.0", listedPort + Member.MESH_PORT_OFFSET);
    }

    /**
     * Whether this node is a member of a snapshot, and why not.
     *
     * @param member true if its collateral is listed with its key.
     * @param reason why not (empty when it is).
     */
    record Membership(boolean member, String reason)
    {
        static Membership of(final DirectorySnapshot snapshot, final MemberId self, final PublicKey key)
        {
            final Member listed = snapshot.find(self);
            if (null == listed)
            {
                return new Membership(false, "collateral " + self + " is not in the list at height " + snapshot.height());
            }
            if (!listed.publicKey().equals(key))
            {
                return new Membership(false, "collateral " + self + " is listed with key " + listed.publicKey() +
                    ", this node's key is " + key);
            }
            return new Membership(true, "");
        }
    }

    /**
     * The node cannot start as a member: no member could be named, membership is required and absent, or the
     * directory file it was given holds no usable list. The CLI exits with 2 (a configuration problem).
     */
    static final class NotAMemberException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        NotAMemberException(final String message)
        {
            super(message);
        }
    }

    private Membership membershipOf(final DirectorySnapshot snapshot)
    {
        if (unnamed)
        {
            final int listed = snapshot.membersWithKey(config.nodeKey().publicKey()).size();
            return new Membership(false, "key " + config.nodeKey().publicKey() + " was listed for no collateral at start" +
                (listed > 0 ? " (now for " + listed + ")" : "") + "; set " + NodeConfig.MEMBER +
                "=txhash:outidx to the collateral this node is, and restart");
        }
        return Membership.of(snapshot, member, config.nodeKey().publicKey());
    }

    /** @return whether the node is a member of the current directory, and why not. */
    Membership membership()
    {
        return membership;
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

    /** @return the FluxOS bridge, or null when neither {@code flux.listen.address} nor {@code flux.fluxos.address} is set. */
    public FluxBridge flux()
    {
        return flux;
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
        CloseHelper.quietClose(http);
        // Clients are told the node is going away before the node stops delivering.
        CloseHelper.quietClose(flux);
        CloseHelper.quietClose(app);
        // Its rate sampler reads the counters: stopped before the file is unmapped.
        CloseHelper.quietClose(endpoints);
        CloseHelper.quietClose(node);
        CloseHelper.quietClose(heightSubscription);
        CloseHelper.quietClose(lastGoodKeeper);
        CloseHelper.quietClose(source);
        // Unmapped only after the node (its only writer) is closed.
        CloseHelper.quietClose(countersFile);
        LOG.info("node stopped");
        closedLatch.countDown();
    }
}
