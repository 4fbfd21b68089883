package io.chainmesh.perf.direct;

import io.chainmesh.codec.direct.DirectDescriptor;
import io.chainmesh.codec.frame.FrameDecoder;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The raw Netty ceiling: a client and a server, each with its own single-threaded NIO event loop (as
 * each ChainmeshNode has), {@link FrameDecoder} and the same 6-byte frame header; frames are DIRECT
 * frames of the same size as the engine sends, and nothing else happens (no handshake, no routing,
 * no counters, no queue).
 * <p>
 * The server decodes as a plain Netty application does (a retained slice per frame through
 * {@code channelRead}) unless built with {@code inPlaceReceive}, which hands DIRECT frames over in place
 * ({@link FrameDecoder#inPlace}) exactly as the engine's session does: the stricter ceiling, so that an
 * engine figure is never flattered by a receive path the baseline lacks.
 */
final class RawNettyBaseline implements AutoCloseable
{
    /** The same watermarks a ChainmeshNode uses with its default 1 MiB per-peer budget. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 256 * 1024);
    private final EventLoopGroup serverGroup =
        new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("raw-server", true), NioIoHandler.newFactory());
    private final EventLoopGroup clientGroup =
        new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("raw-client", true), NioIoHandler.newFactory());
    final AtomicLong serverReceived = new AtomicLong();
    volatile long lastEchoNanos;
    volatile long echoes;
    private final boolean echo;
    final Channel client;
    private final Channel server;
    private final int payloadLength;

    RawNettyBaseline(final boolean echo, final int payloadLength)
    {
        this(echo, payloadLength, false);
    }

    RawNettyBaseline(final boolean echo, final int payloadLength, final boolean inPlaceReceive)
    {
        this.echo = echo;
        this.payloadLength = payloadLength;
        server = new ServerBootstrap()
            .group(serverGroup)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .childHandler(new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel ch)
                {
                    final FrameDecoder decoder = new FrameDecoder(1024 * 1024);
                    if (inPlaceReceive && !echo)
                    {
                        decoder.inPlace(FrameType.DIRECT,
                            (buffer, offset, length) -> serverReceived.lazySet(serverReceived.get() + 1));
                    }
                    ch.pipeline().addLast(decoder).addLast(new ServerHandler());
                }
            })
            .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        client = new Bootstrap()
            .group(clientGroup)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .handler(new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel ch)
                {
                    ch.pipeline().addLast(new FrameDecoder(1024 * 1024)).addLast(new ClientHandler());
                }
            })
            .connect(server.localAddress()).syncUninterruptibly().channel();
    }

    int frameLength()
    {
        return DirectDescriptor.frameLength(payloadLength);
    }

    /** Writes one DIRECT-sized frame into {@code out}. */
    void writeFrame(final ByteBuf out, final long stamp)
    {
        Frames.writeHeader(out, FrameType.DIRECT, 0, DirectDescriptor.BODY_HEADER_LENGTH + payloadLength);
        out.writeLong(2);
        out.writeLong(1);
        out.writeByte(8);
        out.writeByte(0);
        out.writeShort(0);
        out.writeInt(payloadLength);
        out.writeLong(stamp);
        out.writeZero(payloadLength - 8);
    }

    /**
     * Event-loop producer: fills 64 KiB buffers while the channel is writable, flushes, re-schedules.
     * The strongest way to push small frames through Netty (no cross-thread hand-off at all).
     */
    void startEventLoopProducer(final java.util.function.BooleanSupplier running)
    {
        producerRunning = running;
        client.eventLoop().execute(this::produce);
    }

    private java.util.function.BooleanSupplier producerRunning;

    /**
     * Event-loop producer: fills 64 KiB buffers while the channel is writable and flushes; resumes on
     * writability (or yields to IO after 256 KiB). No cross-thread hand-off at all: the ceiling.
     */
    private void produce()
    {
        if (!producerRunning.getAsBoolean() || !client.isActive())
        {
            return;
        }
        int written = 0;
        while (client.isWritable() && written < 256 * 1024)
        {
            final ByteBuf out = client.alloc().directBuffer(Math.max(16 * 1024, frameLength()));
            while (out.writableBytes() >= frameLength())
            {
                writeFrame(out, 0);
            }
            written += out.readableBytes();
            client.write(out, client.voidPromise());
        }
        client.flush();
        if (client.isWritable())
        {
            client.eventLoop().execute(this::produce);
        }
    }

    private final class ServerHandler extends ChannelInboundHandlerAdapter
    {
        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            ctx.close();
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf frame = (ByteBuf)msg;
            serverReceived.lazySet(serverReceived.get() + 1);
            if (echo)
            {
                ctx.writeAndFlush(frame, ctx.voidPromise());
            }
            else
            {
                frame.release();
            }
        }
    }

    private final class ClientHandler extends ChannelInboundHandlerAdapter
    {
        @Override
        public void channelWritabilityChanged(final ChannelHandlerContext ctx)
        {
            if (null != producerRunning && ctx.channel().isWritable())
            {
                produce();
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            ctx.close();
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf frame = (ByteBuf)msg;
            lastEchoNanos = frame.getLong(frame.readerIndex() + DirectDescriptor.PAYLOAD_OFFSET);
            frame.release();
            echoes = echoes + 1;
        }
    }

    @Override
    public void close()
    {
        client.close().awaitUninterruptibly(2000);
        server.close().awaitUninterruptibly(2000);
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3000);
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3000);
    }
}
