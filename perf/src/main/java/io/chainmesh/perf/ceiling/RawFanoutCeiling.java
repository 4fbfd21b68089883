package io.chainmesh.perf.ceiling;

import io.chainmesh.codec.batch.BatchDecoder;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.batch.BatchSigner;
import io.chainmesh.codec.batch.BatchVerifier;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameDecoder;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.record.RecordAead;
import io.chainmesh.codec.record.RecordDescriptor;
import io.chainmesh.codec.record.SessionKeys;
import io.chainmesh.engine.EngineCounters;
import io.chainmesh.engine.broadcast.BroadcastTree;
import io.chainmesh.engine.transport.RecordOpener;
import io.chainmesh.engine.transport.RecordSealer;
import io.chainmesh.engine.transport.RecordSettings;
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
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The raw fan-out ceiling of signed broadcast on this machine: the same deterministic tree ({@link BroadcastTree},
 * each node forwarding over its ring successor and fingers) and the same batching (a batch of {@code B} 64-byte
 * entries per frame, {@code B} taken from the chainmesh run it is compared with), over plain Netty TCP on 127.0.0.1,
 * with no signature, no AEAD, no pipeline stages, no de-duplication, no repair and no membership: a receiver reads a
 * frame on its event loop, forwards the same bytes to its children and counts the entries as delivered. What
 * chainmesh delivers against this is the share of the hardware it keeps; the rest is its signing, verifying, copies
 * and hand-offs between threads.
 * <p>
 * All nodes share one event loop group with one thread per core (the fewest threads that use the machine), and one
 * publisher thread offers batches for every origin in turn, closed loop: an origin stops while more than
 * {@code maxOutstanding} of its messages are not yet delivered to every other node (the chainmesh harness's rule).
 * Frame: {@code length u32 · origin u16 · count u16 · sendNanos u64 · [topic u16 · length u32 · payload]*count}.
 * <p>
 * {@link Work#SIGNED_SEALED} adds back exactly the cryptography a chainmesh delivery cannot do without, with
 * chainmesh's own code and nothing else of its engine: the publisher signs each batch as its origin (a real BATCH
 * frame, {@link BatchSigner}), every link carries AES-GCM records ({@link RecordSealer} and {@link RecordOpener} in the
 * channel pipelines), and a receiver checks the origin's signature ({@link BatchVerifier}: SHA-256 of the batch and
 * ECDSA, on libsecp256k1 when it loads) before it forwards and delivers. The gap between the two ceilings is what the
 * cryptography costs on this machine; the gap between this one and chainmesh is what its engine costs.
 */
public final class RawFanoutCeiling
{
    private static final int HEADER = 4 + 2 + 2 + 8;
    private static final int ENTRY_HEADER = 2 + 4;
    private static final int TOPIC = 1;

    /** What a node does to a batch besides forwarding it and counting its messages. */
    public enum Work
    {
        /** Nothing: frames of the ceiling's own format over plain TCP. */
        NONE,
        /** Signed BATCH frames, checked at every receiver, over AES-GCM records on every link. */
        SIGNED_SEALED
    }

    /** One run's figures. */
    public record Result(
        int nodes, int payloadBytes, int messagesPerBatch, double seconds, long published, long delivered,
        double deliveredPerNodePerSecond, double latencyP50Ms, double latencyP99Ms, double bytesOnWirePerDelivered,
        int eventLoopThreads, Work work, long refused)
    {
    }

    private final int nodes;
    private final int size;
    private final int batch;
    private final long maxOutstanding;
    private final Work work;
    private final AtomicLongArray deliveredByOrigin;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    private final Recorder latency = new Recorder(3);
    private final AtomicLong refused = new AtomicLong();
    private final Channel[][] links;
    private volatile boolean counting;
    // SIGNED_SEALED only: keys and counters per node, the publisher's batch scratch and one secret for every link
    // (what is measured is the cost of the records, not their secrecy).
    private final NodeKey[] keys;
    private final BatchSigner[] signers;
    private final EngineCounters[] counters;
    private final long[] batchSeq;
    private final BatchEncoder encoder = new BatchEncoder();
    private final UnsafeBuffer batchScratch;
    private final UnsafeBuffer payload;
    private final byte[] linkSecret = new byte[32];
    private final byte[] linkTranscript = new byte[32];

