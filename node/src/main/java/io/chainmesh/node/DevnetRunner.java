package io.chainmesh.node;

import io.chainmesh.chain.DevnetChain;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.Status;
import io.chainmesh.engine.Transport;
import io.chainmesh.engine.broadcast.BroadcastContext;
import io.chainmesh.engine.broadcast.BroadcastCounters;
import io.chainmesh.engine.broadcast.BroadcastStrategy;
import io.chainmesh.engine.broadcast.MessageHandler;
import io.chainmesh.engine.overlay.OverlayTopology;
import io.chainmesh.node.http.StatusHttpServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs a devnet in this JVM: an embedded {@link DevnetChain}, one {@link ChainmeshNode} per member on
 * 127.0.0.1, a broadcast workload, optional churn, live progress and a final {@link DevnetReport}.
 * <p>
 * Every message carries its origin's sequence and send time; each node records what it receives in a
 * bit set per origin (on its commit thread, the only writer) and the latency in an HdrHistogram
 * {@link SingleWriterRecorder}. The run passes when every message reached every member that stayed in the
 * directory, exactly once.
 */
public final class DevnetRunner
{
    /** Topic of the workload's messages. */
    public static final int TOPIC = 1;
    /** Topic of the warm-up traffic, which no check or figure counts. */
    static final int WARMUP_TOPIC = 2;
    private static final int HEADER = 16;

    /** Settings of a run; validated by {@link #conclude()}. */
    public static final class Context
    {
        private int nodes = 16;
        private long rate = 5_000;
        private int messageSize = 128;
        private long durationMillis = 10_000;
        private long warmupMillis;
        private long drainMillis = 20_000;
        private boolean churn;
        private long seed = 42;
        private BroadcastStrategy strategy = BroadcastStrategy.TREE;
        private int ioThreads = 2;
        private int verifyWorkers = 1;
        private long lingerMicros = 20_000;
        private int maxMessagesPerBatch = 65_535;
        private long maxOutstanding = 1_000;
        private Consumer<String> progress = line -> {};
        private boolean redrawProgress;
        private Consumer<String> statusPage;
        private int basePort;
        private int operators = -1;

        /**
         * @param operators how many operators hold the members' keys (member {@code i} signs with operator
         *                  {@code i % operators}'s key, as Flux operators list many nodes under one key); 0 gives
         *                  every member its own key; -1 (default) is a quarter of the nodes, at least 1.
         * @return this.
         */
        public Context operators(final int operators)
        {
            this.operators = operators;
            return this;
        }

        /** @return the number of operators the chain is built with (0: one key per member). */
        int operators()
        {
            return operators < 0 ? Math.max(1, nodes / 4) : operators;
        }

        /**
         * @param nodes members, 2..256.
         * @return this.
         */
        public Context nodes(final int nodes)
        {
            this.nodes = nodes;
            return this;
        }

        /**
         * @param port member i listens on {@code port + i}; 0 (default) picks free loopback ports.
         * @return this.
         */
        public Context basePort(final int port)
        {
            this.basePort = port;
            return this;
        }

        /**
         * @param rate messages per second offered over all nodes; 0 = as fast as accepted.
         * @return this.
         */
        public Context rate(final long rate)
        {
            this.rate = rate;
            return this;
        }

        /**
         * @param size payload bytes per message, 16..16384.
         * @return this.
         */
        public Context messageSize(final int size)
        {
            this.messageSize = size;
            return this;
        }

        /**
         * @param millis how long to publish.
         * @return this.
         */
        public Context durationMillis(final long millis)
        {
            this.durationMillis = millis;
            return this;
        }

        /**
         * @param millis how long the same workload runs on a separate topic before the measured run, so that the JIT
         *               has compiled the signing, AEAD and delivery paths (default 0: none).
         * @return this.
         */
        public Context warmupMillis(final long millis)
        {
            this.warmupMillis = millis;
            return this;
        }

        /**
         * @param millis how long to wait for stragglers after publishing stops.
         * @return this.
         */
        public Context drainMillis(final long millis)
        {
            this.drainMillis = millis;
            return this;
        }

