package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EchoSystemTest
{
    /**
     * One message in flight at a time through a 64 KiB link queue: the queue wraps around every ~600
     * messages, and a drain that stopped at the wrap padding used to leave the next message stranded.
     */
    @Test
    void shouldEchoFromHandlerThreadAcrossOutboundQueueWrapArounds()
    {
        final AtomicLong echoes = new AtomicLong();
        final ChainmeshNode[] nodes = new ChainmeshNode[2];
        final java.util.List<io.chainmesh.codec.crypto.NodeKey> keys = TestDirectory.keys(2);
        final io.chainmesh.chain.InMemoryDirectorySource source =
            new io.chainmesh.chain.InMemoryDirectorySource(DirectorySnapshot.empty());
        try (ChainmeshNode a = ChainmeshNode.launch(smallBatches(new ChainmeshNode.Context().nodeKey(keys.get(0)).member(TestDirectory.memberIdOf(keys.get(0)))
                .directorySource(source).transport(Transport.NIO).peerOutboundBudget(64 * 1024)
                .directHandler((s, b, o, l) -> echoes.incrementAndGet())));
             ChainmeshNode b = ChainmeshNode.launch(smallBatches(new ChainmeshNode.Context().nodeKey(keys.get(1)).member(TestDirectory.memberIdOf(keys.get(1)))
                .directorySource(source).transport(Transport.NIO).peerOutboundBudget(64 * 1024)
                .directHandler((s, buf, o, l) ->
                {
                    final long status = nodes[1].send(s, buf, o, l);
                    assertThat(status).isEqualTo(Status.OK);
                }))))
        {
            nodes[1] = b;
            source.publish(TestDirectory.snapshot(1, keys,
                java.util.List.of(a.localAddress().getPort(), b.localAddress().getPort())));
            Await.until("link", 10_000, () -> a.peers().size() == 1 && b.peers().size() == 1);
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
            for (int i = 1; i <= 1500; i++)
            {
                assertThat(a.send(b.member(), payload, 0, 64)).isEqualTo(Status.OK);
                final int expected = i;
                Await.until(() -> "echo " + expected + " a=" + a.counters().directSent().get() + "/" +
                    a.counters().directReceived().get() + " b=" + b.counters().directReceived().get() + "/" +
                    b.counters().directSent().get() + " refusedB=" +
                    b.counters().directRefused(EngineCounters.DirectRefusal.BACK_PRESSURED).get() + " peersA=" +
                    a.peers() + " peersB=" + b.peers(), 5_000, () -> echoes.get() == expected);
            }
        }
    }

    /** A 64 KiB link budget carries records of at most 8 KiB: broadcast batches must fit. */
    private static ChainmeshNode.Context smallBatches(final ChainmeshNode.Context ctx)
    {
        ctx.broadcast().maxBatchFrameLength(8 * 1024).maxMessageLength(4 * 1024);
        return ctx;
    }
}
