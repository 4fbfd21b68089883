package io.chainmesh.bench;

import io.chainmesh.chain.MemberId;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.DirectHandler;
import io.chainmesh.engine.Status;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures the network through the engine's direct messages: round trip time (ping/pong to a few
 * members, median in microseconds) and acknowledged throughput (a bounded stream to one member, Mb/s).
 * <p>
 * Install the instance as the node's {@link ChainmeshNode.Context#directHandler} so it answers other
 * nodes' pings and streams. Message layout (little-endian): {@code type:1 | seq:8 | value:8 | padding},
 * where value is the send time for PING/PONG and the cumulative bytes sent for DATA/ACK. Acks are
 * cumulative, so a refused ack is covered by the next one and the receiver keeps no state.
 * Handlers run on IO threads; {@link #measure} must be called by one thread at a time (it owns the
 * pong sequence and the stream session). Short or unknown messages are ignored and counted.
 */
public final class NetworkBenchmark implements DirectHandler
{
    static final byte PING = 1;
    static final byte PONG = 2;
    static final byte DATA = 3;
    static final byte ACK = 4;
    static final int HEADER_LENGTH = 17;

    /** How a measurement is bounded. */
    public record Limits(int pingPeers, int pingsPerPeer, long pingTimeoutNanos, long streamNanos, long streamMaxBytes,
        int chunkBytes, long windowBytes)
    {
        /** @return limits for tests: a few pings, a 200 ms stream of at most 64 MiB. */
        public static Limits quick()
        {
            return new Limits(3, 10, TimeUnit.SECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(200), 64L << 20,
                16 * 1024, 1L << 20);
        }

        /** @return limits for a real run: 5 peers x 50 pings, a 2 s stream of at most 1 GiB. */
        public static Limits standard()
        {
            return new Limits(5, 50, TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(2), 1L << 30,
                32 * 1024, 4L << 20);
        }
    }

    /**
     * Result of one measurement.
     *
     * @param rttMicros      median round trip over all answered pings (NaN if none).
     * @param throughputMbps acknowledged megabits per second (NaN if nothing was acknowledged).
     * @param pingsAnswered  pings answered within the timeout.
     * @param bytesAcked     bytes the stream's receiver acknowledged.
     */
    public record Result(double rttMicros, double throughputMbps, int pingsAnswered, long bytesAcked)
    {
    }

    private final AtomicLong lastPong = new AtomicLong(-1);
    private final AtomicLong pongRttNanos = new AtomicLong();
    private final AtomicLong ackedBytes = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final AtomicLong refusedReplies = new AtomicLong();
    private final ThreadLocal<UnsafeBuffer> replyBuffer = ThreadLocal.withInitial(() -> new UnsafeBuffer(new byte[HEADER_LENGTH]));
    private volatile long session;

