package io.chainmesh.perf.direct;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.InMemoryDirectorySource;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.ChannelCipher;
import io.chainmesh.engine.Status;
import io.chainmesh.engine.Transport;

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
        final SecureRandom random = new SecureRandom();
        final NodeKey keyA = NodeKey.generate(random);
        final NodeKey keyB = NodeKey.generate(random);
        final ChainmeshNode[] bRef = new ChainmeshNode[1];
        a = ChainmeshNode.launch(new ChainmeshNode.Context()
            .nodeKey(keyA).directorySource(source).transport(Transport.NIO).channelCipher(cipher)
            .directHandler((src, buffer, offset, length) ->
            {
                lastEcho[0] = buffer.getLong(offset);
                echoes.lazySet(echoes.get() + 1);
            }));
        b = ChainmeshNode.launch(new ChainmeshNode.Context()
            .nodeKey(keyB).directorySource(source).transport(Transport.NIO).channelCipher(cipher)
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

    private static Member member(final NodeKey key, final ChainmeshNode node, final int position)
    {
        return new Member(key.nodeId(), new Endpoint("127.0.0.1", node.localAddress().getPort()),
            String.format("%064x", position + 1), 0, Tier.CUMULUS, position, position, position, 0, "", position);
    }

    @Override
    public void close()
    {
        a.close();
        b.close();
    }
}
