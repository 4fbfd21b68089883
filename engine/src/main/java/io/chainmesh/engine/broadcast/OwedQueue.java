package io.chainmesh.engine.broadcast;

/**
 * Batches tree forwards to one peer skipped because its link was full, oldest first: resent from
 * retention as soon as the link takes frames again, long before a WANT could ask for them (a WANT waits
 * behind both nodes' backlogs, in which time the retention can turn over). Fixed size, no allocation.
 * Commit thread only. The slow-peer timer lives here too: it is {@link OriginFlowControl}'s, per queue.
 */
final class OwedQueue
{
    /** Skipped forwards one peer is owed; at most this many (beyond, left to WANT repair). A power of two. */
    static final int CAPACITY = 1024;

    private final long[] origins = new long[CAPACITY];
    private final long[] seqs = new long[CAPACITY];
    private final int[] lengths = new int[CAPACITY];
    /** The retention's write position when each entry was owed: how far it has turned over since. */
    private final long[] retainedMarks = new long[CAPACITY];
    private int head;
    private int size;
    private long bytes;

    /** Since when it has held publishing back ({@link RepairTimings#NEVER}: it does not). */
    long holdingBackSince = RepairTimings.NEVER;
    /** Held publishing back longer than the slow-peer time: not waited for any more. */
    boolean slow;

    boolean add(final long originId, final long seq, final int length, final long retainedMark, final long maxBytes)
    {
        if (size == CAPACITY || bytes + length > maxBytes)
        {
            return false;
        }
        final int i = (head + size) & (CAPACITY - 1);
        origins[i] = originId;
        seqs[i] = seq;
        lengths[i] = length;
        retainedMarks[i] = retainedMark;
        bytes += length;
        size++;
        return true;
    }

    void removeFirst()
    {
        bytes -= lengths[head];
        head = (head + 1) & (CAPACITY - 1);
        size--;
    }

    int size()
    {
        return size;
    }

    long bytes()
    {
        return bytes;
    }

    long firstOrigin()
    {
        return origins[head];
    }

    long firstSeq()
    {
        return seqs[head];
    }

    long firstRetainedMark()
    {
        return retainedMarks[head];
    }
}