        /**
         * @param churn one member leaves the directory a third of the way in and rejoins at two thirds.
         * @return this.
         */
        public Context churn(final boolean churn)
        {
            this.churn = churn;
            return this;
        }

        /**
         * @param seed devnet seed (keys, collateral).
         * @return this.
         */
        public Context seed(final long seed)
        {
            this.seed = seed;
            return this;
        }

        /**
         * @param strategy broadcast strategy.
         * @return this.
         */
        public Context strategy(final BroadcastStrategy strategy)
        {
            this.strategy = strategy;
            return this;
        }

        /**
         * @param threads Netty IO threads shared by all nodes.
         * @return this.
         */
        public Context ioThreads(final int threads)
        {
            this.ioThreads = threads;
            return this;
        }

        /**
         * @param micros batch linger per node (see {@code BroadcastContext#batchLingerNanos}).
         * @return this.
         */
        public Context lingerMicros(final long micros)
        {
            this.lingerMicros = micros;
            return this;
        }

        /**
         * @param messages with {@code rate(0)}, the publisher waits while more than this many messages per
         *                 origin are not yet delivered to every steady member, or about 250 ms of the measured
         *                 delivery rate if that is more (a closed loop, so "as fast as possible" measures what the
         *                 network sustains rather than how deep its queues are). Per origin, so the window grows
         *                 with the network: a fixed total starved 32 nodes into batches of 3 messages.
         * @return this.
         */
        public Context maxOutstanding(final long messages)
        {
            this.maxOutstanding = messages;
            return this;
        }

        /**
         * @param count most messages per signed batch; 1 = one signature per message.
         * @return this.
         */
        public Context maxMessagesPerBatch(final int count)
        {
            this.maxMessagesPerBatch = count;
            return this;
        }

        /**
         * @param workers signature verification threads per node.
         * @return this.
         */
        public Context verifyWorkers(final int workers)
        {
            this.verifyWorkers = workers;
            return this;
        }

        /**
         * @param progress receives a progress line about once a second.
         * @param redraw   true to redraw one line in place (a terminal), false for plain lines.
         * @return this.
         */
        public Context progress(final Consumer<String> progress, final boolean redraw)
        {
            this.progress = progress;
            this.redrawProgress = redraw;
            return this;
        }

        /**
         * @param statusPage when set, member 0 serves its status page on a free loopback port for the whole run, and
         *                   this receives its URL once the members are up.
         * @return this.
         */
        public Context statusPage(final Consumer<String> statusPage)
        {
            this.statusPage = statusPage;
            return this;
        }

        Consumer<String> statusPage()
        {
            return statusPage;
        }

        int nodes()
        {
            return nodes;
        }

        long rate()
        {
            return rate;
        }

        int messageSize()
        {
            return messageSize;
        }

        long durationMillis()
        {
            return durationMillis;
        }

        long drainMillis()
        {
            return drainMillis;
        }

        boolean churn()
        {
            return churn;
        }

        long seed()
        {
            return seed;
        }

        BroadcastStrategy strategy()
        {
            return strategy;
        }

        long lingerMicros()
        {
            return lingerMicros;
        }

        long maxOutstanding()
        {
            return maxOutstanding;
        }

        Consumer<String> progress()
        {
            return progress;
        }

        boolean redrawProgress()
        {
            return redrawProgress;
        }

        int basePort()
        {
            return basePort;
        }

