package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.InMemoryDirectorySource;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.overlay.OverlayTopology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OverlaySystemTest
{
    @Test
    void shouldFormExactlyTheComputedTopologyWithSixteenNodes()
    {
        try (Cluster cluster = new Cluster(16, 2, ctx -> { }))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until(() -> "topology" + cluster.describe(snapshot, 2), 20_000, () -> cluster.formsTopology(snapshot, 2));
            final OverlayTopology topology = OverlayTopology.of(snapshot, 2);
            int outbound = 0;
            for (final ChainmeshNode node : cluster.nodes)
            {
                final int index = snapshot.indexOf(node.member());
                for (final PeerView peer : node.peers())
                {
                    final int peerIndex = snapshot.indexOf(peer.member());
                    assertThat(peer.state()).isEqualTo(PeerView.State.ACTIVE);
                    // the dialler is the one the overlay names, and the other end sees the same TCP connection
                    assertThat(peer.direction() == PeerView.Direction.OUTBOUND).isEqualTo(topology.dials(index, peerIndex));
                    final ChainmeshNode other = cluster.nodes.get(cluster.keys.indexOf(
                        cluster.keys.stream().filter(k -> TestDirectory.memberIdOf(k).equals(peer.member())).findFirst().orElseThrow()));
                    final PeerView back = other.peers().stream().filter(p -> p.member().equals(node.member()))
                        .findFirst().orElseThrow();
                    assertThat(back.remoteAddress()).isEqualTo(peer.localAddress());
                    if (peer.direction() == PeerView.Direction.OUTBOUND)
                    {
                        outbound++;
                    }
                }
                assertThat(node.counters().connections(EngineCounters.ConnectionState.ACTIVE).get())
                    .isEqualTo(topology.neighbours(index).length);
            }
            assertThat(outbound).isEqualTo(topology.linkCount());
            Await.until("RTT measured on every link", 10_000, () -> cluster.nodes.stream()
                .allMatch(n -> n.peers().stream().allMatch(p -> p.rttLastNs() > 0)));
        }
    }

    @Test
    void shouldRefuseKeyNotInDirectoryWithNotAMember()
    {
        try (Cluster cluster = new Cluster(3, 1, ctx -> { }))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until("topology", 10_000, () -> cluster.formsTopology(snapshot, 2));
            final ChainmeshNode victim = cluster.nodes.get(0);

            // The stranger believes it is a member (its own directory lists it next to the victim). Six listed members
            // that never run make its ring 10 long, so that it targets the victim (distance 1) and the victim does not
            // target it (distance 9): the stranger dials whatever the two ids are.
            final List<NodeKey> strangerKeys = TestDirectory.keys(7);
            final NodeKey strangerKey = strangerKeys.get(0);
            final List<Member> strangerView = new ArrayList<>(snapshot.members());
            for (int i = 1; i < strangerKeys.size(); i++)
            {
                strangerView.add(TestDirectory.member(strangerKeys.get(i), 10 + i, 49 + i));
            }
            final InMemoryDirectorySource strangerSource = new InMemoryDirectorySource(DirectorySnapshot.empty());
            try (ChainmeshNode stranger = ChainmeshNode.launch(new ChainmeshNode.Context()
                .nodeKey(strangerKey).member(TestDirectory.memberIdOf(strangerKey))
                .directorySource(strangerSource)
                .transport(Transport.NIO)
                .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(20))
                .backoffMaxNs(TimeUnit.MILLISECONDS.toNanos(200))))
            {
                strangerView.add(TestDirectory.member(strangerKey, stranger.localAddress().getPort(), 100));
                strangerSource.publish(DirectorySnapshot.of(snapshot.height(), strangerView));
                Await.until("stranger told NOT_A_MEMBER", 10_000,
                    () -> stranger.counters().closesReceived(CloseReason.NOT_A_MEMBER).get() > 0);
                assertThat(victim.counters().handshakeFailures(CloseReason.NOT_A_MEMBER).get()).isPositive();
                assertThat(stranger.peers()).isEmpty();
                assertThat(Cluster.peersOf(victim)).doesNotContain(TestDirectory.memberIdOf(strangerKey));
                Await.until("stranger backs off", 5_000, () -> stranger.counters().backoffs().get() >= 2);
            }
            assertThat(cluster.formsTopology(snapshot, 2)).isTrue();
        }
    }

    @Test
    void shouldRefuseAKeyClaimingAnotherKeysCollateralWithItsReason()
    {
        try (Cluster cluster = new Cluster(4, 1, ctx -> { }))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until("topology", 10_000, () -> cluster.formsTopology(snapshot, 2));

            // A listed-looking impostor: it reads the real directory and claims a member's collateral with its own key.
            // On a ring of 4 every member targets every other and the smaller id dials, so it claims the smallest id:
            // it then dials everyone (claiming the largest, it would dial nobody, and nobody would dial it).
            final MemberId claimed = cluster.members.stream().min(MemberId::compareTo).orElseThrow();
            final NodeKey impostorKey = TestDirectory.keys(1).get(0);
            try (ChainmeshNode impostor = ChainmeshNode.launch(new ChainmeshNode.Context()
                .nodeKey(impostorKey).member(claimed)
                .directorySource(cluster.source)
                .transport(Transport.NIO)
                .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(20))
                .backoffMaxNs(TimeUnit.MILLISECONDS.toNanos(200))))
            {
                Await.until("impostor told KEY_NOT_LISTED_FOR_MEMBER", 10_000,
                    () -> impostor.counters().closesReceived(CloseReason.KEY_NOT_LISTED_FOR_MEMBER).get() > 0);
                assertThat(cluster.nodes.stream()
                    .mapToLong(n -> n.counters().handshakeFailures(CloseReason.KEY_NOT_LISTED_FOR_MEMBER).get()).sum())
                    .isPositive();
                assertThat(impostor.peers().stream().filter(p -> p.state() == PeerView.State.ACTIVE)).isEmpty();
            }
            assertThat(cluster.formsTopology(snapshot, 2)).as("the real member keeps its links").isTrue();
        }
    }

    @Test
    void shouldConvergeAfterJoinAndLeave()
    {
        try (Cluster cluster = new Cluster(9, 2, ctx -> { }))
        {
            final List<Integer> first = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7));
            final DirectorySnapshot before = cluster.publish(first);
            Await.until(() -> "initial topology" + cluster.describe(before, 2), 15_000,
                () -> cluster.formsTopology(before, 2));
            final ChainmeshNode leaving = cluster.nodes.get(3);

            final List<Integer> second = new ArrayList<>(List.of(0, 1, 2, 4, 5, 6, 7, 8));
            final DirectorySnapshot after = cluster.publish(second);
            Await.until(() -> "converged topology" + cluster.describe(after, 2), 15_000,
                () -> cluster.formsTopology(after, 2));
            Await.until("leaving node has no links", 5_000, () -> leaving.peers().isEmpty());
            final long memberLeft = cluster.nodes.stream()
                .mapToLong(n -> n.counters().closesSent(CloseReason.MEMBER_LEFT).get()).sum();
            assertThat(memberLeft).isPositive();
            assertThat(cluster.nodes.get(8).peers()).isNotEmpty();
        }
    }

    @Test
    void shouldDetectHungNodeByHeartbeatAndReconnectWhenItComesBack()
    {
        final long heartbeatMs = 50;
        final int missed = 3;
        try (Cluster cluster = new Cluster(5, 1, ctx -> ctx
            .heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(heartbeatMs))
            .missedHeartbeatsBeforeDead(missed)
            .handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300))))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until("topology", 10_000, () -> cluster.formsTopology(snapshot, 2));
            final int victimIndex = 2;
            final ChainmeshNode victim = cluster.nodes.get(victimIndex);
            final MemberId victimId = victim.member();
            final int port = victim.localAddress().getPort();

            final long suspendedAt = System.nanoTime();
            victim.suspendForTest();
            Await.until("peers drop the hung node", 5_000, () -> cluster.nodes.stream()
                .filter(n -> n != victim).noneMatch(n -> Cluster.peersOf(n).contains(victimId)));
            final long detectedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - suspendedAt);
            final long timeouts = cluster.nodes.stream().filter(n -> n != victim)
                .mapToLong(n -> n.counters().closesSent(CloseReason.HEARTBEAT_TIMEOUT).get()).sum();
            assertThat(timeouts).isPositive();
            // deadline: (missed + 1) intervals plus scheduling slack on a loaded 2-core box
            assertThat(detectedMs).isLessThan((missed + 1) * heartbeatMs + 2_000);

            victim.close();
            // The process comes back on the same port with the same key; the directory does not change.
            // Peers keep re-dialling the dead port, and loopback may hand that very port to one of their
            // connections as its ephemeral port (even a TCP self-connect); like a restarting process,
            // retry the bind until it is free.
            final ChainmeshNode[] restarted = new ChainmeshNode[1];
            Await.until("port " + port + " free to bind again", 10_000, () ->
            {
                try
                {
                    restarted[0] = cluster.launch(cluster.keys.get(victimIndex), port);
                    return true;
                }
                catch (final Exception ex)
                {
                    if (!(ex instanceof java.net.BindException))
                    {
                        throw ex;
                    }
                    return false;
                }
            });
            cluster.nodes.set(victimIndex, restarted[0]);
            Await.until(() -> "reconnected" + cluster.describe(snapshot, 2), 15_000,
                () -> cluster.formsTopology(snapshot, 2));
        }
    }

    @Test
    void shouldResolveSimultaneousDialToOneLink()
    {
        // Each node's directory lags differently so that both believe they must dial the other:
        // ring [a, b, x1 .. x8] (k=1): a targets b (distance 1), b not a (9); ring [b, a, x1 .. x8]: b targets a.
        final List<NodeKey> keys = TestDirectory.keys(10);
        final InMemoryDirectorySource sourceA = new InMemoryDirectorySource(DirectorySnapshot.empty());
        final InMemoryDirectorySource sourceB = new InMemoryDirectorySource(DirectorySnapshot.empty());
        try (ChainmeshNode a = launch(keys.get(0), sourceA); ChainmeshNode b = launch(keys.get(1), sourceB))
        {
            final int pa = a.localAddress().getPort();
            final int pb = b.localAddress().getPort();
            final List<Member> others = new ArrayList<>();
            for (int i = 2; i < keys.size(); i++)
            {
                others.add(TestDirectory.member(keys.get(i), 9 + i, i));
            }
            final List<Member> ringA = new ArrayList<>(List.of(
                TestDirectory.member(keys.get(0), pa, 0), TestDirectory.member(keys.get(1), pb, 1)));
            ringA.addAll(others);
            final List<Member> ringB = new ArrayList<>(List.of(
                TestDirectory.member(keys.get(1), pb, 0), TestDirectory.member(keys.get(0), pa, 1)));
            ringB.addAll(others);
            final DirectorySnapshot viewA = DirectorySnapshot.of(1, ringA);
            final DirectorySnapshot viewB = DirectorySnapshot.of(1, ringB);
            assertThat(OverlayTopology.of(viewA, 1).dials(0, 1)).isTrue();
            assertThat(OverlayTopology.of(viewB, 1).dials(0, 1)).isTrue();
            assertThat(OverlayTopology.of(viewA, 1).targets(1, 0)).isFalse();
            sourceA.publish(viewA);
            sourceB.publish(viewB);
            Await.until("one link each way", 10_000, () -> a.peers().size() == 1 && b.peers().size() == 1);
            // let any second dial complete or be refused, then check both ends agree on the same connection
            Await.until("dials settled", 10_000, () -> a.counters().linksOpened().get() +
                a.counters().handshakeFailures(CloseReason.DUPLICATE_CONNECTION).get() >= 1 &&
                a.counters().connections(EngineCounters.ConnectionState.HANDSHAKING).get() == 0 &&
                b.counters().connections(EngineCounters.ConnectionState.HANDSHAKING).get() == 0);
            Await.until("same connection on both ends", 10_000, () ->
            {
                final List<PeerView> pa1 = a.peers();
                final List<PeerView> pb1 = b.peers();
                return pa1.size() == 1 && pb1.size() == 1 &&
                    pa1.get(0).localAddress().equals(pb1.get(0).remoteAddress()) &&
                    pa1.get(0).direction() != pb1.get(0).direction();
            });
            assertThat(a.peers()).hasSize(1);
            assertThat(b.peers()).hasSize(1);
        }
    }

    @Test
    void shouldRefuseUnexpectedInboundLinkBeyondExtraBudgetAndAcceptWithinIt()
    {
        // k=1, N=20: targets at distances 1 .. 8 and 16. In a's view a targets b (distance 1, and b does not target a at
        // distance 19); in b's view a is 10 away either way, so neither targets the other.
        final List<NodeKey> keys = TestDirectory.keys(20);
        for (final int budget : new int[]{0, 1})
        {
            final InMemoryDirectorySource sourceA = new InMemoryDirectorySource(DirectorySnapshot.empty());
            final InMemoryDirectorySource sourceB = new InMemoryDirectorySource(DirectorySnapshot.empty());
            try (ChainmeshNode a = launch(keys.get(0), sourceA);
                 ChainmeshNode b = ChainmeshNode.launch(new ChainmeshNode.Context()
                     .nodeKey(keys.get(1)).member(TestDirectory.memberIdOf(keys.get(1))).directorySource(sourceB).transport(Transport.NIO).ringSuccessors(1)
                     .extraInboundBudget(budget)
                     .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(20)).backoffMaxNs(TimeUnit.MILLISECONDS.toNanos(200))))
            {
                final Member ma = TestDirectory.member(keys.get(0), a.localAddress().getPort(), 0);
                final Member mb = TestDirectory.member(keys.get(1), b.localAddress().getPort(), 1);
                final List<Member> others = new ArrayList<>();
                for (int i = 2; i < 20; i++)
                {
                    others.add(TestDirectory.member(keys.get(i), 10 + i, i));
                }
                final List<Member> viewA = new ArrayList<>(List.of(ma, mb));
                viewA.addAll(others);
                final List<Member> viewB = new ArrayList<>(List.of(mb));
                viewB.addAll(others.subList(0, 9));
                viewB.add(ma);
                viewB.addAll(others.subList(9, 18));
                final OverlayTopology topologyA = OverlayTopology.of(ordered(viewA), 1);
                final OverlayTopology topologyB = OverlayTopology.of(ordered(viewB), 1);
                assertThat(topologyA.targets(0, 1) && !topologyA.targets(1, 0)).as("a alone targets b in a's view").isTrue();
                assertThat(topologyB.isLink(0, 10)).as("no link in b's view").isFalse();
                sourceA.publish(ordered(viewA));
                sourceB.publish(ordered(viewB));
                if (budget == 0)
                {
                    Await.until("a told NOT_AN_EXPECTED_LINK", 10_000,
                        () -> a.counters().closesReceived(CloseReason.NOT_AN_EXPECTED_LINK).get() > 0);
                    assertThat(b.counters().handshakeFailures(CloseReason.NOT_AN_EXPECTED_LINK).get()).isPositive();
                    assertThat(b.peers()).isEmpty();
                }
                else
                {
                    Await.until("extra inbound link accepted", 10_000,
                        () -> Cluster.peersOf(b).contains(a.member()) && Cluster.peersOf(a).contains(b.member()));
                    assertThat(b.counters().handshakeFailures(CloseReason.NOT_AN_EXPECTED_LINK).get()).isZero();
                }
            }
        }
    }

    /** A snapshot whose ring order is the list order (positions rewritten accordingly). */
    private static DirectorySnapshot ordered(final List<Member> members)
    {
        final List<Member> list = new ArrayList<>();
        for (int i = 0; i < members.size(); i++)
        {
            final Member m = members.get(i);
            list.add(new Member(MemberId.of(m.txHash(), m.outputIndex()), m.publicKey(), m.endpoint(), m.tier(), i, i, i, 0, "", i));
        }
        return DirectorySnapshot.of(1, list);
    }

    private static ChainmeshNode launch(final NodeKey key, final InMemoryDirectorySource source)
    {
        return ChainmeshNode.launch(new ChainmeshNode.Context()
            .nodeKey(key).member(TestDirectory.memberIdOf(key))
            .directorySource(source)
            .transport(Transport.NIO)
            .ringSuccessors(1)
            .bindAddress(new InetSocketAddress("127.0.0.1", 0))
            .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(20))
            .backoffMaxNs(TimeUnit.MILLISECONDS.toNanos(200))
            .reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(10)));
    }
}