    /**
     * {@inheritDoc}
     */
    @Override
    public void onMessage(final MemberId source, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            ignored.incrementAndGet();
            return;
        }
        final byte type = buffer.getByte(offset);
        final long seq = buffer.getLong(offset + 1);
        final long value = buffer.getLong(offset + 9);
        switch (type)
        {
            case PING:
                reply(source, PONG, seq, value);
                break;
            case DATA:
                reply(source, ACK, seq, value);
                break;
            case PONG:
                if (seq == lastPong.get() + 1)
                {
                    pongRttNanos.set(System.nanoTime() - value);
                    lastPong.set(seq);
                }
                break;
            case ACK:
                if (seq == session)
                {
                    ackedBytes.accumulateAndGet(value, Math::max);
                }
                break;
            default:
                ignored.incrementAndGet();
                break;
        }
    }

    private void reply(final MemberId source, final byte type, final long seq, final long value)
    {
        final UnsafeBuffer reply = replyBuffer.get();
        reply.putByte(0, type);
        reply.putLong(1, seq);
        reply.putLong(9, value);
        if (Status.OK != sendWithRetry(null, source, reply, HEADER_LENGTH, 0))
        {
            refusedReplies.incrementAndGet();
        }
    }

    private volatile ChainmeshNode node;

    /**
     * @param node the node this instance is the direct handler of; must be set before {@link #measure}
     *             and before peers send to it (replies need it).
     */
    public void attach(final ChainmeshNode node)
    {
        this.node = node;
    }

    private long sendWithRetry(
        final ChainmeshNode explicit, final MemberId to, final DirectBuffer buffer, final int length, final long retryNanos)
    {
        final ChainmeshNode n = null != explicit ? explicit : node;
        if (null == n)
        {
            return Status.CLOSED;
        }
        final long deadline = System.nanoTime() + retryNanos;
        while (true)
        {
            final long status = n.send(to, buffer, 0, length);
            if (status == Status.OK || status == Status.CLOSED || status == Status.MESSAGE_TOO_LARGE ||
                System.nanoTime() - deadline >= 0)
            {
                return status;
            }
            LockSupport.parkNanos(20_000);
        }
    }

    /**
     * @return messages too short for the header or of an unknown type (ignored, counted).
     */
    public long ignoredMessages()
    {
        return ignored.get();
    }

    /**
     * @return replies (pong/ack) the engine refused (back pressure or no route).
     */
    public long refusedReplies()
    {
        return refusedReplies.get();
    }

    /**
     * Pings each of up to {@code limits.pingPeers} members, then streams to the first one.
     *
     * @param peers  candidate members (other nodes running a {@link NetworkBenchmark}).
     * @param limits bounds.
     * @return the figures.
     */
    public Result measure(final List<MemberId> peers, final Limits limits)
    {
        final int pingPeers = Math.min(limits.pingPeers(), peers.size());
        final long[] samples = new long[pingPeers * limits.pingsPerPeer()];
        int answered = 0;
        final UnsafeBuffer msg = new UnsafeBuffer(new byte[Math.max(HEADER_LENGTH,
            Math.min(limits.chunkBytes(), node.maxDirectPayloadLength()))]);
        for (int p = 0; p < pingPeers; p++)
        {
            for (int i = 0; i < limits.pingsPerPeer(); i++)
            {
                final long seq = lastPong.get() + 1;
                msg.putByte(0, PING);
                msg.putLong(1, seq);
                msg.putLong(9, System.nanoTime());
                if (Status.OK != sendWithRetry(node, peers.get(p), msg, HEADER_LENGTH, limits.pingTimeoutNanos()))
                {
                    continue;
                }
                final long deadline = System.nanoTime() + limits.pingTimeoutNanos();
                while (lastPong.get() < seq && System.nanoTime() - deadline < 0)
                {
                    Thread.onSpinWait();
                }
                if (lastPong.get() >= seq)
                {
                    samples[answered++] = pongRttNanos.get();
                }
                else
                {
                    lastPong.set(seq); // a late pong for seq is then ignored
                }
            }
        }
        double rttMicros = Double.NaN;
        if (answered > 0)
        {
            final long[] sorted = Arrays.copyOf(samples, answered);
            Arrays.sort(sorted);
            rttMicros = sorted[answered / 2] / 1000.0;
        }
        if (peers.isEmpty())
        {
            return new Result(rttMicros, Double.NaN, answered, 0);
        }
        return stream(peers.get(0), limits, msg, rttMicros, answered);
    }

    private Result stream(final MemberId to, final Limits limits, final UnsafeBuffer msg, final double rttMicros,
        final int answered)
    {
        final long id = session + 1;
        ackedBytes.set(0);
        session = id;
        final int chunk = msg.capacity();
        final long start = System.nanoTime();
        final long end = start + limits.streamNanos();
        long sent = 0;
        while (System.nanoTime() - end < 0 && sent + chunk <= limits.streamMaxBytes())
        {
            if (sent - ackedBytes.get() + chunk > limits.windowBytes())
            {
                Thread.onSpinWait();
                continue;
            }
            msg.putByte(0, DATA);
            msg.putLong(1, id);
            msg.putLong(9, sent + chunk);
            final long status = node.send(to, msg, 0, chunk);
            if (status == Status.OK)
            {
                sent += chunk;
            }
            else if (status != Status.BACK_PRESSURED)
            {
                break;
            }
        }
        // the figure is acknowledged bytes over the time until the last ack, bounded by a short drain
        final long drainDeadline = System.nanoTime() + limits.pingTimeoutNanos();
        while (ackedBytes.get() < sent && System.nanoTime() - drainDeadline < 0)
        {
            Thread.onSpinWait();
        }
        final long elapsed = System.nanoTime() - start;
        final long acked = ackedBytes.get();
        session = id + 1; // late acks no longer count
        final double mbps = acked > 0 ? acked * 8.0 / 1e6 / (elapsed / 1e9) : Double.NaN;
        return new Result(rttMicros, mbps, answered, acked);
    }
}
