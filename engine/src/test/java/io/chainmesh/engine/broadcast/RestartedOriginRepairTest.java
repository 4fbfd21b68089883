package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
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

    /** Origin (index 0), a tree child that gets everything (1), a tree child that misses the restarted run's tail (2). */
    private final QueuedStages net = new QueuedStages(3, 3);
    private final CommitStage[] stages = net.stages;
    private final int[] delivered = new int[3];
    private long lostToLackerFrom = Long.MAX_VALUE;

    @Test
    void shouldRepairARestartedOriginsBatchesLongBeforeTheGapBetweenItsRunsIsGivenUp()
    {
        net.refusal = (from, to, frame) -> from == 0 && to == 2 && isBatchFrom(frame, lostToLackerFrom);
        for (int i = 0; i < stages.length; i++)
        {
            stages[i] = stage(i);
        }
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);
        for (long seq = FIRST_RUN; seq < FIRST_RUN + 3; seq++)
        {
            stages[0].onLocalBatch(frame, 0, net.signedBatch(frame, seq, TOPIC), true);
            net.drain();
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
            stages[0].onLocalBatch(frame, 0, net.signedBatch(frame, seq, TOPIC), true);
            net.drain();
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
        final long end = net.nanos + duration;
        while (net.nanos < end)
        {
            net.nanos += TICK - LATENCY;
            for (final CommitStage stage : stages)
            {
                stage.onTick(true);
            }
            // What the ticks sent (digests, and the WANTs and answers they lead to) arrives a little later.
            net.nanos += LATENCY;
            net.drain();
        }
    }

    private CommitStage stage(final int index)
    {
        final CommitStage stage = CommitStage.create(net.context(index), net.countersManager, () -> false);
        stage.subscribe(TOPIC, (originId, topic, buffer, offset, length) -> delivered[index]++);
        return stage;
    }

    private static boolean isBatchFrom(final byte[] bytes, final long fromSeq)
    {
        if ((bytes[FrameDescriptor.TYPE_OFFSET] & 0xFF) != FrameType.BATCH)
        {
            return false;
        }
        return new UnsafeBuffer(bytes).getLong(BatchDescriptor.BATCH_SEQ_OFFSET, ByteOrder.BIG_ENDIAN) >= fromSeq;
    }
}
