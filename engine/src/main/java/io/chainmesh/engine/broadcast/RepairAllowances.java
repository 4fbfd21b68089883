package io.chainmesh.engine.broadcast;

import org.agrona.collections.Object2ObjectHashMap;

/**
 * How many bytes of repair each asking peer may still take from us: one token bucket per peer, in frame bytes,
 * batches and WANT_MISS answers alike. A peer starts with what we retain (a member restarted from nothing or healed
 * after a partition takes a whole retention at once) and earns {@link #COMMITTED_MULTIPLE} bytes for each byte this
 * node appends to its retention (a peer that lags behind every stream keeps up), plus what we retain once per
 * retention time; it never holds more than what we retain, or {@link #MIN_BYTES} if that is more (a node that
 * retains little or nothing still tells a peer that what it asked for is gone). A peer that asks again and again
 * for what it was sent gets at most that, however often it asks. An answer the allowance cuts stops like one cut by
 * back pressure: the requester asks again later. A peer's bucket outlives its link until it has refilled (so
 * reconnecting does not buy a fresh retention); peers linked within the last retention time are all it keeps.
 * Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class RepairAllowances<P>
{
    /** Repair bytes a peer earns per byte this node appends to its retention. */
    static final int COMMITTED_MULTIPLE = 2;
    /** The least a bucket holds when full: room for a hundred or so WANT_MISS answers. */
    static final long MIN_BYTES = 4096;

    /** One peer's bucket: the repair sender spends {@link #bytes} on the frames it sends. */
    static final class Allowance
    {
        long bytes;
        private long writePosition;
        private long refilledMillis;

        Allowance(final long bytes)
        {
            this.bytes = bytes;
        }
    }

    private final Outbound<P> out;
    private final RetentionBuffer retention;
    private final long retentionMillis;
    private final Object2ObjectHashMap<P, Allowance> byPeer = new Object2ObjectHashMap<>();

    /**
     * @param out             the port: buckets of peers no longer linked are dropped once refilled.
     * @param retention       what answers are served from: its size bounds a bucket, its writes refill it.
     * @param retentionMillis how long batches are retained: a whole retention is earned back over this time.
     */
    RepairAllowances(final Outbound<P> out, final RetentionBuffer retention, final long retentionMillis)
    {
        this.out = out;
        this.retention = retention;
        this.retentionMillis = Math.max(1, retentionMillis);
    }

    /**
     * @param peer      a peer that asks.
     * @param nowMillis the monotonic clock, in milliseconds.
     * @return its bucket, refilled up to now (created full for a peer not seen within a retention time).
     */
    Allowance of(final P peer, final long nowMillis)
    {
        Allowance allowance = byPeer.get(peer);
        if (null == allowance)
        {
            allowance = new Allowance(ceiling());
            allowance.writePosition = retention.writePosition();
            allowance.refilledMillis = nowMillis;
            byPeer.put(peer, allowance);
            return allowance;
        }
        refill(allowance, nowMillis);
        return allowance;
    }

    /**
     * Drops the buckets of peers no longer linked that have refilled: a peer that comes back finds the same
     * bucket until then.
     *
     * @param nowMillis the monotonic clock, in milliseconds.
     */
    void forgetDisconnected(final long nowMillis)
    {
        if (byPeer.isEmpty())
        {
            return;
        }
        final Object2ObjectHashMap<P, Allowance>.EntryIterator entries = byPeer.entrySet().iterator();
        while (entries.hasNext())
        {
            entries.next();
            if (!out.isConnected(entries.getKey()) && refill(entries.getValue(), nowMillis))
            {
                entries.remove();
            }
        }
    }

    /** @return peers with a bucket (for tests of its bounds). */
    int size()
    {
        return byPeer.size();
    }

    private long ceiling()
    {
        return Math.max(MIN_BYTES, retention.bytesHeld());
    }

    /** @return true if the bucket is full. */
    private boolean refill(final Allowance allowance, final long nowMillis)
    {
        final long full = ceiling();
        final long written = retention.writePosition();
        final long elapsed = Math.max(0, nowMillis - allowance.refilledMillis);
        final long overTime = elapsed >= retentionMillis ? full : (long)((double)full * elapsed / retentionMillis);
        final long earned = COMMITTED_MULTIPLE * (written - allowance.writePosition) + overTime;
        allowance.bytes = Math.min(full, allowance.bytes + earned);
        allowance.writePosition = written;
        final boolean refilled = allowance.bytes >= full;
        if (overTime > 0 || refilled)
        {
            // A peer asking more often than a byte's worth of time keeps accruing it.
            allowance.refilledMillis = nowMillis;
        }
        return refilled;
    }
}
