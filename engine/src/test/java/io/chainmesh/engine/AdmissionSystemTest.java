package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Admission with real sockets on 127.0.0.1: many silent connections are held open against a node; it admits only
 * its cap of unauthenticated connections, refuses every other one at accept (counted exactly), and honest members
 * still complete their handshakes with it while every silent socket stays open.
 * <p>
 * The default run holds 10,000 silent sockets when the open-file limit leaves room for them (it is read from the
 * JVM), fewer otherwise; the {@code soak} test always holds 10,000 and is skipped when the limit is too low.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AdmissionSystemTest
{
    private static final int SILENT = 10_000;
    private static final int PER_SOURCE = 64;
    private static final int TOTAL = 128;
    /** Descriptors kept free for the nodes, the JVM and the build around the test. */
    private static final int HEADROOM = 2_000;

    @Test
    void shouldRefuseSilentConnectionsOverTheCapAndStillLinkHonestMembers() throws Exception
    {
        final long room = descriptorRoom();
        final int silent = (int)Math.min(SILENT, room);
        assertThat(silent).as("open-file room for the test: " + room).isGreaterThan(PER_SOURCE + 100);
        holdSilentSocketsAndLink(silent);
    }

    @Test
    @Tag("soak")
    void shouldHoldTenThousandSilentSocketsAndStillLinkHonestMembers() throws Exception
    {
        Assumptions.assumeTrue(descriptorRoom() >= SILENT, "needs an open-file limit above " + (SILENT + HEADROOM));
        holdSilentSocketsAndLink(SILENT);
    }

    @Test
    void shouldRefuseOverTheNodeWideCapAsTotalLimit() throws Exception
    {
        try (Cluster cluster = new Cluster(1, 1, ctx -> ctx
            .maxUnauthenticatedConnections(8)
            .maxUnauthenticatedPerSource(8));
            SocketsHeld held = new SocketsHeld())
        {
            final ChainmeshNode node = cluster.nodes.get(0);
            held.open(node, 20);
            Await.until("12 refused", 10_000, () ->
                node.counters().admissionRefused(EngineCounters.AdmissionRefusal.TOTAL_LIMIT).get() == 12);
            assertThat(node.counters().admissionRefused(EngineCounters.AdmissionRefusal.PER_SOURCE_LIMIT).get()).isZero();
            assertThat(node.counters().connections(EngineCounters.ConnectionState.HANDSHAKING).get()).isEqualTo(8);
        }
    }

    private static void holdSilentSocketsAndLink(final int silent) throws Exception
    {
        try (Cluster cluster = new Cluster(4, 1, ctx -> ctx
            .handshakeTimeoutNs(TimeUnit.SECONDS.toNanos(1))
            .maxUnauthenticatedConnections(TOTAL)
            .maxUnauthenticatedPerSource(PER_SOURCE));
            SocketsHeld held = new SocketsHeld())
        {
            // The member with the largest id: the others target it and, being smaller, dial it.
            final ChainmeshNode target = cluster.nodes.stream().max(Comparator.comparing(ChainmeshNode::member)).get();
            final EngineCounters counters = target.counters();

            // No directory yet, so no member dials: every inbound connection now is a silent one. Each is either
            // refused at accept or admitted, and an admitted one holds its place until its handshake times out
            // (1 s; opening 10,000 sockets takes longer, so a few rounds of PER_SOURCE are admitted).
            held.open(target, silent);
            assertThat(held.mostHandshaking).as("unauthenticated connections never above the cap")
                .isEqualTo(PER_SOURCE);
            Await.until(() -> "admitted ones timed out: " + timeouts(counters), 30_000,
                () -> counters.connections(EngineCounters.ConnectionState.HANDSHAKING).get() == 0);
            final long admitted = timeouts(counters);
            assertThat(refused(counters)).as("refused = opened - admitted (" + admitted + ")")
                .isEqualTo(silent - admitted);
            assertThat(counters.admissionRefused(EngineCounters.AdmissionRefusal.PER_SOURCE_LIMIT).get())
                .isEqualTo(silent - admitted);
            assertThat(admitted).isBetween((long)PER_SOURCE, silent / 10L);

            // The client keeps every silent socket (the refused ones were reset by the node); honest members now link.
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until(() -> cluster.describe(snapshot, 2), 30_000, () -> cluster.formsTopology(snapshot, 2));
            assertThat(target.peers()).as("honest members dialled the target and completed the handshake")
                .anyMatch(peer -> peer.direction() == PeerView.Direction.INBOUND);
            assertThat(refused(counters)).as("no honest member refused").isEqualTo(silent - admitted);
            assertThat(counters.errors().get()).isZero();
            System.out.printf("admission: %,d silent sockets held open, %,d refused at accept, %,d admitted (at most %d at "
                + "once, each until its handshake timed out), %d honest links of the target%n", silent, refused(counters),
                admitted, held.mostHandshaking, target.peers().size());
        }
    }

    private static long timeouts(final EngineCounters counters)
    {
        return counters.handshakeFailures(io.chainmesh.codec.control.CloseReason.HANDSHAKE_TIMEOUT).get();
    }

    private static long refused(final EngineCounters counters)
    {
        return counters.admissionRefused(EngineCounters.AdmissionRefusal.PER_SOURCE_LIMIT).get() +
            counters.admissionRefused(EngineCounters.AdmissionRefusal.TOTAL_LIMIT).get();
    }

    /** Descriptors this JVM may still open, less a headroom, or 0 where the platform does not say. */
    private static long descriptorRoom()
    {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix)
        {
            return unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount() - HEADROOM;
        }
        return 0;
    }

    /** Client sockets that connect and never send a byte; all closed at the end. */
    private static final class SocketsHeld implements AutoCloseable
    {
        private final List<Socket> sockets = new ArrayList<>();
        private long mostHandshaking;

        /**
         * Opens them in rounds, each once the node has admitted or refused the round before: a connection the
         * kernel completes while the node's accept queue is full is never accepted (the client does not know).
         */
        void open(final ChainmeshNode node, final int count) throws IOException
        {
            final EngineCounters counters = node.counters();
            final int start = sockets.size();
            for (int i = 0; i < count; i++)
            {
                sockets.add(new Socket("127.0.0.1", node.localAddress().getPort()));
                mostHandshaking = Math.max(mostHandshaking,
                    counters.connections(EngineCounters.ConnectionState.HANDSHAKING).get());
                if ((i + 1) % 100 == 0 || i + 1 == count)
                {
                    final long opened = i + 1;
                    Await.until(() -> "accepted " + seen(counters) + " of " + opened, 30_000,
                        () -> seen(counters) - start >= opened);
                }
            }
        }

        private static long seen(final EngineCounters counters)
        {
            return refused(counters) + counters.connections(EngineCounters.ConnectionState.HANDSHAKING).get() +
                counters.handshakeFailures(io.chainmesh.codec.control.CloseReason.HANDSHAKE_TIMEOUT).get();
        }

        @Override
        public void close()
        {
            for (final Socket socket : sockets)
            {
                try
                {
                    socket.close();
                }
                catch (final IOException ignored)
                {
                    // closing a client socket the node may already have reset
                }
            }
        }
    }
}
