package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySource;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.direct.DirectDescriptor;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.record.RecordDescriptor;
import io.chainmesh.engine.broadcast.BroadcastCounters;
import io.chainmesh.engine.broadcast.BroadcastContext;
import io.chainmesh.engine.broadcast.BroadcastPipeline;
import io.chainmesh.engine.broadcast.MessageHandler;
import io.chainmesh.engine.transport.Admission;
import io.chainmesh.engine.transport.ChannelSetup;
import io.chainmesh.engine.transport.Link;
import io.chainmesh.engine.transport.LinkConfig;
import io.chainmesh.engine.transport.RecordSettings;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A chainmesh member: accepts and dials authenticated links to the members the overlay names, keeps
 * them alive with heartbeats, and delivers direct messages over them (greedy routing over the overlay
 * when there is no direct link).
 * <pre>{@code
 * try (ChainmeshNode node = ChainmeshNode.launch(new ChainmeshNode.Context()
 *         .nodeKey(key)
 *         .directorySource(source)
 *         .directHandler((from, buffer, offset, length) -> { ... })))
 * {
 *     long status = node.send(destination, buffer, 0, length); // Status.OK or a negative Status
 * }
 * }</pre>
 * Threads: {@link Context#ioThreads()} Netty IO threads own the channels (handshakes, sessions,
 * heartbeats, the outbound drains, and the {@link DirectHandler} callbacks); one of them is also the
 * conductor that owns the connection state (see {@code ConnectionManager}). {@link #send} may be called
 * from any thread.
 */
public final class ChainmeshNode implements AutoCloseable
{
    private final Context ctx;
    private final EngineCounters counters;
    private final MemberId self;
    private final long selfOrigin;
    private final int hopLimit;
    // Set once by start() on the launching thread, before launch() returns the node; only closed changes later.
    private EventLoopGroup group;
    private boolean ownsGroup;
    private EventLoop conductor;
    private ConnectionManager manager;
    private Channel serverChannel;
    private BroadcastPipeline broadcast;
    private ChannelGroup channels;
    private AutoCloseable directorySubscription;
    private int maxDirectPayloadLength;
    private volatile boolean closed;

    private ChainmeshNode(final Context ctx)
    {
        this.ctx = ctx;
        this.counters = null != ctx.countersValuesBuffer() ?
            new EngineCounters(ctx.countersMetaDataBuffer(), ctx.countersValuesBuffer()) : EngineCounters.allocate();
        this.self = ctx.member();
        this.selfOrigin = self.originId();
        this.hopLimit = ctx.hopLimit();
    }

    /**
     * Validates the context, binds the listening socket and starts connecting to the overlay. If anything
     * fails, what was already started is closed and the exception is rethrown.
     *
     * @param ctx settings; concluded here.
     * @return the running node.
     * @throws IllegalStateException naming the JVM option, if Agrona cannot reach {@code jdk.internal.misc}
     *                               (see {@link io.chainmesh.codec.AgronaAccess}).
     */
    public static ChainmeshNode launch(final Context ctx)
    {
        io.chainmesh.codec.AgronaAccess.requireGranted();
        ctx.conclude();
        final ChainmeshNode node = new ChainmeshNode(ctx);
        try
        {
            node.start();
            return node;
        }
        catch (final Throwable ex)
        {
            // Netty rethrows checked exceptions (e.g. BindException) sneakily: catch everything.
            node.close();
            throw ex;
        }
    }

    private void start()
    {
        if (null != ctx.eventLoopGroup())
        {
            group = ctx.eventLoopGroup();
            ownsGroup = false;
        }
        else
        {
            group = NodeBootstraps.newEventLoopGroup(ctx.ioThreads(), ctx.resolvedTransport());
            ownsGroup = true;
        }
        conductor = group.next();
        manager = new ConnectionManager(ctx, counters, conductor);
        broadcast = BroadcastPipeline.launch(ctx.broadcast()
            .nodeKey(ctx.nodeKey())
            .member(self)
            .directory(() -> manager.view().snapshot())
            .links(new OverlayLinkSender(manager))
            .clock(ctx.epochClock())
            .nanoClock(ctx.nanoClock())
            .countersManager(counters.manager()));
        manager.broadcast(broadcast);
        // Before any link exists: nothing of these topics is committed without its handler.
        ctx.initialSubscriptions().forEach(broadcast::subscribe);
        final LinkConfig linkConfig = new LinkConfig(ctx.nodeKey(), manager, counters, ctx.nanoClock(),
            new SecureRandom(), ctx.handshakeTimeoutNs(), ctx.maxPreAuthBytes(), ctx.maxFrameLength(),
            ctx.heartbeatIntervalNs(), ctx.missedHeartbeatsBeforeDead(), ctx.peerOutboundBudget(),
            () -> manager.view().snapshot().height(), channels = new DefaultChannelGroup("chainmesh", conductor))
            .withRecords(ctx.recordSettings())
            .withInboundAddressCheck(ctx.inboundAddressCheck());
        maxDirectPayloadLength = Math.min(DirectDescriptor.maxPayloadLength(ctx.maxFrameLength()),
            ctx.peerOutboundBudget() / 8 - DirectDescriptor.PAYLOAD_OFFSET);
        final Bootstrap bootstrap = NodeBootstraps.dialling(group, ctx);
        final ServerBootstrap server = NodeBootstraps.accepting(group, ctx, new ChannelSetup(linkConfig, false, null,
            new Admission(ctx.maxUnauthenticatedConnections(), ctx.maxUnauthenticatedPerSource()), ctx.linkFaults()));
        manager.init(bootstrap, linkConfig);
        serverChannel = server.bind(ctx.bindAddress()).syncUninterruptibly().channel();

        final DirectorySource source = ctx.directorySource();
        final CompletableFuture<Void> started = new CompletableFuture<>();
        conductor.execute(() ->
        {
            try
            {
                manager.start(source.current());
                started.complete(null);
            }
            catch (final RuntimeException ex)
            {
                started.completeExceptionally(ex);
            }
        });
        started.join();
        directorySubscription = source.subscribe((snapshot, diff) -> manager.onConductor(() -> manager.onSnapshot(snapshot)));
    }

    /**
     * Sends a direct message to one member: over the link to it if there is one, otherwise to the linked
     * member closest to it on the ring, which relays it (at most {@link Context#hopLimit()} hops).
     * Any thread; never blocks, never throws for a refused message, and counts every refusal.
     * <p>
     * From any thread but the link's, the frame is queued in the link's outbound ring and that IO thread
     * drains it. On the link's own IO thread (a {@link DirectHandler} replying, or a task run on
     * {@link #linkExecutor(MemberId)}) it is encoded straight into the link's outbound buffer, with no
     * hand-off, and flushed when the current event-loop task returns. Messages sent by one thread to one
     * destination leave in the order sent (while the route stays the same); messages of different threads
     * interleave.
     * <p>
     * A message is sent at most once and never acknowledged. One accepted ({@link Status#OK}) is written
     * before the link's CLOSE when the link closes in order (this node closes, a member leaves, the link is
     * replaced as a duplicate or no longer needed); a link replaced while both members stay is read on at both
     * ends until both have closed it (at most a second), so what was written on it is read. When a link fails
     * instead (a silent peer, a protocol violation, a reset), accepted messages not yet written are dropped and
     * counted as {@link EngineCounters.DirectRefusal#LINK_CLOSED}; bytes already handed to the socket are counted
     * as {@link EngineCounters#directSent()} and may be lost with the connection. A message received on a link
     * this node has not registered yet is delivered once it has, so a reply to its source finds the route.
     *
     * @param destination the member.
     * @param buffer      holds the payload (copied before return).
     * @param offset      payload start.
     * @param length      payload length, at most {@link #maxDirectPayloadLength()}.
     * @return {@link Status#OK}, or {@link Status#BACK_PRESSURED}, {@link Status#NO_ROUTE},
     *         {@link Status#CLOSED}, {@link Status#MESSAGE_TOO_LARGE}.
     * @throws IndexOutOfBoundsException only for a caller bug: {@code offset}/{@code length} outside
     *                                   {@code buffer} (nothing is queued then).
     */
    public long send(final MemberId destination, final DirectBuffer buffer, final int offset, final int length)
    {
        if (closed)
        {
            counters.directRefused(EngineCounters.DirectRefusal.CLOSED).increment();
            return Status.CLOSED;
        }
        if (length < 0 || length > maxDirectPayloadLength)
        {
            counters.directRefused(EngineCounters.DirectRefusal.MESSAGE_TOO_LARGE).increment();
            return Status.MESSAGE_TOO_LARGE;
        }
        final long destinationOrigin = destination.originId();
        final Link link = manager.routes().nextHop.get(destinationOrigin);
        if (null == link)
        {
            counters.directRefused(EngineCounters.DirectRefusal.NO_ROUTE).increment();
            return Status.NO_ROUTE;
        }
        final long status = link.offerDirect(destinationOrigin, selfOrigin, hopLimit, buffer, offset, length);
        if (status != Status.OK)
        {
            counters.directRefused(status == Status.BACK_PRESSURED ?
                EngineCounters.DirectRefusal.BACK_PRESSURED : EngineCounters.DirectRefusal.NO_ROUTE).increment();
        }
        return status;
    }

    /**
     * The IO thread (event loop) of the link that {@link #send} to {@code destination} uses now, for
     * producers that want no cross-thread hand-off: a task run there sends straight into the link's
     * outbound buffer, which is flushed when the task returns. Such a task must not block, and should
     * return after a bounded burst (re-submitting itself with {@code execute}) or as soon as {@code send}
     * says {@link Status#BACK_PRESSURED}, then resume from {@link #whenWritable(MemberId, Runnable)}. Not by
     * re-submitting itself at once: Netty runs queued tasks for up to a second before it polls IO again,
     * so such a loop would keep the socket from draining. Routes follow the directory: after a change the
     * task still sends correctly, through the queued path.
     *
     * @param destination the member.
     * @return the link's event loop, or null if there is no route to {@code destination} (or the node is closed).
     */
    public java.util.concurrent.ScheduledExecutorService linkExecutor(final MemberId destination)
    {
        if (closed)
        {
            return null;
        }
        final Link link = manager.routes().nextHop.get(destination.originId());
        return null == link ? null : link.eventLoop();
    }

    /**
     * Runs {@code task} on the IO thread of the link that {@link #send} to {@code destination} uses now, once
     * that link accepts sends again after {@link Status#BACK_PRESSURED} (soon, if it does now) or once it has
     * closed (the task then sees the refusal itself): the way to resume an event-loop producer, as Netty's
     * writability event resumes a Netty writer. At most {@value Link#MAX_WRITABLE_WAITERS} tasks wait per link.
     *
     * @param destination the member.
     * @param task        what to run; it must not block.
     * @return false if there is no route (or the node is closed), or, called on the link's IO thread, if too many
     *         tasks wait; the task is then not kept. From another thread a full queue delays the task instead.
     */
    public boolean whenWritable(final MemberId destination, final Runnable task)
    {
        Objects.requireNonNull(task, "task");
        if (closed)
        {
            return false;
        }
        final Link link = manager.routes().nextHop.get(destination.originId());
        return null != link && link.whenWritable(task);
    }

    /**
     * Offers a message for signed broadcast to every other member: it is packed into a batch with
     * other messages offered meanwhile, the batch is signed once, and it travels the deterministic
     * tree (or floods, see {@link BroadcastContext#strategy}). Any thread; never blocks.
     *
     * @param topic  topic, 0..65535.
     * @param buffer message bytes (copied before return).
     * @param offset where they start.
     * @param length how many, at most {@link #maxMessageLength()}.
     * @return a non-negative position when accepted, else {@link Status#BACK_PRESSURED},
     *         {@link Status#NOT_CONNECTED}, {@link Status#CLOSED} or {@link Status#MESSAGE_TOO_LARGE}.
     */
    public long offer(final int topic, final DirectBuffer buffer, final int offset, final int length)
    {
        return closed ? Status.CLOSED : broadcast.offer(topic, buffer, offset, length);
    }

    /**
     * As {@link #offer}, retrying while back-pressured until the timeout passes.
     *
     * @param topic   topic, 0..65535.
     * @param buffer  message bytes.
     * @param offset  where they start.
     * @param length  how many.
     * @param timeout how long to keep trying.
     * @param unit    its unit.
     * @return as {@link #offer}.
     */
    public long publish(
        final int topic, final DirectBuffer buffer, final int offset, final int length, final long timeout, final TimeUnit unit)
    {
        return closed ? Status.CLOSED : broadcast.publish(topic, buffer, offset, length, timeout, unit);
    }

    /**
     * Registers the handler of a topic (replacing any previous one). It runs on the broadcast commit
     * thread ({@code chainmesh-commit-*}) for each message of that topic from other members, exactly once
     * per message, and must not block; a slow handler makes {@link #offer} report back pressure.
     *
     * @param topic   topic, 0..65535.
     * @param handler the handler.
     * @return a handle whose {@code close()} removes it.
     */
    public AutoCloseable subscribe(final int topic, final MessageHandler handler)
    {
        return broadcast.subscribe(topic, handler);
    }

    /**
     * @return the largest message {@link #offer} accepts.
     */
    public int maxMessageLength()
    {
        return ctx.broadcast().maxMessageLength();
    }

    /**
     * @return the broadcast pipeline's counters.
     */
    public BroadcastCounters broadcastCounters()
    {
        return broadcast.counters();
    }

    /**
     * @return batches this node originated, by size (index i counts batches of [2^i, 2^(i+1)) messages).
     */
    public long[] batchSizeHistogram()
    {
        return broadcast.batchSizeHistogram();
    }

    /**
     * @return the largest payload {@link #send} accepts: bounded by the frame limit and by 1/8 of the
     *         per-peer outbound budget (the queue's largest record).
     */
    public int maxDirectPayloadLength()
    {
        return maxDirectPayloadLength;
    }

    /**
     * @return the address the node listens on, with the real port when bound to port 0.
     */
    public InetSocketAddress localAddress()
    {
        return (InetSocketAddress)serverChannel.localAddress();
    }

    /**
     * @return the member (collateral) this node speaks for.
     */
    public MemberId member()
    {
        return self;
    }

    /**
     * @return the public key this node signs with (possibly shared with other members of its operator).
     */
    public io.chainmesh.codec.crypto.PublicKey publicKey()
    {
        return ctx.nodeKey().publicKey();
    }

    /**
     * @return the node's counters.
     */
    public EngineCounters counters()
    {
        return counters;
    }

    /**
     * @return an immutable view of the registered links, one per peer.
     */
    public List<PeerView> peers()
    {
        final Link[] links = null == manager ? new Link[0] : manager.routes().links;
        final List<PeerView> views = new ArrayList<>(links.length);
        for (final Link link : links)
        {
            views.add(PeerView.of(link));
        }
        return List.copyOf(views);
    }

    /**
     * @return the context this node was launched with.
     */
    public Context context()
    {
        return ctx;
    }

    /**
     * Test support: sends raw frame bytes over the authenticated link to a peer, as a misbehaving member
     * could (forged or replayed batches).
     *
     * @param peer   a linked peer.
     * @param frame  the frame bytes.
     * @param length their length.
     * @return true if queued.
     */
    boolean sendRawFrameForTest(final MemberId peer, final DirectBuffer frame, final int length)
    {
        final Link link = manager.routes().directLink(peer);
        return null != link && link.offerFrame(frame, 0, length) == Status.OK;
    }

    /**
     * Test support: the link to a directly linked peer.
     *
     * @param peer a linked peer.
     * @return its link, or null.
     */
    Link linkForTest(final MemberId peer)
    {
        return manager.routes().directLink(peer);
    }

    /**
     * Test support: the node stops reading, heartbeating and dialling without closing its sockets, as a
     * hung process would. Peers must detect it by missed heartbeats.
     */
    void suspendForTest()
    {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        conductor.execute(() ->
        {
            manager.pause();
            serverChannel.config().setAutoRead(false);
            done.complete(null);
        });
        done.join();
    }

    /**
     * Test support: ends the node as a killed process would, every connection reset at once and no CLOSE sent;
     * then releases what is left ({@link #close()}, which finds no link to say goodbye on).
     */
    void crashForTest()
    {
        final CompletableFuture<Void> stopped = new CompletableFuture<>();
        conductor.execute(() ->
        {
            manager.pause();
            serverChannel.close();
            stopped.complete(null);
        });
        stopped.join();
        for (final Channel channel : channels)
        {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
        }
        channels.close().awaitUninterruptibly(2000);
        close();
    }

    /**
     * Sends CLOSE(NORMAL_SHUTDOWN) to every peer, closes the sockets and stops the IO threads it owns.
     * Idempotent. Must not be called from a {@link DirectHandler} (an IO thread).
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (null != broadcast)
        {
            broadcast.close();
        }
        if (null != directorySubscription)
        {
            try
            {
                directorySubscription.close();
            }
            catch (final Exception ex)
            {
                counters.errors().increment();
            }
        }
        if (null != manager && null != conductor && !conductor.isShuttingDown())
        {
            final CompletableFuture<List<Channel>> closing = new CompletableFuture<>();
            conductor.execute(() -> closing.complete(manager.shutdown()));
            final List<Channel> channels = closing.orTimeout(2, TimeUnit.SECONDS).exceptionally(ex -> List.of()).join();
            for (final Channel channel : channels)
            {
                channel.closeFuture().awaitUninterruptibly(2000);
            }
        }
        if (null != serverChannel)
        {
            serverChannel.close().awaitUninterruptibly(2000);
            if (!ownsGroup)
            {
                // NIO closes a registered socket only when its selector next runs: let the (shared)
                // event loop go round twice so the port is free when close() returns.
                for (int i = 0; i < 2; i++)
                {
                    serverChannel.eventLoop().submit(() -> { }).awaitUninterruptibly(2000);
                }
            }
        }
        if (null != channels)
        {
            // Connections still in the handshake (not links yet): close them too.
            channels.close().awaitUninterruptibly(2000);
        }
        if (ownsGroup && null != group)
        {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5000);
        }
    }

    /**
     * Settings of a {@link ChainmeshNode}: fluent setters, defaults, and {@link #conclude()} which
     * validates every setting (the message names it) before anything starts.
     */
    public static final class Context
    {
        /** Default cap on inbound connections not authenticated yet, for the whole node. */
        public static final int DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS = 512;
        /** Default cap on inbound connections not authenticated yet, per source address (IPv6: per /64). */
        public static final int DEFAULT_MAX_UNAUTHENTICATED_PER_SOURCE = 32;
        /** Default per-peer outbound budget: 1 MiB. */
        public static final int DEFAULT_PEER_OUTBOUND_BUDGET = 1024 * 1024;

        private NodeKey nodeKey;
        private MemberId member;
        private boolean inboundAddressCheck = true;
        private io.chainmesh.engine.transport.LinkFaults linkFaults;
        private final java.util.Map<Integer, io.chainmesh.engine.broadcast.MessageHandler> initialSubscriptions =
            new java.util.LinkedHashMap<>();
        private DirectorySource directorySource;
        private InetSocketAddress bindAddress = new InetSocketAddress("127.0.0.1", 0);
        private Transport transport = Transport.AUTO;
        private Transport resolvedTransport;
        private EventLoopGroup eventLoopGroup;
        private int ioThreads = 1;
        private int ringSuccessors = 2;
        private int extraInboundBudget = 2;
        private long heartbeatIntervalNs = TimeUnit.SECONDS.toNanos(1);
        private int missedHeartbeatsBeforeDead = 3;
        private long handshakeTimeoutNs = TimeUnit.SECONDS.toNanos(5);
        private int maxPreAuthBytes = 4096;
        private int maxUnauthenticatedConnections = DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS;
        private int maxUnauthenticatedPerSource = DEFAULT_MAX_UNAUTHENTICATED_PER_SOURCE;
        private int maxFrameLength = FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH;
        private long backoffMinNs = TimeUnit.MILLISECONDS.toNanos(100);
        private long backoffMaxNs = TimeUnit.SECONDS.toNanos(10);
        private long reconcileIntervalNs = TimeUnit.MILLISECONDS.toNanos(100);
        private int peerOutboundBudget = DEFAULT_PEER_OUTBOUND_BUDGET;
        private int socketSendBufferSize;
        private int socketReceiveBufferSize;
        private int hopLimit = 8;
        private EpochClock epochClock = SystemEpochClock.INSTANCE;
        private NanoClock nanoClock = SystemNanoClock.INSTANCE;
        private DirectHandler directHandler = (source, buffer, offset, length) ->
        {
        };
        private AtomicBuffer countersMetaDataBuffer;
        private AtomicBuffer countersValuesBuffer;
        private final BroadcastContext broadcast = new BroadcastContext();
        private ChannelCipher channelCipher = RecordSettings.DEFAULT.cipher();
        private int maxRecordPlaintext = RecordSettings.DEFAULT_MAX_RECORD_PLAINTEXT;
        private long rekeyAfterRecords = RecordSettings.DEFAULT_REKEY_AFTER_RECORDS;
        private long rekeyAfterBytes = RecordSettings.DEFAULT_REKEY_AFTER_BYTES;
        private boolean concluded;

        /**
         * Validates the settings and resolves derived values. Called by {@link ChainmeshNode#launch}.
         *
         * @return this.
         * @throws IllegalArgumentException naming the setting if one is invalid.
         * @throws IllegalStateException    if {@code transport=EPOLL} and epoll is unavailable.
         */
        public Context conclude()
        {
            if (concluded)
            {
                return this;
            }
            Objects.requireNonNull(nodeKey, "nodeKey must be set");
            Objects.requireNonNull(directorySource, "directorySource must be set");
            Objects.requireNonNull(bindAddress, "bindAddress must be set");
            Objects.requireNonNull(transport, "transport must be set");
            Objects.requireNonNull(epochClock, "epochClock must be set");
            Objects.requireNonNull(nanoClock, "nanoClock must be set");
            Objects.requireNonNull(directHandler, "directHandler must be set");
            if (null != linkFaults && !io.chainmesh.engine.transport.LinkFaults.enabled())
            {
                throw new IllegalArgumentException("linkFaults are for tests only: set -D" +
                    io.chainmesh.engine.transport.LinkFaults.ENABLED_PROPERTY + "=true");
            }
            if (null == member)
            {
                member = memberOfKey(directorySource.current(), nodeKey.publicKey());
            }
            if (bindAddress.isUnresolved())
            {
                throw new IllegalArgumentException("bindAddress=" + bindAddress + " must be a literal, resolved address");
            }
            check(ioThreads >= 1 && ioThreads <= 256, "ioThreads", ioThreads, "[1, 256]");
            check(ringSuccessors >= 1 && ringSuccessors <= 64, "ringSuccessors", ringSuccessors, "[1, 64]");
            check(extraInboundBudget >= 0 && extraInboundBudget <= 1024, "extraInboundBudget", extraInboundBudget,
                "[0, 1024]");
            check(heartbeatIntervalNs >= TimeUnit.MILLISECONDS.toNanos(1), "heartbeatIntervalNs", heartbeatIntervalNs,
                ">= 1 ms");
            check(missedHeartbeatsBeforeDead >= 1 && missedHeartbeatsBeforeDead <= 100, "missedHeartbeatsBeforeDead",
                missedHeartbeatsBeforeDead, "[1, 100]");
            check(handshakeTimeoutNs >= TimeUnit.MILLISECONDS.toNanos(1), "handshakeTimeoutNs", handshakeTimeoutNs,
                ">= 1 ms");
            check(maxPreAuthBytes >= 512 && maxPreAuthBytes <= 64 * 1024, "maxPreAuthBytes", maxPreAuthBytes,
                "[512, 65536]");
            check(maxUnauthenticatedConnections >= 1 && maxUnauthenticatedConnections <= 1_000_000,
                "maxUnauthenticatedConnections", maxUnauthenticatedConnections, "[1, 1000000]");
            check(maxUnauthenticatedPerSource >= 1 && maxUnauthenticatedPerSource <= maxUnauthenticatedConnections,
                "maxUnauthenticatedPerSource", maxUnauthenticatedPerSource, "[1, maxUnauthenticatedConnections]");
            try
            {
                FrameDescriptor.checkMaxFrameLength(maxFrameLength);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("maxFrameLength=" + maxFrameLength + " must be in [64, 67108864]", ex);
            }
            if (broadcast.signatures() != io.chainmesh.engine.broadcast.BatchSignatures.ECDSA)
            {
                // Over real links a scheme that does not verify lets any peer forge any origin: the seam is for
                // in-process pipeline benchmarks only.
                throw new IllegalArgumentException(
                    "broadcast().signatures must be BatchSignatures.ECDSA on a networked node (was " +
                    broadcast.signatures() + ")");
            }
            check(backoffMinNs >= TimeUnit.MILLISECONDS.toNanos(1), "backoffMinNs", backoffMinNs, ">= 1 ms");
            check(backoffMaxNs >= backoffMinNs, "backoffMaxNs", backoffMaxNs, ">= backoffMinNs=" + backoffMinNs);
            check(reconcileIntervalNs >= TimeUnit.MILLISECONDS.toNanos(1), "reconcileIntervalNs", reconcileIntervalNs,
                ">= 1 ms");
            check(peerOutboundBudget >= 64 * 1024 && peerOutboundBudget <= 1 << 30 &&
                Integer.bitCount(peerOutboundBudget) == 1, "peerOutboundBudget", peerOutboundBudget,
                "a power of two in [65536, 1073741824]");
            // A batch is forwarded as one record of a link's outbound ring, whose largest record is 1/8 of it:
            // a larger batch could never be sent to anyone.
            if (broadcast.maxBatchFrameLength() > peerOutboundBudget / 8)
            {
                throw new IllegalArgumentException("broadcast maxBatchFrameLength=" + broadcast.maxBatchFrameLength() +
                    " must be <= peerOutboundBudget / 8 = " + (peerOutboundBudget / 8) + " (a link's largest record)");
            }
            check(socketSendBufferSize >= 0, "socketSendBufferSize", socketSendBufferSize, ">= 0 (0 = OS default)");
            check(socketReceiveBufferSize >= 0, "socketReceiveBufferSize", socketReceiveBufferSize,
                ">= 0 (0 = OS default)");
            check(hopLimit >= 1 && hopLimit <= DirectDescriptor.MAX_HOP_LIMIT, "hopLimit", hopLimit, "[1, 255]");
            if ((null == countersValuesBuffer) != (null == countersMetaDataBuffer))
            {
                throw new IllegalArgumentException("countersMetaDataBuffer and countersValuesBuffer must be set together");
            }
            Objects.requireNonNull(channelCipher, "channelCipher must be set");
            try
            {
                RecordDescriptor.checkConfiguredPlaintextLength(maxRecordPlaintext);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(ex.getMessage(), ex);
            }
            check(rekeyAfterRecords >= 1 && rekeyAfterRecords <= RecordSettings.MAX_REKEY_AFTER_RECORDS,
                "rekeyAfterRecords", rekeyAfterRecords, "in [1, " + RecordSettings.MAX_REKEY_AFTER_RECORDS + "]");
            check(rekeyAfterBytes >= 1 && rekeyAfterBytes <= RecordSettings.MAX_REKEY_AFTER_BYTES,
                "rekeyAfterBytes", rekeyAfterBytes, "in [1, " + RecordSettings.MAX_REKEY_AFTER_BYTES + "]");
            if (transport == Transport.EPOLL && !Epoll.isAvailable())
            {
                throw new IllegalStateException("transport=EPOLL is unavailable: " + Epoll.unavailabilityCause());
            }
            resolvedTransport = transport == Transport.AUTO ?
                (Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO) : transport;
            concluded = true;
            return this;
        }

        private static void check(final boolean ok, final String name, final long value, final String rule)
        {
            if (!ok)
            {
                throw new IllegalArgumentException(name + "=" + value + " must be " + rule);
            }
        }

        /**
         * Broadcast settings (strategy, verify workers, rings, retention, repair, wait strategy), tuned in
         * place: {@code ctx.broadcast().strategy(BroadcastStrategy.FLOOD)}. The node fills in its key,
         * directory, links, clock and counters at launch.
         *
         * @return the broadcast pipeline's context.
         */
        public BroadcastContext broadcast()
        {
            return broadcast;
        }

        /**
         * @param channelCipher how links are protected after the handshake: {@link ChannelCipher#AES_GCM}
         *                      (default), {@link ChannelCipher#CHACHA20_POLY1305}, or
         *                      {@link ChannelCipher#PLAINTEXT} (benchmarks; peers must also be plaintext).
         * @return this.
         */
        public Context channelCipher(final ChannelCipher channelCipher)
        {
            this.channelCipher = channelCipher;
            return this;
        }

        /** @return how links are protected. */
        public ChannelCipher channelCipher()
        {
            return channelCipher;
        }

        /**
         * @param maxRecordPlaintext plaintext bytes per sealed record at most, in [1024, 65536] (default 16384).
         * @return this.
         */
        public Context maxRecordPlaintext(final int maxRecordPlaintext)
        {
            this.maxRecordPlaintext = maxRecordPlaintext;
            return this;
        }

        /** @return plaintext bytes per record at most. */
        public int maxRecordPlaintext()
        {
            return maxRecordPlaintext;
        }

        /**
         * @param rekeyAfterRecords records sealed under one key before moving to the next (default 2^24).
         * @return this.
         */
        public Context rekeyAfterRecords(final long rekeyAfterRecords)
        {
            this.rekeyAfterRecords = rekeyAfterRecords;
            return this;
        }

        /** @return records per key. */
        public long rekeyAfterRecords()
        {
            return rekeyAfterRecords;
        }

        /**
         * @param rekeyAfterBytes plaintext bytes sealed under one key before moving to the next (default 1 GiB).
         * @return this.
         */
        public Context rekeyAfterBytes(final long rekeyAfterBytes)
        {
            this.rekeyAfterBytes = rekeyAfterBytes;
            return this;
        }

        /** @return bytes per key. */
        public long rekeyAfterBytes()
        {
            return rekeyAfterBytes;
        }

        /** @return the record layer settings (after {@link #conclude()}). */
        public RecordSettings recordSettings()
        {
            return new RecordSettings(channelCipher, maxRecordPlaintext, rekeyAfterRecords, rekeyAfterBytes);
        }

        /**
         * @param member the member (collateral) this node speaks for; may be left unset when the node's key is
         *               listed for exactly one member at launch.
         * @return this.
         */
        public Context member(final MemberId member)
        {
            this.member = member;
            return this;
        }

        /** @return the member this node speaks for (resolved by {@link #conclude()} when not set). */
        public MemberId member()
        {
            return member;
        }

        /**
         * @param check refuse an inbound claim for a member from a host other than its listed one (default true;
         *              turn off only where members reach each other through address translation).
         * @return this.
         */
        public Context inboundAddressCheck(final boolean check)
        {
            this.inboundAddressCheck = check;
            return this;
        }

        /** @return whether inbound claims must come from the member's listed host. */
        public boolean inboundAddressCheck()
        {
            return inboundAddressCheck;
        }

        /**
         * @param faults test-only faults injected into every link (latency, partitions, ...), or null (default);
         *               {@link #conclude()} refuses them unless
         *               {@value io.chainmesh.engine.transport.LinkFaults#ENABLED_PROPERTY} is {@code true}.
         * @return this.
         */
        public Context linkFaults(final io.chainmesh.engine.transport.LinkFaults faults)
        {
            this.linkFaults = faults;
            return this;
        }

        /**
         * Registers a topic's handler before the node links to anyone, so a node that starts while others publish
         * (a restart) hands every message of that topic to it; {@link ChainmeshNode#subscribe} after launch may
         * miss what is committed in between.
         *
         * @param topic   topic, 0..65535.
         * @param handler as for {@link ChainmeshNode#subscribe}.
         * @return this.
         */
        public Context subscribe(final int topic, final io.chainmesh.engine.broadcast.MessageHandler handler)
        {
            io.chainmesh.codec.batch.BatchDescriptor.checkTopic(topic);
            initialSubscriptions.put(topic, Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /** @return the handlers registered with {@link #subscribe}, by topic. */
        public java.util.Map<Integer, io.chainmesh.engine.broadcast.MessageHandler> initialSubscriptions()
        {
            return java.util.Collections.unmodifiableMap(initialSubscriptions);
        }

        /** @return the test-only link faults, or null. */
        public io.chainmesh.engine.transport.LinkFaults linkFaults()
        {
            return linkFaults;
        }

        private static MemberId memberOfKey(final DirectorySnapshot snapshot, final io.chainmesh.codec.crypto.PublicKey key)
        {
            final java.util.List<io.chainmesh.chain.Member> listed = snapshot.membersWithKey(key);
            if (1 != listed.size())
            {
                throw new IllegalArgumentException("member must be set: key " + key + " is listed for " + listed.size() +
                    " members at height " + snapshot.height() + (listed.isEmpty() ? "" :
                    " (" + listed.stream().limit(4).map(m -> m.id().toString()).collect(Collectors.joining(", ")) +
                    (listed.size() > 4 ? ", ..." : "") + ")"));
            }
            return listed.get(0).id();
        }

        /**
         * @param nodeKey this node's chain key.
         * @return this.
         */
        public Context nodeKey(final NodeKey nodeKey)
        {
            this.nodeKey = nodeKey;
            return this;
        }

        /** @return this node's chain key. */
        public NodeKey nodeKey()
        {
            return nodeKey;
        }

        /**
         * @param directorySource where the member list comes from.
         * @return this.
         */
        public Context directorySource(final DirectorySource directorySource)
        {
            this.directorySource = directorySource;
            return this;
        }

        /** @return where the member list comes from. */
        public DirectorySource directorySource()
        {
            return directorySource;
        }

        /**
         * @param bindAddress listening address (default 127.0.0.1:0).
         * @return this.
         */
        public Context bindAddress(final InetSocketAddress bindAddress)
        {
            this.bindAddress = bindAddress;
            return this;
        }

        /** @return listening address. */
        public InetSocketAddress bindAddress()
        {
            return bindAddress;
        }

        /**
         * @param transport AUTO (default), EPOLL or NIO.
         * @return this.
         */
        public Context transport(final Transport transport)
        {
            this.transport = transport;
            return this;
        }

        /** @return the requested transport. */
        public Transport transport()
        {
            return transport;
        }

        /** @return the transport in use after {@link #conclude()} (never AUTO). */
        public Transport resolvedTransport()
        {
            return resolvedTransport;
        }

        /**
         * @param eventLoopGroup a group to share between nodes (not closed by the node); it must match the
         *                       transport. Null (default) makes the node create its own.
         * @return this.
         */
        public Context eventLoopGroup(final EventLoopGroup eventLoopGroup)
        {
            this.eventLoopGroup = eventLoopGroup;
            return this;
        }

        /** @return the shared group, or null. */
        public EventLoopGroup eventLoopGroup()
        {
            return eventLoopGroup;
        }

        /**
         * @param ioThreads Netty IO threads when the node creates its group (default 1).
         * @return this.
         */
        public Context ioThreads(final int ioThreads)
        {
            this.ioThreads = ioThreads;
            return this;
        }

        /** @return IO threads. */
        public int ioThreads()
        {
            return ioThreads;
        }

        /**
         * @param ringSuccessors k, ring successors each member links to (default 2).
         * @return this.
         */
        public Context ringSuccessors(final int ringSuccessors)
        {
            this.ringSuccessors = ringSuccessors;
            return this;
        }

        /** @return k. */
        public int ringSuccessors()
        {
            return ringSuccessors;
        }

        /**
         * @param extraInboundBudget inbound links accepted beyond those the overlay expects, e.g. from a
         *                           peer with a newer directory (default 2).
         * @return this.
         */
        public Context extraInboundBudget(final int extraInboundBudget)
        {
            this.extraInboundBudget = extraInboundBudget;
            return this;
        }

        /** @return extra inbound budget. */
        public int extraInboundBudget()
        {
            return extraInboundBudget;
        }

        /**
         * @param heartbeatIntervalNs heartbeat tick period: a PING goes out after a tick without a word from the
         *                            peer (default 1 s).
         * @return this.
         */
        public Context heartbeatIntervalNs(final long heartbeatIntervalNs)
        {
            this.heartbeatIntervalNs = heartbeatIntervalNs;
            return this;
        }

        /** @return heartbeat tick period in ns. */
        public long heartbeatIntervalNs()
        {
            return heartbeatIntervalNs;
        }

        /**
         * @param missedHeartbeatsBeforeDead silent heartbeat intervals in a row before closing, two at least counted
         *                                   (default 3).
         * @return this.
         */
        public Context missedHeartbeatsBeforeDead(final int missedHeartbeatsBeforeDead)
        {
            this.missedHeartbeatsBeforeDead = missedHeartbeatsBeforeDead;
            return this;
        }

        /** @return unanswered PINGs before closing. */
        public int missedHeartbeatsBeforeDead()
        {
            return missedHeartbeatsBeforeDead;
        }

        /**
         * @param handshakeTimeoutNs time from connect to authentication (default 5 s).
         * @return this.
         */
        public Context handshakeTimeoutNs(final long handshakeTimeoutNs)
        {
            this.handshakeTimeoutNs = handshakeTimeoutNs;
            return this;
        }

        /** @return handshake timeout in ns. */
        public long handshakeTimeoutNs()
        {
            return handshakeTimeoutNs;
        }

        /**
         * @param maxPreAuthBytes bytes a peer may send before authenticating (default 4096).
         * @return this.
         */
        public Context maxPreAuthBytes(final int maxPreAuthBytes)
        {
            this.maxPreAuthBytes = maxPreAuthBytes;
            return this;
        }

        /** @return pre-auth byte budget. */
        public int maxPreAuthBytes()
        {
            return maxPreAuthBytes;
        }

        /**
         * Inbound connections that have not authenticated yet, at most, for the whole node; one over the cap is
         * closed at accept and counted ({@code admission refused TOTAL_LIMIT}).
         *
         * @param maxUnauthenticatedConnections the cap (default {@value #DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS}).
         * @return this.
         */
        public Context maxUnauthenticatedConnections(final int maxUnauthenticatedConnections)
        {
            this.maxUnauthenticatedConnections = maxUnauthenticatedConnections;
            return this;
        }

        /** @return the cap on unauthenticated inbound connections of the node. */
        public int maxUnauthenticatedConnections()
        {
            return maxUnauthenticatedConnections;
        }

        /**
         * Inbound connections that have not authenticated yet, at most, per source address (an IPv6 source's /64);
         * one over the cap is closed at accept and counted ({@code admission refused PER_SOURCE_LIMIT}). Members
         * that share an address (several nodes of one operator) share this.
         *
         * @param maxUnauthenticatedPerSource the cap (default {@value #DEFAULT_MAX_UNAUTHENTICATED_PER_SOURCE}).
         * @return this.
         */
        public Context maxUnauthenticatedPerSource(final int maxUnauthenticatedPerSource)
        {
            this.maxUnauthenticatedPerSource = maxUnauthenticatedPerSource;
            return this;
        }

        /** @return the cap on unauthenticated inbound connections per source. */
        public int maxUnauthenticatedPerSource()
        {
            return maxUnauthenticatedPerSource;
        }

        /**
         * @param maxFrameLength largest frame length field accepted (default 1 MiB).
         * @return this.
         */
        public Context maxFrameLength(final int maxFrameLength)
        {
            this.maxFrameLength = maxFrameLength;
            return this;
        }

        /** @return largest frame length field. */
        public int maxFrameLength()
        {
            return maxFrameLength;
        }

        /**
         * @param backoffMinNs first re-dial delay (default 100 ms).
         * @return this.
         */
        public Context backoffMinNs(final long backoffMinNs)
        {
            this.backoffMinNs = backoffMinNs;
            return this;
        }

        /** @return first re-dial delay. */
        public long backoffMinNs()
        {
            return backoffMinNs;
        }

        /**
         * @param backoffMaxNs re-dial delay cap (default 10 s).
         * @return this.
         */
        public Context backoffMaxNs(final long backoffMaxNs)
        {
            this.backoffMaxNs = backoffMaxNs;
            return this;
        }

        /** @return re-dial delay cap. */
        public long backoffMaxNs()
        {
            return backoffMaxNs;
        }

        /**
         * @param reconcileIntervalNs period of the connection manager's reconcile (default 100 ms).
         * @return this.
         */
        public Context reconcileIntervalNs(final long reconcileIntervalNs)
        {
            this.reconcileIntervalNs = reconcileIntervalNs;
            return this;
        }

        /** @return reconcile period. */
        public long reconcileIntervalNs()
        {
            return reconcileIntervalNs;
        }

        /**
         * @param peerOutboundBudget bytes that may wait in one link's outbound queue (a power of two,
         *                           default 1 MiB); beyond it {@code send} returns BACK_PRESSURED.
         * @return this.
         */
        public Context peerOutboundBudget(final int peerOutboundBudget)
        {
            this.peerOutboundBudget = peerOutboundBudget;
            return this;
        }

        /** @return per-peer outbound budget. */
        public int peerOutboundBudget()
        {
            return peerOutboundBudget;
        }

        /**
         * @param socketSendBufferSize SO_SNDBUF, 0 for the OS default.
         * @return this.
         */
        public Context socketSendBufferSize(final int socketSendBufferSize)
        {
            this.socketSendBufferSize = socketSendBufferSize;
            return this;
        }

        /** @return SO_SNDBUF. */
        public int socketSendBufferSize()
        {
            return socketSendBufferSize;
        }

        /**
         * @param socketReceiveBufferSize SO_RCVBUF, 0 for the OS default.
         * @return this.
         */
        public Context socketReceiveBufferSize(final int socketReceiveBufferSize)
        {
            this.socketReceiveBufferSize = socketReceiveBufferSize;
            return this;
        }

        /** @return SO_RCVBUF. */
        public int socketReceiveBufferSize()
        {
            return socketReceiveBufferSize;
        }

        /**
         * @param hopLimit hops a direct message may take (default 8).
         * @return this.
         */
        public Context hopLimit(final int hopLimit)
        {
            this.hopLimit = hopLimit;
            return this;
        }

        /** @return hop limit. */
        public int hopLimit()
        {
            return hopLimit;
        }

        /**
         * @param epochClock wall clock.
         * @return this.
         */
        public Context epochClock(final EpochClock epochClock)
        {
            this.epochClock = epochClock;
            return this;
        }

        /** @return wall clock. */
        public EpochClock epochClock()
        {
            return epochClock;
        }

        /**
         * @param nanoClock monotonic clock for RTT, backoff and heartbeats.
         * @return this.
         */
        public Context nanoClock(final NanoClock nanoClock)
        {
            this.nanoClock = nanoClock;
            return this;
        }

        /** @return monotonic clock. */
        public NanoClock nanoClock()
        {
            return nanoClock;
        }

        /**
         * @param directHandler receives direct messages (default: counted and ignored).
         * @return this.
         */
        public Context directHandler(final DirectHandler directHandler)
        {
            this.directHandler = directHandler;
            return this;
        }

        /** @return the direct message handler. */
        public DirectHandler directHandler()
        {
            return directHandler;
        }

        /**
         * Places the counters in caller-provided buffers, e.g. a memory-mapped file a stat tool reads.
         *
         * @param metaDataBuffer metadata, 4x the values length.
         * @param valuesBuffer   values.
         * @return this.
         */
        public Context countersBuffers(final AtomicBuffer metaDataBuffer, final AtomicBuffer valuesBuffer)
        {
            this.countersMetaDataBuffer = metaDataBuffer;
            this.countersValuesBuffer = valuesBuffer;
            return this;
        }

        /** @return counters metadata buffer or null. */
        public AtomicBuffer countersMetaDataBuffer()
        {
            return countersMetaDataBuffer;
        }

        /** @return counters values buffer or null. */
        public AtomicBuffer countersValuesBuffer()
        {
            return countersValuesBuffer;
        }
    }
}
