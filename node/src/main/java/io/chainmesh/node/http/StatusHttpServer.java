package io.chainmesh.node.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A small read-only HTTP/1.1 server (Netty HTTP codec) on its own single-thread event loop, for status and
 * metrics. Bounded: request line 1024 bytes, headers 4096 bytes, body 0 bytes (GET/HEAD only), 10 s read
 * timeout, one request per connection (requests pipelined behind it are not read). Unknown paths get 404, other
 * methods 405 with {@code Allow: GET, HEAD}, malformed requests 400, a request with an {@code Expect} 417.
 * <p>
 * Threads: {@link #launch()} starts the {@code chainmesh-http} thread, which runs the {@link Routes}.
 */
public final class StatusHttpServer implements AutoCloseable
{
    /** Longest accepted request line. */
    public static final int MAX_INITIAL_LINE_LENGTH = 1024;
    /** Largest accepted header block. */
    public static final int MAX_HEADER_SIZE = 4096;
    /** A connection that sends nothing for this long is closed. */
    static final int READ_TIMEOUT_SECONDS = 10;

    /** A response body with its content type. */
    public record Response(String contentType, String body)
    {
    }

    /** Maps a path (query removed) to a response, or null for 404. Runs on the HTTP thread. */
    @FunctionalInterface
    public interface Routes
    {
        /**
         * @param path the request path.
         * @return the response, or null when the path is unknown.
         */
        Response route(String path);
    }

    private final InetSocketAddress bindAddress;
    private final Routes routes;
    private EventLoopGroup group;
    private Channel serverChannel;
    private boolean closed;

    /**
     * @param bindAddress address to bind (loopback by default in the node config).
     * @param routes      the handlers.
     */
    public StatusHttpServer(final InetSocketAddress bindAddress, final Routes routes)
    {
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
        this.routes = Objects.requireNonNull(routes, "routes");
    }

    /**
     * Binds and starts the event loop thread.
     *
     * @return this.
     * @throws IllegalStateException if the address cannot be bound.
     */
    public synchronized StatusHttpServer launch()
    {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("chainmesh-http", true),
            NioIoHandler.newFactory());
        try
        {
            serverChannel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(final SocketChannel ch)
                    {
                        initPipeline(ch.pipeline(), routes);
                    }
                })
                .bind(bindAddress).syncUninterruptibly().channel();
        }
        catch (final RuntimeException ex)
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5000);
            throw new IllegalStateException("http.address=" + bindAddress + " cannot be bound: " + ex.getMessage(), ex);
        }
        return this;
    }

    /** @return the bound address (with the real port when bound to port 0). */
    public InetSocketAddress localAddress()
    {
        return (InetSocketAddress)serverChannel.localAddress();
    }

    /** Closes the listening socket and stops the thread. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (null != serverChannel)
        {
            serverChannel.close().awaitUninterruptibly(5000);
        }
        if (null != group)
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5000);
        }
    }

    /**
     * The handlers of one connection, in order (the fuzz target drives the same pipeline on an embedded channel).
     *
     * @param pipeline a new connection's pipeline.
     * @param routes   the handlers.
     */
    static void initPipeline(final ChannelPipeline pipeline, final Routes routes)
    {
        pipeline
            .addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            .addLast(new HttpServerCodec(MAX_INITIAL_LINE_LENGTH, MAX_HEADER_SIZE, 1024))
            .addLast(new BodyGuard())
            .addLast(new HttpObjectAggregator(0))
            .addLast(new Handler(routes));
    }

    /**
     * Refuses a request that announces a body before any of it is read (413) or carries an {@code Expect} (417), and
     * closes, so the connection never lingers half-read (the aggregator alone would keep it open for the next
     * request); nothing after the refusal is read.
     */
    private static final class BodyGuard extends io.netty.channel.ChannelInboundHandlerAdapter
    {
        private boolean refused;

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            if (refused)
            {
                // The rest of what the same read decoded (the body, pipelined requests): the connection is closing.
                io.netty.util.ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof io.netty.handler.codec.http.HttpRequest request)
            {
                if (announcesBody(request))
                {
                    refuse(ctx, msg, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                        "request body not accepted: GET or HEAD without a body\n");
                    return;
                }
                if (request.headers().contains(HttpHeaderNames.EXPECT))
                {
                    // Answered here, not by the aggregator: its 100 Continue or 417 would let the client go on.
                    refuse(ctx, msg, HttpResponseStatus.EXPECTATION_FAILED,
                        "Expect not accepted: GET or HEAD without a body\n");
                    return;
                }
            }
            ctx.fireChannelRead(msg);
        }

        private void refuse(final ChannelHandlerContext ctx, final Object msg, final HttpResponseStatus status,
            final String text)
        {
            io.netty.util.ReferenceCountUtil.release(msg);
            refused = true;
            ctx.channel().config().setAutoRead(false);
            Handler.reply(ctx, status, "text/plain; charset=utf-8", text, false);
        }

        /**
         * Read from the headers as sent, whether or not the request decoded: a malformed request that announces a body
         * must not reach the aggregator, whose own 413 keeps the connection open.
         */
        private static boolean announcesBody(final io.netty.handler.codec.http.HttpRequest request)
        {
            if (request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING))
            {
                return true;
            }
            for (final String length : request.headers().getAll(HttpHeaderNames.CONTENT_LENGTH))
            {
                if (!"0".equals(length.trim()))
                {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest>
    {
        private final Routes routes;
        /** One request per connection: requests pipelined behind the first in the same read are not routed. */
        private boolean answered;

        Handler(final Routes routes)
        {
            this.routes = routes;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request)
        {
            if (answered)
            {
                return;
            }
            answered = true;
            if (!request.decoderResult().isSuccess())
            {
                reply(ctx, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8",
                    "bad request: " + request.decoderResult().cause().getMessage() + "\n", false);
                return;
            }
            final HttpMethod method = request.method();
            final boolean head = HttpMethod.HEAD.equals(method);
            if (!HttpMethod.GET.equals(method) && !head)
            {
                final FullHttpResponse response = response(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "text/plain; charset=utf-8", "method " + method + " not allowed: GET or HEAD\n", false);
                response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            final String uri = request.uri();
            final int query = uri.indexOf('?');
            final String path = query >= 0 ? uri.substring(0, query) : uri;
            Response routed;
            try
            {
                routed = routes.route(path);
            }
            catch (final RuntimeException ex)
            {
                reply(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                    "error: " + ex + "\n", head);
                return;
            }
            if (null == routed)
            {
                reply(ctx, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                    "not found: " + path + " (try /, /overview, /status, /peers, /directory, /metrics)\n", head);
                return;
            }
            reply(ctx, HttpResponseStatus.OK, routed.contentType(), routed.body(), head);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            // An oversized request or read timeout: the client gets no more than a closed socket.
            ctx.close();
        }

        private static void reply(
            final ChannelHandlerContext ctx,
            final HttpResponseStatus status,
            final String contentType,
            final String body,
            final boolean head)
        {
            ctx.writeAndFlush(response(status, contentType, body, head)).addListener(ChannelFutureListener.CLOSE);
        }

        private static FullHttpResponse response(
            final HttpResponseStatus status, final String contentType, final String body, final boolean head)
        {
            final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
            response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            return response;
        }
    }
}
