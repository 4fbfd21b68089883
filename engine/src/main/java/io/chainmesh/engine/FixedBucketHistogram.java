package io.chainmesh.engine;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts of recorded values per bucket, with fixed upper bounds chosen at construction, for the hot path: recording
 * is a binary search over the bounds and two atomic adds, with no allocation and no lock, from any number of
 * threads. Readers (a metrics scrape, a status page) copy the counts whenever they like.
 * <p>
 * Bucket {@code i} counts values {@code v} with {@code upperBound(i-1) < v <= upperBound(i)}; the last bucket,
 * {@link #bucketCount()} {@code - 1}, counts values above the highest bound (Prometheus' {@code +Inf}). A read is
 * not one atomic snapshot: a count and the sum read while values are being recorded may differ by the few values
 * recorded in between.
 */
public final class FixedBucketHistogram
{
    private final long[] upperBounds;
    private final AtomicLongArray counts;
    private final AtomicLong sum = new AtomicLong();

    /**
     * @param upperBounds inclusive upper bounds, strictly increasing, at least one.
     * @throws IllegalArgumentException if they are empty or not strictly increasing.
     */
    public FixedBucketHistogram(final long... upperBounds)
    {
        if (upperBounds.length == 0)
        {
            throw new IllegalArgumentException("upperBounds is empty: need at least one bound");
        }
        for (int i = 1; i < upperBounds.length; i++)
        {
            if (upperBounds[i] <= upperBounds[i - 1])
            {
                throw new IllegalArgumentException("upperBounds=" + Arrays.toString(upperBounds) +
                    " must be strictly increasing (index " + i + ")");
            }
        }
        this.upperBounds = upperBounds.clone();
        this.counts = new AtomicLongArray(upperBounds.length + 1);
    }

    /**
     * Records one value.
     *
     * @param value the value.
     */
    public void record(final long value)
    {
        record(value, 1);
    }

    /**
     * Records {@code times} occurrences of one value (e.g. every message of a batch delivered at the same age).
     *
     * @param value the value.
     * @param times how many; 0 records nothing.
     */
    public void record(final long value, final int times)
    {
        counts.getAndAdd(bucketOf(value), times);
        sum.getAndAdd(value * times);
    }

    private int bucketOf(final long value)
    {
        int low = 0;
        int high = upperBounds.length;
        while (low < high)
        {
            final int mid = (low + high) >>> 1;
            if (upperBounds[mid] < value)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        return low;
    }

    /** @return the number of buckets: one per bound plus the one above the highest bound. */
    public int bucketCount()
    {
        return counts.length();
    }

    /**
     * @param bucket a bucket, {@code 0 <= bucket < bucketCount() - 1}.
     * @return its inclusive upper bound.
     */
    public long upperBound(final int bucket)
    {
        return upperBounds[bucket];
    }

    /**
     * @param bucket a bucket, {@code 0 <= bucket < bucketCount()}.
     * @return values recorded in it (not cumulative).
     */
    public long count(final int bucket)
    {
        return counts.get(bucket);
    }

    /** @return values recorded in all. */
    public long totalCount()
    {
        long total = 0;
        for (int i = 0; i < counts.length(); i++)
        {
            total += counts.get(i);
        }
        return total;
    }

    /** @return the sum of the values recorded. */
    public long sum()
    {
        return sum.get();
    }
}