        /**
         * @return this, validated.
         * @throws IllegalArgumentException naming the first invalid setting.
         */
        public Context conclude()
        {
            check(nodes >= 2 && nodes <= 256, "nodes=" + nodes + " must be in [2, 256]");
            check(rate >= 0 && rate <= 10_000_000, "rate=" + rate + " must be in [0, 10000000]");
            check(messageSize >= HEADER && messageSize <= 16 * 1024, "size=" + messageSize + " must be in [16, 16384]");
            check(durationMillis >= 100 && durationMillis <= TimeUnit.HOURS.toMillis(24),
                "duration=" + durationMillis + "ms must be in [100 ms, 24 h]");
            check(drainMillis >= 0, "drain=" + drainMillis + "ms must be >= 0");
            check(warmupMillis >= 0 && warmupMillis <= TimeUnit.MINUTES.toMillis(10),
                "warmup=" + warmupMillis + "ms must be in [0, 10 min]");
            check(lingerMicros >= 0 && lingerMicros <= 1_000_000, "linger=" + lingerMicros + "us must be in [0, 1 s]");
            check(ioThreads >= 1 && ioThreads <= 64, "ioThreads=" + ioThreads + " must be in [1, 64]");
            check(verifyWorkers >= 1 && verifyWorkers <= 64, "verifyWorkers=" + verifyWorkers + " must be in [1, 64]");
            check(basePort == 0 || (basePort >= 1024 && basePort + nodes <= 65_536),
                "base-port=" + basePort + " must be 0, or at least 1024 with room for " + nodes + " ports below 65536");
            check(!churn || nodes >= 4, "churn needs at least 4 nodes, nodes=" + nodes);
            Objects.requireNonNull(strategy, "strategy");
            Objects.requireNonNull(progress, "progress");
            return this;
        }

