package io.chainmesh.node.flux;

import org.agrona.concurrent.EpochClock;

import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The FluxOS messages a relay has verified, for de-duplication: the SHA-256 of a message's signed text mapped to the
 * key and signature that verified for it. Bounded twice: at most {@code capacity} entries (oldest first out), and an
 * entry leaves once its message is older than FluxOS's freshness window ({@link FluxEnvelope#MAX_AGE_MS}), after
 * which any copy is refused as stale anyway. {@link #evictedFresh()} counts entries the capacity pushed out while
 * their message was still fresh: a replay of one of those would be verified and relayed again.
 * <p>
 * Shared by the relay's threads under one monitor: FluxOS networks carry a few messages per second.
 */
final class FluxSeenSet
{
    private record Seen(String signer, String signature, long expiresAtMs)
    {
    }

    private final int capacity;
    private final EpochClock clock;
    private final LinkedHashMap<String, Seen> seen = new LinkedHashMap<>();
    private long evictedFresh;

    FluxSeenSet(final int capacity, final EpochClock clock)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("seenCapacity=" + capacity + " must be >= 1");
        }
        this.capacity = capacity;
        this.clock = clock;
    }

    /**
     * @return true if exactly this message (same key, same signature) was verified and marked before: it needs no
     *         second verification.
     */
    synchronized boolean isExactCopy(final String key, final FluxEnvelope envelope)
    {
        final Seen entry = seen.get(key);
        return null != entry && entry.signer().equals(envelope.pubKey()) && entry.signature().equals(envelope.signature());
    }

    /**
     * Marks a verified message seen, first dropping entries past the freshness window and, over capacity, the oldest.
     *
     * @return true if it was not seen before.
     */
    synchronized boolean mark(final String key, final FluxEnvelope envelope)
    {
        final long now = clock.time();
        for (final Iterator<Seen> it = seen.values().iterator(); it.hasNext(); )
        {
            final boolean fresh = it.next().expiresAtMs() - now >= 0;
            if (fresh && seen.size() < capacity)
            {
                break;
            }
            if (fresh)
            {
                evictedFresh++;
            }
            it.remove();
        }
        return null == seen.putIfAbsent(key, new Seen(envelope.pubKey(), envelope.signature(),
            envelope.timestampMs() + FluxEnvelope.MAX_AGE_MS));
    }

    synchronized void unmark(final String key)
    {
        seen.remove(key);
    }

    synchronized int size()
    {
        return seen.size();
    }

    synchronized long evictedFresh()
    {
        return evictedFresh;
    }
}
