package io.chainmesh.engine.broadcast;

import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Recent verified batches kept for repair, bounded by bytes and by age: a byte ring of whole frames
 * in arrival order, plus, per origin, an index of its retained entries sorted by sequence. When the
 * ring is full or an entry is older than the retention time, the oldest entries (by arrival) are evicted
 * first and their origin's {@link #oldestRetained(long)} moves past them, so a peer asking for them can
 * be told explicitly that they are gone.
 * <pre>
 *  entry:   originId u64 · seq u64 · timeMillis u64 · frameLength i32 · pad u32 · frame (padded to 8)
 *  padding: at the ring's end when the next entry does not fit; frameLength = -1 if a header fits there
 * </pre>
 * Entries never wrap around the ring's end. Allocation-free in steady state; the per-origin indexes
 * grow with what is retained (bounded by the ring) and their count with members, never with the
 * message rate. A request's work is bounded by what is retained for its origin, whatever range it
 * names. Not thread-safe: owned by the pipeline's commit stage, which also serves WANT requests.
 */
public final class RetentionBuffer
{
    private static final int ORIGIN_OFFSET = 0;
    private static final int SEQ_OFFSET = 8;
    private static final int TIME_OFFSET = 16;
    private static final int LENGTH_OFFSET = 24;
    private static final int HEADER_LENGTH = 32;
    private static final int PADDING = -1;
    private static final long NONE = -1;

    /** Visits retained frames. */
    @FunctionalInterface
    public interface FrameConsumer
    {
        /**
         * @param seq    sequence of the batch.
         * @param buffer buffer holding the frame; valid only during the call.
         * @param offset where the frame starts.
         * @param length frame length.
         * @return true to go on with the next frame, false to stop (e.g. the link is back-pressured).
         */
        boolean accept(long seq, DirectBuffer buffer, int offset, int length);
    }

    private final UnsafeBuffer ring;
    private final int capacity;
    private final int mask;
    private final long retentionMillis;
    private final Long2ObjectHashMap<OriginEntries> entriesByOrigin = new Long2ObjectHashMap<>();
    private final Long2LongHashMap oldestByOrigin = new Long2LongHashMap(NONE);
    private long head;   // absolute position of the next write (bytes ever written or skipped)
    private long tail;   // absolute position of the oldest entry still held
    private long evictedEntries;

    /**
     * @param capacityBytes   ring size, a power of two in [64 KiB, 1 GiB].
     * @param retentionMillis how long an entry stays at most, > 0.
     */
    public RetentionBuffer(final int capacityBytes, final long retentionMillis)
    {
        if (capacityBytes < (64 << 10) || capacityBytes > (1 << 30) || Integer.bitCount(capacityBytes) != 1)
        {
            throw new IllegalArgumentException(
                "capacityBytes=" + capacityBytes + " must be a power of two in [65536, 1073741824]");
        }
        if (retentionMillis <= 0)
        {
            throw new IllegalArgumentException("retentionMillis=" + retentionMillis + " must be > 0");
        }
        this.capacity = capacityBytes;
        this.mask = capacityBytes - 1;
        this.retentionMillis = retentionMillis;
        this.ring = new UnsafeBuffer(ByteBuffer.allocateDirect(capacityBytes));
    }

    /**
     * @param frameLength length of a frame.
     * @return true if a frame of that length can be retained (at most half the ring).
     */
    public boolean fits(final int frameLength)
    {
        return frameLength >= 0 && entryLength(frameLength) <= capacity / 2;
    }

    /**
     * Retains a verified batch, evicting the oldest entries as needed.
     *
     * @param originId  origin of the batch.
     * @param seq       its sequence.
     * @param nowMillis current time.
     * @param frame     buffer holding the frame.
     * @param offset    where it starts.
     * @param length    its length.
     * @throws IllegalArgumentException if the frame does not satisfy {@link #fits(int)}.
     */
    public void append(
        final long originId, final long seq, final long nowMillis, final DirectBuffer frame, final int offset, final int length)
    {
        if (!fits(length))
        {
            throw new IllegalArgumentException("frame length " + length + " exceeds retention entry limit " + (capacity / 2));
        }
        final OriginEntries existing = entriesByOrigin.get(originId);
        if (null != existing && existing.contains(seq))
        {
            // Already retained (an origin forgotten and re-fetched): one index entry per sequence, or eviction of
            // the older copy would leave the index pointing at reused ring bytes.
            return;
        }
        final int entryLength = entryLength(length);
        int position = (int)(head & mask);
        if (position + entryLength > capacity)
        {
            final long skipTo = head + (capacity - position);
            evictUntil(skipTo - capacity);
            if (capacity - position >= HEADER_LENGTH)
            {
                ring.putInt(position + LENGTH_OFFSET, PADDING);
            }
            head = skipTo;
            position = 0;
        }
        evictUntil(head + entryLength - capacity);
        ring.putLong(position + ORIGIN_OFFSET, originId);
        ring.putLong(position + SEQ_OFFSET, seq);
        ring.putLong(position + TIME_OFFSET, nowMillis);
        ring.putInt(position + LENGTH_OFFSET, length);
        ring.putBytes(position + HEADER_LENGTH, frame, offset, length);
        OriginEntries entries = entriesByOrigin.get(originId);
        if (null == entries)
        {
            entries = new OriginEntries();
            entriesByOrigin.put(originId, entries);
        }
        entries.add(seq, head);
        head += entryLength;
    }

