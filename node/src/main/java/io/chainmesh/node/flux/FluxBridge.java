package io.chainmesh.node.flux;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.node.flux.FluxBridgeCounters.Counter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.agrona.CloseHelper;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A chainmesh node's bridge to FluxOS: it speaks FluxOS's peer protocol (WebSocket at {@code /ws/flux/<port>},
 * {@code X-Flux-*} headers, close codes 4000-4019, ping/pong, signed JSON envelopes, binary hash frames) to the
 * FluxOS nodes beside it, and carries their broadcasts across the overlay with a {@link FluxRelay}.
 * <p>
 * Both directions: FluxOS peers may connect to the bridge ({@link Context#bindAddress}, inbound), and the bridge
 * dials the local FluxOS ({@link Context#fluxOsAddress}, outbound; reconnecting with a doubling backoff). FluxOS
 * relays by announcing hashes: the bridge asks for each announced hash once (remembering the hashes it asked for,
 * bounded in number and time) and checks the envelope that comes back. It announces no hashes itself: it writes each
 * new envelope from the overlay to its FluxOS peers in full, which FluxOS accepts as from any peer (the hash is
 * FluxOS's {@code object-hash} of {@code data}, which the bridge does not compute; see docs/FLUX-BRIDGE.md).
 * <p>
 * Parts: {@link FluxInboundSetup} admits accepted connections under the caps on those not yet upgraded,
 * {@link FluxUpgradeGuard} upgrades them, {@link FluxDialler} keeps the outbound connection, {@link FluxPeers} holds
 * the upgraded peers and FluxOS's inbound rules, {@link AskedHashes} remembers the hashes asked for, and a
 * {@link FluxPeerSession} speaks to each peer.
 * <p>
 * Threads: one {@code chainmesh-flux} event loop owns every connection, the peer list's writes ({@link FluxPeers}),
 * the asked-hash memory ({@link AskedHashes}) and the redial delay ({@link FluxDialler}); the relay calls
 * {@link #deliver} on the node's commit thread, which reads the peer list (copy-on-write) and hands each write to
 * Netty.
 */
public final class FluxBridge implements AutoCloseable
{
    /** Header announcing capabilities. */
    public static final String HEADER_CAPABILITIES = "X-Flux-Capabilities";
    /** Header announcing the software version. */
    public static final String HEADER_VERSION = "X-Flux-Version";
    /** Header announcing the uptime in seconds. */
    public static final String HEADER_UPTIME = "X-Flux-Uptime";
    /** Capability: the peer reads binary peer frames. */
    public static final String CAPABILITY_BINARY = "binaryMessages";
    /** Capability: the peer reads {@code T<ms>|} send-time prefixes. */
    public static final String CAPABILITY_TIMESTAMPS = "transmissionTimestamps";
    /** What the bridge announces: it reads binary frames and send-time prefixes; no peer exchange, no state sync. */
    public static final List<String> CAPABILITIES = List.of(CAPABILITY_TIMESTAMPS, CAPABILITY_BINARY);

    private final Context ctx;
    private final FluxBridgeCounters counters = new FluxBridgeCounters();
    private final FluxPeers peers;
    private final AskedHashes askedHashes;
    private final long startedMs;
    private FluxRelay relay;
    private EventLoopGroup group;
    private Channel serverChannel;
    private volatile boolean closed;

    // Package-private so a session can be driven without sockets in tests; launch() is the way to run one.
    FluxBridge(final Context ctx)
    {
        this.ctx = ctx;
        this.startedMs = ctx.clock().time();
        this.peers = new FluxPeers(ctx, counters);
        this.askedHashes = new AskedHashes(ctx);
    }

    /**
     * Binds the endpoint (if configured), starts dialling the local FluxOS (if configured) and subscribes the relay;
     * on failure closes what it started and rethrows.
     *
     * @param ctx settings; concluded here.
     * @return the running bridge.
     * @throws IllegalStateException if the address cannot be bound.
     */
    public static FluxBridge launch(final Context ctx)
    {
        ctx.conclude();
        final FluxBridge bridge = new FluxBridge(ctx);
        try
        {
            bridge.start();
            return bridge;
        }
        catch (final RuntimeException ex)
        {
            bridge.close();
            throw ex;
        }
    }

    private void start()
    {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("chainmesh-flux", true), NioIoHandler.newFactory());
        relay = new FluxRelay(ctx.node(), ctx.directory(), ctx.clock(), this::deliver, ctx.seenCapacity());
        if (null != ctx.bindAddress())
        {
            try
            {
                serverChannel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(ctx.writeBufferHighWaterMark() / 2, ctx.writeBufferHighWaterMark()))
                    .childHandler(new FluxInboundSetup(this))
                    .bind(ctx.bindAddress()).syncUninterruptibly().channel();
            }
            catch (final RuntimeException ex)
            {
                throw new IllegalStateException("flux.listen.address=" + ctx.bindAddress() + " cannot be bound: " +
                    ex.getMessage(), ex);
            }
        }
        if (null != ctx.fluxOsAddress())
        {
            new FluxDialler(this, group).start();
        }
    }

    /** @return the bound address of the inbound endpoint, or null without one. */
    public InetSocketAddress localAddress()
    {
        return null == serverChannel ? null : (InetSocketAddress)serverChannel.localAddress();
    }

    /** @return the counters. */
    public FluxBridgeCounters counters()
    {
        return counters;
    }

    /** @return the relay (its counters: refusals, duplicates, relayed, delivered). */
    public FluxRelay relay()
    {
        return relay;
    }

    /** @return the FluxOS peers connected now, as {@code inbound|outbound ip:port}. */
    public List<String> peers()
    {
        return peers.describe();
    }

    /** @return status for {@code /status}: peers and every counter. */
    public Map<String, Object> status()
    {
        final Map<String, Object> status = new LinkedHashMap<>();
        status.put("listen", null == localAddress() ? "off" : localAddress().toString());
        status.put("fluxos", null == ctx.fluxOsAddress() ? "off" : ctx.fluxOsAddress().toString());
        status.put("peers", peers());
        status.putAll(counters.toMap(relay));
        return status;
    }

    /**
     * Appends the bridge's counters in Prometheus text format.
     *
     * @param out where to.
     */
    public void renderPrometheus(final StringBuilder out)
    {
        counters.renderPrometheus(out, relay);
    }

    Context context()
    {
        return ctx;
    }

    EpochClock clock()
    {
        return ctx.clock();
    }

    void addFluxHeaders(final HttpHeaders headers)
    {
        headers.set(HEADER_CAPABILITIES, String.join(",", CAPABILITIES));
        headers.set(HEADER_VERSION, ctx.version());
        headers.set(HEADER_UPTIME, Long.toString((ctx.clock().time() - startedMs) / 1000));
    }

    /** @return true once {@link #close()} has begun; the dialler stops redialling then. */
    boolean isClosed()
    {
        return closed;
    }

    /** @return the connected peers and the inbound rules. */
    FluxPeers fluxPeers()
    {
        return peers;
    }

    /**
     * A peer announced that it holds the message with this hash: ask for it unless asked before (from any peer).
     * Runs on the event loop.
     */
    void onHashAnnounced(final FluxPeerSession session, final byte[] hash)
    {
        counters.increment(Counter.HASHES_ANNOUNCED);
        if (!askedHashes.firstAsk(hash, ctx.clock().time()))
        {
            counters.increment(Counter.HASHES_ALREADY_REQUESTED);
            return;
        }
        counters.increment(Counter.HASH_REQUESTS_SENT);
        session.requestHash(hash);
    }

    /**
     * Writes a new, verified envelope from the overlay to every FluxOS peer. Called by the relay on the commit thread.
     *
     * @param envelopeText the envelope's JSON text.
     */
    void deliver(final String envelopeText)
    {
        peers.deliver(envelopeText);
    }

    static Set<String> capabilities(final String header)
    {
        if (null == header || header.length() > 1024)
        {
            return Set.of();
        }
        return Arrays.stream(header.split(",")).map(String::trim).filter(s -> !s.isEmpty()).limit(32)
            .collect(Collectors.toUnmodifiableSet());
    }

    static String hostString(final InetAddress address)
    {
        final String host = address.getHostAddress();
        // An IPv4 peer seen through a dual-stack socket is named as IPv4, as FluxOS names it.
        return host.startsWith("::ffff:") ? host.substring(7) : host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /** Closes every peer (4009 outbound, 4010 inbound), the endpoint and the relay. Idempotent. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        peers.closeAll();
        if (null != serverChannel)
        {
            serverChannel.close().syncUninterruptibly();
        }
        if (null != group)
        {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        CloseHelper.quietClose(relay);
    }

    /** The bridge's settings, with defaults; {@link #conclude()} validates them. */
    public static final class Context
    {
        /** Default peer cap. */
        public static final int DEFAULT_MAX_PEERS = 16;
        /** Default cap on inbound connections that have not completed their upgrade yet. */
        public static final int DEFAULT_MAX_PENDING_UPGRADES = 64;
        /**
         * Default cap on such connections from one source (an IPv4 address or IPv6 /64); one host often runs several
         * FluxOS nodes on different ports.
         */
        public static final int DEFAULT_MAX_PENDING_UPGRADES_PER_SOURCE = 8;
        /** Default largest frame, in bytes (FluxOS envelopes are at most {@link FluxEnvelope#MAX_LENGTH} chars). */
        public static final int DEFAULT_MAX_FRAME_LENGTH = 1024 * 1024;
        /** Default ping interval (FluxOS pings every 15 s). */
        public static final long DEFAULT_PING_INTERVAL_MS = 15_000;
        /** Default pings without a pong before a peer is dead (FluxOS: 3). */
        public static final int DEFAULT_MISSED_PONGS = 3;
        /** Default number of messages remembered for de-duplication. */
        public static final int DEFAULT_SEEN_CAPACITY = 65_536;

        private ChainmeshNode node;
        private Supplier<DirectorySnapshot> directory;
        private EpochClock clock = SystemEpochClock.INSTANCE;
        private InetSocketAddress bindAddress;
        private InetSocketAddress fluxOsAddress;
        private int advertisedPort;
        private Set<InetAddress> allowedPeers = Set.of();
        private int maxPeers = DEFAULT_MAX_PEERS;
        private int maxFrameLength = DEFAULT_MAX_FRAME_LENGTH;
        private long pingIntervalMs = DEFAULT_PING_INTERVAL_MS;
        private int missedPongs = DEFAULT_MISSED_PONGS;
        private int seenCapacity = DEFAULT_SEEN_CAPACITY;
        private int askedHashCapacity = DEFAULT_SEEN_CAPACITY;
        private long upgradeTimeoutMs = 10_000;
        private int maxPendingUpgrades = DEFAULT_MAX_PENDING_UPGRADES;
        private int maxPendingUpgradesPerSource = DEFAULT_MAX_PENDING_UPGRADES_PER_SOURCE;
        private long reconnectMinMs = 1_000;
        private long reconnectMaxMs = 60_000;
        private int writeBufferHighWaterMark = 4 * 1024 * 1024;
        private String version = "chainmesh";
        private BooleanSupplier confirmed;

        /**
         * @param node the running node.
         * @return this.
         */
        public Context node(final ChainmeshNode node)
        {
            this.node = node;
            return this;
        }

        /** @return the node. */
        public ChainmeshNode node()
        {
            return node;
        }

        /**
         * @param directory the current node list (signers, addresses, this node's confirmation).
         * @return this.
         */
        public Context directory(final Supplier<DirectorySnapshot> directory)
        {
            this.directory = directory;
            return this;
        }

        /** @return the node list. */
        public Supplier<DirectorySnapshot> directory()
        {
            return directory;
        }

        /**
         * @param clock epoch clock (freshness window, rate limits, bad-message window).
         * @return this.
         */
        public Context clock(final EpochClock clock)
        {
            this.clock = clock;
            return this;
        }

        /** @return the clock. */
        public EpochClock clock()
        {
            return clock;
        }

        /**
         * @param bindAddress where FluxOS peers connect ({@code flux.listen.address}); null for no inbound endpoint.
         * @return this.
         */
        public Context bindAddress(final InetSocketAddress bindAddress)
        {
            this.bindAddress = bindAddress;
            return this;
        }

        /** @return the inbound endpoint's address, or null. */
        public InetSocketAddress bindAddress()
        {
            return bindAddress;
        }

        /**
         * @param fluxOsAddress the local FluxOS's API address to dial ({@code flux.fluxos.address}); null for none.
         * @return this.
         */
        public Context fluxOsAddress(final InetSocketAddress fluxOsAddress)
        {
            this.fluxOsAddress = fluxOsAddress;
            return this;
        }

        /** @return the FluxOS to dial, or null. */
        public InetSocketAddress fluxOsAddress()
        {
            return fluxOsAddress;
        }

        /**
         * @param advertisedPort the port the dial's path names ({@code /ws/flux/<port>}): FluxOS keys the peer by
         *                       {@code ip:port}; 0 means the inbound endpoint's bound port (16127 without one).
         * @return this.
         */
        public Context advertisedPort(final int advertisedPort)
        {
            this.advertisedPort = advertisedPort;
            return this;
        }

        /** @return the advertised port. */
        public int advertisedPort()
        {
            return advertisedPort;
        }

        /**
         * @param allowedPeers addresses inbound peers may connect from ({@code flux.peers.allow}); empty for any.
         *                     Read at each connection: a concurrent set may change while the bridge runs.
         * @return this.
         */
        public Context allowedPeers(final Set<InetAddress> allowedPeers)
        {
            this.allowedPeers = Objects.requireNonNull(allowedPeers, "allowedPeers");
            return this;
        }

        /** @return the allowed inbound addresses (empty: any). */
        public Set<InetAddress> allowedPeers()
        {
            return allowedPeers;
        }

        /**
         * @param maxPeers most FluxOS peers at once, both directions ({@code flux.max.peers}).
         * @return this.
         */
        public Context maxPeers(final int maxPeers)
        {
            this.maxPeers = maxPeers;
            return this;
        }

        /** @return the peer cap. */
        public int maxPeers()
        {
            return maxPeers;
        }

        /**
         * @param maxFrameLength largest WebSocket message, in bytes ({@code flux.max.frame.length}).
         * @return this.
         */
        public Context maxFrameLength(final int maxFrameLength)
        {
            this.maxFrameLength = maxFrameLength;
            return this;
        }

        /** @return the largest message. */
        public int maxFrameLength()
        {
            return maxFrameLength;
        }

        /**
         * @param pingIntervalMs ping period; 0 to ping only when told (tests).
         * @return this.
         */
        public Context pingIntervalMs(final long pingIntervalMs)
        {
            this.pingIntervalMs = pingIntervalMs;
            return this;
        }

        /** @return the ping period. */
        public long pingIntervalMs()
        {
            return pingIntervalMs;
        }

        /**
         * @param missedPongs pings without a pong after which a peer is closed with 4011.
         * @return this.
         */
        public Context missedPongs(final int missedPongs)
        {
            this.missedPongs = missedPongs;
            return this;
        }

        /** @return the missed-pong limit. */
        public int missedPongs()
        {
            return missedPongs;
        }

        /**
         * @param seenCapacity messages remembered for de-duplication ({@code flux.seen.capacity}).
         * @return this.
         */
        public Context seenCapacity(final int seenCapacity)
        {
            this.seenCapacity = seenCapacity;
            return this;
        }

        /** @return the de-duplication capacity. */
        public int seenCapacity()
        {
            return seenCapacity;
        }

        /**
         * @param askedHashCapacity announced hashes remembered as asked for.
         * @return this.
         */
        public Context askedHashCapacity(final int askedHashCapacity)
        {
            this.askedHashCapacity = askedHashCapacity;
            return this;
        }

        /** @return the asked-hash capacity. */
        public int askedHashCapacity()
        {
            return askedHashCapacity;
        }

        /**
         * @param upgradeTimeoutMs time for a connection to complete its upgrade (and for a dial to connect).
         * @return this.
         */
        public Context upgradeTimeoutMs(final long upgradeTimeoutMs)
        {
            this.upgradeTimeoutMs = upgradeTimeoutMs;
            return this;
        }

        /** @return the upgrade timeout. */
        public long upgradeTimeoutMs()
        {
            return upgradeTimeoutMs;
        }

        /**
         * Caps the inbound connections that have not completed their WebSocket upgrade: each holds a descriptor and
         * an HTTP decoder for up to {@link #upgradeTimeoutMs()}, so without a cap one host could hold as many as the
         * open-file limit allows. A connection over a cap is reset at accept and counted
         * ({@code refused_pending_upgrades}).
         *
         * @param total     such connections at once, at most.
         * @param perSource such connections from one source (an IPv4 address or an IPv6 /64), at most.
         * @return this.
         */
        public Context maxPendingUpgrades(final int total, final int perSource)
        {
            this.maxPendingUpgrades = total;
            this.maxPendingUpgradesPerSource = perSource;
            return this;
        }

        /** @return the cap on connections not yet upgraded. */
        public int maxPendingUpgrades()
        {
            return maxPendingUpgrades;
        }

        /** @return the cap on connections not yet upgraded from one source. */
        public int maxPendingUpgradesPerSource()
        {
            return maxPendingUpgradesPerSource;
        }

        /**
         * @param minMs first redial delay.
         * @param maxMs largest redial delay (the delay doubles up to it).
         * @return this.
         */
        public Context reconnect(final long minMs, final long maxMs)
        {
            this.reconnectMinMs = minMs;
            this.reconnectMaxMs = maxMs;
            return this;
        }

        /** @return the first redial delay. */
        public long reconnectMinMs()
        {
            return reconnectMinMs;
        }

        /** @return the largest redial delay. */
        public long reconnectMaxMs()
        {
            return reconnectMaxMs;
        }

        /**
         * @param bytes a peer's socket write buffer above which deliveries to it are dropped (counted).
         * @return this.
         */
        public Context writeBufferHighWaterMark(final int bytes)
        {
            this.writeBufferHighWaterMark = bytes;
            return this;
        }

        /** @return the write buffer high-water mark. */
        public int writeBufferHighWaterMark()
        {
            return writeBufferHighWaterMark;
        }

        /**
         * @param version what {@code X-Flux-Version} announces.
         * @return this.
         */
        public Context version(final String version)
        {
            this.version = version;
            return this;
        }

        /** @return the announced version. */
        public String version()
        {
            return version;
        }

        /**
         * @param confirmed whether this node is a listed member now (peers are refused with 4019 otherwise); by
         *                  default: the node list holds this node's collateral under its key.
         * @return this.
         */
        public Context confirmed(final BooleanSupplier confirmed)
        {
            this.confirmed = confirmed;
            return this;
        }

        /** @return the confirmation check. */
        public BooleanSupplier confirmed()
        {
            return confirmed;
        }

        /**
         * Validates the settings and fills the derived ones.
         *
         * @return this.
         * @throws IllegalArgumentException naming the bad setting.
         */
        public Context conclude()
        {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(directory, "directory");
            Objects.requireNonNull(clock, "clock");
            if (null == bindAddress && null == fluxOsAddress)
            {
                throw new IllegalArgumentException("flux bridge needs flux.listen.address or flux.fluxos.address");
            }
            check("flux.max.peers", maxPeers, 1, 1024);
            check("maxPendingUpgrades", maxPendingUpgrades, 1, 65536);
            check("maxPendingUpgradesPerSource", maxPendingUpgradesPerSource, 1, maxPendingUpgrades);
            check("flux.max.frame.length", maxFrameLength, 1024, 16 * 1024 * 1024);
            check("flux.seen.capacity", seenCapacity, 1, 1 << 24);
            check("askedHashCapacity", askedHashCapacity, 1, 1 << 24);
            check("missedPongs", missedPongs, 1, 100);
            if (pingIntervalMs < 0 || upgradeTimeoutMs < 1 || reconnectMinMs < 1 || reconnectMaxMs < reconnectMinMs)
            {
                throw new IllegalArgumentException("pingIntervalMs=" + pingIntervalMs + " upgradeTimeoutMs=" +
                    upgradeTimeoutMs + " reconnect=" + reconnectMinMs + ".." + reconnectMaxMs + " out of range");
            }
            check("flux.advertised.port", advertisedPort, 0, 65535);
            if (null == confirmed)
            {
                final ChainmeshNode self = node;
                final Supplier<DirectorySnapshot> list = directory;
                confirmed = () ->
                {
                    final Member member = null == self.member() ? null : list.get().find(self.member());
                    return null != member && member.publicKey().equals(self.publicKey());
                };
            }
            return this;
        }

        private static void check(final String name, final long value, final long min, final long max)
        {
            if (value < min || value > max)
            {
                throw new IllegalArgumentException(name + "=" + value + " must be in [" + min + ", " + max + "]");
            }
        }
    }

    @Override
    public String toString()
    {
        return "FluxBridge" + Collections.singletonMap("listen", localAddress());
    }
}
