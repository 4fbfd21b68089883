package io.chainmesh.perf.direct;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.InMemoryDirectorySource;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.chain.Tier;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.ChannelCipher;
import io.chainmesh.engine.Status;
import io.chainmesh.engine.Transport;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two chainmesh nodes with fresh keys on one loopback link, for the point-to-point harnesses: {@code b} counts
 * what it receives and, for round trips, echoes each message back to {@code a}, which records the echoed stamp.
 */
public final class NodePair implements AutoCloseable
{
    private final InMemoryDirectorySource source = new InMemoryDirectorySource(DirectorySnapshot.empty());
    private final ChannelCipher cipher;
    private final long[] lastEcho;
    private final AtomicLong echoes;
    /** The sender. */
    public final ChainmeshNode a;
    /** The receiver (and echoer). */
    public final ChainmeshNode b;

    /**
     * Launches both nodes and waits (10 s at most) until they are linked.
     *
     * @param cipher   record protection of both nodes ({@link ChannelCipher#PLAINTEXT} to compare with raw Netty).
     * @param echo     true if {@code b} sends every message back.
     * @param received counts the messages {@code b} receives (written by b's IO thread).
     * @param lastEcho {@code [0]} gets the first long of the last echo {@code a} received.
     * @param echoes   counts the echoes {@code a} receives.
     * @throws IllegalStateException if the link does not come up.
     */
    public NodePair(
        final ChannelCipher cipher, final boolean echo, final AtomicLong received, final long[] lastEcho,
        final AtomicLong echoes)
    {
        this.cipher = cipher;
        this.lastEcho = lastEcho;
        this.echoes = echoes;
        final SecureRandom random = new SecureRandom();
        final NodeKey keyA = NodeKey.generate(random);
        final NodeKey keyB = NodeKey.generate(random);
        final ChainmeshNode[] bRef = new ChainmeshNode[1];
        a = ChainmeshNode.launch(new ChainmeshNode.Context()
            .nodeKey(keyA).member(memberId(0)).directorySource(source).transport(Transport.NIO).channelCipher(cipher)
            .directHandler((src, buffer, offset, length) ->
            {
                lastEcho[0] = buffer.getLong(offset);
                echoes.lazySet(echoes.get() + 1);
            }));
        b = ChainmeshNode.launch(new ChainmeshNode.Context()
            .nodeKey(keyB).member(memberId(1)).directorySource(source).transport(Transport.NIO).channelCipher(cipher)
            .directHandler((src, buffer, offset, length) ->
            {
                received.lazySet(received.get() + 1);
                if (echo)
                {
                    while (bRef[0].send(src, buffer, offset, length) == Status.BACK_PRESSURED)
                    {
                        Thread.onSpinWait();
                    }
                }
            }));
        bRef[0] = b;
        source.publish(DirectorySnapshot.of(1, List.of(member(keyA, a, 0), member(keyB, b, 1))));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (a.peers().isEmpty() || b.peers().isEmpty())
        {
            if (System.nanoTime() - deadline > 0)
            {
                close();
                throw new IllegalStateException("link did not come up");
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Round trips from {@code a} to {@code b} and back, one message in flight (the pair must echo): each message
     * carries its send time in its first 8 bytes.
     *
     * @param payloadLength  payload bytes per message (at least 8).
     * @param warmupSeconds  round trips first, not recorded.
     * @param measureSeconds round trips then recorded.
     * @return round-trip times in nanoseconds.
     * @throws IllegalStateException if an echo does not come back within 5 s.
     */
    public Histogram roundTrips(final int payloadLength, final long warmupSeconds, final long measureSeconds)
    {
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
        final MemberId destination = b.member();
        final long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        final long end = warmEnd + TimeUnit.SECONDS.toNanos(measureSeconds);
        long expected = 0;
        while (true)
        {
            final long start = System.nanoTime();
            if (start - end > 0)
            {
                return histogram;
            }
            payload.putLong(0, start);
            while (a.send(destination, payload, 0, payloadLength) != Status.OK)
            {
                Thread.onSpinWait();
            }
            expected++;
            final long stuck = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (echoes.get() < expected)
            {
                if (System.nanoTime() - stuck > 0)
                {
                    throw new IllegalStateException("echo " + expected + " lost with " + cipher + ": a " + describe(a) +
                        " b " + describe(b));
                }
                Thread.onSpinWait();
            }
            final long rtt = System.nanoTime() - lastEcho[0];
            if (start - warmEnd > 0)
            {
                histogram.recordValue(rtt);
            }
        }
    }

    private static String describe(final ChainmeshNode node)
    {
        final StringBuilder sb = new StringBuilder();
        node.counters().reader().forEach((id, type, key, label) ->
        {
            final long value = node.counters().reader().getCounterValue(id);
            if (value != 0)
            {
                sb.append(label).append('=').append(value).append(", ");
            }
        });
        return sb.append(node.peers()).toString();
    }

    private static MemberId memberId(final int position)
    {
        return MemberId.of(String.format("%064x", position + 1), 0);
    }

    private static Member member(final NodeKey key, final ChainmeshNode node, final int position)
    {
        return new Member(memberId(position), key.publicKey(),
            Member.listedEndpointFor(new Endpoint("127.0.0.1", node.localAddress().getPort())), Tier.CUMULUS, position,
            position, position, 0, "", position);
    }

    @Override
    public void close()
    {
        a.close();
        b.close();
    }
}
