package io.chainmesh.bench;

import io.chainmesh.chain.DevnetChain;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.codec.control.BenchReport;
import io.chainmesh.chain.MemberId;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.Transport;
import io.chainmesh.engine.overlay.OverlayTopology;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.agrona.CloseHelper;
import org.agrona.concurrent.SystemEpochClock;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * An in-process devnet for bench reporting: an embedded {@link DevnetChain} and one real
 * {@link ChainmeshNode} per member on 127.0.0.1, sharing one event loop group, each with a
 * {@link NetworkBenchmark} as its direct handler and a {@link BenchReporter} on
 * {@link BenchReports#TOPIC}. Used by the {@code chainmesh bench --publish} command, tests and perf.
 */
public final class BenchDevnet implements AutoCloseable
{
    private final EventLoopGroup group;
    private final DevnetChain chain;
    private final List<ChainmeshNode> nodes = new ArrayList<>();
    private final List<NetworkBenchmark> network = new ArrayList<>();
    private final List<BenchReporter> reporters = new ArrayList<>();
    private boolean closed;

    private BenchDevnet(final int n, final int ioThreads, final long seed, final Consumer<ChainmeshNode.Context> customiser)
    {
        final boolean epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("bench-io", true),
            epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        chain = DevnetChain.launch(new DevnetChain.Context().seed(seed).memberCount(n));
        for (int i = 0; i < n; i++)
        {
            final NetworkBenchmark net = new NetworkBenchmark();
            final ChainmeshNode.Context ctx = new ChainmeshNode.Context()
                .nodeKey(chain.memberKey(i))
                .member(chain.memberId(i))
                .directorySource(chain)
                .bindAddress(new InetSocketAddress("127.0.0.1", chain.portFor(i)))
                .eventLoopGroup(group)
                .transport(epoll ? Transport.EPOLL : Transport.NIO)
                .directHandler(net)
                .reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
                .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(50));
            customiser.accept(ctx);
            final ChainmeshNode node = ChainmeshNode.launch(ctx);
            net.attach(node);
            nodes.add(node);
            network.add(net);
            reporters.add(new BenchReporter(node, chain,
                new BenchReportBook(SystemEpochClock.INSTANCE, TimeUnit.MINUTES.toMillis(2))));
        }
    }

    /**
     * Launches the devnet and waits until every node has its overlay links.
     *
     * @param n          number of nodes, 2..64.
     * @param ioThreads  threads of the shared event loop group.
     * @param seed       devnet key seed.
     * @param customiser adjusts each node's context before launch (e.g. broadcast settings).
     * @return the running devnet.
     * @throws IllegalStateException if the overlay does not form within 30 s.
     */
    public static BenchDevnet launch(
        final int n, final int ioThreads, final long seed, final Consumer<ChainmeshNode.Context> customiser)
    {
        if (n < 2 || n > 64)
        {
            throw new IllegalArgumentException("nodes=" + n + " must be in [2, 64]");
        }
        final BenchDevnet devnet = new BenchDevnet(n, ioThreads, seed, customiser);
        try
        {
            devnet.awaitOverlay(TimeUnit.SECONDS.toNanos(30));
            return devnet;
        }
        catch (final RuntimeException ex)
        {
            devnet.close();
            throw ex;
        }
    }

    private void awaitOverlay(final long timeoutNanos)
    {
        final DirectorySnapshot snapshot = chain.current();
        final OverlayTopology topology = OverlayTopology.of(snapshot, 2);
        final long deadline = System.nanoTime() + timeoutNanos;
        while (true)
        {
            int formed = 0;
            for (final ChainmeshNode node : nodes)
            {
                if (node.peers().size() >= topology.neighbours(snapshot.indexOf(node.member())).length)
                {
                    formed++;
                }
            }
            if (formed == nodes.size())
            {
                return;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("overlay did not form: " + formed + "/" + nodes.size() + " nodes linked");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /** @return number of nodes. */
    public int size()
    {
        return nodes.size();
    }

    /** @return the embedded chain (directory source). */
    public DevnetChain chain()
    {
        return chain;
    }

    /**
     * @param i node index.
     * @return the node.
     */
    public ChainmeshNode node(final int i)
    {
        return nodes.get(i);
    }

    /**
     * @param i node index.
     * @return its network benchmark (the node's direct handler).
     */
    public NetworkBenchmark network(final int i)
    {
        return network.get(i);
    }

    /**
     * @param i node index.
     * @return its reporter.
     */
    public BenchReporter reporter(final int i)
    {
        return reporters.get(i);
    }

    /**
     * Measures node {@code i}'s network to its ring successors (up to {@code limits.pingPeers}).
     *
     * @param i      node index.
     * @param limits bounds.
     * @return the figures.
     */
    public NetworkBenchmark.Result measureNetwork(final int i, final NetworkBenchmark.Limits limits)
    {
        final List<MemberId> peers = new ArrayList<>();
        for (int k = 1; k < nodes.size() && peers.size() < limits.pingPeers(); k++)
        {
            peers.add(nodes.get((i + k) % nodes.size()).member());
        }
        return network.get(i).measure(peers, limits);
    }

    /**
     * Creates and signs node {@code i}'s report from the given measurements and publishes it.
     *
     * @param i               node index.
     * @param m               its measurements.
     * @param verdict         the tier.
     * @param timestampMillis report time.
     * @return the engine's status.
     */
    public long publishReport(final int i, final NodeMeasurements m, final TierVerdict verdict, final long timestampMillis)
    {
        final BenchReport report = BenchReports.create(chain.memberKey(i), m, verdict, timestampMillis);
        return reporters.get(i).publish(report, 10, TimeUnit.SECONDS);
    }

    /**
     * Waits until every node's book holds {@code expected} reports.
     *
     * @param expected     reports per node.
     * @param timeoutNanos how long to wait.
     * @return true if reached, false on timeout.
     */
    public boolean awaitAllReports(final int expected, final long timeoutNanos)
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        while (System.nanoTime() - deadline < 0)
        {
            if (minReports() >= expected)
            {
                return true;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        return minReports() >= expected;
    }

    /** @return the fewest reports any node holds. */
    public int minReports()
    {
        int min = Integer.MAX_VALUE;
        for (final BenchReporter r : reporters)
        {
            min = Math.min(min, r.latest().size());
        }
        return min;
    }

    /**
     * Closes every node, the chain and the event loop group; idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        CloseHelper.quietCloseAll(reporters);
        CloseHelper.quietCloseAll(nodes);
        CloseHelper.quietClose(chain);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5000);
    }
}
