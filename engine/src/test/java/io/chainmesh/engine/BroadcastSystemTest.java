package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.engine.broadcast.BroadcastCounters;
import io.chainmesh.engine.broadcast.BroadcastStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Signed broadcast between real nodes over TCP on 127.0.0.1.
 */
class BroadcastSystemTest
{
    private static final int TOPIC = 3;
    private Cluster cluster;
    private final List<Map<String, AtomicInteger>> received = new ArrayList<>();

    @AfterEach
    void tearDown()
    {
        if (null != cluster)
        {
            cluster.close();
        }
    }

    private void startCluster(final int n, final BroadcastStrategy strategy)
    {
        startCluster(n, 0, strategy);
    }

    private void startCluster(final int n, final int operators, final BroadcastStrategy strategy)
    {
        cluster = new Cluster(n, 2, operators, ctx -> ctx.broadcast().strategy(strategy).repairIntervalMillis(50)
            .repairDelayMillis(300).retentionBytes(1 << 20));
        for (int i = 0; i < n; i++)
        {
            received.add(new ConcurrentHashMap<>());
            subscribe(i);
        }
        final DirectorySnapshot snapshot = cluster.publishAll();
        await(() -> cluster.formsTopology(snapshot, 2), () -> "topology" + cluster.describe(snapshot, 2));
    }

    private void subscribe(final int i)
    {
        final Map<String, AtomicInteger> mine = received.get(i);
        cluster.nodes.get(i).subscribe(TOPIC, (originId, topic, buffer, offset, length) ->
            mine.computeIfAbsent(Long.toHexString(originId) + ":" + buffer.getInt(offset), k -> new AtomicInteger())
                .incrementAndGet());
    }

    private String key(final int origin, final int message)
    {
        return Long.toHexString(cluster.members.get(origin).originId()) + ":" + message;
    }

