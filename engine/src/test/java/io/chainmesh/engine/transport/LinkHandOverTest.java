package io.chainmesh.engine.transport;

import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.engine.Await;
import io.chainmesh.engine.EngineCounters;
import io.chainmesh.engine.Status;
import io.chainmesh.engine.TestDirectory;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
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
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Large frames offered to a {@link Link} from a thread other than its IO thread are handed over in buffers of
 * their own ({@link Link#HAND_OVER_MIN_BYTES} and up): over a real socket on 127.0.0.1, they must leave in the
 * order offered among the small frames that still go through the ring, count against the link's budget, and be
 * released when the link closes with them unwritten.
 */
class LinkHandOverTest
{
    private static final int MAX_FRAME = 1024 * 1024;
    private static final long TIMEOUT_MS = 20_000;

    private final UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(true, true);
    private EventLoopGroup group;
    private Channel server;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    @BeforeEach
    void startServer() throws InterruptedException
    {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    ch.pipeline().addLast(new ChannelInboundHandlerAdapter()
                    {
                        @Override
                        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
                        {
                            final ByteBuf bytes = (ByteBuf)msg;
                            final byte[] copy = new byte[bytes.readableBytes()];
                            bytes.readBytes(copy);
                            bytes.release();
                            synchronized (received)
                            {
                                received.writeBytes(copy);
                            }
                        }
                    });
                }
            })
            .bind("127.0.0.1", 0).sync().channel();
    }

    @AfterEach
    void stop() throws InterruptedException
    {
        server.close().sync();
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS).sync();
    }

    @Test
    void shouldWriteHandedOverFramesInTheOrderOfferedAmongRingFrames() throws Exception
    {
        final Channel client = connect();
        final Link link = new Link(client, TestDirectory.memberIdOf(TestDirectory.keys(2).get(1)), true,
            EngineCounters.allocate(), 3, MAX_FRAME, MAX_FRAME);
        final int frames = 300;
        final List<Integer> lengths = new ArrayList<>();
        long totalBytes = 0;
        for (int i = 0; i < frames; i++)
        {
            // Small frames go through the ring, the others are handed over; one sits right at the threshold.
            final int length = switch (i % 4)
            {
                case 0 -> 100;
                case 1 -> Link.HAND_OVER_MIN_BYTES;
                case 2 -> 40_000 + i;
                default -> Link.HAND_OVER_MIN_BYTES - 1;
            };
            lengths.add(length);
            totalBytes += length;
        }
        assertThat(client.eventLoop().inEventLoop()).isFalse();
        for (int i = 0; i < frames; i++)
        {
            final UnsafeBuffer frame = frame(i, lengths.get(i));
            final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
            long status;
            while ((status = link.offerFrame(frame, 0, frame.capacity())) == Status.BACK_PRESSURED)
            {
                assertThat(System.nanoTime() - deadline).as("frame %d still back-pressured", i).isNegative();
                Thread.onSpinWait();
            }
            assertThat(status).isEqualTo(Status.OK);
        }
        final long expected = totalBytes;
        Await.until(() -> "bytes received: " + size() + " of " + expected, TIMEOUT_MS, () -> size() >= expected);

        final ByteBuffer stream;
        synchronized (received)
        {
            stream = ByteBuffer.wrap(received.toByteArray()).order(ByteOrder.BIG_ENDIAN);
        }
        assertThat(stream.remaining()).isEqualTo(expected);
        for (int i = 0; i < frames; i++)
        {
            final int start = stream.position();
            final int length = FrameDescriptor.LENGTH_FIELD_LENGTH + stream.getInt();
            assertThat(length).as("frame %d", i).isEqualTo(lengths.get(i));
            final byte[] bytes = new byte[length];
            stream.position(start);
            stream.get(bytes);
            final byte[] sent = new byte[length];
            frame(i, length).getBytes(0, sent);
            assertThat(bytes).as("frame %d", i).isEqualTo(sent);
        }
        Await.until("every frame counted as written", TIMEOUT_MS, () -> link.framesOut() == frames);
        assertThat(link.queuedBytes()).isZero();
        client.close().sync();
    }

    @ParameterizedTest(name = "{0} B frames")
    @ValueSource(ints = {Link.HAND_OVER_MIN_BYTES, 20_000})
    void shouldCountHandedOverFramesAgainstTheBudgetAndReleaseThemWhenTheLinkCloses(final int length) throws Exception
    {
        final Channel client = connect();
        final int budget = 1024 * 1024;
        final Link link = new Link(client, TestDirectory.memberIdOf(TestDirectory.keys(2).get(1)), true,
            EngineCounters.allocate(), 3, budget, MAX_FRAME);
        link.suspend();
        final UnsafeBuffer frame = frame(1, length);
        final long usedBefore = allocator.metric().usedDirectMemory();
        int accepted = 0;
        while (link.offerFrame(frame, 0, frame.capacity()) == Status.OK)
        {
            accepted++;
            assertThat(accepted).as("accepted past the budget").isLessThan(1000);
        }
        // The budget bounds the link, not the table of handed-over buffers; each ring record takes a few bytes.
        assertThat(accepted).isBetween(budget / length - 1, budget / length);
        assertThat(link.queuedBytes()).isGreaterThanOrEqualTo(accepted * frame.capacity()).isLessThanOrEqualTo(budget);
        assertThat(allocator.metric().usedDirectMemory() - usedBefore)
            .as("each accepted frame sits in a buffer of its own").isGreaterThanOrEqualTo((long)accepted * frame.capacity());

        client.eventLoop().submit(() ->
        {
            link.state(Link.State.CLOSED);
            link.discardQueued();
        }).sync();
        assertThat(allocator.metric().usedDirectMemory()).as("buffers handed over and never written").isEqualTo(usedBefore);
        assertThat(link.queuedBytes()).isZero();
        assertThat(link.offerFrame(frame, 0, frame.capacity())).isEqualTo(Status.NO_ROUTE);
        client.close().sync();
    }

    private Channel connect() throws InterruptedException
    {
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
            .option(ChannelOption.ALLOCATOR, allocator)
            .handler(new ChannelInboundHandlerAdapter())
            .connect(server.localAddress()).sync().channel();
    }

    private long size()
    {
        synchronized (received)
        {
            return received.size();
        }
    }

    /** A frame of a non-DIRECT type whose bytes after the header are a function of its number. */
    private static UnsafeBuffer frame(final int number, final int length)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[length]);
        frame.putInt(FrameDescriptor.LENGTH_OFFSET, length - FrameDescriptor.LENGTH_FIELD_LENGTH, ByteOrder.BIG_ENDIAN);
        frame.putByte(FrameDescriptor.TYPE_OFFSET, (byte)FrameType.BATCH);
        for (int i = FrameDescriptor.TYPE_OFFSET + 1; i < length; i++)
        {
            frame.putByte(i, (byte)(number * 31 + i));
        }
        return frame;
    }
}
