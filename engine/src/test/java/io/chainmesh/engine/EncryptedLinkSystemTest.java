package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.engine.transport.RecordCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The record layer over real sockets on 127.0.0.1: what travels on the wire, what a man in the middle
 * (a {@link TamperingProxy} on the dialler-to-acceptor path) can and cannot do, and rekeying under load.
 */
class EncryptedLinkSystemTest
{
    private static final String SECRET = "PAYLOAD-TEXT-";

    /** Two nodes whose directory entries point at a proxy each, so whoever dials goes through one. */
    private static final class ProxiedPair implements AutoCloseable
    {
        final ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
        final Cluster cluster;
        final TamperingProxy[] proxies = new TamperingProxy[2];
        ChainmeshNode dialler;
        ChainmeshNode acceptor;
        TamperingProxy path;

        ProxiedPair(final Consumer<ChainmeshNode.Context> customiser) throws Exception
        {
            cluster = new Cluster(2, 1, ctx ->
            {
                ctx.heartbeatIntervalNs(TimeUnit.SECONDS.toNanos(20))
                    .directHandler((source, buffer, offset, length) ->
                        received.add(buffer.getStringWithoutLengthAscii(offset, length)));
                customiser.accept(ctx);
            });
            final List<Member> members = new ArrayList<>();
            for (int i = 0; i < 2; i++)
            {
                proxies[i] = new TamperingProxy(cluster.nodes.get(i).localAddress().getPort());
                members.add(TestDirectory.member(cluster.keys.get(i), proxies[i].port(), i));
            }
            cluster.source.publish(DirectorySnapshot.of(1, members));
            Await.until("link up", 10_000, () -> active(cluster.nodes.get(0)) && active(cluster.nodes.get(1)));
            final boolean zeroDials = cluster.nodes.get(0).peers().get(0).direction() == PeerView.Direction.OUTBOUND;
            dialler = cluster.nodes.get(zeroDials ? 0 : 1);
            acceptor = cluster.nodes.get(zeroDials ? 1 : 0);
            path = proxies[zeroDials ? 1 : 0];
        }

        static boolean active(final ChainmeshNode node)
        {
            return node.peers().size() == 1 && node.peers().get(0).state() == PeerView.State.ACTIVE;
        }

        void send(final String text)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
            final int length = buffer.putStringWithoutLengthAscii(0, text);
            Await.until("send " + text, 5_000, () -> dialler.send(acceptor.member(), buffer, 0, length) == Status.OK);
        }

        long count(final String text)
        {
            return received.stream().filter(text::equals).count();
        }

