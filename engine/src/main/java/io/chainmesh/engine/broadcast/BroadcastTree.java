package io.chainmesh.engine.broadcast;

/**
 * The deterministic broadcast tree of one origin over the ring, computed from the shared directory
 * alone, so every member knows its place in every origin's tree without being told.
 * <p>
 * The tree is k-nomial with radix {@code r = 2^RADIX_BITS} (8: an 8-nomial tree). Positions are
 * <em>offsets</em> clockwise from the origin on a ring of {@code n} members: the origin is offset 0, its
 * successor 1, and so on. A node covers a range {@code [p, p + L)}: itself and the {@code L - 1} members
 * after it. It forwards to the members at local distances {@code c * r^j < L} for {@code c} in
 * {@code 1 .. r - 1} — ring successors and fingers of the overlay — and the child at distance
 * {@code c * r^j} covers {@code min(r^j, L - c * r^j)} members. The origin covers {@code L = n}; the node at
 * offset {@code p > 0} covers {@code L = min(unit(p), n - p)}, where {@code unit(p) = r^i} is the place
 * value of p's lowest non-zero base-r digit, which is why a receiver can compute its range from
 * (origin, itself, n). A node's parent is its offset with that digit cleared. Every member receives each
 * batch exactly once, with {@code n - 1} transmissions and depth at most {@code ceil(log_r n)}.
 * <p>
 * Each function has a form taking the radix bits, so the shape can be checked for any radix; the others use
 * {@link #RADIX_BITS}. Stateless; all methods are allocation-free.
 */
public final class BroadcastTree
{
    /** log2 of the tree's radix; the overlay's fingers follow the same radix. */
    public static final int RADIX_BITS = 3;

    /** The tree's radix: how many ways a range splits at each level. */
    public static final int RADIX = 1 << RADIX_BITS;

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
     * The place value of the lowest non-zero base-{@code 2^radixBits} digit of {@code value}.
     *
     * @param value      a positive number.
     * @param radixBits  log2 of the radix.
     * @return {@code r^i} for the lowest {@code i} whose digit is not zero.
     */
    public static int digitUnit(final int value, final int radixBits)
    {
        final int zeros = Integer.numberOfTrailingZeros(value);
        return 1 << (zeros - zeros % radixBits);
    }

    /**
     * @param value a positive number.
     * @return {@link #digitUnit(int, int)} with the tree's radix.
     */
    public static int digitUnit(final int value)
    {
        return digitUnit(value, RADIX_BITS);
    }

    /**
     * The parent of a node in the default tree: its offset with the lowest non-zero base-r digit cleared.
     *
     * @param offset    offset from the origin, {@code > 0}.
     * @param radixBits log2 of the radix.
     * @return the parent's offset (0 for the origin's children).
     */
    public static int parentOffset(final int offset, final int radixBits)
    {
        final long digitAndBelow = ((long)digitUnit(offset, radixBits) << radixBits) - 1;
        return (int)(offset & ~digitAndBelow);
    }

    /**
     * @param offset offset from the origin, {@code > 0}.
     * @return {@link #parentOffset(int, int)} with the tree's radix.
     */
    public static int parentOffset(final int offset)
    {
        return parentOffset(offset, RADIX_BITS);
    }

    /**
     * The default range length of the node at {@code offset} in a ring of {@code n}.
     *
     * @param offset    offset from the origin, in {@code [0, n)}.
     * @param n         ring size.
     * @param radixBits log2 of the radix.
     * @return how many members (itself included) it covers.
     */
    public static int rangeLength(final int offset, final int n, final int radixBits)
    {
        if (offset == 0)
        {
            return n;
        }
        return Math.min(digitUnit(offset, radixBits), n - offset);
    }

