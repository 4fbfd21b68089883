package io.chainmesh.engine.broadcast;

import java.util.Arrays;

/**
 * For one origin, what a few peers said is gone from their retention (WANT_MISS answers to our asks): from where
 * they were first asked up to where what they retain starts. Retention only moves forward, so such a word holds for
 * good: that peer is asked only for what follows it (asking for the rest would only fetch the same answer and count
 * against us), and its digest does not count as an offer of it. A peer asked past its word that says more is gone
 * extends it, so its words join into one claim on the range from where it was first asked. Up to {@link #CAPACITY}
 * peers are remembered (more than a member's links; past that the oldest word is replaced); arrays are made on the
 * first word and grow. Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class GoneAtPeers<P>
{
    /** Peers remembered per origin. */
    static final int CAPACITY = 128;
    private static final int FIRST_CAPACITY = 4;

    private Object[] peers;
    private long[] goneAfter;
    private long[] goneUpTo;
    private int size;
    private int next;

    /**
     * @param peer  who said so.
     * @param after the lower bound it was asked from.
     * @param upTo  the last sequence it said is gone at its end.
     * @return the lower bound its word now covers from: where it was first asked, if this word joins its last one.
     */
    long record(final P peer, final long after, final long upTo)
    {
        if (null == peers)
        {
            peers = new Object[FIRST_CAPACITY];
            goneAfter = new long[FIRST_CAPACITY];
            goneUpTo = new long[FIRST_CAPACITY];
        }
        for (int i = 0; i < size; i++)
        {
            if (peer.equals(peers[i]))
            {
                if (after <= goneUpTo[i])
                {
                    goneAfter[i] = Math.min(goneAfter[i], after);
                    goneUpTo[i] = Math.max(goneUpTo[i], upTo);
                }
                else
                {
                    goneAfter[i] = after;
                    goneUpTo[i] = upTo;
                }
                return goneAfter[i];
            }
        }
        if (size == peers.length && size < CAPACITY)
        {
            peers = Arrays.copyOf(peers, 2 * size);
            goneAfter = Arrays.copyOf(goneAfter, 2 * size);
            goneUpTo = Arrays.copyOf(goneUpTo, 2 * size);
        }
        final int i = size < peers.length ? size++ : next;
        if (size == peers.length)
        {
            next = (i + 1) % peers.length;
        }
        peers[i] = peer;
        goneAfter[i] = after;
        goneUpTo[i] = upTo;
        return after;
    }

    /**
     * @param peer a peer.
     * @param mark a mark (what we would ask for starts after it).
     * @return true if that peer said what follows the mark is gone at its end.
     */
    boolean saidGoneAfter(final P peer, final long mark)
    {
        return goneUpTo(peer, mark) > mark;
    }

    /**
     * @param peer a peer.
     * @param mark a mark.
     * @return the last sequence that peer said is gone at its end, if its word covers what follows the mark, else
     *         {@link Long#MIN_VALUE}.
     */
    long goneUpTo(final P peer, final long mark)
    {
        if (null != peers)
        {
            for (int i = 0; i < size; i++)
            {
                if (peer.equals(peers[i]))
                {
                    return goneAfter[i] <= mark ? goneUpTo[i] : Long.MIN_VALUE;
                }
            }
        }
        return Long.MIN_VALUE;
    }
}
