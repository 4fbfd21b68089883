package io.chainmesh.engine.broadcast;

/**
 * The last WANT ranges sent for one origin (peer, lower bound, upper bound, when): a WANT_MISS is taken
 * only as the answer to one of them (an unasked one could make us skip what others still retain), and
 * never beyond what that peer said it had. A few, because an answer can come late, after a re-ask.
 * Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class AskLog<P>
{
    /** WANT ranges remembered per origin; a power of two. */
    static final int CAPACITY = 4;
    /** {@link #upToOfAsk} found no matching ask. */
    static final long NOT_ASKED = Long.MIN_VALUE;

    private final Object[] peers = new Object[CAPACITY];
    private final long[] afters = new long[CAPACITY];
    private final long[] upTos = new long[CAPACITY];
    private final long[] times = new long[CAPACITY];
    private int next;

    void ask(final P peer, final long after, final long upTo, final long now)
    {
        final int i = next;
        peers[i] = peer;
        afters[i] = after;
        upTos[i] = upTo;
        times[i] = now;
        next = (i + 1) & (CAPACITY - 1);
    }

    /** The last ask was never sent: no answer to wait for, and none to accept. */
    void forgetLast()
    {
        next = (next - 1) & (CAPACITY - 1);
        peers[next] = null;
    }

    /**
     * @param peer     who answered.
     * @param after    the lower bound it answered for.
     * @param now      the monotonic clock.
     * @param validFor how long an ask is worth an answer.
     * @return the upper bound of the newest matching ask, or {@link #NOT_ASKED}.
     */
    long upToOfAsk(final P peer, final long after, final long now, final long validFor)
    {
        for (int k = 1; k <= CAPACITY; k++)
        {
            final int i = (next - k) & (CAPACITY - 1);
            if (peer.equals(peers[i]) && afters[i] == after && now - times[i] <= validFor)
            {
                return upTos[i];
            }
        }
        return NOT_ASKED;
    }
}
