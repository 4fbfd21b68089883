package io.chainmesh.engine.broadcast;

/**
 * For one origin, how far a few peers said its stream is gone from their retention (WANT_MISS answers to our
 * asks). Retention only moves forward, so such a word holds for good: that peer is asked only for what follows it
 * (asking for the rest would only fetch the same answer and count against us), and its digest does not count as
 * an offer of it. The last {@link #CAPACITY} peers to say so are remembered; arrays are made on the first word.
 * Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class GoneAtPeers<P>
{
    /** Peers remembered per origin. */
    static final int CAPACITY = 4;

    private Object[] peers;
    private long[] goneUpTo;
    private int next;

    /**
     * @param peer who said so.
     * @param upTo the last sequence it said is gone at its end.
     */
    void record(final P peer, final long upTo)
    {
        if (null == peers)
        {
            peers = new Object[CAPACITY];
            goneUpTo = new long[CAPACITY];
        }
        for (int i = 0; i < CAPACITY; i++)
        {
            if (peer.equals(peers[i]))
            {
                goneUpTo[i] = Math.max(goneUpTo[i], upTo);
                return;
            }
        }
        peers[next] = peer;
        goneUpTo[next] = upTo;
        next = (next + 1) % CAPACITY;
    }

    /**
     * @param peer a peer.
     * @param mark a mark (what we would ask for starts after it).
     * @return true if that peer said what follows the mark is gone at its end.
     */
    boolean saidGoneAfter(final P peer, final long mark)
    {
        return goneUpTo(peer) > mark;
    }

    /**
     * @param peer a peer.
     * @return the last sequence it said is gone at its end, or {@link Long#MIN_VALUE} if it said nothing we remember.
     */
    long goneUpTo(final P peer)
    {
        if (null != peers)
        {
            for (int i = 0; i < CAPACITY; i++)
            {
                if (peer.equals(peers[i]))
                {
                    return goneUpTo[i];
                }
            }
        }
        return Long.MIN_VALUE;
    }
}
