package io.chainmesh.node.app;

import io.chainmesh.chain.DirectorySource;
import io.chainmesh.chain.MemberId;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.DirectHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The application API: a WebSocket endpoint ({@code ws://<app.address>/v1}, Netty's HTTP and WebSocket codecs) on
 * its own {@code chainmesh-app} thread, through which local programs publish, subscribe and send direct messages.
 * <p>
 * The pipeline of a connection tells its story: HTTP codec, {@link AppUpgradeGuard} (path, token, client limit:
 * nothing else happens for a request it refuses), Netty's WebSocket handshake and protocol handler (frame size
 * limit, ping/pong, close), a frame aggregator with the same limit, then one {@link AppSession}.
 * <p>
 * Deliveries: the engine calls the topic handlers this server registers on its broadcast commit thread and the
 * {@link #directHandler()} on its IO threads; both copy the message into each subscribed session's bounded queue
 * and return at once (see {@link AppSession}). Threads: the subscriber table is written only on the
 * {@code chainmesh-app} thread and read lock-free by the engine's threads.
 */
public final class AppApiServer implements AutoCloseable
{
    /** The WebSocket path. */
    public static final String PATH = "/v1";
    /** The subprotocol the server selects when a client offers it. */
    public static final String SUBPROTOCOL = "chainmesh.v1";
    /** Prefix of a subprotocol that carries the token (for clients that cannot set headers: browsers). */
    public static final String TOKEN_SUBPROTOCOL_PREFIX = "chainmesh.token.";
    /** A connection must complete its upgrade within this time. */
    static final int UPGRADE_TIMEOUT_SECONDS = 10;
    private static final int TOPICS = 1 << 16;
    private static final AppSession[] NO_SESSIONS = new AppSession[0];
    private static final byte[] UNKNOWN_NAME = "unknown:0".getBytes(StandardCharsets.US_ASCII);

    private final Context ctx;
    private final ChainmeshNode node;
    private final AppCounters counters;
    private final AtomicReferenceArray<AppSession[]> subscribers = new AtomicReferenceArray<>(TOPICS);
    private final AutoCloseable[] engineSubscriptions = new AutoCloseable[TOPICS];
    private final org.agrona.concurrent.UnsafeBuffer directScratch = new org.agrona.concurrent.UnsafeBuffer(new byte[0]);
    private AppMembers members;
    private EventLoopGroup group;
    private ChannelGroup channels;
    private Channel serverChannel;
    private boolean closed;

    private AppApiServer(final Context ctx)
    {
        this.ctx = ctx;
        this.node = ctx.node();
        this.counters = ctx.counters();
    }

    /**
     * Binds the endpoint and starts its thread; on failure closes what it started and rethrows.
     *
     * @param ctx settings; concluded here.
     * @return the running server.
     * @throws IllegalStateException if the address cannot be bound.
     */
    public static AppApiServer launch(final Context ctx)
    {
        ctx.conclude();
        final AppApiServer server = new AppApiServer(ctx);
        try
        {
            server.start();
            ctx.directTarget.server = server;
            return server;
        }
        catch (final RuntimeException ex)
        {
            server.close();
            throw ex;
        }
    }

    /**
     * @param queueBytes a client queue's capacity.
     * @return the largest payload a DELIVERY through such a queue can carry: its records are at most 1/8 of it.
     */
    static int maxDeliveryPayload(final int queueBytes)
    {
        return queueBytes / 8 - AppFrameDescriptor.MEMBER_OFFSET - AppFrameDescriptor.MAX_MEMBER_LENGTH;
    }

    private void start()
    {
        if (node.maxMessageLength() > maxDeliveryPayload(ctx.queueBytes()))
        {
            throw new IllegalArgumentException("app.client.queue.bytes=" + ctx.queueBytes() + " is too small for the " +
                "node's largest broadcast message " + node.maxMessageLength() + ": a queue holds records up to 1/8 of " +
                "its size (needs at least " + Integer.highestOneBit(8 * (node.maxMessageLength() +
                AppFrameDescriptor.MEMBER_OFFSET + AppFrameDescriptor.MAX_MEMBER_LENGTH)) * 2 + ")");
        }
        members = new AppMembers(ctx.directorySource(), node.member());
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("chainmesh-app", true),
            NioIoHandler.newFactory());
        channels = new DefaultChannelGroup(group.next());
        final WebSocketServerProtocolConfig wsConfig = WebSocketServerProtocolConfig.newBuilder()
            .websocketPath(PATH)
            .subprotocols(SUBPROTOCOL)
            .checkStartsWith(false)
            .handshakeTimeoutMillis(TimeUnit.SECONDS.toMillis(UPGRADE_TIMEOUT_SECONDS))
            .dropPongFrames(true)
            .decoderConfig(WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(ctx.maxFrameLength())
                .allowExtensions(false)
                .expectMaskedFrames(true)
                .closeOnProtocolViolation(true)
                .build())
            .build();
        try
        {
            final ServerBootstrap bootstrap = new ServerBootstrap();
            if (ctx.socketSendBufferSize() > 0)
            {
                bootstrap.childOption(ChannelOption.SO_SNDBUF, ctx.socketSendBufferSize());
            }
            serverChannel = bootstrap
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                    new WriteBufferWaterMark(ctx.writeBufferHighWaterMark() / 2, ctx.writeBufferHighWaterMark()))
                .childHandler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(final SocketChannel ch)
                    {
                        ch.pipeline()
                            .addLast(AppUpgradeGuard.TIMEOUT_NAME, new ReadTimeoutHandler(UPGRADE_TIMEOUT_SECONDS))
                            .addLast(new HttpServerCodec(1024, 8192, 1024))
                            .addLast(new HttpObjectAggregator(0))
                            .addLast(new AppUpgradeGuard(AppApiServer.this))
                            .addLast(new WebSocketServerProtocolHandler(wsConfig))
                            .addLast(new WebSocketFrameAggregator(ctx.maxFrameLength()))
                            .addLast(new AppSession(AppApiServer.this));
                    }
                })
                .bind(ctx.bindAddress()).syncUninterruptibly().channel();
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalStateException("app.address=" + ctx.bindAddress() + " cannot be bound: " + ex.getMessage(), ex);
        }
    }

    /** @return the bound address (with the real port when bound to port 0). */
    public InetSocketAddress localAddress()
    {
        return (InetSocketAddress)serverChannel.localAddress();
    }

    /** @return the endpoint's URL, {@code ws://host:port/v1}. */
    public String url()
    {
        final InetSocketAddress address = localAddress();
        final String host = address.getAddress().getHostAddress();
        return "ws://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort() + PATH;
    }

    /** @return the counters. */
    public AppCounters counters()
    {
        return counters;
    }

    Context context()
    {
        return ctx;
    }

    ChainmeshNode node()
    {
        return node;
    }

    AppMembers members()
    {
        return members;
    }

    /**
     * Where a SEND's engine payload is assembled: one buffer for all sessions, which all run on the API thread.
     *
     * @param length bytes needed.
     * @return the buffer, grown to at least {@code length}.
     */
    org.agrona.concurrent.UnsafeBuffer directScratch(final int length)
    {
        if (directScratch.capacity() < length)
        {
            directScratch.wrap(new byte[Math.max(length, Math.min(2 * directScratch.capacity(), 64 * 1024 * 1024))]);
        }
        return directScratch;
    }

    ChannelGroup channels()
    {
        return channels;
    }

    /**
     * Adds a session to a topic's subscribers, registering the engine handler for the first. API thread only.
     */
    void subscribe(final int topic, final AppSession session)
    {
        final AppSession[] current = subscribers.get(topic);
        final AppSession[] old = null == current ? NO_SESSIONS : current;
        final AppSession[] updated = java.util.Arrays.copyOf(old, old.length + 1);
        updated[old.length] = session;
        subscribers.set(topic, updated);
        if (null == engineSubscriptions[topic])
        {
            engineSubscriptions[topic] = node.subscribe(topic, this::onBroadcast);
        }
    }

    /**
     * Removes a session from a topic's subscribers, removing the engine handler with the last. API thread only.
     */
    void unsubscribe(final int topic, final AppSession session)
    {
        final AppSession[] old = subscribers.get(topic);
        if (null == old)
        {
            return;
        }
        int found = -1;
        for (int i = 0; i < old.length; i++)
        {
            if (old[i] == session)
            {
                found = i;
                break;
            }
        }
        if (found < 0)
        {
            return;
        }
        final AppSession[] updated = new AppSession[old.length - 1];
        System.arraycopy(old, 0, updated, 0, found);
        System.arraycopy(old, found + 1, updated, found, old.length - found - 1);
        subscribers.set(topic, updated.length == 0 ? null : updated);
        if (updated.length == 0 && null != engineSubscriptions[topic])
        {
            CloseHelper.quietClose(engineSubscriptions[topic]);
            engineSubscriptions[topic] = null;
        }
    }

    /** Engine commit thread: one broadcast message of a subscribed topic. */
    private void onBroadcast(final long originId, final int topic, final DirectBuffer buffer, final int offset, final int length)
    {
        final AppSession[] sessions = subscribers.get(topic);
        if (null != sessions)
        {
            final byte[] name = members.nameOf(originId);
            deliver(sessions, 0, topic, null == name ? UNKNOWN_NAME : name, buffer, offset, length);
        }
    }

    /** Engine IO thread: one direct message in the APP_DIRECT layout. */
    void onDirect(final MemberId source, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < AppFrameDescriptor.DIRECT_PAYLOAD_OFFSET)
        {
            counters.increment(AppCounters.Counter.DIRECT_MALFORMED);
            return;
        }
        final int topic = buffer.getShort(offset + AppFrameDescriptor.DIRECT_TOPIC_OFFSET,
            AppFrameDescriptor.BYTE_ORDER) & 0xFFFF;
        final AppSession[] sessions = subscribers.get(topic);
        if (null == sessions)
        {
            counters.increment(AppCounters.Counter.DIRECT_UNSUBSCRIBED);
            return;
        }
        final byte[] name = members.nameOf(source);
        deliver(sessions, AppFrameDescriptor.FLAG_DIRECT, topic, null == name ? UNKNOWN_NAME : name, buffer,
            offset + AppFrameDescriptor.DIRECT_PAYLOAD_OFFSET, length - AppFrameDescriptor.DIRECT_PAYLOAD_OFFSET);
    }

    private static void deliver(
        final AppSession[] sessions,
        final int flags,
        final int topic,
        final byte[] name,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        for (final AppSession session : sessions)
        {
            session.enqueue(flags, topic, name, buffer, offset, length);
        }
    }

    /** Closes every client (with close code 1001), the listening socket and the thread. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        ctx.directTarget.server = null;
        if (null != serverChannel)
        {
            serverChannel.close().awaitUninterruptibly(5000);
        }
        if (null != group)
        {
            group.submit(() ->
            {
                for (int topic = 0; topic < TOPICS; topic++)
                {
                    if (null != engineSubscriptions[topic])
                    {
                        CloseHelper.quietClose(engineSubscriptions[topic]);
                        engineSubscriptions[topic] = null;
                    }
                }
            }).awaitUninterruptibly(5000);
            if (null != channels)
            {
                channels.writeAndFlush(new io.netty.handler.codec.http.websocketx.CloseWebSocketFrame(
                    AppSession.CLOSE_GOING_AWAY, "node shutting down")).awaitUninterruptibly(1000);
                channels.close().awaitUninterruptibly(5000);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5000);
        }
        CloseHelper.quietClose(members);
    }

    /** What a slow subscriber costs it when its delivery queue is full. */
    public enum SlowSubscriberPolicy
    {
        /** Close the connection with close code {@code 4001} and a reason naming the queue size. */
        CLOSE,
        /** Drop the message, count it, and tell the client with a {@code dropped} control frame. */
        DROP
    }

    /** Hands the engine's direct messages to the server once it runs (the engine's context needs it first). */
    private static final class DirectTarget implements DirectHandler
    {
        volatile AppApiServer server;
        final AppCounters counters;

        DirectTarget(final AppCounters counters)
        {
            this.counters = counters;
        }

        @Override
        public void onMessage(final MemberId source, final DirectBuffer buffer, final int offset, final int length)
        {
            final AppApiServer target = server;
            if (null == target)
            {
                counters.increment(AppCounters.Counter.DIRECT_UNSUBSCRIBED);
                return;
            }
            target.onDirect(source, buffer, offset, length);
        }
    }

    /** Settings; fluent setters, validated by {@link #conclude()}. */
    public static final class Context
    {
        /** Default largest WebSocket message a client may send. */
        public static final int DEFAULT_MAX_FRAME_LENGTH = 256 * 1024;
        /** Default per-client delivery queue, bytes. */
        public static final int DEFAULT_QUEUE_BYTES = 1024 * 1024;
        /** Default client limit. */
        public static final int DEFAULT_MAX_CLIENTS = 64;
        /** Default per-client subscription limit. */
        public static final int DEFAULT_MAX_SUBSCRIPTIONS = 1024;
        /** Longest JSON control request. */
        public static final int MAX_CONTROL_LENGTH = 4096;

        private ChainmeshNode node;
        private DirectorySource directorySource;
        private AppToken token;
        private InetSocketAddress bindAddress = new InetSocketAddress("127.0.0.1", 0);
        private int maxFrameLength = DEFAULT_MAX_FRAME_LENGTH;
        private int queueBytes = DEFAULT_QUEUE_BYTES;
        private int maxClients = DEFAULT_MAX_CLIENTS;
        private int maxSubscriptions = DEFAULT_MAX_SUBSCRIPTIONS;
        private int writeBufferHighWaterMark = 256 * 1024;
        private int socketSendBufferSize;
        private SlowSubscriberPolicy slowSubscriberPolicy = SlowSubscriberPolicy.CLOSE;
        private final AppCounters counters = new AppCounters();
        private final DirectTarget directTarget = new DirectTarget(counters);

        /**
         * @return the handler to give the node's {@link ChainmeshNode.Context#directHandler(DirectHandler)} before
         *         it launches: direct messages reach the API's clients through it once the server runs.
         */
        public DirectHandler directHandler()
        {
            return directTarget;
        }

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
         * @param directorySource the node's directory.
         * @return this.
         */
        public Context directorySource(final DirectorySource directorySource)
        {
            this.directorySource = directorySource;
            return this;
        }

        /** @return the directory. */
        public DirectorySource directorySource()
        {
            return directorySource;
        }

        /**
         * @param token the token clients must present.
         * @return this.
         */
        public Context token(final AppToken token)
        {
            this.token = token;
            return this;
        }

        /** @return the token. */
        public AppToken token()
        {
            return token;
        }

        /**
         * @param bindAddress a loopback address.
         * @return this.
         */
        public Context bindAddress(final InetSocketAddress bindAddress)
        {
            this.bindAddress = bindAddress;
            return this;
        }

        /** @return the bind address. */
        public InetSocketAddress bindAddress()
        {
            return bindAddress;
        }

        /**
         * @param maxFrameLength largest WebSocket message from a client, [64, 16 MiB].
         * @return this.
         */
        public Context maxFrameLength(final int maxFrameLength)
        {
            this.maxFrameLength = maxFrameLength;
            return this;
        }

        /** @return largest WebSocket message from a client. */
        public int maxFrameLength()
        {
            return maxFrameLength;
        }

        /**
         * @param queueBytes per-client delivery queue, a power of two in [64 KiB, 256 MiB].
         * @return this.
         */
        public Context queueBytes(final int queueBytes)
        {
            this.queueBytes = queueBytes;
            return this;
        }

        /** @return per-client delivery queue in bytes. */
        public int queueBytes()
        {
            return queueBytes;
        }

        /**
         * @param maxClients clients served at once, [1, 4096].
         * @return this.
         */
        public Context maxClients(final int maxClients)
        {
            this.maxClients = maxClients;
            return this;
        }

        /** @return clients served at once. */
        public int maxClients()
        {
            return maxClients;
        }

        /**
         * @param maxSubscriptions topics one client may subscribe, [1, 65536].
         * @return this.
         */
        public Context maxSubscriptions(final int maxSubscriptions)
        {
            this.maxSubscriptions = maxSubscriptions;
            return this;
        }

        /** @return topics one client may subscribe. */
        public int maxSubscriptions()
        {
            return maxSubscriptions;
        }

        /**
         * @param bytes bytes written to a client's socket and not yet sent above which the server stops draining
         *              its queue and reading its requests, [4096, 64 MiB]. @return this.
         */
        public Context writeBufferHighWaterMark(final int bytes)
        {
            this.writeBufferHighWaterMark = bytes;
            return this;
        }

        /** @return the socket write high water mark. */
        public int writeBufferHighWaterMark()
        {
            return writeBufferHighWaterMark;
        }

        /**
         * @param bytes SO_SNDBUF of client sockets, or 0 for the operating system's default (which may grow to
         *              megabytes on Linux); bounds what the kernel holds for a client that does not read. @return this.
         */
        public Context socketSendBufferSize(final int bytes)
        {
            this.socketSendBufferSize = bytes;
            return this;
        }

        /** @return SO_SNDBUF of client sockets, 0 for the default. */
        public int socketSendBufferSize()
        {
            return socketSendBufferSize;
        }

        /**
         * @param policy what a full delivery queue costs the client.
         * @return this.
         */
        public Context slowSubscriberPolicy(final SlowSubscriberPolicy policy)
        {
            this.slowSubscriberPolicy = policy;
            return this;
        }

        /** @return the slow subscriber policy. */
        public SlowSubscriberPolicy slowSubscriberPolicy()
        {
            return slowSubscriberPolicy;
        }

        /** @return the counters (created with the context, so they exist before the server launches). */
        public AppCounters counters()
        {
            return counters;
        }

        /**
         * Validates the settings.
         *
         * @return this.
         * @throws IllegalArgumentException naming the setting and its value.
         */
        public Context conclude()
        {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(directorySource, "directorySource");
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(bindAddress, "bindAddress");
            Objects.requireNonNull(slowSubscriberPolicy, "slowSubscriberPolicy");
            if (null == bindAddress.getAddress() || !bindAddress.getAddress().isLoopbackAddress())
            {
                throw new IllegalArgumentException("bindAddress=" + bindAddress + " must be a loopback address");
            }
            check(maxFrameLength >= 64 && maxFrameLength <= 16 * 1024 * 1024,
                "maxFrameLength=" + maxFrameLength + " must be in [64, 16777216]");
            check(Integer.bitCount(queueBytes) == 1 && queueBytes >= 64 * 1024 && queueBytes <= 256 * 1024 * 1024,
                "queueBytes=" + queueBytes + " must be a power of two in [65536, 268435456]");
            check(maxClients >= 1 && maxClients <= 4096, "maxClients=" + maxClients + " must be in [1, 4096]");
            check(maxSubscriptions >= 1 && maxSubscriptions <= TOPICS,
                "maxSubscriptions=" + maxSubscriptions + " must be in [1, 65536]");
            check(socketSendBufferSize >= 0, "socketSendBufferSize=" + socketSendBufferSize + " must be >= 0");
            check(writeBufferHighWaterMark >= 4096 && writeBufferHighWaterMark <= 64 * 1024 * 1024,
                "writeBufferHighWaterMark=" + writeBufferHighWaterMark + " must be in [4096, 67108864]");
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
}
