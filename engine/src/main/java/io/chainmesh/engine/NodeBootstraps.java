package io.chainmesh.engine;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.TimeUnit;

/**
 * How a node's sockets are set up: its IO event loop group, the {@link Bootstrap} that dials peers and the
 * {@link ServerBootstrap} that accepts them. Dialled and accepted links get the same socket options (no Nagle, pooled
 * buffers, water marks sized from the per-peer outbound budget, the configured socket buffers), so a link behaves the
 * same whichever side opened it. Static only: it builds, the {@link ChainmeshNode} owns and closes what is built.
 */
final class NodeBootstraps
{
    private NodeBootstraps()
    {
    }

    /**
     * @param ioThreads threads of the group.
     * @param transport the resolved transport (EPOLL or NIO).
     * @return a new group of daemon threads named {@code chainmesh-io-*}; the caller shuts it down.
     */
    static EventLoopGroup newEventLoopGroup(final int ioThreads, final Transport transport)
    {
        return new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("chainmesh-io", true),
            transport == Transport.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /**
     * @param group the node's group.
     * @param ctx   the concluded settings.
     * @return the bootstrap outbound links are dialled with; a dial that does not connect within the handshake
     *         timeout fails.
     */
    static Bootstrap dialling(final EventLoopGroup group, final ChainmeshNode.Context ctx)
    {
        final Bootstrap bootstrap = new Bootstrap()
            .group(group)
            .channel(ctx.resolvedTransport() == Transport.EPOLL ? EpollSocketChannel.class : NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark(ctx))
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int)Math.max(1, TimeUnit.NANOSECONDS.toMillis(ctx.handshakeTimeoutNs())));
        if (ctx.socketSendBufferSize() > 0)
        {
            bootstrap.option(ChannelOption.SO_SNDBUF, ctx.socketSendBufferSize());
        }
        if (ctx.socketReceiveBufferSize() > 0)
        {
            bootstrap.option(ChannelOption.SO_RCVBUF, ctx.socketReceiveBufferSize());
        }
        return bootstrap;
    }

    /**
     * @param group        the node's group.
     * @param ctx          the concluded settings.
     * @param childHandler sets up each accepted connection.
     * @return the bootstrap the listening socket is bound with.
     */
    static ServerBootstrap accepting(
        final EventLoopGroup group, final ChainmeshNode.Context ctx, final ChannelHandler childHandler)
    {
        final ServerBootstrap server = new ServerBootstrap()
            .group(group)
            .channel(ctx.resolvedTransport() == Transport.EPOLL ?
                EpollServerSocketChannel.class : NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.SO_BACKLOG, 256)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark(ctx))
            .childHandler(childHandler);
        if (ctx.socketSendBufferSize() > 0)
        {
            server.childOption(ChannelOption.SO_SNDBUF, ctx.socketSendBufferSize());
        }
        if (ctx.socketReceiveBufferSize() > 0)
        {
            server.childOption(ChannelOption.SO_RCVBUF, ctx.socketReceiveBufferSize());
        }
        return server;
    }

    // Sized from the per-peer outbound budget (low 1/8, high 1/4), never below Netty's default 32/64 KiB.
    private static WriteBufferWaterMark waterMark(final ChainmeshNode.Context ctx)
    {
        return new WriteBufferWaterMark(
            Math.max(32 * 1024, ctx.peerOutboundBudget() / 8), Math.max(64 * 1024, ctx.peerOutboundBudget() / 4));
    }
}
