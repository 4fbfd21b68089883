package io.chainmesh.engine.transport;

import io.chainmesh.engine.EngineCounters.AdmissionRefusal;
import org.agrona.collections.Long2LongHashMap;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Caps the inbound connections that have not authenticated yet: at most {@code maxTotal} for the node and
 * {@code maxPerSource} per source (an IPv4 address, or an IPv6 /64, which one host usually holds whole). Each such
 * connection holds a descriptor and handshake state until it authenticates or its handshake times out, so without a
 * cap a peer could hold as many as the open-file limit allows. A connection over a cap is closed at accept, before
 * the handshake does any work for it.
 * <p>
 * Called from the IO threads at accept and when a connection authenticates or closes; the counts are guarded by
 * this object's monitor (a few operations per connection, never per message).
 */
public final class Admission
{
    private final int maxTotal;
    private final int maxPerSource;
    private final Long2LongHashMap perSource = new Long2LongHashMap(0);
    private int total;

    /**
     * @param maxTotal     unauthenticated inbound connections of the node, at most.
     * @param maxPerSource unauthenticated inbound connections of one source, at most.
     */
    public Admission(final int maxTotal, final int maxPerSource)
    {
        if (maxTotal < 1 || maxPerSource < 1)
        {
            throw new IllegalArgumentException("maxTotal=" + maxTotal + " and maxPerSource=" + maxPerSource +
                " must be >= 1");
        }
        this.maxTotal = maxTotal;
        this.maxPerSource = maxPerSource;
    }

    /**
     * Takes a place for a new connection from {@code source}, or says which cap refuses it.
     *
     * @param source the peer's address.
     * @return null when admitted (then {@link #release} must follow exactly once), otherwise the cap that refused.
     */
    public synchronized AdmissionRefusal tryAdmit(final InetAddress source)
    {
        if (total >= maxTotal)
        {
            return AdmissionRefusal.TOTAL_LIMIT;
        }
        final long key = sourceKey(source);
        final long count = perSource.get(key);
        if (count >= maxPerSource)
        {
            return AdmissionRefusal.PER_SOURCE_LIMIT;
        }
        perSource.put(key, count + 1);
        total++;
        return null;
    }

    /**
     * Gives back the place of an admitted connection (it authenticated or closed).
     *
     * @param source the address it was admitted for.
     */
    public synchronized void release(final InetAddress source)
    {
        final long key = sourceKey(source);
        final long count = perSource.get(key);
        if (count <= 0)
        {
            return;
        }
        if (count == 1)
        {
            perSource.remove(key);
        }
        else
        {
            perSource.put(key, count - 1);
        }
        total--;
    }

    /**
     * @return unauthenticated inbound connections admitted and not yet released.
     */
    public synchronized int admitted()
    {
        return total;
    }

    /** An IPv4 address in the low 32 bits with bit 32 set; an IPv6 address's /64 prefix otherwise. */
    private static long sourceKey(final InetAddress source)
    {
        final byte[] bytes = source.getAddress();
        long key = 0;
        final int length = source instanceof Inet6Address ? 8 : 4;
        for (int i = 0; i < length; i++)
        {
            key = (key << 8) | (bytes[i] & 0xff);
        }
        return length == 4 ? key | (1L << 32) : key;
    }
}
