package io.chainmesh.engine.broadcast;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.batch.BatchSigner;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.engine.Await;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.stream.IntStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class BroadcastPipelineSystemTest
{
    private static final int N = 16;
    private static final int TOPIC = 7;

    private final LoopbackLinks links = new LoopbackLinks();
    private final NodeKey[] keys = new NodeKey[N];
    private final MemberId[] ids = new MemberId[N];
    private final BroadcastPipeline[] nodes = new BroadcastPipeline[N];
    /** received.get(node).get("origin:message") = how many times it was delivered there. */
    private final List<Map<String, AtomicInteger>> received = new ArrayList<>();
    private DirectorySnapshot directory;
    private int retentionBytes = 1 << 20;
    private long batchLingerNanos;
    private int egressRingSize = 4096;
    private int maxMessagesPerBatch = BatchDescriptor.MAX_ENTRIES;
    private int maxBatchFrameLength = 64 << 10;
    private long repairDelayMillis = 150;
    private long slowPeerMillis = 5_000;
    private long retentionMillis = 60_000;

    @BeforeEach
    void setUp()
    {
        final List<Member> members = new ArrayList<>();
        for (int i = 0; i < N; i++)
        {
            keys[i] = NodeKey.fromHex(String.format("%064x", 1000 + i));
            ids[i] = MemberId.of(String.format("%064x", i + 1), 0);
            members.add(new Member(ids[i], keys[i].publicKey(), new Endpoint("127.0.0.1", 20000 + i),
                Tier.CUMULUS, 10 + i / 4, 10, 10, 0, "", i));
            received.add(new ConcurrentHashMap<>());
        }
        directory = DirectorySnapshot.of(100, members);
        for (int i = 0; i < N; i++)
        {
            start(i, null);
        }
    }

    @AfterEach
    void tearDown()
    {
        for (final BroadcastPipeline node : nodes)
        {
            if (null != node)
            {
                node.close();
            }
        }
    }

    private void start(final int i, final MessageHandler extra)
    {
        final Map<String, AtomicInteger> mine = received.get(i);
        nodes[i] = BroadcastPipeline.launch(new BroadcastContext()
            .nodeKey(keys[i])
            .member(ids[i])
            .directory(() -> directory)
            .links(links.linkFor(ids[i]))
            .name("n" + i)
            .repairIntervalMillis(25)
            .repairDelayMillis(repairDelayMillis)
            .slowPeerMillis(slowPeerMillis)
            .retentionBytes(retentionBytes)
            .retentionMillis(retentionMillis)
            .maxBatchFrameLength(maxBatchFrameLength)
            .batchLingerNanos(batchLingerNanos)
            .egressRingSize(egressRingSize)
            .maxMessagesPerBatch(maxMessagesPerBatch)
            .maxMessageLength(1024));
        nodes[i].subscribe(TOPIC, (originId, topic, buffer, offset, length) ->
        {
            if (null != extra)
            {
                extra.onMessage(originId, topic, buffer, offset, length);
            }
            mine.computeIfAbsent(Long.toHexString(originId) + ":" + buffer.getInt(offset), k -> new AtomicInteger())
                .incrementAndGet();
        });
        links.up.put(ids[i], nodes[i]);
    }

    private long publish(final int node, final int message)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
        payload.putInt(0, message);
        return nodes[node].publish(TOPIC, payload, 0, 64, 5, TimeUnit.SECONDS);
    }

    private String key(final int origin, final int message)
    {
        return Long.toHexString(ids[origin].originId()) + ":" + message;
    }

    private static void await(final BooleanSupplier condition, final Supplier<String> what)
    {
        Await.until(what, 30_000, condition);
    }

    private long sum(final java.util.function.ToLongFunction<BroadcastCounters> counter)
    {
        long total = 0;
        for (final BroadcastPipeline node : nodes)
        {
            total += counter.applyAsLong(node.counters());
        }
        return total;
    }

    @Test
    void shouldDeliverEveryMessageExactlyOnceWithNMinusOneTransmissionsPerBatch()
    {
        final int perNode = 40;
        for (int m = 0; m < perNode; m++)
        {
            for (int origin = 0; origin < N; origin++)
            {
                assertThat(publish(origin, m)).isGreaterThanOrEqualTo(0);
            }
        }

        await(() -> received.stream().allMatch(r -> r.size() == (N - 1) * perNode),
            () -> "every node to receive " + (N - 1) * perNode + " messages");
        await(() -> sum(BroadcastCounters::batchesCommitted) == N * sum(BroadcastCounters::batchesPublished),
            () -> "every batch committed everywhere");

        for (int node = 0; node < N; node++)
        {
            for (int origin = 0; origin < N; origin++)
            {
                for (int m = 0; m < perNode && origin != node; m++)
                {
                    assertThat(received.get(node).get(key(origin, m))).as("node %d origin %d message %d", node, origin, m)
                        .hasValue(1);
                }
            }
        }
        assertThat(sum(BroadcastCounters::batchesForwarded))
            .as("tree sends n - 1 copies per batch; skipped=%d notConnected=%d ingressFull=%d wants=%d repairs=%d dup=%d",
                sum(BroadcastCounters::forwardsSkipped), sum(c -> c.forwardNotConnected.get()),
                sum(BroadcastCounters::ingressFull), sum(BroadcastCounters::wantsSent),
                sum(BroadcastCounters::repairFramesSent), sum(BroadcastCounters::duplicates))
            .isEqualTo((N - 1) * sum(BroadcastCounters::batchesPublished));
        assertThat(sum(BroadcastCounters::forged) + sum(BroadcastCounters::malformed)).isZero();
    }

    @Test
    void shouldSignMessagesOfferedWithinTheLingerAsOneBatchOnceTheLingerIsUp()
    {
        restartNodeZero(TimeUnit.SECONDS.toNanos(1));
        for (int m = 0; m < 5; m++)
        {
            assertThat(publish(0, m)).isGreaterThanOrEqualTo(0);
        }

        await(() -> received.stream().skip(1).allMatch(r -> r.size() == 5), () -> "every node to receive the 5 messages");
        assertThat(nodes[0].counters().batchesPublished()).as("one signature for the 5").isEqualTo(1);
    }

    @Test
    void shouldKeepTakingOffersWhileABatchLingersAndSignEachBatchThatFills()
    {
        // 40 offers through a 16-slot ring while batches linger: none is refused for good, and every batch of 8 is
        // signed when it is full.
        egressRingSize = 16;
        maxMessagesPerBatch = 8;
        restartNodeZero(TimeUnit.SECONDS.toNanos(1));
        for (int m = 0; m < 40; m++)
        {
            assertThat(publish(0, m)).isGreaterThanOrEqualTo(0);
        }

        await(() -> received.stream().skip(1).allMatch(r -> r.size() == 40), () -> "every node to receive the 40 messages");
        assertThat(nodes[0].counters().batchesPublished()).isEqualTo(5);
    }

    private void restartNodeZero(final long lingerNanos)
    {
        batchLingerNanos = lingerNanos;
        nodes[0].close();
        start(0, null);
    }

    @Test
    void shouldRejectForgedBatchWithoutBlockingTheRealOne()
    {
        final AtomicReference<byte[]> real = new AtomicReference<>();
        // Hold back node 0's first batch to node 1 so a forgery can arrive first.
        links.interceptors.add(frame ->
        {
            if (frame[4] == FrameType.BATCH && real.get() == null &&
                new UnsafeBuffer(frame).getLong(BatchDescriptor.ORIGIN_ID_OFFSET, ByteOrder.BIG_ENDIAN) ==
                ids[0].originId())
            {
                real.set(frame);
            }
            return true;
        });
        assertThat(publish(0, 42)).isGreaterThanOrEqualTo(0);
        await(() -> null != real.get(), () -> "node 0's batch on the wire");
        links.interceptors.clear();
        await(() -> received.get(1).containsKey(key(0, 42)), () -> "node 1 to receive the real batch");

        // A forged copy of a new sequence (signed by node 5, claiming node 0) reaches node 2 first.
        final UnsafeBuffer forged = new UnsafeBuffer(new byte[1024]);
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
        payload.putInt(0, 43);
        final long nextSeq = new UnsafeBuffer(real.get()).getLong(BatchDescriptor.BATCH_SEQ_OFFSET, ByteOrder.BIG_ENDIAN) + 1;
        final BatchEncoder encoder = new BatchEncoder().wrap(forged, 0, 1024)
            .begin(ids[0].originId(), nextSeq, System.currentTimeMillis());
        encoder.tryAppend(TOPIC, payload, 0, 64);
        final int forgedLength = encoder.sign(new BatchSigner(keys[5]));
        assertThat(nodes[2].onFrame(ids[3], forged, 0, forgedLength)).isTrue();
        await(() -> nodes[2].counters().forged() == 1, () -> "the forgery to be counted");

        assertThat(publish(0, 43)).isGreaterThanOrEqualTo(0);
        await(() -> received.stream().filter(r -> r != received.get(0)).allMatch(r -> r.containsKey(key(0, 43))),
            () -> "the real batch everywhere");
        assertThat(received.get(2).get(key(0, 43))).hasValue(1);
    }

    @Test
    void shouldRejectReplayedBatchAndCloseRepeatOffender()
    {
        final AtomicReference<byte[]> captured = new AtomicReference<>();
        links.interceptors.add(frame ->
        {
            if (frame[4] == FrameType.BATCH)
            {
                captured.compareAndSet(null, frame);
            }
            return true;
        });
        assertThat(publish(4, 1)).isGreaterThanOrEqualTo(0);
        await(() -> received.stream().filter(r -> r != received.get(4)).allMatch(r -> r.containsKey(key(4, 1))),
            () -> "first delivery everywhere");
        final long duplicatesBefore = nodes[9].counters().duplicates();

        final byte[] replay = captured.get();
        assertThat(nodes[9].onFrame(ids[8], new UnsafeBuffer(replay), 0, replay.length)).isTrue();
        await(() -> nodes[9].counters().duplicates() == duplicatesBefore + 1, () -> "the replay to be counted");
        assertThat(nodes[9].counters().duplicatesBeforeVerify()).as("recognised before its signature was checked again")
            .isEqualTo(1);
        assertThat(received.get(9).get(key(4, 1))).hasValue(1);

        // Garbage from a peer counts as invalid; five of them close the link with a reason. (Its sequence is
        // changed too: a corrupt copy of a batch already committed is only a duplicate, never verified.)
        final byte[] garbage = replay.clone();
        garbage[BatchDescriptor.BATCH_SEQ_OFFSET + 7] ^= 0x55;
        garbage[garbage.length - 1] ^= 0x55;
        for (int i = 0; i < 5; i++)
        {
            nodes[9].onFrame(ids[8], new UnsafeBuffer(garbage), 0, garbage.length);
        }
        await(() -> links.closed.get(ids[8]) == CloseReason.TOO_MANY_INVALID, () -> "the offender closed");
    }

    @Test
    void shouldCatchUpRestartedNodeFromRetention()
    {
        final int down = 6;
        links.up.remove(ids[down]);
        nodes[down].close();
        received.get(down).clear();

        for (int m = 0; m < 30; m++)
        {
            assertThat(publish(m % 3, 1000 + m)).isGreaterThanOrEqualTo(0);
        }
        await(() -> received.get(0).size() >= 20 && received.get(1).size() >= 20, () -> "delivery while node 6 is down");

        start(down, null);
        await(() ->
        {
            for (int m = 0; m < 30; m++)
            {
                if (!received.get(down).containsKey(key(m % 3, 1000 + m)))
                {
                    return false;
                }
            }
            return true;
        }, () -> "node 6 to receive what it missed, has " + received.get(down).size());
        assertThat(received.get(down).values()).allMatch(count -> count.get() == 1);
        assertThat(nodes[down].counters().lostBeyondRetention()).isZero();
    }

    @Test
    void shouldReportBackPressureBehindSlowSubscriberAndLoseNothing() throws Exception
    {
        tearDownNode(3);
        final CountDownLatch release = new CountDownLatch(1);
        start(3, (originId, topic, buffer, offset, length) ->
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
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
        final List<Integer> accepted = new ArrayList<>();
        assertThat(publish(0, 0)).isGreaterThanOrEqualTo(0);
        long status = 0;
        for (int m = 1; m < 200_000 && status != BroadcastPipeline.BACK_PRESSURED; m++)
        {
            payload.putInt(0, m);
            status = nodes[3].offer(TOPIC, payload, 0, 64);
            if (status >= 0)
            {
                accepted.add(m);
            }
        }
        assertThat(status).as("node 3's offers are refused while its subscriber blocks").isEqualTo(BroadcastPipeline.BACK_PRESSURED);
        assertThat(nodes[3].counters().offerBackPressured()).isPositive();

        release.countDown();
        await(() -> accepted.stream().allMatch(m -> received.get(5).containsKey(key(3, m))) &&
            received.get(3).containsKey(key(0, 0)),
            () -> "every accepted message of node 3 at node 5 (" + accepted.size() + " accepted)");
        for (int node = 0; node < N; node++)
        {
            if (node != 3)
            {
                final Map<String, AtomicInteger> r = received.get(node);
                await(() -> accepted.stream().allMatch(m -> r.containsKey(key(3, m))), () -> "node 3's messages everywhere");
                assertThat(accepted).allMatch(m -> r.get(key(3, m)).get() == 1);
            }
        }
    }

    @Test
    void shouldHandTheRangeOfADownMemberToTheNextOneSoEveryLiveMemberGetsEachBatchOnceViaTheTree()
    {
        final int down = 8;
        // Repair only after 5 s: what is asserted is that the tree alone reaches everyone, even on a slow box.
        for (int i = 0; i < N; i++)
        {
            tearDownNode(i);
        }
        repairDelayMillis = 5_000;
        for (int i = 0; i < N; i++)
        {
            if (i != down)
            {
                start(i, null);
            }
        }
        final int perNode = 10;
        for (int m = 0; m < perNode; m++)
        {
            for (int origin = 0; origin < N; origin++)
            {
                if (origin != down)
                {
                    assertThat(publish(origin, m)).isGreaterThanOrEqualTo(0);
                }
            }
        }
        await(() -> received.stream().filter(r -> r != received.get(down)).allMatch(r -> r.size() == (N - 2) * perNode) &&
            sumLive(down, BroadcastCounters::batchesCommitted) == (N - 1) * sumLive(down, BroadcastCounters::batchesPublished),
            () -> "every batch committed on every live node: committed " + sumLive(down, BroadcastCounters::batchesCommitted) +
                " of " + sumLive(down, BroadcastCounters::batchesPublished) + " batches, received " +
                received.stream().map(Map::size).toList());
        final long batches = sumLive(down, BroadcastCounters::batchesPublished);
        for (int node = 0; node < N; node++)
        {
            for (int origin = 0; origin < N && node != down; origin++)
            {
                for (int m = 0; m < perNode && origin != node && origin != down; m++)
                {
                    assertThat(received.get(node).get(key(origin, m))).as("node %d origin %d message %d", node, origin, m)
                        .hasValue(1);
                }
            }
        }
        // Node 8 covers 4 of the 16 members in origin 0's tree and more than itself in every tree where its
        // offset is a multiple of 4: without the hand-over its subtree would get those batches only by repair.
        assertThat(sumLive(down, BroadcastCounters::forwardsHandedOver)).as("hand-overs").isPositive();
        assertThat(sumLive(down, BroadcastCounters::batchesForwarded))
            .as("one tree copy per live member and batch (repairs=%d, duplicates=%d)",
                sumLive(down, BroadcastCounters::repairFramesSent), sumLive(down, BroadcastCounters::duplicates))
            .isEqualTo((N - 2) * batches);
    }

    /**
     * Known issue: passes in about 1.2 s nearly every time, but once in a fresh-clone run (cold JVM) node 3 sent one
     * WANT, committed 31 batches and then neither asked again nor gave the gap up within 30 s. The suspects are the
     * paths that stop it from re-asking once the origin goes quiet: digests that carry only changes (its peers' word is
     * replayed only while the node is not congested) and the repair budget. Until the cause is found and pinned by a
     * unit test of the repair rules, this test runs with {@code -Dsurefire.excludedGroups=}.
     */
    @Test
    @org.junit.jupiter.api.Tag("known-issue")
    void shouldTellAPeerAskingBeyondRetentionAndCountTheLossThenCloseOneThatKeepsAsking()
    {
        retentionBytes = 64 << 10;
        maxBatchFrameLength = 8 << 10;
        restartAll();
        final int cut = 3;
        // Cut off, node 3 misses far more than anyone retains (64 KiB each).
        final int missed = 3000;
        cutOffWhileOriginPublishes(cut, missed);
        links.partitioned.clear();
        for (int m = 5 + missed; m < 10 + missed; m++)
        {
            assertThat(publish(0, m)).isGreaterThanOrEqualTo(0);
        }

        final BroadcastCounters counters = nodes[cut].counters();
        await(() -> counters.lostBeyondRetention() > 0, () -> "node 3 to give up what nobody retains, " + counters);
        await(() ->
        {
            for (int m = 5 + missed; m < 10 + missed; m++)
            {
                if (!received.get(cut).containsKey(key(0, m)))
                {
                    return false;
                }
            }
            return true;
        }, () -> "node 3 to catch up past the loss, " + counters);
        assertThat(sum(BroadcastCounters::wantMissSent)).as("told explicitly").isPositive();
        assertThat(received.get(cut).values()).allMatch(count -> count.get() == 1);
        assertThat(received.get(cut).size() + counters.lostBeyondRetention())
            .as("what node 3 got plus what it counted lost covers what it missed (batches hold one or more messages)")
            .isLessThanOrEqualTo(10 + missed);
        assertThat(links.closed.get(ids[cut])).as("told once, it moved on: not closed").isNull();

        // A peer that keeps asking for what it was told is gone is closed with a reason.
        final UnsafeBuffer want = wantFrame(ids[0].originId(), 1, Long.MAX_VALUE / 2);
        for (int i = 0; i <= RepairResponder.MAX_WANTS_BEYOND_RETENTION; i++)
        {
            assertThat(nodes[1].onFrame(ids[9], want, 0, want.capacity())).isTrue();
        }
        await(() -> links.closed.get(ids[9]) == CloseReason.BEYOND_RETENTION, () -> "node 9 closed");
        assertThat(nodes[1].counters().peersClosedBeyondRetention()).isEqualTo(1);
    }

    @Test
    void shouldPausePublishingWhileForwardsToAFullLinkPileUpThenDeliverEverythingOnceItDrains()
    {
        final int slow = 1;
        links.backPressured.add(ids[slow]);
        final int published = offerUntilPausedByLinks(0, 0);
        assertThat(nodes[0].counters().originPauses()).isPositive();
        assertThat(nodes[0].counters().lostBeyondRetention()).isZero();

        links.backPressured.clear();
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
        payload.putInt(0, published);
        await(() -> nodes[0].offer(TOPIC, payload, 0, 64) >= 0, () -> "the pause to lift once the link drains, " +
            nodes[0].counters());
        final int total = published + 1;
        await(() -> receivedAll(0, 0, total), () -> "every member to get all " + total + " messages" + describe());
        for (int i = 1; i < N; i++)
        {
            assertThat(received.get(i).values()).as("node " + i).allMatch(count -> count.get() == 1);
        }
        assertThat(nodes[0].counters().forwardsResent()).as("owed batches resent once the link drained").isPositive();
        assertThat(sum(BroadcastCounters::lostBeyondRetention)).isZero();
        assertThat(sum(BroadcastCounters::slowPeers)).isZero();
    }

    @Test
    void shouldStopWaitingForAPeerThatStaysBackedUpAndLeaveItToRepair()
    {
        slowPeerMillis = 300;
        restartAll();
        final int slow = 1;
        links.backPressured.add(ids[slow]);
        final int paused = offerUntilPausedByLinks(0, 0);

        // The link stays full: after slowPeerMillis publishing goes on without it.
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
        payload.putInt(0, paused);
        await(() -> nodes[0].offer(TOPIC, payload, 0, 64) >= 0, () -> "publishing to resume, " + nodes[0].counters());
        assertThat(nodes[0].counters().slowPeers()).isPositive();
        final int total = paused + 1;
        for (int i = 2; i < N; i++)
        {
            final int node = i;
            await(() -> received.get(node).size() == total, () -> "node " + node + " to get all " + total);
        }
        assertThat(received.get(slow)).as("nothing got through the full link").isEmpty();

        // Once it drains, the slow peer catches up by resend and repair.
        links.backPressured.clear();
        await(() -> received.get(slow).size() + nodes[slow].counters().lostBeyondRetention() >= total,
            () -> "the slow peer to catch up, " + nodes[slow].counters());
        assertThat(received.get(slow).values()).allMatch(count -> count.get() == 1);
    }

    @Test
    void shouldGiveUpATailNobodyRetainsWithoutBeingClosedAndGoOn()
    {
        retentionMillis = 300;
        restartAll();
        final int cut = 3;
        // Cut off while the origin publishes, then goes quiet for longer than anyone retains anything: what node
        // 3 lacks is a tail (nothing above it arrives), and nobody can serve any of it.
        final int missed = 50;
        cutOffWhileOriginPublishes(cut, missed);
        final long quietSince = System.currentTimeMillis();
        await(() -> System.currentTimeMillis() - quietSince > 4 * retentionMillis, () -> "retention to expire everywhere");
        links.partitioned.clear();

        // It asks, two peers say it is gone, and it waits without asking again until the stream goes on.
        final BroadcastCounters counters = nodes[cut].counters();
        await(() -> sum(BroadcastCounters::wantMissSent) >= 2, () -> "peers to say the tail is gone" + describe());
        assertThat(publish(0, 5 + missed)).isGreaterThanOrEqualTo(0);
        await(() -> received.get(cut).containsKey(key(0, 5 + missed)), () -> "node 3 to go on past the loss" + describe());
        await(() -> counters.lostBeyondRetention() > 0, () -> "the tail counted as lost, " + counters);
        assertThat(received.get(cut).values()).allMatch(count -> count.get() == 1);
        assertThat(received.get(cut).size() + counters.lostBeyondRetention()).isLessThanOrEqualTo(6 + missed);
        assertThat(links.closed.get(ids[cut])).as("an honest node that fell behind is not closed").isNull();
        assertThat(sum(BroadcastCounters::peersClosedBeyondRetention)).isZero();
    }

    @Test
    void shouldCoverItsWholeRangeWhenAParentNamesOneTooSmall()
    {
        // Repair only after 5 s: what is asserted is that the tree alone reaches the subtree.
        repairDelayMillis = 5_000;
        restartAll();
        final long origin = ids[0].originId();
        final int receiver = 8;   // offset 8 from origin 0: covers members 8..11 by default
        // Node 0's batches reach node 8 with a range of 1 in the (unsigned) flags, as a faulty or hostile parent
        // could send them: taken at its word, node 8 would forward to nobody and 9..11 would wait for repair.
        links.lostTo.put(ids[receiver], frame ->
        {
            if (!isBatchOf(frame, origin))
            {
                return false;
            }
            final UnsafeBuffer narrowed = new UnsafeBuffer(frame.clone());
            narrowed.putByte(io.chainmesh.codec.frame.FrameDescriptor.FLAGS_OFFSET, (byte)(1 << io.chainmesh.codec.batch.BatchDescriptor.RANGE_SHIFT));
            assertThat(nodes[receiver].onFrame(ids[0], narrowed, 0, narrowed.capacity())).isTrue();
            return true;
        });
        for (int m = 0; m < 10; m++)
        {
            assertThat(publish(0, m)).isGreaterThanOrEqualTo(0);
        }
        await(() -> receivedAll(0, 0, 10), () -> "every member to get all 10" + describe());
        assertThat(sum(BroadcastCounters::repairFramesSent)).as("reached by the tree, not by repair" + describe()).isZero();
        assertThat(nodes[receiver].counters().batchesForwarded()).isPositive();
    }

    /**
     * The tail is evicted by size, not by age: what is published after it then stays retained however slowly the
     * machine runs, where a short retention time lets it expire on a starved machine before node 3 asks for it (its
     * peers then rightly answer beyond retention, and the test would wait for batches nobody holds).
     */
    @Test
    void shouldGoOnRepairingAnOriginItGetsOnlyByRepairAfterATailWasGivenUp()
    {
        retentionBytes = 64 << 10;
        maxBatchFrameLength = 8 << 10;
        restartAll();
        final int cut = 3;
        final long origin = ids[0].originId();
        final int missed = 3000;
        cutOffWhileOriginPublishes(cut, missed);
        // From now on node 3 gets origin 0's batches by repair only (its tree copies are lost in flight), as a
        // member past two down ones does.
        links.lostTo.put(ids[cut], frame -> isBatchOf(frame, origin) &&
            (frame[io.chainmesh.codec.frame.FrameDescriptor.FLAGS_OFFSET] & io.chainmesh.codec.batch.BatchDescriptor.FLAG_REPAIR) == 0);
        links.partitioned.clear();
        await(() -> sum(BroadcastCounters::wantMissSent) >= 2, () -> "peers to say the tail is gone" + describe());

        final int after = 5 + missed;
        for (int m = after; m < after + 30; m++)
        {
            assertThat(publish(0, m)).isGreaterThanOrEqualTo(0);
        }
        await(() -> IntStream.range(after, after + 30).allMatch(m -> received.get(cut).containsKey(key(0, m))),
            () -> "node 3 to repair what came after the loss" + describe());
        // Asked of peers only past what each said is gone, what came after arrives before the gap below it is
        // settled: the loss is counted when it is (two peers' word, or nobody offering it for a while).
        await(() -> nodes[cut].counters().lostBeyondRetention() > 0, () -> "node 3 to count the loss" + describe());
        assertThat(received.get(cut).values()).allMatch(count -> count.get() == 1);
        assertThat(links.closed.get(ids[cut])).isNull();
    }

    @Test
    void shouldIgnoreABeyondRetentionClaimItDidNotAskForAndStillRepairTheGap()
    {
        final long origin = ids[0].originId();
        final java.util.concurrent.atomic.AtomicLong lastSeq = new java.util.concurrent.atomic.AtomicLong();
        links.interceptors.add(frame ->
        {
            if (isBatchOf(frame, origin))
            {
                lastSeq.accumulateAndGet(new UnsafeBuffer(frame).getLong(BatchDescriptor.BATCH_SEQ_OFFSET,
                    ByteOrder.BIG_ENDIAN), Math::max);
            }
            return true;
        });
        final int cut = 3;
        for (int m = 0; m < 5; m++)
        {
            assertThat(publish(0, m)).isGreaterThanOrEqualTo(0);
        }
        await(() -> received.get(cut).size() == 5, () -> "node 3 to have the first messages");
        links.interceptors.clear();
        final long mark = lastSeq.get();

        // Node 3 loses origin 0's next batches in flight, then gets a newer one: a hole it will repair.
        links.lostTo.put(ids[cut], frame -> isBatchOf(frame, origin));
        for (int m = 5; m < 25; m++)
        {
            assertThat(publish(0, m)).isGreaterThanOrEqualTo(0);
        }
        await(() -> received.get(1).size() == 25, () -> "delivery to the others");
        links.lostTo.clear();
        assertThat(publish(0, 25)).isGreaterThanOrEqualTo(0);
        await(() -> received.get(cut).containsKey(key(0, 25)), () -> "node 3 to get the batch after the hole");

        // Nodes 9, 10 and 11 claim, unasked, that the hole is gone: were two different peers believed, node 3
        // would skip what every other member still retains.
        final byte[] body = io.chainmesh.codec.control.WantMiss.newBuilder().setOriginId(origin)
            .setAfterSeq(mark).setOldestRetainedSeq(Long.MAX_VALUE / 2).build().toByteArray();
        final UnsafeBuffer miss = new UnsafeBuffer(new byte[io.chainmesh.codec.frame.FrameDescriptor.HEADER_LENGTH + body.length]);
        io.chainmesh.codec.frame.Frames.writeHeader(miss, 0, FrameType.WANT_MISS, 0, body.length);
        miss.putBytes(io.chainmesh.codec.frame.FrameDescriptor.BODY_OFFSET, body);
        for (int i = 0; i < 3; i++)
        {
            assertThat(nodes[cut].onFrame(ids[9 + i], miss, 0, miss.capacity())).isTrue();
        }
        await(() -> nodes[cut].counters().wantMissUnasked() >= 3, () -> "the claims to be ignored, " + nodes[cut].counters());

        await(() -> received.get(cut).size() == 26, () -> "node 3 to repair the hole, " + nodes[cut].counters());
        assertThat(received.get(cut).values()).allMatch(count -> count.get() == 1);
        assertThat(nodes[cut].counters().lostBeyondRetention()).isZero();
    }

    private static boolean isBatchOf(final byte[] frame, final long originId)
    {
        return frame[4] == FrameType.BATCH &&
            new UnsafeBuffer(frame).getLong(BatchDescriptor.ORIGIN_ID_OFFSET, ByteOrder.BIG_ENDIAN) == originId;
    }

    /** Offers messages {@code first, first + 1, ...} from {@code origin} until the links pause it; returns the next. */
    private int offerUntilPausedByLinks(final int origin, final int first)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int next = first;
        while (nodes[origin].counters().offerBackPressuredByLinks() == 0)
        {
            assertThat(System.nanoTime() - deadline).as("paused by full links, " + nodes[origin].counters()).isNegative();
            payload.putInt(0, next);
            if (nodes[origin].offer(TOPIC, payload, 0, 64) >= 0)
            {
                next++;
            }
            else
            {
                Thread.onSpinWait();
            }
        }
        return next;
    }

    private String describe()
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < N; i++)
        {
            text.append("\n node ").append(i).append(" got ").append(received.get(i).size()).append(' ')
                .append(nodes[i].counters());
        }
        return text.toString();
    }

    private boolean receivedAll(final int origin, final int first, final int end)
    {
        for (int i = 0; i < N; i++)
        {
            if (i == origin)
            {
                continue;
            }
            for (int m = first; m < end; m++)
            {
                if (!received.get(i).containsKey(key(origin, m)))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static UnsafeBuffer wantFrame(final long originId, final long after, final long upTo)
    {
        final byte[] body = io.chainmesh.codec.control.Want.newBuilder().addRanges(io.chainmesh.codec.control.WantRange
            .newBuilder().setOriginId(originId).setAfterSeq(after).setUpToSeq(upTo)).build().toByteArray();
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[io.chainmesh.codec.frame.FrameDescriptor.HEADER_LENGTH + body.length]);
        io.chainmesh.codec.frame.Frames.writeHeader(frame, 0, FrameType.WANT, 0, body.length);
        frame.putBytes(io.chainmesh.codec.frame.FrameDescriptor.BODY_OFFSET, body);
        return frame;
    }

    private long sumLive(final int down, final java.util.function.ToLongFunction<BroadcastCounters> counter)
    {
        long total = 0;
        for (int i = 0; i < N; i++)
        {
            if (i != down)
            {
                total += counter.applyAsLong(nodes[i].counters());
            }
        }
        return total;
    }

    /** Stops every node and starts it again with the settings as they are now, forgetting what it received. */
    private void restartAll()
    {
        for (int i = 0; i < N; i++)
        {
            tearDownNode(i);
        }
        for (int i = 0; i < N; i++)
        {
            received.get(i).clear();
            start(i, null);
        }
    }

    /**
     * Origin 0 publishes messages 0..4, which {@code cut} receives; then {@code cut} is partitioned while the next
     * {@code missed} are published and reach node 1. Leaves it partitioned.
     */
    private void cutOffWhileOriginPublishes(final int cut, final int missed)
    {
        for (int m = 0; m < 5; m++)
        {
            assertThat(publish(0, m)).isGreaterThanOrEqualTo(0);
        }
        await(() -> received.get(cut).size() == 5, () -> "node " + cut + " to have the first messages");
        links.partitioned.add(ids[cut]);
        for (int m = 5; m < 5 + missed; m++)
        {
            assertThat(publish(0, m)).isGreaterThanOrEqualTo(0);
        }
        await(() -> received.get(1).size() == 5 + missed, () -> "delivery while node " + cut + " is cut off");
    }

    private void tearDownNode(final int i)
    {
        links.up.remove(ids[i]);
        nodes[i].close();
    }
}