    private RawFanoutCeiling(final int nodes, final int size, final int batch, final long maxOutstanding, final Work work)
    {
        this.nodes = nodes;
        this.size = size;
        this.batch = batch;
        this.maxOutstanding = maxOutstanding;
        this.work = work;
        this.deliveredByOrigin = new AtomicLongArray(nodes);
        this.links = new Channel[nodes][BroadcastTree.maxChildren(BroadcastTree.RADIX_BITS)];
        final boolean signed = work == Work.SIGNED_SEALED;
        this.keys = new NodeKey[signed ? nodes : 0];
        this.signers = new BatchSigner[keys.length];
        this.counters = new EngineCounters[keys.length];
        this.batchSeq = new long[keys.length];
        this.batchScratch = new UnsafeBuffer(new byte[signed ? signedFrameLength(batch, size) : 0]);
        this.payload = new UnsafeBuffer(new byte[size]);
        if (signed)
        {
            final SecureRandom random = new SecureRandom();
            random.nextBytes(linkSecret);
            random.nextBytes(linkTranscript);
            for (int i = 0; i < nodes; i++)
            {
                keys[i] = NodeKey.generate(random);
                signers[i] = new BatchSigner(keys[i]);
                counters[i] = EngineCounters.allocate();
            }
        }
    }

    private static int signedFrameLength(final int batch, final int size)
    {
        return BatchDescriptor.MIN_FRAME_LENGTH + batch * (BatchDescriptor.ENTRY_HEADER_LENGTH + size);
    }

    /**
     * @param nodes          network size.
     * @param size           payload bytes per message.
     * @param batch          messages per frame (chainmesh's messages per signature in the compared run).
     * @param seconds        publishing time (after a warm-up of half of it, at most 2 s).
     * @param maxOutstanding per origin, messages not yet delivered everywhere before the origin waits.
     * @return the figures.
     * @throws InterruptedException if interrupted.
     */
    public static Result run(final int nodes, final int size, final int batch, final double seconds, final long maxOutstanding)
        throws InterruptedException
    {
        return run(nodes, size, batch, seconds, maxOutstanding, Work.NONE);
    }

    /**
     * @param nodes          network size.
     * @param size           payload bytes per message (at least 8 for {@link Work#SIGNED_SEALED}, whose first
     *                       message of a batch carries its send time).
     * @param batch          messages per frame (chainmesh's messages per signature in the compared run).
     * @param seconds        publishing time (after a warm-up of half of it, at most 2 s).
     * @param maxOutstanding per origin, messages not yet delivered everywhere before the origin waits.
     * @param work           what a node does to a batch besides forwarding it.
     * @return the figures.
     * @throws InterruptedException if interrupted.
     * @throws IllegalArgumentException if a signed batch of this shape would not fit one frame.
     */
    public static Result run(
        final int nodes, final int size, final int batch, final double seconds, final long maxOutstanding, final Work work)
        throws InterruptedException
    {
        return run(nodes, size, batch, seconds, maxOutstanding, work, () -> { });
    }

    /**
     * As {@link #run(int, int, int, double, long, Work)}, telling when the warm-up ends (to start a profiler there).
     *
     * @param nodes          network size.
     * @param size           payload bytes per message.
     * @param batch          messages per frame.
     * @param seconds        publishing time.
     * @param maxOutstanding per origin, messages not yet delivered everywhere before the origin waits.
     * @param work           what a node does to a batch besides forwarding it.
     * @param afterWarmUp    run on the publishing thread when the warm-up has drained, before the measured time.
     * @return the figures.
     * @throws InterruptedException if interrupted.
     */
    public static Result run(
        final int nodes, final int size, final int batch, final double seconds, final long maxOutstanding, final Work work,
        final Runnable afterWarmUp)
        throws InterruptedException
    {
        final int messagesPerBatch = Math.max(1, Math.min(batch, BatchDescriptor.MAX_ENTRIES));
        if (work == Work.SIGNED_SEALED &&
            (size < Long.BYTES || (long)signedFrameLength(messagesPerBatch, size) > FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH))
        {
            throw new IllegalArgumentException("a signed batch of " + messagesPerBatch + " messages of " + size +
                " B must fit " + FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH + " B and carry an 8-byte send time");
        }
        return new RawFanoutCeiling(nodes, size, messagesPerBatch, maxOutstanding, work).measure(seconds, afterWarmUp);
    }

