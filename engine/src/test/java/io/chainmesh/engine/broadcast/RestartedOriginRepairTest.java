package io.chainmesh.engine.broadcast;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.engine.TestDirectory;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An origin that restarts numbers its batches from its clock, far above its previous run: peers that knew the
 * previous run see a gap in sequence space that nobody can fill. What the new run published that a peer missed must
 * still be repaired from a peer that holds it, not only once that gap is given up (a retention later).
 */
class RestartedOriginRepairTest
{
    private static final int TOPIC = 7;
    private static final long TICK = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long LATENCY = TimeUnit.MILLISECONDS.toNanos(1);
    /** The previous run's batches. */
    private static final long FIRST_RUN = 1_000;
    /** The restarted run's first batch: its clock, seconds of microseconds above the previous run. */
    private static final long SECOND_RUN = 30_000_000;
    private static final int RECEIVED = 9;
    private static final int PUBLISHED = 27;

    private final List<NodeKey> keys = TestDirectory.keys(10);
    private final DirectorySnapshot directory = TestDirectory.snapshot(1, keys,
        List.of(1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010));
    private final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(new byte[512 * 1024]), new UnsafeBuffer(new byte[128 * 1024]));
    private final ArrayDeque<Object[]> inFlight = new ArrayDeque<>();
    /** Origin (index 0), a tree child that gets everything (1), a tree child that misses the restarted run's tail (2). */
    private final CommitStage[] stages = new CommitStage[3];
    private final int[] delivered = new int[3];
    private long nanos;
    private long lostToLackerFrom = Long.MAX_VALUE;

    @Test
    void shouldRepairARestartedOriginsBatchesLongBeforeTheGapBetweenItsRunsIsGivenUp()
    {
        for (int i = 0; i < stages.length; i++)
        {
            stages[i] = stage(i);
        }
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);
        for (long seq = FIRST_RUN; seq < FIRST_RUN + 3; seq++)
        {
            stages[0].onLocalBatch(frame, 0, signedBatch(frame, seq), true);
            drain();
        }
        runFor(TimeUnit.SECONDS.toNanos(2));
        assertThat(delivered).containsExactly(0, 3, 3);

        // The origin restarts from nothing; the tree brings the lacking member only its new run's first batches
        // (say its link to the origin was not up for the rest: left to repair).
        stages[0].close();
        stages[0] = stage(0);
        lostToLackerFrom = SECOND_RUN + RECEIVED;
        for (long seq = SECOND_RUN; seq < SECOND_RUN + PUBLISHED; seq++)
        {
            stages[0].onLocalBatch(frame, 0, signedBatch(frame, seq), true);
            drain();
        }
        lostToLackerFrom = Long.MAX_VALUE;
        assertThat(delivered).containsExactly(0, 3 + PUBLISHED, 3 + RECEIVED);

        // Nothing more is published. A few seconds of digests and repair, far less than the retention (60 s) after
        // which the gap between the runs would be given up.
        runFor(TimeUnit.SECONDS.toNanos(10));

        assertThat(delivered).as(stages[2].counters().toString()).containsExactly(0, 3 + PUBLISHED, 3 + PUBLISHED);
    }

    private void runFor(final long duration)
    {
        final long end = nanos + duration;
        while (nanos < end)
        {
            nanos += TICK - LATENCY;
            for (final CommitStage stage : stages)
            {
                stage.onTick(true);
            }
            // What the ticks sent (digests, and the WANTs and answers they lead to) arrives a little later.
            nanos += LATENCY;
            drain();
        }
    }

    private CommitStage stage(final int index)
    {
        final CommitStage stage = CommitStage.create(context(index), countersManager, () -> false);
        stage.subscribe(TOPIC, (originId, topic, buffer, offset, length) -> delivered[index]++);
        return stage;
    }

    private int signedBatch(final UnsafeBuffer frame, final long seq)
    {
        final BatchEncoder encoder = new BatchEncoder().wrap(frame, 0, frame.capacity());
        encoder.begin(member(0).originId(), seq, 1_000_000L + nanos / 1_000_000);
        encoder.tryAppend(TOPIC, new UnsafeBuffer(new byte[]{1, 2, 3}), 0, 3);
        return BatchSignatures.ECDSA.signer(keys.get(keyIndexOf(member(0)))).sign(encoder);
    }

    private MemberId member(final int index)
    {
        return directory.member(index).id();
    }

    private int keyIndexOf(final MemberId id)
    {
        for (int k = 0; k < keys.size(); k++)
        {
            if (TestDirectory.memberIdOf(keys.get(k)).equals(id))
            {
                return k;
            }
        }
        throw new IllegalStateException("no key for " + id);
    }

    private BroadcastContext context(final int index)
    {
        final MemberId self = member(index);
        return new BroadcastContext()
            .nodeKey(keys.get(keyIndexOf(self)))
            .member(self)
            .directory(() -> directory)
            .clock(() -> 1_000_000L + nanos / 1_000_000)
            .nanoClock(() -> nanos)
            .links(new QueueLinks(self));
    }

    private int stageOf(final MemberId id)
    {
        final int index = directory.indexOf(id);
        return index < stages.length ? index : -1;
    }

    private static boolean isBatchFrom(final byte[] bytes, final long fromSeq)
    {
        if ((bytes[FrameDescriptor.TYPE_OFFSET] & 0xFF) != FrameType.BATCH)
        {
            return false;
        }
        return new UnsafeBuffer(bytes).getLong(BatchDescriptor.BATCH_SEQ_OFFSET, ByteOrder.BIG_ENDIAN) >= fromSeq;
    }

    private void drain()
    {
        while (!inFlight.isEmpty())
        {
            final Object[] sent = inFlight.poll();
            final byte[] bytes = (byte[])sent[2];
            stages[stageOf((MemberId)sent[1])].onFrame(
                (MemberId)sent[0], new UnsafeBuffer(bytes), 0, bytes.length, inFlight.isEmpty());
        }
    }

    /** Links among the three stages; the other members of the directory are down. */
    private final class QueueLinks implements LinkSender
    {
        private final MemberId self;

        QueueLinks(final MemberId self)
        {
            this.self = self;
        }

        @Override
        public int send(final MemberId peer, final DirectBuffer frame, final int offset, final int length)
        {
            final int target = stageOf(peer);
            if (target < 0)
            {
                return NOT_CONNECTED;
            }
            final byte[] copy = new byte[length];
            frame.getBytes(offset, copy);
            if (target == 2 && stageOf(self) == 0 && isBatchFrom(copy, lostToLackerFrom))
            {
                return NOT_CONNECTED;
            }
            inFlight.add(new Object[]{self, peer, copy});
            return SENT;
        }

        @Override
        public void flush()
        {
        }

        @Override
        public MemberId[] connectedPeers()
        {
            final List<MemberId> others = new ArrayList<>();
            for (int i = 0; i < stages.length; i++)
            {
                if (!member(i).equals(self))
                {
                    others.add(member(i));
                }
            }
            return others.toArray(new MemberId[0]);
        }

        @Override
        public void closePeer(final MemberId peer, final CloseReason reason, final String text)
        {
        }
    }
}