    private long publish(final int node, final int message)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[100]);
        payload.putInt(0, message);
        return cluster.nodes.get(node).publish(TOPIC, payload, 0, 100, 5, TimeUnit.SECONDS);
    }

    private long sum(final ToLongFunction<BroadcastCounters> counter)
    {
        return cluster.nodes.stream().mapToLong(node -> counter.applyAsLong(node.broadcastCounters())).sum();
    }

    private String describe()
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < cluster.nodes.size(); i++)
        {
            final ChainmeshNode node = cluster.nodes.get(i);
            text.append("\n node ").append(i).append(" peers=").append(node.peers().size()).append(' ')
                .append(node.broadcastCounters());
        }
        return text.toString();
    }

    private static void await(final BooleanSupplier condition, final java.util.function.Supplier<String> what)
    {
        Await.until(what, 30_000, condition);
    }

    @Test
    void shouldDeliverEveryMessageExactlyOnceOverTheTreeWithNMinusOneTransmissions()
    {
        deliverEveryMessageExactlyOnce(16, 0, 25);
    }

    @Test
    void shouldDeliverExactlyOnceToEightMembersOfTwoOperatorsSharingKeys()
    {
        deliverEveryMessageExactlyOnce(8, 2, 25);
        assertThat(cluster.keys.stream().distinct().count()).isEqualTo(2);
        assertThat(cluster.members.stream().map(MemberId::originId).distinct().count())
            .as("every member is its own origin").isEqualTo(8);
        for (final ChainmeshNode node : cluster.nodes)
        {
            assertThat(node.counters().handshakeFailures(CloseReason.KEY_NOT_LISTED_FOR_MEMBER).get()).isZero();
            assertThat(node.counters().handshakeFailures(CloseReason.ADDRESS_NOT_LISTED_FOR_MEMBER).get()).isZero();
        }
    }

    private void deliverEveryMessageExactlyOnce(final int n, final int operators, final int perNode)
    {
        startCluster(n, operators, BroadcastStrategy.TREE);

        for (int m = 0; m < perNode; m++)
        {
            for (int origin = 0; origin < n; origin++)
            {
                assertThat(publish(origin, m)).isGreaterThanOrEqualTo(0);
            }
        }

        await(() -> received.stream().allMatch(r -> r.size() == (n - 1) * perNode),
            () -> "all deliveries, sizes " + received.stream().map(Map::size).toList());
        await(() -> sum(BroadcastCounters::batchesCommitted) == n * sum(BroadcastCounters::batchesPublished),
            () -> "every batch committed on every node");
        for (int node = 0; node < n; node++)
        {
            final Map<String, AtomicInteger> r = received.get(node);
            assertThat(r.values()).as("node %d delivers each message once", node).allMatch(c -> c.get() == 1);
        }
        assertThat(sum(BroadcastCounters::batchesForwarded))
            .as("n - 1 transmissions per batch (skipped=%d wants=%d)", sum(BroadcastCounters::forwardsSkipped),
                sum(BroadcastCounters::wantsSent))
            .isEqualTo((n - 1) * sum(BroadcastCounters::batchesPublished));
        assertThat(sum(BroadcastCounters::forged) + sum(BroadcastCounters::malformed)).isZero();
    }

    @Test
    void shouldRejectForgedAndReplayedBatchesFromALinkedMemberWithoutBlockingTheRealOnes()
    {
        final int n = 8;
        startCluster(n, BroadcastStrategy.TREE);
        final ChainmeshNode victim = cluster.nodes.get(1);
        final ChainmeshNode rogue = cluster.nodes.get(0);
        assertThat(Cluster.peersOf(rogue)).contains(victim.member());

        // Node 0 (a member) forges a batch in node 2's name with the next sequence node 2 would use.
        assertThat(publish(2, 1)).isGreaterThanOrEqualTo(0);
        await(() -> received.get(1).containsKey(key(2, 1)), () -> "first real batch of node 2 at node 1");
        final long nextSeq = System.currentTimeMillis() * 1000 + 1_000_000;
        final UnsafeBuffer forged = new UnsafeBuffer(new byte[512]);
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[100]);
        payload.putInt(0, 666);
        final io.chainmesh.codec.batch.BatchEncoder encoder = new io.chainmesh.codec.batch.BatchEncoder().wrap(forged, 0, 512)
            .begin(TestDirectory.memberIdOf(cluster.keys.get(2)).originId(), nextSeq, System.currentTimeMillis());
        encoder.tryAppend(TOPIC, payload, 0, 100);
        final int forgedLength = encoder.sign(new io.chainmesh.codec.batch.BatchSigner(cluster.keys.get(0)));
        assertThat(rogue.sendRawFrameForTest(victim.member(), forged, forgedLength)).isTrue();
        await(() -> victim.broadcastCounters().forged() == 1, () -> "the forgery counted at node 1");
        assertThat(received.get(1)).doesNotContainKey(key(2, 666));

        // The genuine batch with that same sequence, signed by node 2, still gets through: the forgery left no mark.
        final UnsafeBuffer real = new UnsafeBuffer(new byte[512]);
        final io.chainmesh.codec.batch.BatchEncoder realEncoder = new io.chainmesh.codec.batch.BatchEncoder().wrap(real, 0, 512)
            .begin(TestDirectory.memberIdOf(cluster.keys.get(2)).originId(), nextSeq, System.currentTimeMillis());
        payload.putInt(0, 777);
        realEncoder.tryAppend(TOPIC, payload, 0, 100);
        final int realLength = realEncoder.sign(new io.chainmesh.codec.batch.BatchSigner(cluster.keys.get(2)));
        assertThat(rogue.sendRawFrameForTest(victim.member(), real, realLength)).isTrue();
        await(() -> received.get(1).containsKey(key(2, 777)), () -> "the genuine batch delivered after the forgery");

        // Replayed, it is counted as a duplicate and not delivered again.
        final long duplicatesBefore = victim.broadcastCounters().duplicates();
        assertThat(rogue.sendRawFrameForTest(victim.member(), real, realLength)).isTrue();
        await(() -> victim.broadcastCounters().duplicates() > duplicatesBefore, () -> "the replay counted");
        assertThat(received.get(1).get(key(2, 777))).hasValue(1);
    }

    @Test
    void shouldReportBackPressureBehindSlowSubscriberAndLoseNothing()
    {
        final int n = 6;
        startCluster(n, BroadcastStrategy.TREE);
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        final ChainmeshNode slow = cluster.nodes.get(3);
        slow.subscribe(TOPIC + 1, (originId, topic, buffer, offset, length) ->
        {
            try
            {
                release.await(30, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        });
        // Node 0 sends one message on the slow topic: node 3's commit thread blocks in its handler.
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[100]);
        assertThat(cluster.nodes.get(0).publish(TOPIC + 1, payload, 0, 100, 5, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(0);

        final List<Integer> accepted = new ArrayList<>();
        long status = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (int m = 0; status != Status.BACK_PRESSURED && System.nanoTime() - deadline < 0; m++)
        {
            payload.putInt(0, m);
            status = slow.offer(TOPIC, payload, 0, 100);
            if (status >= 0)
            {
                accepted.add(m);
            }
        }
        assertThat(status).as("offer on the node whose subscriber blocks").isEqualTo(Status.BACK_PRESSURED);

        release.countDown();
        for (int node = 0; node < n; node++)
        {
            if (node != 3)
            {
                final Map<String, AtomicInteger> r = received.get(node);
                await(() -> accepted.stream().allMatch(m -> r.containsKey(key(3, m))),
                    () -> "every accepted message of node 3 (" + accepted.size() + " accepted), have " + r.size() +
                        "; counters " + describe());
                assertThat(accepted).allMatch(m -> r.get(key(3, m)).get() == 1);
            }
        }
    }

    /**
     * Publishers offer ~5x what the links carry (NIO, two IO threads shared by the four nodes). Without origin
     * flow control the forwards owed to a peer outgrew the 32 MiB retention and ~1,000 batches per run were
     * given up as beyond retention; with it, offers are refused with BACK_PRESSURED while owed forwards pile up
     * (here and at the neighbours told by digest), and on a quiet 2-core box nothing is lost (20+ runs).
     * Known open defect, hence the tag: when the machine is CPU-starved (other builds or tests at the same
     * time, or a fresh CI JVM) the digests that pause the neighbours arrive behind full links and 25-60
     * batches per failing run are still given up (counted as beyond retention, never silent).
     *
     * @throws InterruptedException if interrupted while joining the publishers.
     */
    @Test
    @org.junit.jupiter.api.Tag("known-issue")
    void shouldLoseNothingAtMaxRateWhenForwardsMeetFullLinks() throws InterruptedException
    {
        // Closed loop at max rate, 4 nodes, 64 B messages: tree forwards meet full links.
        final int n = 4;
        cluster = new Cluster(n, 2, ctx -> ctx.peerOutboundBudget(ChainmeshNode.Context.DEFAULT_PEER_OUTBOUND_BUDGET)
            .broadcast().maxMessageLength(1024));
        final java.util.concurrent.atomic.AtomicLong delivered = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong duplicates = new java.util.concurrent.atomic.AtomicLong();
        for (int i = 0; i < n; i++)
        {
            final Map<Long, java.util.BitSet> seen = new java.util.HashMap<>();
            cluster.nodes.get(i).subscribe(TOPIC, (originId, topic, buffer, offset, length) ->
            {
                // Called on that node's commit thread only.
                if (seen.computeIfAbsent(originId, k -> new java.util.BitSet()).get(buffer.getInt(offset)))
                {
                    duplicates.incrementAndGet();
                }
                seen.get(originId).set(buffer.getInt(offset));
                delivered.incrementAndGet();
            });
        }
        final DirectorySnapshot snapshot = cluster.publishAll();
        await(() -> cluster.formsTopology(snapshot, 2), () -> "topology" + cluster.describe(snapshot, 2));

        final long[] published = new long[n];
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        final Thread[] publishers = new Thread[n];
        for (int i = 0; i < n; i++)
        {
            final int origin = i;
            publishers[i] = new Thread(() ->
            {
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
                int m = 0;
                while (System.nanoTime() - end < 0)
                {
                    payload.putInt(0, m);
                    if (cluster.nodes.get(origin).publish(TOPIC, payload, 0, 64, 5, TimeUnit.SECONDS) >= 0)
                    {
                        m++;
                    }
                }
                published[origin] = m;
            });
            publishers[i].start();
        }
        for (final Thread publisher : publishers)
        {
            publisher.join(30_000);
        }
        final long expected = java.util.Arrays.stream(published).sum() * (n - 1);
        Await.until(() -> "all delivered: " + delivered.get() + " of " + expected + describe(), 60_000,
            () -> delivered.get() >= expected || sum(BroadcastCounters::lostBeyondRetention) > 0);
        assertThat(sum(BroadcastCounters::lostBeyondRetention)).as("given up as beyond retention" + describe()).isZero();
        Await.until(() -> "all delivered: " + delivered.get() + " of " + expected + describe(), 60_000,
            () -> delivered.get() >= expected);
        assertThat(duplicates.get()).isZero();
        assertThat(delivered.get()).isEqualTo(expected);
        assertThat(sum(BroadcastCounters::offerBackPressuredByLinks)).as("publishers slowed by the links").isPositive();
    }

    @Test
    void shouldDeliverExactlyOnceWhenFlooding()
    {
        final int n = 8;
        startCluster(n, BroadcastStrategy.FLOOD);

        for (int m = 0; m < 10; m++)
        {
            assertThat(publish(m % n, m)).isGreaterThanOrEqualTo(0);
        }

        await(() -> received.stream().mapToInt(Map::size).sum() == 10 * (n - 1), () -> "flood deliveries");
        assertThat(received).allMatch(r -> r.values().stream().allMatch(c -> c.get() == 1));
        assertThat(sum(BroadcastCounters::batchesForwarded)).as("flooding costs more than the tree")
            .isGreaterThan((n - 1) * sum(BroadcastCounters::batchesPublished));
    }

    @Test
    void shouldCatchUpRestartedNodeFromNeighboursRetention()
    {
        final int n = 8;
        startCluster(n, BroadcastStrategy.TREE);
        final int down = 5;
        final int port = cluster.nodes.get(down).localAddress().getPort();
        cluster.nodes.get(down).close();

        for (int m = 0; m < 20; m++)
        {
            assertThat(publish(m % 2, 500 + m)).isGreaterThanOrEqualTo(0);
        }
        await(() -> received.get(2).size() >= 19, () -> "delivery while node 5 is down");

        received.get(down).clear();
        cluster.nodes.set(down, cluster.launch(cluster.keys.get(down), port));
        subscribe(down);
        await(() ->
        {
            for (int m = 0; m < 20; m++)
            {
                if (!received.get(down).containsKey(key(m % 2, 500 + m)))
                {
                    return false;
                }
            }
            return true;
        }, () -> "node 5 to catch up, has " + received.get(down).size());
        assertThat(received.get(down).values()).allMatch(c -> c.get() == 1);
    }
}
