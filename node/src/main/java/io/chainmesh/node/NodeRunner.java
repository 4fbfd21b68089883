package io.chainmesh.node;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.DirectorySource;
import io.chainmesh.chain.FluxdRpcSource;
import io.chainmesh.chain.JsonFileSource;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.node.http.StatusHttpServer;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
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
    private CountersFile countersFile;
    private ChainmeshNode node;
    private StatusEndpoints endpoints;
    private StatusHttpServer http;
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
        tuning.accept(ctx);
        node = ChainmeshNode.launch(ctx);
        endpoints = new StatusEndpoints(node, source::current, "node").start();
        http = new StatusHttpServer(config.httpAddress(), endpoints).launch();
        final DirectorySnapshot snapshot = source.current();
        LOG.info("node {} started: listen {} http {} counters {} source {} directory height {} members {}",
            node.nodeId().toHex(), node.localAddress(), http.localAddress(), config.countersFile(),
            config.sourceKind(), snapshot.height(), snapshot.size());
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

    /** Closes the HTTP server, node, counters file and source, in that order. Idempotent. */
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
        // Its rate sampler reads the counters: stopped before the file is unmapped.
        CloseHelper.quietClose(endpoints);
        CloseHelper.quietClose(node);
        CloseHelper.quietClose(heightSubscription);
        CloseHelper.quietClose(source);
        // Unmapped only after the node (its only writer) is closed.
        CloseHelper.quietClose(countersFile);
        LOG.info("node stopped");
        closedLatch.countDown();
    }
}
