package io.chainmesh.engine.broadcast;

/**
 * One origin's retained entries sorted by sequence (not by arrival: a repaired batch arrives after
 * newer ones), with their absolute ring positions. Appends in order are O(1); an out-of-order
 * insert or an eviction from the middle shifts the entries after it. Owned by {@link RetentionBuffer}.
 */
final class OriginEntries
{
    static final int MIN_CAPACITY = 16;

    long[] seqs = new long[MIN_CAPACITY];
    long[] positions = new long[MIN_CAPACITY];
    int head;
    int size;

    void add(final long seq, final long position)
    {
        if (head + size == seqs.length)
        {
            final int capacity = size * 2 > seqs.length ? seqs.length * 2 : seqs.length;
            final long[] newSeqs = capacity == seqs.length ? seqs : new long[capacity];
            final long[] newPositions = capacity == seqs.length ? positions : new long[capacity];
            System.arraycopy(seqs, head, newSeqs, 0, size);
            System.arraycopy(positions, head, newPositions, 0, size);
            seqs = newSeqs;
            positions = newPositions;
            head = 0;
        }
        int index = head + size;
        while (index > head && seqs[index - 1] > seq)
        {
            index--;
        }
        final int after = head + size - index;
        if (after > 0)
        {
            System.arraycopy(seqs, index, seqs, index + 1, after);
            System.arraycopy(positions, index, positions, index + 1, after);
        }
        seqs[index] = seq;
        positions[index] = position;
        size++;
    }

    /** @return index (relative to head) of the first entry with sequence > {@code seq}, or size. */
    int firstAfter(final long seq)
    {
        int low = 0;
        int high = size;
        while (low < high)
        {
            final int mid = (low + high) >>> 1;
            if (seqs[head + mid] <= seq)
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

    /** @return true if an entry with sequence {@code seq} is indexed. */
    boolean contains(final long seq)
    {
        final int i = firstAfter(seq) - 1;
        return i >= 0 && seqs[head + i] == seq;
    }

    /** Removes the entry held at {@code position} (it has sequence {@code seq}); false if absent. */
    boolean remove(final long seq, final long position)
    {
        final int i = firstAfter(seq) - 1;
        if (i < 0 || seqs[head + i] != seq || positions[head + i] != position)
        {
            return false;
        }
        if (i == 0)
        {
            head++;
        }
        else
        {
            final int after = size - i - 1;
            System.arraycopy(seqs, head + i + 1, seqs, head + i, after);
            System.arraycopy(positions, head + i + 1, positions, head + i, after);
        }
        size--;
        if (size == 0)
        {
            head = 0;
        }
        if (seqs.length > MIN_CAPACITY * 4 && size < seqs.length >>> 3)
        {
            // A burst of small batches grew the index; give the memory back once the origin is quiet again
            // (amortised: the next shrink needs another 7/8 of the entries to go).
            resize(Math.max(MIN_CAPACITY, seqs.length >>> 2));
        }
        return true;
    }

    private void resize(final int capacity)
    {
        final long[] newSeqs = new long[capacity];
        final long[] newPositions = new long[capacity];
        System.arraycopy(seqs, head, newSeqs, 0, size);
        System.arraycopy(positions, head, newPositions, 0, size);
        seqs = newSeqs;
        positions = newPositions;
        head = 0;
    }

    int capacity()
    {
        return seqs.length;
    }

    long seqAt(final int i)
    {
        return seqs[head + i];
    }

    long positionAt(final int i)
    {
        return positions[head + i];
    }
}