        @Override
        public void close()
        {
            cluster.close();
            for (final TamperingProxy proxy : proxies)
            {
                if (null != proxy)
                {
                    proxy.close();
                }
            }
        }
    }

    /** Frame types of a captured client-to-server stream, in order. */
    private static List<Integer> frameTypes(final byte[] stream)
    {
        final List<Integer> types = new ArrayList<>();
        int at = 0;
        while (at + 6 <= stream.length)
        {
            final int length = ((stream[at] & 0xFF) << 24) | ((stream[at + 1] & 0xFF) << 16) |
                ((stream[at + 2] & 0xFF) << 8) | (stream[at + 3] & 0xFF);
            types.add(stream[at + 4] & 0xFF);
            at += 4 + length;
        }
        return types;
    }

    @Test
    void shouldCarryOnlyRecordsAfterTheHandshakeAndNoPayloadText() throws Exception
    {
        try (ProxiedPair pair = new ProxiedPair(ctx -> { }))
        {
            for (int i = 0; i < 200; i++)
            {
                pair.send(SECRET + i);
            }
            Await.until("200 delivered", 10_000, () -> pair.received.size() == 200);
            for (int i = 0; i < 200; i++)
            {
                assertThat(pair.received.poll()).isEqualTo(SECRET + i);
            }
            // A first dial can reach the acceptor before it has applied the snapshot that lists the dialler: it is
            // refused NOT_A_MEMBER and re-dialled, a second connection. Each connection carries as much of the
            // handshake as it got to, then only records; the newest one is the link and carries the messages.
            final List<byte[]> connections = pair.path.capturedConnections();
            assertThat(connections).isNotEmpty();
            for (final byte[] wire : connections)
            {
                assertThat(new String(wire, StandardCharsets.ISO_8859_1)).doesNotContain("PAYLOAD").doesNotContain(SECRET);
                final List<Integer> types = frameTypes(wire);
                final int handshakeFrames = Math.min(2, types.size());
                assertThat(types.subList(0, handshakeFrames))
                    .containsExactlyElementsOf(List.of(FrameType.HELLO, FrameType.AUTH).subList(0, handshakeFrames));
                assertThat(types.subList(handshakeFrames, types.size())).allMatch(type -> type == FrameType.RECORD);
            }
            assertThat(frameTypes(connections.get(connections.size() - 1))).as("the link's connection")
                .startsWith(FrameType.HELLO, FrameType.AUTH).hasSizeGreaterThan(2);
            // 200 messages took far fewer records than messages only if sends were batched; at least one each way.
            assertThat(pair.acceptor.counters().records().recordsOpened().get()).isBetween(1L, 200L + 10);
            assertThat(pair.dialler.counters().records().failures(RecordCounters.Failure.AUTHENTICATION).get()).isZero();
        }
    }

    @Test
    void shouldCarryPayloadTextInTheClearWhenBothEndsArePlaintext() throws Exception
    {
        // The contrast that shows the capture above can see payloads: with PLAINTEXT it does.
        try (ProxiedPair pair = new ProxiedPair(ctx -> ctx.channelCipher(ChannelCipher.PLAINTEXT)))
        {
            pair.send(SECRET + "clear");
            Await.until("delivered", 10_000, () -> pair.count(SECRET + "clear") == 1);
            assertThat(new String(pair.path.captured(), StandardCharsets.ISO_8859_1)).contains(SECRET + "clear");
            assertThat(frameTypes(pair.path.captured())).doesNotContain(FrameType.RECORD);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TamperingProxy.Mode.class, names = {"FLIP_BIT", "TRUNCATE", "REPLAY", "REORDER"})
    void shouldCloseWithReasonAndNeverDeliverTamperedRecords(final TamperingProxy.Mode mode) throws Exception
    {
        try (ProxiedPair pair = new ProxiedPair(ctx -> { }))
        {
            for (int i = 0; i < 10; i++)
            {
                pair.send("before-" + i);
            }
            Await.until("10 delivered before tampering", 10_000, () -> pair.received.size() == 10);
            pair.path.arm(mode);
            pair.send("tampered-1");
            if (mode == TamperingProxy.Mode.REORDER)
            {
                assertThat(pair.path.held().await(10, TimeUnit.SECONDS)).isTrue();
                pair.send("tampered-2");
            }
            assertThat(pair.path.tampered().await(10, TimeUnit.SECONDS)).isTrue();
            Await.until(() -> "acceptor refuses the record: " + mode, 10_000, () ->
                pair.acceptor.counters().records().failures(RecordCounters.Failure.AUTHENTICATION).get() == 1 &&
                pair.acceptor.counters().closesSent(CloseReason.RECORD_AUTHENTICATION_FAILED).get() == 1);
            // The refusal is sealed too, on the untouched direction: the dialler learns why.
            Await.until("dialler told why", 10_000, () ->
                pair.dialler.counters().closesReceived(CloseReason.RECORD_AUTHENTICATION_FAILED).get() == 1);
            assertThat(pair.count("tampered-1")).isEqualTo(mode == TamperingProxy.Mode.REPLAY ? 1 : 0);
            assertThat(pair.count("tampered-2")).isZero();
            assertThat(pair.received).hasSize(mode == TamperingProxy.Mode.REPLAY ? 11 : 10);
        }
    }

    @Test
    void shouldCountAStreamEndingInsideARecordAndDeliverNothingOfIt() throws Exception
    {
        try (ProxiedPair pair = new ProxiedPair(ctx -> { }))
        {
            pair.send("before");
            Await.until("delivered", 10_000, () -> pair.count("before") == 1);
            pair.path.arm(TamperingProxy.Mode.TRUNCATE_AND_CLOSE);
            pair.send("cut");
            assertThat(pair.path.tampered().await(10, TimeUnit.SECONDS)).isTrue();
            Await.until("truncation counted", 10_000, () ->
                pair.acceptor.counters().records().failures(RecordCounters.Failure.TRUNCATED).get() == 1);
            assertThat(pair.count("cut")).isZero();
        }
    }

    @Test
    void shouldRefuseAPeerThatSendsPlaintextWhenThisNodeEncrypts()
    {
        final AtomicInteger launched = new AtomicInteger();
        try (Cluster cluster = new Cluster(2, 1, ctx ->
        {
            if (launched.getAndIncrement() == 0)
            {
                ctx.channelCipher(ChannelCipher.PLAINTEXT);
            }
        }))
        {
            cluster.publishAll();
            Await.until("both refuse", 10_000, () ->
                cluster.nodes.get(0).counters().handshakeFailures(CloseReason.CHANNEL_SECURITY_MISMATCH).get() +
                cluster.nodes.get(1).counters().handshakeFailures(CloseReason.CHANNEL_SECURITY_MISMATCH).get() >= 2);
            assertThat(cluster.nodes.get(0).peers()).isEmpty();
            assertThat(cluster.nodes.get(1).peers()).isEmpty();
        }
    }

    @Test
    void shouldInteroperateWhenEachEndSealsWithADifferentAead()
    {
        final AtomicInteger launched = new AtomicInteger();
        final AtomicLong delivered = new AtomicLong();
        try (Cluster cluster = new Cluster(2, 1, ctx ->
        {
            ctx.channelCipher(launched.getAndIncrement() == 0 ? ChannelCipher.CHACHA20_POLY1305 : ChannelCipher.AES_GCM)
                .directHandler((source, buffer, offset, length) -> delivered.incrementAndGet());
        }))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until("topology", 10_000, () -> cluster.formsTopology(snapshot, 2));
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
            for (int i = 0; i < 2; i++)
            {
                final ChainmeshNode from = cluster.nodes.get(i);
                final ChainmeshNode to = cluster.nodes.get(1 - i);
                Await.until("send", 5_000, () -> from.send(to.member(), buffer, 0, 64) == Status.OK);
            }
            Await.until("both delivered", 10_000, () -> delivered.get() == 2);
        }
    }

    @Test
    void shouldDeliverEverythingInOrderWhileRekeyingUnderLoad()
    {
        final int count = 20_000;
        final AtomicLong next = new AtomicLong();
        final AtomicLong outOfOrder = new AtomicLong();
        try (Cluster cluster = new Cluster(2, 2, ctx -> ctx
            .maxRecordPlaintext(1024).rekeyAfterRecords(3).rekeyAfterBytes(2500)
            .heartbeatIntervalNs(TimeUnit.SECONDS.toNanos(5))
            .directHandler((source, buffer, offset, length) ->
            {
                if (buffer.getLong(offset) != next.get())
                {
                    outOfOrder.incrementAndGet();
                }
                next.lazySet(next.get() + 1);
            })))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until("topology", 10_000, () -> cluster.formsTopology(snapshot, 2));
            final ChainmeshNode a = cluster.nodes.get(0);
            final ChainmeshNode b = cluster.nodes.get(1);
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
            for (long i = 0; i < count; i++)
            {
                buffer.putLong(0, i);
                while (a.send(b.member(), buffer, 0, 128) == Status.BACK_PRESSURED)
                {
                    Thread.onSpinWait();
                }
            }
            Await.until(() -> "all delivered: " + next.get(), 30_000, () -> next.get() == count);
            assertThat(outOfOrder.get()).isZero();
            final long rekeys = a.counters().records().rekeysSent().get();
            // 20 000 x 152-byte frames in <= 1 KiB records, a new key at least every 3 records.
            assertThat(rekeys).isGreaterThan(count * 152L / 1024 / 3 - 1);
            Await.until("every rekey followed", 5_000, () -> b.counters().records().rekeysReceived().get() == rekeys);
            assertThat(b.counters().records().failures(RecordCounters.Failure.AUTHENTICATION).get()).isZero();
            assertThat(a.counters().linksClosed().get()).as("the link never dropped").isZero();
        }
    }
}