    /**
     * Evicts entries older than the retention time.
     *
     * @param nowMillis current time.
     * @return number of entries evicted.
     */
    public int evictExpired(final long nowMillis)
    {
        int evicted = 0;
        while (tail < head)
        {
            final int position = (int)(tail & mask);
            if (isPadding(position))
            {
                tail += capacity - position;
                continue;
            }
            if (nowMillis - ring.getLong(position + TIME_OFFSET) <= retentionMillis)
            {
                break;
            }
            evictOne(position);
            evicted++;
        }
        return evicted;
    }

    /**
     * Visits the retained batches of one origin with sequence in {@code (afterSeq, upToSeq]}, oldest
     * (lowest sequence) first, at most {@code maxFrames} of them, until the consumer returns false.
     * Oldest first so that an answer cut short (by the cap or by back pressure) leaves the requester with
     * a contiguous prefix, and its next request starts where this one stopped.
     *
     * @param originId  origin.
     * @param afterSeq  exclusive lower bound.
     * @param upToSeq   inclusive upper bound.
     * @param maxFrames bound on the answer's size.
     * @param consumer  receives each frame.
     * @return number of frames the consumer accepted.
     */
    public int forEach(
        final long originId, final long afterSeq, final long upToSeq, final int maxFrames, final FrameConsumer consumer)
    {
        final OriginEntries entries = entriesByOrigin.get(originId);
        if (null == entries)
        {
            return 0;
        }
        int visited = 0;
        for (int i = entries.firstAfter(afterSeq); i < entries.size && visited < maxFrames; i++)
        {
            final long seq = entries.seqAt(i);
            if (seq > upToSeq)
            {
                break;
            }
            final int position = (int)(entries.positionAt(i) & mask);
            if (!consumer.accept(seq, ring, position + HEADER_LENGTH, ring.getInt(position + LENGTH_OFFSET)))
            {
                break;
            }
            visited++;
        }
        return visited;
    }

    /**
     * @param originId origin.
     * @param afterSeq exclusive lower bound.
     * @return the lowest retained sequence of that origin above {@code afterSeq}, or -1 if none.
     */
    public long firstRetainedAfter(final long originId, final long afterSeq)
    {
        final OriginEntries entries = entriesByOrigin.get(originId);
        if (null == entries)
        {
            return NONE;
        }
        final int i = entries.firstAfter(afterSeq);
        return i < entries.size ? entries.seqAt(i) : NONE;
    }

    /**
     * @param originId origin.
     * @return one more than the highest sequence of that origin evicted so far (anything at or below
     *         it may be gone), or -1 if none was evicted.
     */
    public long oldestRetained(final long originId)
    {
        return oldestByOrigin.get(originId);
    }

    /**
     * @return bytes of the ring in use, headers and padding included.
     */
    public long bytesHeld()
    {
        return head - tail;
    }

    /**
     * @return entries evicted since creation, by size or by age.
     */
    public long evictedEntries()
    {
        return evictedEntries;
    }

    /**
     * @param originId origin.
     * @param seq      batch sequence.
     * @return true if that batch is retained.
     */
    public boolean contains(final long originId, final long seq)
    {
        final OriginEntries entries = entriesByOrigin.get(originId);
        return null != entries && entries.contains(seq);
    }

    /**
     * @return bytes ever taken in the ring (entries, headers and padding): how far it has turned over between
     *         two reads, so what was appended before {@code capacity} bytes ago is evicted.
     */
    public long writePosition()
    {
        return head;
    }

    /** @return the length of the origin's index arrays, 0 if it has none (for tests of their memory). */
    int indexCapacity(final long originId)
    {
        final OriginEntries entries = entriesByOrigin.get(originId);
        return null == entries ? 0 : entries.capacity();
    }

    /**
     * Forgets an origin that left the directory; its bytes are reclaimed as the ring moves on.
     *
     * @param originId origin.
     */
    public void forgetOrigin(final long originId)
    {
        entriesByOrigin.remove(originId);
        oldestByOrigin.remove(originId);
    }

    private void evictUntil(final long newTail)
    {
        while (tail < newTail)
        {
            final int position = (int)(tail & mask);
            if (isPadding(position))
            {
                tail += capacity - position;
            }
            else
            {
                evictOne(position);
            }
        }
    }

    private boolean isPadding(final int position)
    {
        return capacity - position < HEADER_LENGTH || ring.getInt(position + LENGTH_OFFSET) == PADDING;
    }

    private void evictOne(final int position)
    {
        final long originId = ring.getLong(position + ORIGIN_OFFSET);
        final long seq = ring.getLong(position + SEQ_OFFSET);
        final OriginEntries entries = entriesByOrigin.get(originId);
        if (null != entries && entries.remove(seq, tail))
        {
            if (oldestByOrigin.get(originId) <= seq)
            {
                oldestByOrigin.put(originId, seq + 1);
            }
        }
        tail += entryLength(ring.getInt(position + LENGTH_OFFSET));
        evictedEntries++;
    }

    private static int entryLength(final int frameLength)
    {
        return HEADER_LENGTH + ((frameLength + 7) & ~7);
    }
}
