package io.chainmesh.node.app;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/**
 * Decides, on the HTTP upgrade request and before any WebSocket work, whether a connection may use the API:
 * {@code GET /v1} with a WebSocket upgrade, a valid token, and a free client slot. A refusal is an HTTP response
 * that names the reason (400, 401 with {@code WWW-Authenticate: Bearer}, 404, 503), counted, and the connection
 * closes. On success the guard (and the upgrade read timeout) leave the pipeline and the request goes on to
 * Netty's handshake.
 * <p>
 * The token is taken from {@code Authorization: Bearer <token>}, or from a {@code Sec-WebSocket-Protocol} value
 * {@code chainmesh.token.<token>} (browsers cannot set headers on a WebSocket; they can offer subprotocols). A
 * token in the URL's query is not accepted: URLs end up in logs, shell history and process lists.
 */
final class AppUpgradeGuard extends SimpleChannelInboundHandler<FullHttpRequest>
{
    static final String TIMEOUT_NAME = "upgrade-timeout";

    private final AppApiServer server;

    AppUpgradeGuard(final AppApiServer server)
    {
        super(false);
        this.server = server;
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request)
    {
        final AppCounters counters = server.counters();
        if (!request.decoderResult().isSuccess())
        {
            refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request", AppCounters.Counter.BAD_UPGRADES);
            return;
        }
        final String uri = request.uri();
        final int query = uri.indexOf('?');
        final String path = query >= 0 ? uri.substring(0, query) : uri;
        if (!AppApiServer.PATH.equals(path))
        {
            refuse(ctx, request, HttpResponseStatus.NOT_FOUND, "not found: the API is at " + AppApiServer.PATH,
                AppCounters.Counter.BAD_UPGRADES);
            return;
        }
        if (!HttpMethod.GET.equals(request.method()) ||
            !request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true))
        {
            refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "expected a WebSocket upgrade (GET with Upgrade: websocket)",
                AppCounters.Counter.BAD_UPGRADES);
            return;
        }
        if (!server.context().token().matches(presentedToken(request)))
        {
            refuse(ctx, request, HttpResponseStatus.UNAUTHORIZED,
                "missing or wrong token: send Authorization: Bearer <token> or offer subprotocol " +
                AppApiServer.TOKEN_SUBPROTOCOL_PREFIX + "<token>", AppCounters.Counter.AUTH_REFUSED);
            return;
        }
        if (counters.get(AppCounters.Counter.CLIENTS_CONNECTED) >= server.context().maxClients())
        {
            refuse(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE,
                "client limit app.max.clients=" + server.context().maxClients() + " reached",
                AppCounters.Counter.CLIENTS_REFUSED);
            return;
        }
        ctx.pipeline().remove(TIMEOUT_NAME);
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(request);
    }

    private static String presentedToken(final FullHttpRequest request)
    {
        final String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (null != authorization && authorization.regionMatches(true, 0, "Bearer ", 0, 7))
        {
            return authorization.substring(7).strip();
        }
        for (final String header : request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL))
        {
            for (final String value : header.split(","))
            {
                final String protocol = value.strip();
                if (protocol.startsWith(AppApiServer.TOKEN_SUBPROTOCOL_PREFIX))
                {
                    return protocol.substring(AppApiServer.TOKEN_SUBPROTOCOL_PREFIX.length());
                }
            }
        }
        return null;
    }

    private static void refuse(
        final ChannelHandlerContext ctx,
        final FullHttpRequest request,
        final HttpResponseStatus status,
        final String reason,
        final AppCounters.Counter counter)
    {
        request.release();
        final AppApiServer server = ((AppUpgradeGuard)ctx.handler()).server;
        server.counters().increment(counter);
        final byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
            Unpooled.wrappedBuffer(body));
        response.headers()
            .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (status == HttpResponseStatus.UNAUTHORIZED)
        {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        // Oversized request line or headers, or the upgrade read timeout: nothing more than a closed socket.
        server.counters().increment(AppCounters.Counter.BAD_UPGRADES);
        ctx.close();
    }
}
