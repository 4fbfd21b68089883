package io.chainmesh.node.flux;

import io.chainmesh.node.flux.FluxBridgeCounters.Counter;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The first handler of an inbound connection: reads the HTTP upgrade request and either refuses it with an HTTP
 * status (not {@code GET /ws/flux[/<port>]} with {@code Upgrade: websocket}: 404 / 400, counted) or upgrades it,
 * answering with the bridge's {@code X-Flux-*} headers. After the upgrade it applies FluxOS's inbound rules with
 * FluxOS's close codes: this node must be a listed member (4019), the peer's address allowed (4003), the peer cap not
 * reached (4000), and no other connection from the same {@code ip:port} (4001). A peer that passes gets a
 * {@link FluxPeerSession}.
 */
final class FluxUpgradeGuard extends SimpleChannelInboundHandler<FullHttpRequest>
{
    /** The path prefix FluxOS serves its peers on. */
    static final String PATH = "/ws/flux";

    private final FluxBridge bridge;

    FluxUpgradeGuard(final FluxBridge bridge)
    {
        this.bridge = bridge;
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request)
    {
        if (!request.decoderResult().isSuccess())
        {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
            return;
        }
        final int port = pathPort(request.uri());
        if (port < 0)
        {
            refuse(ctx, HttpResponseStatus.NOT_FOUND, "not found: FluxOS peers connect at " + PATH + "/<port>");
            return;
        }
        if (!HttpMethod.GET.equals(request.method()) ||
            !request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true))
        {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "expected a WebSocket upgrade (GET with Upgrade: websocket)");
            return;
        }
        final WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
            "ws://" + request.headers().get(HttpHeaderNames.HOST, "localhost") + request.uri(), null,
            WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(bridge.context().maxFrameLength())
                .allowExtensions(false)
                .expectMaskedFrames(true)
                .closeOnProtocolViolation(true)
                .build())
            .newHandshaker(request);
        if (null == handshaker)
        {
            bridge.counters().increment(Counter.BAD_UPGRADES);
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        final Set<String> capabilities = FluxBridge.capabilities(request.headers().get(FluxBridge.HEADER_CAPABILITIES));
        final InetAddress remote = ((InetSocketAddress)ctx.channel().remoteAddress()).getAddress();
        final String key = FluxBridge.hostString(remote) + ":" + port;
        final HttpHeaders responseHeaders = new DefaultHttpHeaders();
        bridge.addFluxHeaders(responseHeaders);
        final int refusal = bridge.fluxPeers().admit(remote, key);
        final io.netty.channel.ChannelFuture upgraded =
            handshaker.handshake(ctx.channel(), request, responseHeaders, ctx.newPromise());
        if (0 != refusal)
        {
            // As FluxOS: the upgrade completes, then the close code says why.
            ctx.pipeline().remove(this);
            upgraded.addListener(done -> ctx.channel().writeAndFlush(
                new CloseWebSocketFrame(refusal, FluxPeers.refusalReason(refusal))).addListener(ChannelFutureListener.CLOSE));
            return;
        }
        // The WebSocket decoder is in place once handshake() returns: the session is installed before any frame.
        bridge.counters().increment(Counter.INBOUND_ACCEPTED);
        // From here the session's pings decide whether the peer is alive.
        ctx.pipeline().remove(UpgradeDeadline.HANDLER_NAME);
        ctx.pipeline().replace(this, "flux-aggregator", new WebSocketFrameAggregator(bridge.context().maxFrameLength()));
        ctx.pipeline().addLast("flux-session", new FluxPeerSession(bridge, true, key, capabilities));
        upgraded.addListener(done ->
        {
            if (!done.isSuccess())
            {
                bridge.counters().increment(Counter.BAD_UPGRADES);
                ctx.channel().close();
            }
        });
    }

    /**
     * @param uri the request's URI.
     * @return the port the path names ({@code /ws/flux/<port>}; FluxOS's default for {@code /ws/flux}), or -1 if the
     *         path is not a FluxOS peer path.
     */
    static int pathPort(final String uri)
    {
        final int query = uri.indexOf('?');
        final String path = query >= 0 ? uri.substring(0, query) : uri;
        if (PATH.equals(path))
        {
            return FluxEnvelope.DEFAULT_API_PORT;
        }
        if (!path.startsWith(PATH + "/") || path.length() > PATH.length() + 6 || path.length() == PATH.length() + 1)
        {
            return -1;
        }
        int port = 0;
        for (int i = PATH.length() + 1; i < path.length(); i++)
        {
            final char c = path.charAt(i);
            if (c < '0' || c > '9')
            {
                return -1;
            }
            port = port * 10 + (c - '0');
        }
        return port >= 1 && port <= 65535 ? port : -1;
    }

    private void refuse(final ChannelHandlerContext ctx, final HttpResponseStatus status, final String why)
    {
        bridge.counters().increment(Counter.BAD_UPGRADES);
        final FullHttpResponse response = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
            status, Unpooled.copiedBuffer(why + "\n", StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        HttpUtil.setContentLength(response, response.content().readableBytes());
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        bridge.counters().increment(Counter.BAD_UPGRADES);
        ctx.close();
    }
}