        private static void check(final boolean condition, final String message)
        {
            if (!condition)
            {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /** Latencies are recorded in nanoseconds up to this, at 1 µs resolution. */
    private static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(10);

    /** What one node received; written only by that node's commit thread. */
    private static final class Receiver implements MessageHandler
    {
        // Fixed ranges and a single-writer recorder: an auto-resizing concurrent one costs about a tenth of the
        // nodes' CPU in a 16-node run, resizing after every interval, which the measure would charge to the engine.
        final SingleWriterRecorder latency = new SingleWriterRecorder(1_000, MAX_LATENCY_NANOS, 3);
        final Histogram total = latencyHistogram();
        /** The interval histogram handed back for reuse; main thread only. */
        Histogram recycled;
        final Long2ObjectHashMap<BitSet> seenByOrigin = new Long2ObjectHashMap<>();
        volatile long delivered;
        volatile long duplicates;

        @Override
        public void onMessage(final long originId, final int topic, final DirectBuffer buffer, final int offset, final int length)
        {
            final long now = System.nanoTime();
            final int seq = (int)buffer.getLong(offset);
            latency.recordValue(Math.min(MAX_LATENCY_NANOS, Math.max(0, now - buffer.getLong(offset + 8))));
            BitSet seen = seenByOrigin.get(originId);
            if (null == seen)
            {
                seen = new BitSet();
                seenByOrigin.put(originId, seen);
            }
            if (seen.get(seq))
            {
                duplicates++;
            }
            else
            {
                seen.set(seq);
            }
            delivered++;
        }
    }

    private static Histogram latencyHistogram()
    {
        return new Histogram(1_000, MAX_LATENCY_NANOS, 3);
    }

    private final Context ctx;
    // Counters at the end of the warm-up, taken off every figure so that the report speaks of the measured run only.
    private long warmupBatchesPublished;
    private long warmupBatchesForwarded;
    private long warmupRepairs;
    private final long[] warmupBatchSizes = new long[17];

    /**
     * @param ctx settings; concluded here.
     */
    public DevnetRunner(final Context ctx)
    {
        this.ctx = ctx.conclude();
    }

    /**
     * Runs the devnet to the end and closes everything it started.
     *
     * @return the report.
     * @throws InterruptedException if interrupted.
     */
    public DevnetReport run() throws InterruptedException
    {
        final int n = ctx.nodes;
        final boolean epoll = Epoll.isAvailable();
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(ctx.ioThreads,
            new DefaultThreadFactory("chainmesh-io", true), epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        final List<ChainmeshNode> nodes = new ArrayList<>();
        final Receiver[] receivers = new Receiver[n];
        DevnetChain chain = null;
        StatusEndpoints statusEndpoints = null;
        StatusHttpServer statusServer = null;
        try
        {
            final DevnetChain.Context chainCtx = new DevnetChain.Context().seed(ctx.seed).memberCount(n)
                .operators(ctx.operators());
            if (ctx.basePort != 0)
            {
                chainCtx.basePort(ctx.basePort);
            }
            chain = DevnetChain.launch(chainCtx);
            ctx.progress.accept("devnet chain: " + n + " members at height " + chain.height() + "; starting the nodes");
            long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            for (int i = 0; i < n; i++)
            {
                if (System.nanoTime() - nextReport >= 0)
                {
                    nextReport += TimeUnit.SECONDS.toNanos(1);
                    ctx.progress.accept("starting the nodes: " + i + " of " + n + " listening");
                }
                final ChainmeshNode.Context nodeCtx = new ChainmeshNode.Context()
                    .nodeKey(chain.memberKey(i))
                    .member(chain.memberId(i))
                    .directorySource(chain)
                    .bindAddress(new InetSocketAddress("127.0.0.1", chain.portFor(i)))
                    .eventLoopGroup(group)
                    .transport(epoll ? Transport.EPOLL : Transport.NIO)
                    .reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
                    .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(50));
                nodeCtx.broadcast().strategy(ctx.strategy).verifyWorkers(ctx.verifyWorkers)
                    .batchLingerNanos(TimeUnit.MICROSECONDS.toNanos(ctx.lingerMicros))
                    .maxMessagesPerBatch(ctx.maxMessagesPerBatch)
                    .maxMessageLength(Math.max(1024, ctx.messageSize));
                final ChainmeshNode node = ChainmeshNode.launch(nodeCtx);
                nodes.add(node);
                receivers[i] = new Receiver();
                node.subscribe(TOPIC, receivers[i]);
            }
            if (null != ctx.statusPage)
            {
                statusEndpoints = new StatusEndpoints(nodes.get(0), chain::current, "devnet member 0 of " + n).start();
                statusServer = new StatusHttpServer(new InetSocketAddress("127.0.0.1", 0), statusEndpoints).launch();
                ctx.statusPage.accept("http://127.0.0.1:" + statusServer.localAddress().getPort() + "/");
            }
            ctx.progress.accept("started " + n + " nodes on 127.0.0.1 (ports " +
                nodes.stream().mapToInt(node -> node.localAddress().getPort()).min().orElse(0) + " to " +
                nodes.stream().mapToInt(node -> node.localAddress().getPort()).max().orElse(0) + "); connecting");
            awaitOverlay(chain.current(), nodes);
            warmUp(nodes);
            return runWorkload(chain, nodes, receivers);
        }
        finally
        {
            CloseHelper.quietClose(statusServer);
            CloseHelper.quietClose(statusEndpoints);
            CloseHelper.quietCloseAll(nodes);
            CloseHelper.quietClose(chain);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5000);
        }
    }

    /**
     * Runs the workload on {@link #WARMUP_TOPIC} for the warm-up time and waits (bounded) for its deliveries, so the
     * measured run starts on compiled code: AES-GCM in particular runs interpreted for the first seconds.
     */
    private void warmUp(final List<ChainmeshNode> nodes)
    {
        if (ctx.warmupMillis == 0)
        {
            return;
        }
        final int n = nodes.size();
        final java.util.concurrent.atomic.AtomicLong delivered = new java.util.concurrent.atomic.AtomicLong();
        for (final ChainmeshNode node : nodes)
        {
            node.subscribe(WARMUP_TOPIC, (originId, topic, buffer, offset, length) -> delivered.incrementAndGet());
        }
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[ctx.messageSize]);
        final long rate = ctx.rate > 0 ? ctx.rate : 5_000;
        final long intervalNanos = 1_000_000_000L / rate;
        final long start = System.nanoTime();
        final long end = start + TimeUnit.MILLISECONDS.toNanos(ctx.warmupMillis);
        long published = 0;
        long nextReport = start + TimeUnit.SECONDS.toNanos(1);
        for (long now = start; now - end < 0; now = System.nanoTime())
        {
            if (now - nextReport >= 0)
            {
                nextReport += TimeUnit.SECONDS.toNanos(1);
                ctx.progress.accept(String.format("warm-up %.0f of %.0f s: %,d messages, %,d deliveries (not measured)",
                    (now - start) / 1e9, ctx.warmupMillis / 1e3, published, delivered.get()));
            }
            final long due = start + published * intervalNanos;
            if (now - due < 0)
            {
                LockSupport.parkNanos(Math.min(due - now, 1_000_000));
                continue;
            }
            if (nodes.get((int)(published % n)).offer(WARMUP_TOPIC, payload, 0, ctx.messageSize) >= 0)
            {
                published++;
            }
            else
            {
                LockSupport.parkNanos(50_000);
            }
        }
        final long expected = published * (n - 1);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (delivered.get() < expected && System.nanoTime() - deadline < 0)
        {
            final long now = System.nanoTime();
            if (now - nextReport >= 0)
            {
                nextReport += TimeUnit.SECONDS.toNanos(1);
                ctx.progress.accept(String.format("warm-up: waiting for the last deliveries, %,d of %,d (not measured)",
                    delivered.get(), expected));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        for (final ChainmeshNode node : nodes)
        {
            final BroadcastCounters counters = node.broadcastCounters();
            warmupBatchesPublished += counters.batchesPublished();
            warmupBatchesForwarded += counters.batchesForwarded();
            warmupRepairs += counters.repairFramesSent();
            final long[] sizes = node.batchSizeHistogram();
            for (int b = 0; b < sizes.length && b < warmupBatchSizes.length; b++)
            {
                warmupBatchSizes[b] += sizes[b];
            }
        }
        ctx.progress.accept(String.format("warm-up: %,d messages in %.1f s, %,d of %,d deliveries (not measured)",
            published, (System.nanoTime() - start) / 1e9, delivered.get(), expected));
    }

    private void awaitOverlay(final DirectorySnapshot snapshot, final List<ChainmeshNode> nodes)
    {
        final OverlayTopology topology = OverlayTopology.of(snapshot, 2);
        final long start = System.nanoTime();
        final long deadline = start + TimeUnit.SECONDS.toNanos(30);
        long nextReport = start + TimeUnit.SECONDS.toNanos(1);
        while (true)
        {
            int formed = 0;
            for (int i = 0; i < nodes.size(); i++)
            {
                if (nodes.get(i).peers().size() >= topology.neighbours(snapshot.indexOf(nodes.get(i).member())).length)
                {
                    formed++;
                }
            }
            if (formed == nodes.size())
            {
                ctx.progress.accept("overlay formed: " + nodes.size() + " nodes, " + totalLinks(nodes) + " link ends");
                return;
            }
            final long now = System.nanoTime();
            if (now - deadline > 0)
            {
                throw new IllegalStateException("overlay did not form within 30 s: " + formed + "/" + nodes.size() + " nodes linked");
            }
            if (now - nextReport >= 0)
            {
                nextReport += TimeUnit.SECONDS.toNanos(1);
                ctx.progress.accept("connecting: " + formed + " of " + nodes.size() + " nodes have all their links, " +
                    totalLinks(nodes) + " link ends");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private DevnetReport runWorkload(final DevnetChain chain, final List<ChainmeshNode> nodes, final Receiver[] receivers)
    {
        final int n = nodes.size();
        final int churned = ctx.churn ? n / 2 : -1;
        final long[] published = new long[n];
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[ctx.messageSize]);
        final Histogram interval = latencyHistogram();
        final long intervalNanos = ctx.rate > 0 ? 1_000_000_000L / ctx.rate : 0;
        long backPressured = 0;
        long lastDelivered = 0;
        final long fixedWindow = ctx.maxOutstanding * (churned >= 0 ? n - 1 : n) * (n - 1);
        long window = fixedWindow;
        long lastPublished = 0;
        final long start = System.nanoTime();
        final long end = start + TimeUnit.MILLISECONDS.toNanos(ctx.durationMillis);
        long nextProgress = start + TimeUnit.SECONDS.toNanos(1);
        boolean left = false;
        boolean rejoined = false;
        long k = 0;
        int origin = 0;
        final long bytesOutAtStart = bytesOut(nodes);
        for (long now = System.nanoTime(); now - end < 0; now = System.nanoTime())
        {
            if (churned >= 0 && !left && now - start > (end - start) / 3)
            {
                chain.leave(churned);
                chain.advance();
                left = true;
                ctx.progress.accept("churn: member " + churned + " left at height " + chain.height());
            }
            if (churned >= 0 && !rejoined && now - start > 2 * (end - start) / 3)
            {
                chain.join(churned);
                chain.advance();
                rejoined = true;
                ctx.progress.accept("churn: member " + churned + " rejoined at height " + chain.height());
            }
            if (now - nextProgress >= 0)
            {
                final long delivered = sumDelivered(receivers);
                long sent = 0;
                for (final long p : published)
                {
                    sent += p;
                }
                interval.reset();
                for (final Receiver r : receivers)
                {
                    final Histogram h = r.latency.getIntervalHistogram(r.recycled);
                    r.total.add(h);
                    interval.add(h);
                    r.recycled = h;
                }
                progressLine(now - start, sent - lastPublished, delivered - lastDelivered, interval, nodes);
                window = Math.max(fixedWindow, (delivered - lastDelivered) / 4);
                lastDelivered = delivered;
                lastPublished = sent;
                nextProgress += TimeUnit.SECONDS.toNanos(1);
            }
            if (intervalNanos > 0)
            {
                final long due = start + k * intervalNanos;
                if (now - due < 0)
                {
                    if (due - now > 50_000)
                    {
                        LockSupport.parkNanos(Math.min(due - now, 1_000_000));
                    }
                    continue;
                }
            }
            if (intervalNanos == 0 && (k & 63) == 0 && missing(receivers, published, churned) > window)
            {
                LockSupport.parkNanos(100_000);
                continue;
            }
            if (origin == churned)
            {
                origin = (origin + 1) % n;
            }
            payload.putLong(0, published[origin]);
            payload.putLong(8, System.nanoTime());
            final long status = nodes.get(origin).offer(TOPIC, payload, 0, ctx.messageSize);
            if (status >= 0)
            {
                published[origin]++;
                k++;
                origin = (origin + 1) % n;
            }
            else if (status == Status.BACK_PRESSURED || status == Status.NOT_CONNECTED)
            {
                backPressured++;
                if (intervalNanos == 0)
                {
                    origin = (origin + 1) % n;
                }
                Thread.onSpinWait();
            }
            else
            {
                throw new IllegalStateException("offer failed on node " + origin + ": " + Status.name(status));
            }
        }
        drain(receivers, published, churned);
        long lost = 0;
        for (final ChainmeshNode node : nodes)
        {
            lost += node.broadcastCounters().lostBeyondRetention();
        }
        if (lost > 0)
        {
            ctx.progress.accept(String.format("engine: %,d batches given up as beyond retention (counted by the nodes)", lost));
        }
        // Throughput counts until the last delivery (or the end of the drain), not just while publishing.
        final double seconds = (System.nanoTime() - start) / 1e9;
        return report(nodes, receivers, published, backPressured, churned, seconds, bytesOut(nodes) - bytesOutAtStart);
    }

    /** Bytes all nodes' links have written (engine {@code bytes out} counters), frame headers included. */
    private static long bytesOut(final List<ChainmeshNode> nodes)
    {
        long bytes = 0;
        for (final ChainmeshNode node : nodes)
        {
            bytes += node.counters().bytesOut().get();
        }
        return bytes;
    }

    private void drain(final Receiver[] receivers, final long[] published, final int churned)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ctx.drainMillis);
        while (System.nanoTime() - deadline < 0 && missing(receivers, published, churned) > 0)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    private static long expectedAt(final int node, final long[] published)
    {
        long expected = 0;
        for (int o = 0; o < published.length; o++)
        {
            expected += o == node ? 0 : published[o];
        }
        return expected;
    }

    private static long missing(final Receiver[] receivers, final long[] published, final int churned)
    {
        long missing = 0;
        for (int i = 0; i < receivers.length; i++)
        {
            if (i != churned)
            {
                missing += Math.max(0, expectedAt(i, published) - (receivers[i].delivered - receivers[i].duplicates));
            }
        }
        return missing;
    }

    private static long sumDelivered(final Receiver[] receivers)
    {
        long total = 0;
        for (final Receiver r : receivers)
        {
            total += r.delivered;
        }
        return total;
    }

    private static int totalLinks(final List<ChainmeshNode> nodes)
    {
        int links = 0;
        for (final ChainmeshNode node : nodes)
        {
            links += node.peers().size();
        }
        return links;
    }

    private void progressLine(
        final long elapsedNanos, final long published, final long delivered, final Histogram latency, final List<ChainmeshNode> nodes)
    {
        long repairs = -warmupRepairs;
        for (final ChainmeshNode node : nodes)
        {
            repairs += node.broadcastCounters().repairFramesSent();
        }
        final double elapsed = elapsedNanos / 1e9;
        final String line = String.format("%5.1fs  pub %,9d/s  deliv %,10d/s  %7.1f MB/s  p50 %9s  p99 %9s  links %d  repairs %d",
            elapsed, published, delivered, delivered * (double)ctx.messageSize / 1e6,
            Durations.human(latency.getValueAtPercentile(50)), Durations.human(latency.getValueAtPercentile(99)), totalLinks(nodes), repairs);
        if (ctx.redrawProgress)
        {
            final int width = 20;
            final int filled = (int)Math.min(width, Math.round(width * elapsed * 1000 / ctx.durationMillis));
            ctx.progress.accept("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + line);
        }
        else
        {
            ctx.progress.accept(line);
        }
    }

    private DevnetReport report(
        final List<ChainmeshNode> nodes, final Receiver[] receivers, final long[] published, final long backPressured,
        final int churned, final double seconds, final long bytesOut)
    {
        final int n = nodes.size();
        final Histogram all = new Histogram(3);
        final List<DevnetReport.NodeRow> rows = new ArrayList<>();
        long totalPublished = 0;
        long expected = 0;
        long delivered = 0;
        long missing = 0;
        long duplicates = 0;
        long batchesPublished = -warmupBatchesPublished;
        long batchesForwarded = -warmupBatchesForwarded;
        long repairs = -warmupRepairs;
        final long[] batchSizes = new long[17];
        for (int b = 0; b < batchSizes.length; b++)
        {
            batchSizes[b] = -warmupBatchSizes[b];
        }
        for (int i = 0; i < n; i++)
        {
            final Receiver r = receivers[i];
            r.total.add(r.latency.getIntervalHistogram(r.recycled));
            all.add(r.total);
            final ChainmeshNode node = nodes.get(i);
            final BroadcastCounters counters = node.broadcastCounters();
            batchesPublished += counters.batchesPublished();
            batchesForwarded += counters.batchesForwarded();
            repairs += counters.repairFramesSent();
            final long[] sizes = node.batchSizeHistogram();
            for (int b = 0; b < sizes.length && b < batchSizes.length; b++)
            {
                batchSizes[b] += sizes[b];
            }
            totalPublished += published[i];
            final long owed = expectedAt(i, published);
            final long nodeMissing = Math.max(0, owed - (r.delivered - r.duplicates));
            if (i != churned)
            {
                expected += owed;
                delivered += r.delivered;
                missing += nodeMissing;
                duplicates += r.duplicates;
            }
            rows.add(new DevnetReport.NodeRow(i, node.localAddress().getPort(), published[i], r.delivered, nodeMissing,
                r.duplicates, node.peers().size(), r.total.getValueAtPercentile(50) / 1000.0,
                r.total.getValueAtPercentile(99) / 1000.0));
        }
        final DevnetReport.Latency latency = new DevnetReport.Latency(
            all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(90) / 1000.0,
            all.getValueAtPercentile(99) / 1000.0, all.getValueAtPercentile(99.9) / 1000.0,
            all.getMaxValue() / 1000.0, all.getTotalCount());
        final int steady = churned >= 0 ? n - 1 : n;
        return new DevnetReport(n, ctx.strategy.name(), ctx.messageSize, ctx.rate, seconds, totalPublished, backPressured,
            expected, delivered, missing, duplicates, delivered / (double)steady / seconds,
            delivered * (double)ctx.messageSize / 1e6 / seconds, latency, batchSizes, batchesPublished, batchesForwarded,
            repairs, churned, rows, missing == 0 && duplicates == 0, bytesOut, null);
    }
}