    private Result measure(final double seconds, final Runnable afterWarmUp) throws InterruptedException
    {
        final int threads = Runtime.getRuntime().availableProcessors();
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads,
            new DefaultThreadFactory("ceiling-loop", true), NioIoHandler.newFactory());
        final List<Channel> servers = new ArrayList<>();
        try
        {
            final int[] ports = new int[nodes];
            for (int i = 0; i < nodes; i++)
            {
                final int self = i;
                final Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childHandler(new ChannelInitializer<SocketChannel>()
                    {
                        @Override
                        protected void initChannel(final SocketChannel ch)
                        {
                            if (work == Work.SIGNED_SEALED)
                            {
                                ch.pipeline().addLast(
                                    new FrameDecoder(RecordDescriptor.MAX_LENGTH_FIELD).joinReadsWithoutCopying(),
                                    new RecordOpener(linkKeys(false).opener(), counters[self],
                                        FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH),
                                    new SignedReceiver(self));
                            }
                            else
                            {
                                ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 24, 0, 4, -4, 0),
                                    new Receiver(self));
                            }
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                servers.add(server);
                ports[i] = ((InetSocketAddress)server.localAddress()).getPort();
            }
            final Bootstrap client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
            for (int i = 0; i < nodes; i++)
            {
                final int self = i;
                // Links only send: the peer's server side reads.
                final Bootstrap dialler = client.clone().handler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(final SocketChannel ch)
                    {
                        if (work == Work.SIGNED_SEALED)
                        {
                            ch.pipeline().addLast(new RecordSealer(linkKeys(true).sealer(), RecordSettings.DEFAULT,
                                counters[self].records()));
                        }
                    }
                });
                // Link j leads to the node at the tree's j-th child distance: every child of every range is one of them.
                for (int j = 0; j < BroadcastTree.childCount(nodes); j++)
                {
                    links[i][j] = dialler.connect(new InetSocketAddress("127.0.0.1",
                        ports[(i + BroadcastTree.childDistance(j)) % nodes])).sync().channel();
                }
            }
            publish(Math.min(2.0, seconds / 2));
            afterWarmUp.run();
            latency.reset();
            final long deliveredBefore = delivered.get();
            final long bytesBefore = bytesOut.get();
            counting = true;
            final long started = System.nanoTime();
            final long published = publish(seconds);
            final long elapsedNanos = System.nanoTime() - started;
            counting = false;
            final long deliveries = delivered.get() - deliveredBefore;
            final Histogram histogram = latency.getIntervalHistogram();
            final double elapsed = elapsedNanos / 1e9;
            return new Result(nodes, size, batch, elapsed, published, deliveries, deliveries / (double)nodes / elapsed,
                histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(99) / 1e6,
                deliveries == 0 ? 0 : (bytesOut.get() - bytesBefore) / (double)deliveries, threads, work, refused.get());
        }
        finally
        {
            servers.forEach(Channel::close);
            for (final Channel[] row : links)
            {
                for (final Channel channel : row)
                {
                    if (null != channel)
                    {
                        channel.close();
                    }
                }
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Offers batches round robin over the origins for the given time, then waits until all are delivered (≤ 30 s). */
    private long publish(final double seconds)
    {
        final long[] sent = new long[nodes];
        final long[] deliveredAtStart = new long[nodes];
        for (int o = 0; o < nodes; o++)
        {
            deliveredAtStart[o] = deliveredByOrigin.get(o);
        }
        final long end = System.nanoTime() + (long)(seconds * 1e9);
        long published = 0;
        while (System.nanoTime() - end < 0)
        {
            boolean offered = false;
            for (int origin = 0; origin < nodes; origin++)
            {
                final long everywhere = (deliveredByOrigin.get(origin) - deliveredAtStart[origin]) / (nodes - 1);
                if (sent[origin] - everywhere + batch <= Math.max(maxOutstanding, batch))
                {
                    send(origin);
                    sent[origin] += batch;
                    published += batch;
                    offered = true;
                }
            }
            if (!offered)
            {
                LockSupport.parkNanos(20_000);
            }
        }
        final long drainEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int o = 0; o < nodes; o++)
        {
            while ((deliveredByOrigin.get(o) - deliveredAtStart[o]) < sent[o] * (nodes - 1) && System.nanoTime() - drainEnd < 0)
            {
                LockSupport.parkNanos(100_000);
            }
        }
        return published;
    }

    private SessionKeys linkKeys(final boolean dialler)
    {
        return SessionKeys.derive(linkSecret, linkTranscript, dialler, RecordAead.AES_256_GCM, RecordAead.AES_256_GCM);
    }

    private void send(final int origin)
    {
        if (work == Work.SIGNED_SEALED)
        {
            sendSigned(origin);
            return;
        }
        final int length = HEADER + batch * (ENTRY_HEADER + size);
        final ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(length);
        frame.writeInt(length).writeShort(origin).writeShort(batch).writeLong(System.nanoTime());
        for (int i = 0; i < batch; i++)
        {
            frame.writeShort(1).writeInt(size).writeZero(size);
        }
        forward(origin, 0, frame);
        frame.release();
    }

    /** Signs a BATCH frame as the origin, its first message carrying the send time, and forwards it. */
    private void sendSigned(final int origin)
    {
        encoder.wrap(batchScratch, 0, batchScratch.capacity()).begin(origin, ++batchSeq[origin], System.currentTimeMillis());
        payload.putLong(0, System.nanoTime());
        for (int i = 0; i < batch; i++)
        {
            encoder.tryAppend(TOPIC, payload, 0, size);
        }
        final int length = encoder.sign(signers[origin]);
        final ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(length);
        frame.writeBytes(batchScratch.byteArray(), 0, length);
        forward(origin, 0, frame);
        frame.release();
    }

    /** Writes the frame to the children of the node at {@code offset} in the origin's tree (the caller keeps its reference). */
    private void forward(final int origin, final int offset, final ByteBuf frame)
    {
        final int self = BroadcastTree.indexAt(origin, offset, nodes);
        final int children = BroadcastTree.childCount(BroadcastTree.rangeLength(offset, nodes));
        for (int j = 0; j < children; j++)
        {
            if (counting)
            {
                bytesOut.addAndGet(frame.readableBytes());
            }
            links[self][j].writeAndFlush(frame.retainedDuplicate(), links[self][j].voidPromise());
        }
    }

    /** What a receiving node does with a batch it accepted: forwards it in the origin's tree, then counts it. */
    private void forwardAndDeliver(final int self, final int origin, final int count, final long sendNanos, final ByteBuf frame)
    {
        forward(origin, BroadcastTree.offset(origin, self, nodes), frame);
        deliveredByOrigin.addAndGet(origin, count);
        if (counting)
        {
            delivered.addAndGet(count);
            latency.recordValue(Math.max(0, System.nanoTime() - sendNanos));
        }
    }

    private final class Receiver extends ChannelInboundHandlerAdapter
    {
        private final int self;

        Receiver(final int self)
        {
            this.self = self;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf frame = (ByteBuf)msg;
            try
            {
                final int at = frame.readerIndex();
                final int origin = frame.getUnsignedShort(at + 4);
                final int count = frame.getUnsignedShort(at + 6);
                forwardAndDeliver(self, origin, count, frame.getLong(at + 8), frame);
            }
            finally
            {
                frame.release();
            }
        }
    }

    /** Checks the origin's signature over a BATCH frame opened from the link's records, then forwards and delivers it. */
    private final class SignedReceiver extends ChannelInboundHandlerAdapter
    {
        private final int self;
        private final BatchVerifier verifier = new BatchVerifier();
        private final BatchDecoder decoder = new BatchDecoder();
        private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

        SignedReceiver(final int self)
        {
            this.self = self;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf frame = (ByteBuf)msg;
            try
            {
                final int length = frame.readableBytes();
                if (frame.hasArray())
                {
                    view.wrap(frame.array(), frame.arrayOffset() + frame.readerIndex(), length);
                }
                else
                {
                    view.wrap(frame.nioBuffer(frame.readerIndex(), length));
                }
                decoder.wrap(view, 0, length);
                final int origin = (int)decoder.originId();
                if (origin < 0 || origin >= nodes || !verifier.verify(keys[origin].publicKey(), view, 0, length) ||
                    !decoder.nextEntry())
                {
                    refused.incrementAndGet();
                    return;
                }
                forwardAndDeliver(self, origin, decoder.count(), view.getLong(decoder.entryOffset()), frame);
            }
            finally
            {
                frame.release();
            }
        }
    }

    /**
     * {@code $JAVA io.chainmesh.perf.ceiling.RawFanoutCeiling [nodes=16] [batch=40] [seconds=5] [NONE|SIGNED_SEALED]}: one
     * run, printed.
     *
     * @param args nodes, messages per batch, seconds, work.
     * @throws InterruptedException if interrupted.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        final int batch = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        final double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 5;
        final Work work = args.length > 3 ? Work.valueOf(args[3]) : Work.NONE;
        System.out.println(run(nodes, 64, batch, seconds, 1000, work));
    }
}
