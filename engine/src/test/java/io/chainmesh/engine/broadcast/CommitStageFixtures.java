package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/** Shared fixtures of the commit stage's unit tests: counters, frames, timings. */
final class CommitStageFixtures
{
    static final long ORIGIN = 42;
    static final int FRAME_LENGTH = 128;
    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long RETENTION_MILLIS = 60_000;
    /** Repair interval 100 ms, repair delay 250 ms, retention 60 s, slow peer 5 s: the pipeline's defaults. */
    static final RepairTimings TIMINGS = RepairTimings.of(100, 250, 60_000, 5_000);

    private CommitStageFixtures()
    {
    }

    static BroadcastCounters counters()
    {
        return new BroadcastCounters(new CountersManager(
            new UnsafeBuffer(new byte[64 * 1024]), new UnsafeBuffer(new byte[16 * 1024])), "test");
    }

    /** A BATCH frame as retention and forwarding see it (nothing there checks the entries or signature). */
    static UnsafeBuffer batch(final long originId, final long seq)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[FRAME_LENGTH]);
        Frames.writeHeader(frame, 0, FrameType.BATCH, 0, FRAME_LENGTH - io.chainmesh.codec.frame.FrameDescriptor.HEADER_LENGTH);
        frame.putLong(BatchDescriptor.ORIGIN_ID_OFFSET, originId, ByteOrder.BIG_ENDIAN);
        frame.putLong(BatchDescriptor.BATCH_SEQ_OFFSET, seq, ByteOrder.BIG_ENDIAN);
        return frame;
    }

    static void retain(final RetentionBuffer retention, final long originId, final long fromSeq, final long toSeq)
    {
        retain(retention, originId, fromSeq, toSeq, 0);
    }

    static void retain(
        final RetentionBuffer retention, final long originId, final long fromSeq, final long toSeq, final long millis)
    {
        for (long seq = fromSeq; seq <= toSeq; seq++)
        {
            retention.append(originId, seq, millis, batch(originId, seq), 0, FRAME_LENGTH);
        }
    }

    /** Retains {@code [fromSeq, toSeq]} of which everything below {@code keptFrom} has since expired. */
    static void retainAfterEviction(
        final RetentionBuffer retention, final long originId, final long fromSeq, final long keptFrom, final long toSeq)
    {
        retain(retention, originId, fromSeq, keptFrom - 1, 0);
        retain(retention, originId, keptFrom, toSeq, 1_000);
        retention.evictExpired(RETENTION_MILLIS + 500);
    }

    /** A stream that has committed these sequences, first one from the tree. */
    static OriginStream<String> stream(final long... committed)
    {
        final OriginStream<String> stream = new OriginStream<>(1024);
        for (final long seq : committed)
        {
            final boolean first = stream.window.highest() < 0;
            stream.window.commit(seq);
            if (first)
            {
                stream.onFirstCommit(seq, false, 0);
            }
        }
        return stream;
    }
}
