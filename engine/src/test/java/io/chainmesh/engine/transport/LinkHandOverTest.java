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
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Large frames offered to a {@link Link} from a thread other than its IO thread are handed over in buffers of
 * their own ({@link Link#HAND_OVER_MIN_BYTES} and up): over a real socket on 127.0.0.1, they must leave in the
 * order each thread offered them among the small frames that still go through the ring, whatever buffer they come
 * from, be written by an orderly close, count against the link's budget with everything else queued, and be
 * released when the link closes with them unwritten.
 */
class LinkHandOverTest
{
    private static final int MAX_FRAME = 1024 * 1024;
    private static final long TIMEOUT_MS = 20_000;
    /** Bytes of a frame before its payload: length field, type, producer, sequence. */
    private static final int TAG_LENGTH = FrameDescriptor.TYPE_OFFSET + 1 + 2 * Integer.BYTES;

    private final UnpooledByteBufAllocator unpooled = new UnpooledByteBufAllocator(true, true);
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
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).sync();
    }

    @Test
    void shouldWriteHandedOverFramesInTheOrderEachThreadOfferedThemAmongRingFrames() throws Exception
    {
        final Channel client = connect(PooledByteBufAllocator.DEFAULT);
        final Link link = link(client, MAX_FRAME);
        final int producers = 3;
        final int framesEach = 200;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++)
        {
            final int producer = p;
            threads.add(new Thread(() ->
            {
                try
                {
                    for (int seq = 0; seq < framesEach; seq++)
                    {
                        offerUntilTaken(link, producer, seq);
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (final Thread thread : threads)
        {
            thread.join(TIMEOUT_MS);
        }
        assertThat(failure.get()).isNull();
        long expected = 0;
        for (int seq = 0; seq < framesEach; seq++)
        {
            expected += lengthOf(seq);
        }
        final long total = expected * producers;
        Await.until(() -> "bytes received: " + size() + " of " + total, TIMEOUT_MS, () -> size() >= total);

        assertEveryFrameInOrder(producers, framesEach);
        Await.until("every frame counted as written", TIMEOUT_MS, () -> link.framesOut() == producers * framesEach);
        assertThat(link.queuedBytes()).isZero();
        client.close().sync();
    }

    @Test
    void shouldWriteHandedOverFramesQueuedBeforeAnOrderlyClose() throws Exception
    {
        final Channel client = connect(PooledByteBufAllocator.DEFAULT);
        final Link link = link(client, MAX_FRAME);
        link.suspend();
        final int frames = 40;
        long total = 0;
        for (int seq = 0; seq < frames; seq++)
        {
            assertThat(link.offerFrame(source(0, seq), sourceOffset(seq), lengthOf(seq))).isEqualTo(Status.OK);
            total += lengthOf(seq);
        }
        assertThat(link.queuedBytes()).isGreaterThan(0);

        client.eventLoop().submit(link::writeAccepted).sync();
        final long expected = total;
        Await.until(() -> "bytes received: " + size() + " of " + expected, TIMEOUT_MS, () -> size() >= expected);
        assertEveryFrameInOrder(1, frames);
        assertThat(link.queuedBytes()).isZero();
        client.close().sync();
    }

    @ParameterizedTest(name = "{0} B frames")
    @ValueSource(ints = {Link.HAND_OVER_MIN_BYTES, 20_000})
    void shouldKeepEverythingQueuedWithinTheBudgetAndReleaseHandedOverFramesWhenTheLinkCloses(final int length)
        throws Exception
    {
        final Channel client = connect(unpooled);
        final int budget = 1024 * 1024;
        final Link link = link(client, budget);
        link.suspend();
        final UnsafeBuffer frame = frame(0, 1, length);
        final long usedBefore = unpooled.metric().usedDirectMemory();
        int accepted = 0;
        while (link.offerFrame(frame, 0, frame.capacity()) == Status.OK)
        {
            accepted++;
            assertThat(accepted).as("accepted past the budget").isLessThan(1000);
        }
        // The budget bounds the link, not the table of handed-over buffers; each ring record takes a few bytes.
        assertThat(accepted).isBetween(budget / length - 1, budget / length);
        assertThat(unpooled.metric().usedDirectMemory() - usedBefore)
            .as("each accepted frame sits in a buffer of its own").isGreaterThanOrEqualTo((long)accepted * length);

        // Frames that go through the ring fill what the handed-over ones left, and no more.
        final UnsafeBuffer small = frame(0, 2, 100);
        int smallAccepted = 0;
        while (link.offerFrame(small, 0, small.capacity()) == Status.OK)
        {
            smallAccepted++;
            assertThat(smallAccepted).as("small frames accepted past the budget").isLessThan(budget / 100);
        }
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[1000]);
        while (link.offerDirect(2, 1, 4, payload, 0, payload.capacity()) == Status.OK)
        {
            smallAccepted++;
            assertThat(smallAccepted).as("direct messages accepted past the budget").isLessThan(budget / 100);
        }
        assertThat(link.queuedBytes()).isLessThanOrEqualTo(budget);

        client.eventLoop().submit(() ->
        {
            link.state(Link.State.CLOSED);
            link.discardQueued();
        }).sync();
        assertThat(unpooled.metric().usedDirectMemory()).as("buffers handed over and never written").isEqualTo(usedBefore);
        assertThat(link.queuedBytes()).isZero();
        assertThat(link.offerFrame(frame, 0, frame.capacity())).isEqualTo(Status.NO_ROUTE);
        client.close().sync();
    }

    @Test
    void shouldRefuseARegionOutsideTheBufferBeforeQueuingAnything() throws Exception
    {
        final Channel client = connect(unpooled);
        final Link link = link(client, MAX_FRAME);
        link.suspend();
        final UnsafeBuffer frame = frame(0, 1, 2 * Link.HAND_OVER_MIN_BYTES);
        final long usedBefore = unpooled.metric().usedDirectMemory();

        // One byte past the end: a frame small enough for the ring, and one to hand over.
        for (final int length : new int[] {100, frame.capacity()})
        {
            final int offset = frame.capacity() - length + 1;
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> link.offerFrame(frame, offset, length))
                .isInstanceOf(IndexOutOfBoundsException.class);
        }
        assertThat(link.queuedBytes()).isZero();
        assertThat(unpooled.metric().usedDirectMemory()).isEqualTo(usedBefore);
        client.close().sync();
    }

    private Channel connect(final ByteBufAllocator allocator) throws InterruptedException
    {
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
            .option(ChannelOption.ALLOCATOR, allocator)
            .handler(new ChannelInboundHandlerAdapter())
            .connect(server.localAddress()).sync().channel();
    }

    private static Link link(final Channel client, final int budget)
    {
        assertThat(client.eventLoop().inEventLoop()).isFalse();
        return new Link(client, TestDirectory.memberIdOf(TestDirectory.keys(2).get(1)), true,
            EngineCounters.allocate(), 3, budget, MAX_FRAME);
    }

    private static void offerUntilTaken(final Link link, final int producer, final int seq)
    {
        final UnsafeBuffer source = source(producer, seq);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        long status;
        while ((status = link.offerFrame(source, sourceOffset(seq), lengthOf(seq))) == Status.BACK_PRESSURED)
        {
            assertThat(System.nanoTime() - deadline).as("frame %d of %d still back-pressured", seq, producer).isNegative();
            Thread.onSpinWait();
        }
        assertThat(status).isEqualTo(Status.OK);
    }

    /** Small frames go through the ring and the others are handed over; two sit on either side of the threshold. */
    private static int lengthOf(final int seq)
    {
        return switch (seq % 4)
        {
            case 0 -> 100;
            case 1 -> Link.HAND_OVER_MIN_BYTES;
            case 2 -> 40_000 + seq;
            default -> Link.HAND_OVER_MIN_BYTES - 1;
        };
    }

    private static int sourceOffset(final int seq)
    {
        return seq % 3 == 0 ? 0 : 5 + seq % 7;
    }

    /** The frame inside a larger buffer, on the heap or off it by turns, at {@link #sourceOffset}. */
    private static UnsafeBuffer source(final int producer, final int seq)
    {
        final int offset = sourceOffset(seq);
        final int capacity = offset + lengthOf(seq) + 3;
        final UnsafeBuffer source = seq % 2 == 0 ? new UnsafeBuffer(new byte[capacity]) :
            new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
        source.setMemory(0, capacity, (byte)0x5A);
        source.putBytes(offset, frame(producer, seq, lengthOf(seq)), 0, lengthOf(seq));
        return source;
    }

    /** A frame of a non-DIRECT type tagged with its producer and sequence, its payload a function of both. */
    private static UnsafeBuffer frame(final int producer, final int seq, final int length)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[length]);
        frame.putInt(FrameDescriptor.LENGTH_OFFSET, length - FrameDescriptor.LENGTH_FIELD_LENGTH, ByteOrder.BIG_ENDIAN);
        frame.putByte(FrameDescriptor.TYPE_OFFSET, (byte)FrameType.BATCH);
        frame.putInt(FrameDescriptor.TYPE_OFFSET + 1, producer, ByteOrder.BIG_ENDIAN);
        frame.putInt(FrameDescriptor.TYPE_OFFSET + 1 + Integer.BYTES, seq, ByteOrder.BIG_ENDIAN);
        for (int i = TAG_LENGTH; i < length; i++)
        {
            frame.putByte(i, (byte)(producer * 131 + seq * 31 + i));
        }
        return frame;
    }

    private void assertEveryFrameInOrder(final int producers, final int framesEach)
    {
        final ByteBuffer stream;
        synchronized (received)
        {
            stream = ByteBuffer.wrap(received.toByteArray()).order(ByteOrder.BIG_ENDIAN);
        }
        final int[] next = new int[producers];
        while (stream.hasRemaining())
        {
            final int start = stream.position();
            final int length = FrameDescriptor.LENGTH_FIELD_LENGTH + stream.getInt();
            stream.get();
            final int producer = stream.getInt();
            final int seq = stream.getInt();
            assertThat(producer).as("producer at byte %d", start).isBetween(0, producers - 1);
            assertThat(seq).as("sequence of producer %d", producer).isEqualTo(next[producer]);
            assertThat(length).as("frame %d of producer %d", seq, producer).isEqualTo(lengthOf(seq));
            final byte[] bytes = new byte[length];
            stream.position(start);
            stream.get(bytes);
            final byte[] sent = new byte[length];
            frame(producer, seq, length).getBytes(0, sent);
            assertThat(bytes).as("frame %d of producer %d", seq, producer).isEqualTo(sent);
            next[producer]++;
        }
        assertThat(next).containsOnly(framesEach);
    }

    private long size()
    {
        synchronized (received)
        {
            return received.size();
        }
    }
}
