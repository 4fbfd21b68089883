package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.codec.frame.FrameType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every way a handshake ends, with real sockets on 127.0.0.1, increments exactly its own counter: a reset, an end of
 * stream, a timeout, a protocol violation, a refusal at admission; a registered link's end is counted by its reason.
 * A reset or an end of stream is neither a failure nor an error and gets no CLOSE.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandshakeEndsSystemTest
{
    /** Counters that move with any traffic or are gauges; every other counter must stay as expected. */
    private static final Set<String> TRAFFIC = Set.of("bytes in", "bytes out", "frames in", "frames out",
        "connections DIALING", "connections HANDSHAKING", "connections ACTIVE", "rtt last micros", "rtt max micros");
    private static final int PER_SOURCE = 3;

    @Test
    void shouldCountEachHandshakeEndAsItself() throws Exception
    {
        try (Cluster cluster = new Cluster(2, 1, ctx -> ctx
            .handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(2500))
            .maxUnauthenticatedPerSource(PER_SOURCE)))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until("linked", 10_000, () -> cluster.formsTopology(snapshot, 1));
            final ChainmeshNode target = cluster.nodes.get(0);
            final EngineCounters counters = target.counters();

            // reset (SO_LINGER 0) once the node's HELLO has arrived, so the reset meets the handshake under way
            expectExactly(counters, Map.of("handshakes ended RESET", 1L), () ->
            {
                final Socket socket = connect(target);
                assertThat(readFrameType(socket)).isEqualTo(FrameType.HELLO);
                socket.setSoLinger(true, 0);
                socket.close();
            });
            // end of stream: the peer shuts its output down
            final Socket halfClosed = connect(target);
            expectExactly(counters, Map.of("handshakes ended EOF", 1L), () ->
            {
                assertThat(readFrameType(halfClosed)).isEqualTo(FrameType.HELLO);
                halfClosed.shutdownOutput();
            });
            halfClosed.close();
            // end of stream: the peer closes (FIN)
            expectExactly(counters, Map.of("handshakes ended EOF", 1L), () ->
            {
                final Socket socket = connect(target);
                assertThat(readFrameType(socket)).isEqualTo(FrameType.HELLO);
                socket.close();
            });
            // timeout: silent until the (short) handshake timeout
            final Socket silent = connect(target);
            expectExactly(counters,
                Map.of("handshake failures HANDSHAKE_TIMEOUT", 1L, "closes sent HANDSHAKE_TIMEOUT", 1L),
                () -> assertThat(readFrameType(silent)).isEqualTo(FrameType.HELLO));
            silent.close();
            // protocol violation: a PING before HELLO
            final Socket violator = connect(target);
            expectExactly(counters,
                Map.of("handshake failures PROTOCOL_VIOLATION", 1L, "closes sent PROTOCOL_VIOLATION", 1L), () ->
                {
                    violator.getOutputStream().write(new byte[]{0, 0, 0, 18, FrameType.PING, 0,
                        0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2});
                    violator.getOutputStream().flush();
                });
            violator.close();
            // admission: PER_SOURCE handshakes under way from 127.0.0.1, one more is refused at accept
            final List<Socket> held = new ArrayList<>();
            for (int i = 0; i < PER_SOURCE; i++)
            {
                held.add(connect(target));
                assertThat(readFrameType(held.get(i))).isEqualTo(FrameType.HELLO);
            }
            final Socket[] refused = {null};
            expectExactly(counters, Map.of("admission refused PER_SOURCE_LIMIT", 1L), () -> refused[0] = connect(target));
            assertThat(readsNothing(refused[0])).as("refused without a byte (reset at accept)").isTrue();
            refused[0].close();
            expectExactly(counters, Map.of("handshakes ended RESET", (long)PER_SOURCE), () ->
            {
                for (final Socket socket : held)
                {
                    socket.setSoLinger(true, 0);
                    socket.close();
                }
            });
            // the place is free again: a new connection gets a HELLO
            try (Socket again = connect(target))
            {
                assertThat(readFrameType(again)).isEqualTo(FrameType.HELLO);
            }
            Await.until("the last connection's end counted", 10_000,
                () -> counters.handshakeEnds(EngineCounters.HandshakeEnd.EOF).get() == 3);

            // a registered link that ends with the peer's shutdown is counted by that reason, on both ends
            final EngineCounters other = cluster.nodes.get(1).counters();
            assertThat(counters.linksEnded(io.chainmesh.codec.control.CloseReason.NORMAL_SHUTDOWN).get()).isZero();
            cluster.nodes.get(1).close();
            Await.until("link end counted", 10_000,
                () -> counters.linksEnded(io.chainmesh.codec.control.CloseReason.NORMAL_SHUTDOWN).get() == 1);
            assertThat(other.linksEnded(io.chainmesh.codec.control.CloseReason.NORMAL_SHUTDOWN).get()).isEqualTo(1);
            assertThat(counters.linksEnded(EngineCounters.LinkEnd.RESET).get()).isZero();
            assertThat(counters.linksEnded(EngineCounters.LinkEnd.EOF).get()).isZero();
            assertThat(counters.errors().get()).isZero();
        }
    }

    @FunctionalInterface
    private interface Action
    {
        void run() throws IOException;
    }

    /** Runs the action, waits for the expected counters to move, then checks that no other counter moved. */
    private static void expectExactly(final EngineCounters counters, final Map<String, Long> expected, final Action action)
        throws IOException
    {
        final Map<String, Long> before = values(counters);
        action.run();
        Await.until(() -> "counters " + expected + ", changed: " + changes(before, values(counters)), 10_000,
            () -> changes(before, values(counters)).entrySet().containsAll(expected.entrySet()));
        assertThat(changes(before, values(counters))).isEqualTo(new TreeMap<>(expected));
    }

    private static Map<String, Long> values(final EngineCounters counters)
    {
        final Map<String, Long> values = new HashMap<>();
        counters.reader().forEach((value, id, label) -> values.put(label, value));
        return values;
    }

    private static Map<String, Long> changes(final Map<String, Long> before, final Map<String, Long> after)
    {
        final Map<String, Long> changed = new TreeMap<>();
        after.forEach((label, value) ->
        {
            final long delta = value - before.getOrDefault(label, 0L);
            if (delta != 0 && !TRAFFIC.contains(label) && !label.startsWith("broadcast ") &&
                !label.startsWith("record"))
            {
                changed.put(label, delta);
            }
        });
        return changed;
    }

    private static Socket connect(final ChainmeshNode node) throws IOException
    {
        final Socket socket = new Socket("127.0.0.1", node.localAddress().getPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static boolean readsNothing(final Socket socket)
    {
        try
        {
            return socket.getInputStream().read() == -1;
        }
        catch (final IOException reset)
        {
            return true;
        }
    }

    private static int readFrameType(final Socket socket) throws IOException
    {
        final DataInputStream in = new DataInputStream(socket.getInputStream());
        final int length = in.readInt();
        assertThat(length).isBetween(2, 65536);
        final int type = in.readUnsignedByte();
        in.readFully(new byte[length - 1]);
        return type;
    }
}
