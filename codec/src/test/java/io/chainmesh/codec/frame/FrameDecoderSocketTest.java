package io.chainmesh.codec.frame;

import io.chainmesh.codec.CodecException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * FrameDecoder behind a real TCP socket on 127.0.0.1, where the kernel decides how bytes are split.
 */
class FrameDecoderSocketTest
{
    private static final int FRAMES = 2000;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void tearDown() throws InterruptedException
    {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private Channel server(final ChannelInboundHandlerAdapter handler) throws InterruptedException
    {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    ch.pipeline().addLast(new FrameDecoder(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH), handler);
                }
            })
            .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    private Channel client(final Channel server) throws InterruptedException
    {
        return new Bootstrap().group(group).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
            .handler(new ChannelInboundHandlerAdapter())
            .connect(server.localAddress()).sync().channel();
    }

    @Test
    void shouldDeliverEveryFrameIntactOverTcp() throws Exception
    {
        final Random random = new Random(7);
        final List<byte[]> sent = new ArrayList<>();
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 0; i < FRAMES; i++)
        {
            final byte[] body = new byte[random.nextInt(i % 100 == 0 ? 70_000 : 300)];
            random.nextBytes(body);
            final byte[] frame = FrameDecoderTest.frame(FrameType.BATCH, i & 0xFF, body);
            sent.add(frame);
            stream.writeBytes(frame);
        }
        final List<byte[]> received = new ArrayList<>();
        final CountDownLatch done = new CountDownLatch(FRAMES);
        final Channel server = server(new ChannelInboundHandlerAdapter()
        {
            @Override
            public void channelRead(final ChannelHandlerContext ctx, final Object msg)
            {
                final ByteBuf frame = (ByteBuf)msg;
                try
                {
                    received.add(ByteBufUtil.getBytes(frame));
                }
                finally
                {
                    frame.release();
                }
                done.countDown();
            }
        });
        final Channel client = client(server);
        final byte[] all = stream.toByteArray();
        int position = 0;
        while (position < all.length)
        {
            final int chunk = Math.min(all.length - position, 1 + random.nextInt(9000));
            client.write(Unpooled.wrappedBuffer(all, position, chunk));
            position += chunk;
            if (random.nextInt(4) == 0)
            {
                client.flush();
            }
        }
        client.flush();

        assertThat(done.await(20, TimeUnit.SECONDS)).as("all frames arrive").isTrue();
        assertThat(received).hasSize(FRAMES);
        for (int i = 0; i < FRAMES; i++)
        {
            assertThat(received.get(i)).as("frame %d", i).isEqualTo(sent.get(i));
        }
        client.close().sync();
        server.close().sync();
    }

    @Test
    void shouldReportOversizedFrameAndLetTheHandlerCloseTheConnection() throws Exception
    {
        final CompletableFuture<Throwable> error = new CompletableFuture<>();
        final Channel server = server(new ChannelInboundHandlerAdapter()
        {
            @Override
            public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
            {
                error.complete(cause);
                ctx.close();
            }
        });
        final Channel client = client(server);
        client.writeAndFlush(Unpooled.buffer().writeInt(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH + 1)).sync();

        final Throwable cause = error.get(10, TimeUnit.SECONDS);
        assertThat(cause).isInstanceOf(DecoderException.class).hasCauseInstanceOf(CodecException.class);
        assertThat(cause.getCause()).hasMessage("frame length 1048577 exceeds limit 1048576");
        assertThat(client.closeFuture().await(10, TimeUnit.SECONDS)).as("server closed the connection").isTrue();
        server.close().sync();
    }
}
