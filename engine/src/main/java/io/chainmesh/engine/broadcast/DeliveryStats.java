package io.chainmesh.engine.broadcast;

import io.chainmesh.engine.FixedBucketHistogram;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How old others' messages are when this node delivers them, and how far each origin's stream has come here.
 * <p>
 * The age of a message is the commit thread's wall clock at delivery minus its batch's timestamp (the origin's
 * wall clock when it opened the batch), in milliseconds: it includes the batch linger, the path through the tree
 * and any repair, and between hosts it also includes their clock offset. The histogram counts messages.
 * <p>
 * Threads: written only by the commit thread ({@link #onCommit}), with release stores and no allocation except
 * the first batch of a new origin; read by any thread (a metrics scrape, the status page). Origins are tracked up
 * to {@link #MAX_ORIGINS} (the directory's members); the histogram counts every origin.
 */
public final class DeliveryStats
{
    /** Upper bounds of the {@link #ageMillis()} buckets: 1 ms to 30 s, about 1.5x apart. */
    public static final long[] AGE_BOUNDS_MILLIS = {
        1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1_000, 1_500, 2_000, 3_000, 5_000,
        10_000, 30_000};
    /** Origins followed one by one; beyond, they count only in the histogram. */
    public static final int MAX_ORIGINS = 4096;

    private static final int BATCHES = 0;
    private static final int MESSAGES = 1;
    private static final int HIGHEST = 2;
    private static final int CONTIGUOUS = 3;
    private static final int LAST_AGE_MILLIS = 4;
    private static final int LAST_COMMIT_MILLIS = 5;
    private static final int FIELDS = 6;

    /**
     * One origin as last seen by the commit thread.
     *
     * @param originId           the origin's 8-byte id.
     * @param batches            its batches committed here.
     * @param messages           its messages delivered here (to a subscriber or not).
     * @param highestSeq         its highest batch sequence committed here.
     * @param missing            the highest sequence minus the contiguous mark: at most this many batches below the
     *                           highest are still missing here (0: none).
     * @param lastAgeMillis      age of its newest batch when committed.
     * @param lastCommitMillis   wall clock of that commit.
     */
    public record Origin(
        long originId,
        long batches,
        long messages,
        long highestSeq,
        long missing,
        long lastAgeMillis,
        long lastCommitMillis)
    {
    }

    private final FixedBucketHistogram ageMillis = new FixedBucketHistogram(AGE_BOUNDS_MILLIS);
    /** Commit thread only. */
    private final Long2ObjectHashMap<AtomicLongArray> byOrigin = new Long2ObjectHashMap<>();
    /** Copy-on-write by the commit thread when an origin first appears; read by any thread. */
    private volatile long[] originIds = new long[0];
    private volatile AtomicLongArray[] originFields = new AtomicLongArray[0];

    DeliveryStats()
    {
    }

    /**
     * Records a committed batch of another origin. Commit thread only.
     *
     * @param originId        its origin.
     * @param batchSeq        its sequence.
     * @param messages        its messages.
     * @param timestampMillis its timestamp (the origin's clock).
     * @param nowMillis       this node's clock.
     * @param highest         the origin's highest sequence committed here, after this one.
     * @param contiguous      the origin's sequence below which everything is committed here (or given up).
     */
    void onCommit(
        final long originId,
        final long batchSeq,
        final int messages,
        final long timestampMillis,
        final long nowMillis,
        final long highest,
        final long contiguous)
    {
        final long age = Math.max(0, nowMillis - timestampMillis);
        ageMillis.record(age, messages);
        AtomicLongArray fields = byOrigin.get(originId);
        if (null == fields)
        {
            if (byOrigin.size() >= MAX_ORIGINS)
            {
                return;
            }
            fields = addOrigin(originId);
        }
        fields.lazySet(BATCHES, fields.get(BATCHES) + 1);
        fields.lazySet(MESSAGES, fields.get(MESSAGES) + messages);
        fields.lazySet(HIGHEST, highest);
        fields.lazySet(CONTIGUOUS, contiguous);
        if (batchSeq == highest)
        {
            fields.lazySet(LAST_AGE_MILLIS, age);
            fields.lazySet(LAST_COMMIT_MILLIS, nowMillis);
        }
    }

    private AtomicLongArray addOrigin(final long originId)
    {
        final AtomicLongArray fields = new AtomicLongArray(FIELDS);
        fields.set(LAST_AGE_MILLIS, -1);
        byOrigin.put(originId, fields);
        final int n = originIds.length;
        final long[] ids = Arrays.copyOf(originIds, n + 1);
        final AtomicLongArray[] all = Arrays.copyOf(originFields, n + 1);
        ids[n] = originId;
        all[n] = fields;
        // Fields before ids: a reader that sees the new id length also sees its fields.
        originFields = all;
        originIds = ids;
        return fields;
    }

    /** @return the age of every delivered message, in milliseconds, by {@link #AGE_BOUNDS_MILLIS}. */
    public FixedBucketHistogram ageMillis()
    {
        return ageMillis;
    }

    /** @return every origin followed, in the order they first appeared (allocates; not for the hot path). */
    public List<Origin> origins()
    {
        final long[] ids = originIds;
        final AtomicLongArray[] all = originFields;
        final List<Origin> list = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++)
        {
            final AtomicLongArray f = all[i];
            final long highest = f.get(HIGHEST);
            list.add(new Origin(ids[i], f.get(BATCHES), f.get(MESSAGES), highest,
                Math.max(0, highest - Math.max(f.get(CONTIGUOUS), 0)), f.get(LAST_AGE_MILLIS), f.get(LAST_COMMIT_MILLIS)));
        }
        return list;
    }
}