    /**
     * @param offset offset from the origin, in {@code [0, n)}.
     * @param n      ring size.
     * @return {@link #rangeLength(int, int, int)} with the tree's radix.
     */
    public static int rangeLength(final int offset, final int n)
    {
        return rangeLength(offset, n, RADIX_BITS);
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
     * @param radixBits   log2 of the radix.
     * @return the range length to cover.
     */
    public static int checkedRange(
        final int explicit, final int offset, final int n, final int maxExplicit, final int fromOffset, final int radixBits)
    {
        final int byDefault = rangeLength(offset, n, radixBits);
        if (explicit >= byDefault)
        {
            return Math.min(explicit, n - offset);
        }
        for (int q = offset > 0 ? parentOffset(offset, radixBits) : 0; q > 0; q = parentOffset(q, radixBits))
        {
            // q: an ancestor of ours in the default tree (lowest non-zero digits cleared one by one).
            final int start = q + 1;
            final int end = start + Math.min(rangeLength(q, n, radixBits) - 1, maxExplicit);
            if (offset > start && offset < end)
            {
                // Inside the subtree rooted at start (the root itself only ever gets a range wider than its own).
                final int local = offset - start;
                final int shaped = Math.min(digitUnit(local, radixBits), end - offset);
                if (shaped == explicit && fromOffset == start + parentOffset(local, radixBits))
                {
                    return explicit;
                }
            }
        }
        return byDefault;
    }

    /**
     * @param explicit    the length named in the frame, {@code >= 1}.
     * @param offset      the receiver's offset from the origin, in {@code [0, n)}.
     * @param n           ring size.
     * @param maxExplicit the longest range a frame can name.
     * @param fromOffset  the sender's offset from the origin, -1 if it is not a member.
     * @return {@link #checkedRange(int, int, int, int, int, int)} with the tree's radix.
     */
    public static int checkedRange(
        final int explicit, final int offset, final int n, final int maxExplicit, final int fromOffset)
    {
        return checkedRange(explicit, offset, n, maxExplicit, fromOffset, RADIX_BITS);
    }

    /**
     * @param rangeLength the length of the range a node covers.
     * @param radixBits   log2 of the radix.
     * @return how many children it forwards to: the number of distances {@code c * r^j} below {@code rangeLength}.
     */
    public static int childCount(final int rangeLength, final int radixBits)
    {
        if (rangeLength <= 1)
        {
            return 0;
        }
        final int last = rangeLength - 1;
        final int topPosition = (31 - Integer.numberOfLeadingZeros(last)) / radixBits;
        final int topDigit = last >>> (topPosition * radixBits);
        return topPosition * ((1 << radixBits) - 1) + topDigit;
    }

    /**
     * @param rangeLength the length of the range a node covers.
     * @return {@link #childCount(int, int)} with the tree's radix.
     */
    public static int childCount(final int rangeLength)
    {
        return childCount(rangeLength, RADIX_BITS);
    }

    /**
     * @param childOrdinal which child, {@code [0, childCount)}, by distance: child {@code j * (r - 1) + c - 1} is at
     *                     local distance {@code c * r^j}.
     * @param radixBits    log2 of the radix.
     * @return its distance from the forwarding node.
     */
    public static int childDistance(final int childOrdinal, final int radixBits)
    {
        final int digits = (1 << radixBits) - 1;
        return (childOrdinal % digits + 1) << (childOrdinal / digits * radixBits);
    }

    /**
     * @param childOrdinal which child, {@code [0, childCount)}.
     * @return {@link #childDistance(int, int)} with the tree's radix.
     */
    public static int childDistance(final int childOrdinal)
    {
        return childDistance(childOrdinal, RADIX_BITS);
    }

    /**
     * @param rangeLength  the forwarding node's range length.
     * @param childOrdinal which child.
     * @param radixBits    log2 of the radix.
     * @return the range length that child covers.
     */
    public static int childRangeLength(final int rangeLength, final int childOrdinal, final int radixBits)
    {
        final int distance = childDistance(childOrdinal, radixBits);
        return Math.min(digitUnit(distance, radixBits), rangeLength - distance);
    }

    /**
     * @param rangeLength  the forwarding node's range length.
     * @param childOrdinal which child.
     * @return {@link #childRangeLength(int, int, int)} with the tree's radix.
     */
    public static int childRangeLength(final int rangeLength, final int childOrdinal)
    {
        return childRangeLength(rangeLength, childOrdinal, RADIX_BITS);
    }

    /**
     * @param radixBits log2 of the radix.
     * @return the most children any node of any ring size forwards to.
     */
    public static int maxChildren(final int radixBits)
    {
        return childCount(Integer.MAX_VALUE, radixBits);
    }

    /**
     * @param n         ring size, {@code >= 1}.
     * @param radixBits log2 of the radix.
     * @return the bound on the tree's depth, {@code ceil(log_r n)}: a member's depth is the number of non-zero
     *         base-r digits of its offset, and an offset has no more digits than {@code n - 1}.
     */
    public static int depthBound(final int n, final int radixBits)
    {
        final int bits = 32 - Integer.numberOfLeadingZeros(n - 1);
        return (bits + radixBits - 1) / radixBits;
    }

    /**
     * @param n ring size, {@code >= 1}.
     * @return {@link #depthBound(int, int)} with the tree's radix.
     */
    public static int depthBound(final int n)
    {
        return depthBound(n, RADIX_BITS);
    }
}
