package io.chainmesh.node.flux;

import io.chainmesh.node.flux.FluxBridgeCounters.Counter;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The bridge's outbound connection to the local FluxOS ({@link FluxBridge.Context#fluxOsAddress()}): dials it, asks for
 * a WebSocket upgrade at {@code /ws/flux/<advertised port>} with the bridge's {@code X-Flux-*} headers, and hands the
 * upgraded connection to a {@link FluxPeerSession}. After a failed dial or a close it dials again, after a delay that
 * doubles from {@link FluxBridge.Context#reconnectMinMs()} up to {@link FluxBridge.Context#reconnectMaxMs()} and starts
 * over once an upgrade succeeds; it stops when the bridge closes.
 * <p>
 * Threads: the bridge's event loop runs every dial, handshake and redial, and is the only thread that touches the
 * redial delay.
 */
final class FluxDialler
{
    private final FluxBridge bridge;
    private final FluxBridge.Context ctx;
    private final EventLoopGroup group;
    private long reconnectDelayMs;

    /**
     * @param bridge the bridge the connection belongs to.
     * @param group  the bridge's event loop group.
     */
    FluxDialler(final FluxBridge bridge, final EventLoopGroup group)
    {
        this.bridge = bridge;
        this.ctx = bridge.context();
        this.group = group;
    }

    /**
     * Dials for the first time, on the event loop.
     */
    void start()
    {
        group.execute(this::dial);
    }

    private void dial()
    {
        if (bridge.isClosed())
        {
            return;
        }
        final InetSocketAddress target = ctx.fluxOsAddress();
        final URI uri = URI.create("ws://" + FluxBridge.hostString(target.getAddress()) + ":" + target.getPort() +
            FluxUpgradeGuard.PATH + "/" + advertisedPort());
        final HttpHeaders headers = new DefaultHttpHeaders();
        bridge.addFluxHeaders(headers);
        final WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(uri,
            WebSocketVersion.V13, null, false, headers, ctx.maxFrameLength());
        final String key = FluxBridge.hostString(target.getAddress()) + ":" + target.getPort();
        final ChannelFuture connect = new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)ctx.upgradeTimeoutMs())
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(ctx.writeBufferHighWaterMark() / 2, ctx.writeBufferHighWaterMark()))
            .handler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    ch.pipeline()
                        .addLast(UpgradeDeadline.HANDLER_NAME, new UpgradeDeadline(ctx.upgradeTimeoutMs(), null))
                        .addLast(new HttpClientCodec(4096, 8192, 8192))
                        .addLast(new HttpObjectAggregator(8192))
                        .addLast(new UpgradeHandshake(handshaker, key));
                }
            })
            .connect(target);
        connect.addListener(done ->
        {
            if (!done.isSuccess())
            {
                bridge.counters().increment(Counter.OUTBOUND_FAILURES);
                scheduleRedial();
                return;
            }
            connect.channel().closeFuture().addListener(closedFuture -> scheduleRedial());
        });
    }

    private int advertisedPort()
    {
        if (0 != ctx.advertisedPort())
        {
            return ctx.advertisedPort();
        }
        final InetSocketAddress endpoint = bridge.localAddress();
        return null != endpoint ? endpoint.getPort() : FluxEnvelope.DEFAULT_API_PORT;
    }

    private void scheduleRedial()
    {
        if (bridge.isClosed())
        {
            return;
        }
        reconnectDelayMs = 0 == reconnectDelayMs ? ctx.reconnectMinMs() : Math.min(2 * reconnectDelayMs, ctx.reconnectMaxMs());
        group.schedule(this::dial, reconnectDelayMs, TimeUnit.MILLISECONDS);
    }

    /** The outbound connection's handshake: on the 101 answer it becomes a {@link FluxPeerSession}. */
    private final class UpgradeHandshake extends SimpleChannelInboundHandler<FullHttpResponse>
    {
        private final WebSocketClientHandshaker handshaker;
        private final String key;

        UpgradeHandshake(final WebSocketClientHandshaker handshaker, final String key)
        {
            this.handshaker = handshaker;
            this.key = key;
        }

        @Override
        public void channelActive(final ChannelHandlerContext c)
        {
            handshaker.handshake(c.channel());
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext c, final FullHttpResponse response)
        {
            try
            {
                handshaker.finishHandshake(c.channel(), response);
            }
            catch (final RuntimeException ex)
            {
                bridge.counters().increment(Counter.OUTBOUND_FAILURES);
                c.close();
                return;
            }
            final Set<String> remoteCapabilities =
                FluxBridge.capabilities(response.headers().get(FluxBridge.HEADER_CAPABILITIES));
            c.pipeline().remove(UpgradeDeadline.HANDLER_NAME);
            c.pipeline().replace(this, "flux-aggregator", new WebSocketFrameAggregator(ctx.maxFrameLength()));
            c.pipeline().addLast("flux-session", new FluxPeerSession(bridge, false, key, remoteCapabilities));
            bridge.counters().increment(Counter.OUTBOUND_CONNECTED);
            reconnectDelayMs = 0;
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext c, final Throwable cause)
        {
            bridge.counters().increment(Counter.OUTBOUND_FAILURES);
            c.close();
        }
    }
}
