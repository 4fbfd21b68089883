package io.chainmesh.perf.capacity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.chain.DevnetChain;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.ChannelCipher;
import io.chainmesh.engine.EngineCounters;
import io.chainmesh.engine.broadcast.BroadcastTree;
import io.chainmesh.engine.overlay.OverlayTopology;
import io.chainmesh.engine.overlay.OverlayView;
import io.chainmesh.engine.transport.ChannelSetup;
import io.chainmesh.engine.transport.Link;
import io.chainmesh.engine.transport.LinkConfig;
import io.chainmesh.engine.transport.LinkEvents;
import io.chainmesh.engine.transport.RecordSettings;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.HdrHistogram.Histogram;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.SystemNanoClock;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The load generator of a capacity run: one chainmesh node under test ({@link CapacityNode}) in its own JVM, fed
 * pre-signed batches from many origins over real TCP on 127.0.0.1, through the real handshake and encrypted records
 * (or plaintext links, {@code --cipher PLAINTEXT}).
 * <p>
 * The generator plays every overlay neighbour of the node (its tree parents and children for every origin) with
 * the engine's own transport ({@link ChannelSetup}: handshake, record layer, heartbeats) under each neighbour's
 * member key, dialling where the overlay says the neighbour dials and listening where the node dials. Each
 * origin's batches travel the link from the node's parent in that origin's tree, in sequence order, so the node
 * verifies, commits, delivers to its subscriber and forwards to its children for that origin exactly as inside a
 * network; the generator counts the forwards it receives (and the node's DIGESTs), and times each batch from its
 * send to its first forward back (send to node-forward, just after delivery on the node's commit thread).
 * <p>
 * Load: <b>closed loop with a bounded window</b> (default): batches are written as fast as the node's sockets take
 * them while fewer than {@code window} batches are sent and not yet delivered (the node answers a {@code delivered}
 * query, asked only while the window is full). With {@code window = 0}: open loop, with at most 1,024 batches written
 * and not yet taken by the node's sockets (a node whose ingress is full stops reading them). The window stays below
 * the node's ingress ring (1,024 batches): the open loop keeps that ring full, and lost a link to the node in one run
 * on the loaded machine. Batches are signed before the measured window (the generator signs nothing while
 * measuring), with timestamps of their signing, so a pool must be delivered within the protocol's 120 s window.
 * <p>
 * The generator is built to leave the machine to the node: batches are written from a fixed set of frame buffers
 * whose header and signature alone are rewritten per batch, straight onto the links' channels (see {@link #send}).
 * A standalone run can profile the generator itself with {@code -D}{@value #GENERATOR_PROFILE_PROPERTY}{@code =FILE}.
 */
public final class CapacityGenerator implements AutoCloseable
{
    /**
     * What to run.
     *
     * @param shape            the directory and the node under test.
     * @param origins          distinct origins (members other than the node) whose batches are sent.
     * @param messagesPerBatch messages per pre-signed batch.
     * @param messageSize      bytes per message.
     * @param warmupBatches    batches sent first and not counted (JIT warm-up of the node).
     * @param batches          batches in the measured pool.
     * @param seconds          longest sending time of the measured pool.
     * @param topic            topic of the messages.
     * @param verifyWorkers    the node's verify threads.
     * @param cipher           how the links between generator and node are protected (the node's
     *                         {@code channelCipher}): AES-GCM records as deployed, or plaintext frames.
     * @param window           most batches sent and not yet delivered; 0 for open loop.
     * @param nodeJvm          the node JVM's command up to the main class (java, options, class path).
     * @param profileFile      where the node writes an async-profiler profile of the measured window (collapsed
     *                         stacks per thread), or empty for none.
     * @param log              progress lines.
     */
    public record Settings(
        CapacityShape shape,
        int origins,
        int messagesPerBatch,
        int messageSize,
        int warmupBatches,
        int batches,
        double seconds,
        int topic,
        int verifyWorkers,
        ChannelCipher cipher,
        int window,
        List<String> nodeJvm,
        String profileFile,
        java.util.function.Consumer<String> log)
    {
    }

    /**
     * System property naming the file where a standalone generator writes an async-profiler profile of its own
     * measured window (collapsed stacks per thread).
     */
    public static final String GENERATOR_PROFILE_PROPERTY = "capacity.generatorProfile";
    /** Default window: half the node's ingress ring, so the generator alone never fills it. */
    public static final int DEFAULT_WINDOW = 512;
    /**
     * The generator's own patience with the node's PONGs: at load averages above 100 on this machine the engine's
     * 3 missed heartbeats made the generator close every link to a node that was still working. The node keeps the
     * engine's default; only the harness waits longer.
     */
    private static final int GENERATOR_MISSED_HEARTBEATS = 30;
    /** The node's default: a link's largest record is 1/8 of it, so every batch up to the default frame fits. */
    private static final int OUTBOUND_BUDGET = ChainmeshNode.Context.DEFAULT_PEER_OUTBOUND_BUDGET;
    private static final long WAIT_LINKS_NANOS = TimeUnit.SECONDS.toNanos(60);
    /**
     * Frame buffers in flight at most in open loop (64 MiB of full batches); in closed loop, the window. Fewer than
     * the window would let one link whose socket the node reads slowly hold every buffer and stall the others.
     */
    private static final int OPEN_LOOP_FRAME_BUFFERS = 1024;
    /** Batches handed to the IO thread in one task (and one wake-up). */
    private static final int WRITES_PER_TASK = 8;

    private final Settings settings;
    private final ObjectMapper mapper;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final EngineCounters counters = EngineCounters.allocate();
    private final Map<MemberId, Link> links = new ConcurrentHashMap<>();
    private final List<Channel> servers = new ArrayList<>();
    private DevnetChain chain;
    private DirectorySnapshot snapshot;
    private OverlayTopology topology;
    private NodeUnderTest node;
    private Path portsFile;

    // Written on the single IO thread only; read after a hand-off through it (see onIoThread).
    private long forwardedBatchesMeasured;
    private long forwardedBytesMeasured;
    private long digestFrames;
    private long digestBytes;
    private long wantFrames;
    private long otherFrames;
    private final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);

    private Long2LongHashMap slotByOrigin;
    private long[] firstSeq;
    private long[] sendNanos;
    private BitSet forwardedOnce;
    private int measuredFrom = Integer.MAX_VALUE;

    /**
     * @param settings what to run.
     * @param mapper   for the result.
     */
    public CapacityGenerator(final Settings settings, final ObjectMapper mapper)
    {
        this.settings = settings;
        this.mapper = mapper;
    }

    /**
     * Starts the node, links it, warms it up, measures one pool, stops it.
     *
     * @return the figures of the measured pool.
     * @throws Exception if the node or a link fails.
     */
    public ObjectNode run() throws Exception
    {
        final CapacityShape shape = settings.shape();
        final DevnetChain provisional = shape.chain();
        final DirectorySnapshot provisionalSnapshot = provisional.current();
        final int n = provisionalSnapshot.size();
        final int x = shape.nodeRing(provisionalSnapshot);
        final OverlayTopology provisionalTopology = OverlayTopology.of(provisionalSnapshot, 2);
        final int[] neighbours = provisionalTopology.neighbours(x);

        // Bind what must listen: every neighbour the node dials, and a free port for the node itself.
        final int[] ports = new int[shape.members()];
        for (int i = 0; i < ports.length; i++)
        {
            ports[i] = provisional.portFor(i);
        }
        final Map<Integer, Channel> listenerByRing = new HashMap<>();
        for (final int m : neighbours)
        {
            if (!provisionalTopology.dials(m, x))
            {
                final Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new io.netty.channel.ChannelInitializer<>()
                    {
                        @Override
                        protected void initChannel(final Channel ch)
                        {
                            ch.pipeline().addLast(new ChannelSetup(configFor(m), false, null));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                servers.add(server);
                listenerByRing.put(m, server);
                ports[CapacityShape.chainIndex(provisional, m)] = ((InetSocketAddress)server.localAddress()).getPort();
            }
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
            java.net.InetAddress.getByName("127.0.0.1")))
        {
            ports[CapacityShape.chainIndex(provisional, x)] = probe.getLocalPort();
        }
        chain = shape.chain(ports);
        snapshot = chain.current();
        topology = OverlayTopology.of(snapshot, 2);
        portsFile = Files.createTempFile("chainmesh-capacity-ports-", ".txt");
        CapacityShape.writePorts(portsFile, ports);

        final ObjectNode ready = startNode();
        final MemberId nodeId = snapshot.member(x).id();
        final int nodePort = snapshot.member(x).meshEndpoint().port();
        // The neighbours that dial the node: dialled again while they have no link (a handshake can time out on a
        // loaded machine; the node redials its own targets itself).
        final Map<Integer, Channel> dials = new HashMap<>();
        final Runnable dialMissing = () ->
        {
            for (final int m : neighbours)
            {
                final Channel pending = dials.get(m);
                if (topology.dials(m, x) && !links.containsKey(snapshot.member(m).id()) &&
                    (null == pending || !pending.isActive()))
                {
                    dials.put(m, new Bootstrap().group(group).channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true).handler(new ChannelSetup(configFor(m), true, nodeId))
                        .connect(new InetSocketAddress("127.0.0.1", nodePort)).syncUninterruptibly().channel());
                }
            }
        };
        awaitLinks(neighbours.length, dialMissing);

        // Origins: distinct members other than the node, spread over the ring; each one's batches travel the link
        // from the node's parent in its tree; the node forwards to its children there (L(p) of PROTOCOL.md 9.3).
        final int origins = Math.min(settings.origins(), n - 1);
        final Random random = new Random(shape.seed());
        final int[] originRing = new int[origins];
        final Link[] parentLink = new Link[origins];
        final int[] children = new int[origins];
        final BitSet taken = new BitSet(n);
        taken.set(x);
        slotByOrigin = new Long2LongHashMap(origins * 2, 0.5f, -1);
        for (int s = 0; s < origins; s++)
        {
            int o;
            do
            {
                o = random.nextInt(n);
            }
            while (taken.get(o));
            taken.set(o);
            originRing[s] = o;
            final int p = Math.floorMod(x - o, n);
            final int parent = Math.floorMod(x - p + BroadcastTree.parentOffset(p), n);
            parentLink[s] = links.get(snapshot.member(parent).id());
            if (null == parentLink[s])
            {
                throw new IllegalStateException("no link from the node's parent " + parent + " for origin " + o);
            }
            children[s] = BroadcastTree.childCount(BroadcastTree.rangeLength(p, n));
            slotByOrigin.put(snapshot.member(o).originId(), s);
        }
        firstSeq = new long[origins];
        final long seqBase = System.currentTimeMillis() * 1000;
        java.util.Arrays.fill(firstSeq, seqBase);
        final int total = settings.warmupBatches() + settings.batches();
        sendNanos = new long[total];
        forwardedOnce = new BitSet(total);

        final ObjectNode result = mapper.createObjectNode();
        result.put("system", "chainmesh");
        result.put("load", settings.window() > 0 ? "closed loop, at most " + settings.window() +
            " batches sent and not yet delivered" : "open loop, back-pressure respected (a full link is waited for)");
        result.put("window", settings.window());
        result.put("members", n);
        result.put("keys", snapshot.distinctKeys());
        result.put("nodeRingIndex", x);
        result.put("links", neighbours.length);
        result.put("origins", origins);
        result.put("messagesPerBatch", settings.messagesPerBatch());
        result.put("messageSize", settings.messageSize());
        result.put("verifyWorkers", settings.verifyWorkers());
        result.put("cipher", settings.cipher().name());
        result.put("verifier", ready.path("verifier").asText());
        result.put("nativeLoadFailure", ready.path("nativeLoadFailure").isNull() ? null :
            ready.path("nativeLoadFailure").asText());
        result.put("signer", SignedPool.signer());
        result.put("expectedForwardsPerBatch", java.util.Arrays.stream(children).average().orElse(0));

        // Warm-up pool, then the measured pool; each signed just before it is sent.
        final SignedPool warmup = sign(0, settings.warmupBatches(), origins, originRing);
        final ObjectNode warmStart = node.stats();
        send(warmup, 0, parentLink, Long.MAX_VALUE, warmStart.path("delivered").asLong());
        final ObjectNode warmEnd = node.awaitDelivered(warmStart, (long)warmup.count * settings.messagesPerBatch(),
            TimeUnit.SECONDS.toNanos(60));
        result.put("warmupBatches", warmup.count);
        result.put("warmupAllDelivered",
            NodeUnderTest.delivered(warmStart, warmEnd) == (long)warmup.count * settings.messagesPerBatch());

        final SignedPool pool = sign(settings.warmupBatches(), settings.batches(), origins, originRing);
        final double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        onIoThread(() ->
        {
            measuredFrom = settings.warmupBatches();
            forwardedBatchesMeasured = 0;
            forwardedBytesMeasured = 0;
            digestFrames = 0;
            digestBytes = 0;
            wantFrames = 0;
            latency.reset();
        });
        result.put("measuredFromEpochMillis", System.currentTimeMillis());
        final long generatorCpu0 = processCpuNanos();
        if (!settings.profileFile().isEmpty())
        {
            result.set("profileStart", node.command("profile start"));
        }
        // The generator's own profile, standalone runs only: the suite's generator shares the suite's JVM.
        final String generatorProfile = System.getProperty(GENERATOR_PROFILE_PROPERTY, "");
        if (!generatorProfile.isEmpty())
        {
            one.profiler.AsyncProfiler.getInstance().execute("start,event=cpu,interval=500000,threads");
        }
        final ObjectNode s0 = node.stats();
        final long deadline = System.nanoTime() + (long)(settings.seconds() * 1e9);
        final int sent = send(pool, settings.warmupBatches(), parentLink, deadline, s0.path("delivered").asLong());
        final ObjectNode s1 = node.awaitDelivered(s0, (long)sent * settings.messagesPerBatch(), TimeUnit.SECONDS.toNanos(30));
        if (!settings.profileFile().isEmpty())
        {
            result.set("profileStop", node.command("profile stop " + settings.profileFile()));
        }
        if (!generatorProfile.isEmpty())
        {
            one.profiler.AsyncProfiler.getInstance().execute("stop,file=" + generatorProfile + ",collapsed");
        }
        final long generatorCpu1 = processCpuNanos();
        final double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        // Forwards of the last batches may trail the last delivery by a link drain.
        long expectedForwards = 0;
        for (int j = 0; j < sent; j++)
        {
            expectedForwards += children[(settings.warmupBatches() + j) % origins];
        }
        final long forwardsTarget = expectedForwards;
        final long forwardWait = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (onIoThread(() -> forwardedBatchesMeasured) < forwardsTarget && System.nanoTime() < forwardWait)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }

        final double seconds = (s1.path("nanoTime").asLong() - s0.path("nanoTime").asLong()) / 1e9;
        final long deliveredMessages = NodeUnderTest.delivered(s0, s1);
        final double nodeCpuSeconds = (s1.path("cpuNanos").asLong() - s0.path("cpuNanos").asLong()) / 1e9;
        final long[] io = onIoThread(() -> new long[]{ forwardedBatchesMeasured, forwardedBytesMeasured, digestFrames,
            digestBytes, wantFrames, otherFrames });
        final Histogram lat = onIoThread(latency::copy);
        result.put("batchesSent", sent);
        result.put("messagesSent", (long)sent * settings.messagesPerBatch());
        result.put("messagesDelivered", deliveredMessages);
        result.put("allDelivered", deliveredMessages == (long)sent * settings.messagesPerBatch());
        result.put("seconds", seconds);
        result.put("deliveredPerSecond", deliveredMessages / seconds);
        result.put("batchesPerSecond", sent / seconds);
        result.put("nodeCpuSeconds", nodeCpuSeconds);
        result.put("nodeCpuCores", nodeCpuSeconds / seconds);
        result.put("nodeCpuMicrosPerMessage", nodeCpuSeconds * 1e6 / Math.max(1, deliveredMessages));
        result.put("nodeCpuMicrosPerBatch", nodeCpuSeconds * 1e6 / Math.max(1, sent));
        result.put("generatorCpuSeconds", (generatorCpu1 - generatorCpu0) / 1e9);
        result.put("forwardsExpected", expectedForwards);
        result.put("forwardedBatches", io[0]);
        result.put("forwardedBytes", io[1]);
        result.put("forwardedBytesPerSecond", io[1] / seconds);
        result.put("forwardedMessagesPerSecond", io[0] * (double)settings.messagesPerBatch() / seconds);
        result.put("digestFrames", io[2]);
        result.put("digestBytesPerSecond", io[3] / seconds);
        result.put("wantFrames", io[4]);
        result.put("nodeBytesOutPerSecond", (s1.path("bytesOut").asLong() - s0.path("bytesOut").asLong()) / seconds);
        result.put("nodeBytesInPerSecond", (s1.path("bytesIn").asLong() - s0.path("bytesIn").asLong()) / seconds);
        result.put("nodeGcMillis", s1.path("gcMillis").asLong() - s0.path("gcMillis").asLong());
        result.put("latencySamples", lat.getTotalCount());
        result.put("p50Millis", lat.getValueAtPercentile(50) / 1e6);
        result.put("p99Millis", lat.getValueAtPercentile(99) / 1e6);
        result.put("latency", "generator send -> first forward of that batch back from the node (after its delivery)");
        result.put("loadAverageBefore", loadBefore);
        result.put("loadAverageAfter", loadAfter);
        result.set("nodeCountersAtEnd", s1);
        return result;
    }

    /**
     * One chainmesh capacity measurement, its figures as one JSON line on stdout.
     * <pre>
     * CapacityGenerator [CapacityShape args] [--origins 1024] [--messages-per-batch 64] [--size 64]
     *                   [--warmup-batches 20000] [--batches 60000] [--seconds 10] [--verify-workers 1]
     *                   [--cipher AES_GCM|PLAINTEXT] [--window 512] [--jfr node.jfr] [--profile node-collapsed.txt]
     * </pre>
     *
     * @param args see above.
     * @throws Exception if the run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final ObjectMapper mapper = new ObjectMapper();
        final Settings settings = new Settings(CapacityShape.parse(args), CapacityShape.intArg(args, "--origins", 1024),
            CapacityShape.intArg(args, "--messages-per-batch", 64), CapacityShape.intArg(args, "--size", 64),
            CapacityShape.intArg(args, "--warmup-batches", 20_000), CapacityShape.intArg(args, "--batches", 60_000),
            Double.parseDouble(CapacityShape.stringArg(args, "--seconds", "10")), 7,
            CapacityShape.intArg(args, "--verify-workers", 1),
            ChannelCipher.valueOf(CapacityShape.stringArg(args, "--cipher", ChannelCipher.AES_GCM.name())),
            CapacityShape.intArg(args, "--window", DEFAULT_WINDOW),
            nodeJvm(jfrOptions(CapacityShape.stringArg(args, "--jfr", ""))),
            CapacityShape.stringArg(args, "--profile", ""), System.err::println);
        try (CapacityGenerator generator = new CapacityGenerator(settings, mapper))
        {
            System.out.println(mapper.writeValueAsString(generator.run()));
        }
    }

    /**
     * @param file where the node JVM writes a JFR recording ({@code settings=profile}), or empty for none.
     * @return the JVM options for it.
     */
    public static List<String> jfrOptions(final String file)
    {
        return file.isEmpty() ? List.of() : List.of("-XX:StartFlightRecording=filename=" + file + ",settings=profile");
    }

    /**
     * @param extraOptions JVM options of the node's JVM beyond the defaults (e.g. a JFR recording).
     * @return the command that starts a JVM like this one (same java, same class path) for the node under test.
     */
    public static List<String> nodeJvm(final List<String> extraOptions)
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-Dio.netty.leakDetection.level=disabled", "-Xms512m", "-Xmx1g"));
        command.addAll(extraOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return command;
    }

    private LinkConfig configFor(final int ring)
    {
        final MemberId member = snapshot.member(ring).id();
        final OverlayView view = new OverlayView(topology, member);
        final LinkEvents events = new LinkEvents()
        {
            @Override
            public OverlayView view()
            {
                return view;
            }

            @Override
            public void onAuthenticated(final Link link)
            {
                link.state(Link.State.ACTIVE);
                links.put(member, link);
                // The generator's links need no registration: DIRECT frames from the node are taken as they arrive.
                link.openDirect();
            }

            @Override
            public void onLinkClosed(final Link link)
            {
                links.remove(member, link);
            }

            @Override
            public void onRefusedByPeer(final MemberId expectedPeer, final CloseReason reason)
            {
                settings.log().accept("capacity: the node refused " + member + ": " + reason);
            }

            @Override
            public void onDirect(final Link link, final MutableDirectBuffer buffer, final int offset, final int length)
            {
                otherFrames++;
            }

            @Override
            public void onBroadcast(final Link link, final ByteBuf frame)
            {
                onNodeFrame(frame);
            }
        };
        return new LinkConfig(chain.memberKey(chain.indexOf(member)), events, counters, SystemNanoClock.INSTANCE,
            new SecureRandom(), TimeUnit.SECONDS.toNanos(5), 4096, 1 << 20, TimeUnit.SECONDS.toNanos(1),
            GENERATOR_MISSED_HEARTBEATS, OUTBOUND_BUDGET, snapshot::height, channels)
            .withRecords(new RecordSettings(settings.cipher(), RecordSettings.DEFAULT.maxRecordPlaintext(),
                RecordSettings.DEFAULT.rekeyAfterRecords(), RecordSettings.DEFAULT.rekeyAfterBytes()));
    }

    private void onNodeFrame(final ByteBuf frame)
    {
        final int type = Frames.type(frame);
        final int length = frame.readableBytes();
        if (type == FrameType.BATCH)
        {
            final int base = frame.readerIndex();
            final long origin = frame.getLong(base + BatchDescriptor.ORIGIN_ID_OFFSET);
            final long seq = frame.getLong(base + BatchDescriptor.BATCH_SEQ_OFFSET);
            final long slot = slotByOrigin.get(origin);
            if (slot >= 0)
            {
                final long j = (seq - firstSeq[(int)slot]) * firstSeq.length + slot;
                if (j >= measuredFrom && j < sendNanos.length)
                {
                    forwardedBatchesMeasured++;
                    forwardedBytesMeasured += length;
                    if (!forwardedOnce.get((int)j))
                    {
                        forwardedOnce.set((int)j);
                        latency.recordValue(Math.min(latency.getHighestTrackableValue(),
                            Math.max(0, System.nanoTime() - sendNanos[(int)j])));
                    }
                }
            }
        }
        else if (type == FrameType.DIGEST)
        {
            digestFrames++;
            digestBytes += length;
        }
        else if (type == FrameType.WANT)
        {
            wantFrames++;
        }
        else
        {
            otherFrames++;
        }
    }

    private SignedPool sign(final int first, final int count, final int origins, final int[] originRing)
        throws InterruptedException
    {
        return SignedPool.sign(first, count, origins, originRing, firstSeq, settings.messagesPerBatch(),
            settings.messageSize(), settings.topic(), chain, snapshot, settings.log());
    }

    /**
     * Writes the pool in order, each batch on the channel of its origin's parent link, from a fixed set of frame
     * buffers that only have their header and signature rewritten per batch: the generator copies no batch, and
     * its IO thread is woken once per {@link #WRITES_PER_TASK} batches, so it leaves the machine to the node. The
     * set bounds what is in flight to the node's socket; a buffer returns to the set once its bytes are written
     * (or sealed into a record). The link's own frames (heartbeats) are written on the same event loop, between
     * whole batches.
     */
    private int send(final SignedPool pool, final int first, final Link[] parents, final long deadline,
        final long deliveredBefore) throws IOException
    {
        final int window = settings.window();
        long deliveredBatches = 0;
        final int frameBuffers = window > 0 ? window : OPEN_LOOP_FRAME_BUFFERS;
        final OneToOneConcurrentArrayQueue<ByteBuf> free = new OneToOneConcurrentArrayQueue<>(frameBuffers);
        final List<ByteBuf> frames = new ArrayList<>(frameBuffers);
        for (int b = 0; b < frameBuffers; b++)
        {
            final ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(pool.frameLength, pool.frameLength)
                .writeBytes(pool.template, 0, pool.frameLength);
            frames.add(frame);
            free.offer(frame);
        }
        final int origins = parents.length;
        final Channel[] channels = new Channel[WRITES_PER_TASK];
        final ByteBuf[] buffers = new ByteBuf[WRITES_PER_TASK];
        int staged = 0;
        try
        {
            for (int i = 0; i < pool.count; i++)
            {
                if ((i & 63) == 0 && System.nanoTime() > deadline)
                {
                    staged = submit(channels, buffers, staged, free);
                    return i;
                }
                while (window > 0 && i - deliveredBatches >= window)
                {
                    staged = submit(channels, buffers, staged, free);
                    deliveredBatches = (node.delivered() - deliveredBefore) / settings.messagesPerBatch();
                    if (i - deliveredBatches >= window)
                    {
                        // Each poll costs the node's main thread a read and a write: at 0.1 ms that was 3-7 % of
                        // the node's CPU; a full window holds tens of milliseconds of the node's work.
                        LockSupport.parkNanos(1_000_000);
                    }
                }
                ByteBuf frame;
                while (null == (frame = free.poll()))
                {
                    staged = submit(channels, buffers, staged, free);
                    LockSupport.parkNanos(20_000);
                }
                final int j = first + i;
                final Link link = parents[j % origins];
                if (!link.channel().isActive())
                {
                    throw new IllegalStateException("link to the node closed: " + link + "; " + closes());
                }
                pool.writeHeader(frame, i);
                sendNanos[j] = System.nanoTime();
                channels[staged] = link.channel();
                buffers[staged] = frame;
                // Retained here: the task may run after this method has released its own references.
                frame.retain();
                if (++staged == WRITES_PER_TASK)
                {
                    staged = submit(channels, buffers, staged, free);
                }
            }
            staged = submit(channels, buffers, staged, free);
            return pool.count;
        }
        finally
        {
            // Batches staged and never handed over (a link closed): their retain is this method's to undo.
            for (int k = 0; k < staged; k++)
            {
                buffers[k].release();
            }
            // Buffers still in flight are released by their write's end, after this.
            for (final ByteBuf frame : frames)
            {
                frame.release();
            }
        }
    }

    /** Hands the staged batches to the IO thread, to be written and flushed in one task; returns 0 (none staged). */
    private int submit(final Channel[] channels, final ByteBuf[] buffers, final int staged,
        final OneToOneConcurrentArrayQueue<ByteBuf> free)
    {
        if (staged == 0)
        {
            return 0;
        }
        final Channel[] toChannels = java.util.Arrays.copyOf(channels, staged);
        final ByteBuf[] frames = java.util.Arrays.copyOf(buffers, staged);
        group.next().execute(() ->
        {
            for (int k = 0; k < frames.length; k++)
            {
                final ByteBuf frame = frames[k];
                // A duplicate: the write moves its reader index, not the frame's.
                toChannels[k].write(frame.duplicate()).addListener(written -> free.offer(frame));
            }
            for (final Channel channel : toChannels)
            {
                // A channel flushed already has nothing left to flush: the call returns at once.
                channel.flush();
            }
        });
        return 0;
    }

    /** The CLOSE reasons the generator's links sent and received, for a failure's message. */
    private String closes()
    {
        final StringBuilder sb = new StringBuilder();
        for (final CloseReason reason : CloseReason.values())
        {
            if (reason == CloseReason.UNRECOGNIZED)
            {
                continue;
            }
            final long sent = counters.closesSent(reason).get();
            final long received = counters.closesReceived(reason).get();
            if (sent + received > 0)
            {
                sb.append(reason).append(": sent ").append(sent).append(", received ").append(received).append("; ");
            }
        }
        return sb.length() == 0 ? "no CLOSE sent or received" : sb.toString();
    }

    private ObjectNode startNode() throws IOException
    {
        final List<String> command = new ArrayList<>(settings.nodeJvm());
        command.add(CapacityNode.class.getName());
        command.addAll(settings.shape().toArgs());
        command.addAll(List.of("--ports-file", portsFile.toString(), "--topic", Integer.toString(settings.topic()),
            "--verify-workers", Integer.toString(settings.verifyWorkers()), "--cipher", settings.cipher().name()));
        node = NodeUnderTest.start(command, mapper, settings.log());
        return node.ready();
    }

    private void awaitLinks(final int expected, final Runnable dialMissing) throws IOException
    {
        final long deadline = System.nanoTime() + WAIT_LINKS_NANOS;
        long nextDial = 0;
        while (true)
        {
            if (System.nanoTime() - nextDial >= 0)
            {
                dialMissing.run();
                nextDial = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            }
            final ObjectNode s = node.stats();
            if (links.size() == expected && s.path("peers").asInt() == expected)
            {
                return;
            }
            if (System.nanoTime() > deadline)
            {
                throw new IOException("links: the generator has " + links.size() + ", the node " + s.path("peers") +
                    ", expected " + expected);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private <T> T onIoThread(final java.util.concurrent.Callable<T> task) throws Exception
    {
        return group.next().submit(task).get(10, TimeUnit.SECONDS);
    }

    private void onIoThread(final Runnable task) throws Exception
    {
        group.next().submit(task).get(10, TimeUnit.SECONDS);
    }

    private static long processCpuNanos()
    {
        return ((com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    }

    @Override
    public void close()
    {
        if (null != node)
        {
            node.close();
        }
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        servers.forEach(s -> s.close().awaitUninterruptibly(5, TimeUnit.SECONDS));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (null != portsFile)
        {
            try
            {
                Files.deleteIfExists(portsFile);
            }
            catch (final IOException ignored)
            {
                // A temp file.
            }
        }
    }
}
