package io.chainmesh.engine.broadcast;

/**
 * The deterministic broadcast tree of one origin over the ring, computed from the shared directory
 * alone, so every member knows its place in every origin's tree without being told.
 * <p>
 * Positions are <em>offsets</em> clockwise from the origin on a ring of {@code n} members: the
 * origin is offset 0, its successor 1, and so on. A node covers a range {@code [p, p + L)}: itself
 * and the {@code L - 1} members after it. It forwards to the members at local distances
 * {@code 1, 2, 4, ... < L} — exactly its ring successor and fingers, which are overlay links — and
 * the child at distance {@code 2^j} covers {@code min(2^(j+1), L) - 2^j} members. The origin covers
 * {@code L = n}; the node at offset {@code p > 0} covers {@code L = min(lowbit(p), n - p)}, which
 * is why a receiver can compute its range from (origin, itself, n). Every member receives each
 * batch exactly once, with {@code n - 1} transmissions and depth {@code ceil(log2 n)}.
 * <p>
 * Stateless; all methods are allocation-free.
 */
public final class BroadcastTree
{
    private BroadcastTree()
    {
    }

    /**
     * @param originIndex ring index of the origin.
     * @param nodeIndex   ring index of a member.
     * @param n           ring size.
     * @return the member's offset from the origin, in {@code [0, n)}.
     */
    public static int offset(final int originIndex, final int nodeIndex, final int n)
    {
        final int d = nodeIndex - originIndex;
        return d >= 0 ? d : d + n;
    }

    /**
     * @param originIndex ring index of the origin.
     * @param offset      an offset from it.
     * @param n           ring size.
     * @return the ring index at that offset.
     */
    public static int indexAt(final int originIndex, final int offset, final int n)
    {
        final int i = originIndex + offset;
        return i < n ? i : i - n;
    }

    /**
     * The default range length of the node at {@code offset} in a ring of {@code n}.
     *
     * @param offset offset from the origin, in {@code [0, n)}.
     * @param n      ring size.
     * @return how many members (itself included) it covers.
     */
    public static int rangeLength(final int offset, final int n)
    {
        if (offset == 0)
        {
            return n;
        }
        return Math.min(Integer.lowestOneBit(offset), n - offset);
    }

    /**
     * The range a receiver covers given the explicit length a sender put in the (unsigned) frame flags. A
     * range wider than the default is taken as it is: it can only cause duplicates. A narrower one is taken
     * only if a handed-over subtree has that shape here (the range of a down ancestor {@code q}, given to
     * {@code q + 1} and split from there as a tree of its own, at most {@code maxExplicit} long) and the sender
     * is this node's parent in that subtree; otherwise the default is covered, so a sender cannot make a node
     * cover less than the tree gives it and push its subtree onto repair.
     *
     * @param explicit    the length named in the frame, {@code >= 1}.
     * @param offset      the receiver's offset from the origin, in {@code [0, n)}.
     * @param n           ring size.
     * @param maxExplicit the longest range a frame can name.
     * @param fromOffset  the sender's offset from the origin, -1 if it is not a member.
     * @return the range length to cover.
     */
    public static int checkedRange(
        final int explicit, final int offset, final int n, final int maxExplicit, final int fromOffset)
    {
        final int byDefault = rangeLength(offset, n);
        if (explicit >= byDefault)
        {
            return Math.min(explicit, n - offset);
        }
        for (int q = offset & (offset - 1); q > 0; q &= q - 1)
        {
            // q: an ancestor of ours in the default tree (lowest set bits cleared one by one).
            final int start = q + 1;
            final int end = start + Math.min(rangeLength(q, n) - 1, maxExplicit);
            if (offset > start && offset < end)
            {
                // Inside the subtree rooted at start (the root itself only ever gets a range wider than its own).
                final int local = offset - start;
                final int shaped = Math.min(Integer.lowestOneBit(local), end - offset);
                if (shaped == explicit && fromOffset == start + local - Integer.lowestOneBit(local))
                {
                    return explicit;
                }
            }
        }
        return byDefault;
    }

    /**
     * @param rangeLength the length of the range a node covers.
     * @return how many children it forwards to: the number of powers of two below {@code rangeLength}.
     */
    public static int childCount(final int rangeLength)
    {
        return rangeLength <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(rangeLength - 1);
    }

    /**
     * @param childOrdinal which child, {@code [0, childCount)}; child {@code j} is at local distance {@code 2^j}.
     * @return its distance from the forwarding node.
     */
    public static int childDistance(final int childOrdinal)
    {
        return 1 << childOrdinal;
    }

    /**
     * @param rangeLength  the forwarding node's range length.
     * @param childOrdinal which child.
     * @return the range length that child covers.
     */
    public static int childRangeLength(final int rangeLength, final int childOrdinal)
    {
        final int start = 1 << childOrdinal;
        final int end = childOrdinal >= 30 ? rangeLength : Math.min(start << 1, rangeLength);
        return end - start;
    }
}
