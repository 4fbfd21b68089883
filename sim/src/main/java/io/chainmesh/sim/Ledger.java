package io.chainmesh.sim;

import org.HdrHistogram.Histogram;
import org.agrona.collections.Long2LongHashMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What was published and who delivered it, checked as it happens: a batch is delivered to a member at most
 * once per incarnation (a member restarted without state starts a new one), and only a batch a publisher made,
 * with the bytes it made, is delivered. Per batch a byte per member holds the hop it arrived on (0: not yet).
 */
final class Ledger
{
    private static final int MAX_VIOLATIONS_KEPT = 20;

    private final int members;
    private final Long2LongHashMap batchByOriginSeq = new Long2LongHashMap(-1);
    private int[] origin = new int[256];
    private long[] originId = new long[256];
    private long[] seq = new long[256];
    private long[] publishedAt = new long[256];
    private long[] contentHash = new long[256];
    private long[] lastDeliveryAt = new long[256];
    private byte[][] hops = new byte[256][];
    /** Per batch and member: the link latency and uplink time along the path it was delivered by, in microseconds. */
    private int[][] pathLinkMicros = new int[256][];
    private int[][] pathUplinkMicros = new int[256][];
    private int[] lastMember = new int[256];
    private int batches;
    private final long[] hopCounts = new long[256];
    private final Histogram deliveryLatency = new Histogram(3_600_000_000_000L, 3);
    private final Histogram repairedLatency = new Histogram(3_600_000_000_000L, 3);
    private long deliveries;
    private long repairedDeliveries;
    private long historyDeliveries;
    private SimNode[] nodes;
    private long violationCount;
    private final List<String> violations = new ArrayList<>();

    Ledger(final int members)
    {
        this.members = members;
    }

    int publish(final int originIndex, final long originIdValue, final long batchSeq, final long now, final long hash)
    {
        if (batches == origin.length)
        {
            final int capacity = batches * 2;
            origin = Arrays.copyOf(origin, capacity);
            originId = Arrays.copyOf(originId, capacity);
            seq = Arrays.copyOf(seq, capacity);
            publishedAt = Arrays.copyOf(publishedAt, capacity);
            contentHash = Arrays.copyOf(contentHash, capacity);
            lastDeliveryAt = Arrays.copyOf(lastDeliveryAt, capacity);
            hops = Arrays.copyOf(hops, capacity);
            pathLinkMicros = Arrays.copyOf(pathLinkMicros, capacity);
            pathUplinkMicros = Arrays.copyOf(pathUplinkMicros, capacity);
            lastMember = Arrays.copyOf(lastMember, capacity);
        }
        final int batch = batches++;
        origin[batch] = originIndex;
        originId[batch] = originIdValue;
        seq[batch] = batchSeq;
        publishedAt[batch] = now;
        contentHash[batch] = hash;
        hops[batch] = new byte[members];
        pathLinkMicros[batch] = new int[members];
        pathUplinkMicros[batch] = new int[members];
        lastMember[batch] = originIndex;
        batchByOriginSeq.put(key(originIdValue, batchSeq), batch);
        return batch;
    }

    /** @return the batch the simulator published with this origin and sequence, or -1 (made up, or not ours). */
    int batchOf(final long originIdValue, final long batchSeq)
    {
        final long batch = batchByOriginSeq.get(key(originIdValue, batchSeq));
        return batch >= 0 && seq[(int)batch] == batchSeq && originId[(int)batch] == originIdValue ? (int)batch : -1;
    }

    /** @return the hop this member holds the batch at (0 at its origin, -1 if it does not hold it). */
    int hopAt(final int batch, final int member)
    {
        if (origin[batch] == member)
        {
            return 0;
        }
        return (hops[batch][member] & 0xFF) - 1;
    }

    /**
     * A subscriber callback: checks the batch is one published, with its bytes, and new to this member.
     *
     * @param member   who delivered.
     * @param batch    the batch its payload names (-1 if it names none).
     * @param originIdValue the origin the engine says it came from.
     * @param hash     hash of the delivered payload.
     * @param hop      the hop it arrived on.
     * @param repaired true if it arrived in a repair answer (a BATCH flagged REPAIR).
     * @param now      simulated time.
     * @param carrier  the frame it arrived in (its path's link and uplink times), null if none.
     */
    void onDeliver(final int member, final int batch, final long originIdValue, final long hash, final int hop,
        final boolean repaired, final long now, final Transmission carrier)
    {
        if (batch < 0 || batch >= batches || originId[batch] != originIdValue || contentHash[batch] != hash)
        {
            violation("UNVERIFIED delivery at member " + member + ": payload names batch " + batch +
                " from origin " + Long.toHexString(originIdValue) + " that no publisher made with these bytes");
            return;
        }
        if (hops[batch][member] != 0)
        {
            violation("DUPLICATE delivery of batch " + batch + " at member " + member + " at " + now + " ns");
            return;
        }
        final int h = Math.max(1, Math.min(hop, 254));
        hops[batch][member] = (byte)(h + 1);
        if (null != carrier && member != origin[batch])
        {
            pathLinkMicros[batch][member] = (int)Math.min(Integer.MAX_VALUE, carrier.pathLinkNanos / 1_000);
            pathUplinkMicros[batch][member] = (int)Math.min(Integer.MAX_VALUE, carrier.pathUplinkNanos / 1_000);
        }
        hopCounts[h]++;
        deliveries++;
        final SimNode node = null == nodes ? null : nodes[member];
        final SimNode from = null == nodes ? null : nodes[origin[batch]];
        if (null != node && ((node.joiner && publishedAt[batch] < node.joinedAt) ||
            (from.leftAt >= 0 && publishedAt[batch] > from.leftAt - Outcome.LEAVER_ALLOWANCE_NANOS) ||
            (node.leftAt >= 0 && publishedAt[batch] > node.leftAt - Outcome.LEAVER_ALLOWANCE_NANOS)))
        {
            // History a joiner catches up on, or what a leaver still gets: not part of the batch's propagation.
            historyDeliveries++;
            return;
        }
        deliveryLatency.recordValue(Math.max(0, now - publishedAt[batch]));
        if (repaired)
        {
            repairedDeliveries++;
            repairedLatency.recordValue(Math.max(0, now - publishedAt[batch]));
        }
        if (now >= lastDeliveryAt[batch])
        {
            lastDeliveryAt[batch] = now;
            lastMember[batch] = member;
        }
    }

    /** @return the link latency along the path that brought the batch to the member (0 at its origin). */
    long pathLinkNanos(final int batch, final int member)
    {
        return member == origin[batch] ? 0 : pathLinkMicros[batch][member] * 1_000L;
    }

    /** @return the uplink time (backlog and serialisation) along the path that brought the batch to the member. */
    long pathUplinkNanos(final int batch, final int member)
    {
        return member == origin[batch] ? 0 : pathUplinkMicros[batch][member] * 1_000L;
    }

    /** @return the member that delivered the batch last (its origin until anyone has). */
    int lastMember(final int batch)
    {
        return lastMember[batch];
    }

    /** @param all the run's members: who joined late or left is read from them. */
    void nodes(final SimNode[] all)
    {
        this.nodes = all;
    }

    /** @return deliveries of history to joiners and of batches to leavers near or past their leave (not timed). */
    long historyDeliveries()
    {
        return historyDeliveries;
    }

    /** A member restarted without state: what it delivered before may be delivered again. */
    void forget(final int member)
    {
        for (int b = 0; b < batches; b++)
        {
            hops[b][member] = 0;
        }
    }

    void violation(final String what)
    {
        violationCount++;
        if (violations.size() < MAX_VIOLATIONS_KEPT)
        {
            violations.add(what);
        }
    }

    boolean delivered(final int batch, final int member)
    {
        return hops[batch][member] != 0;
    }

    int batches()
    {
        return batches;
    }

    int origin(final int batch)
    {
        return origin[batch];
    }

    long seq(final int batch)
    {
        return seq[batch];
    }

    long publishedAt(final int batch)
    {
        return publishedAt[batch];
    }

    long lastDeliveryAt(final int batch)
    {
        return lastDeliveryAt[batch];
    }

    long[] hopCounts()
    {
        return hopCounts;
    }

    Histogram deliveryLatency()
    {
        return deliveryLatency;
    }

    long deliveries()
    {
        return deliveries;
    }

    /** @return latency from publish of the deliveries that arrived in a repair answer. */
    Histogram repairedLatency()
    {
        return repairedLatency;
    }

    long repairedDeliveries()
    {
        return repairedDeliveries;
    }

    long violationCount()
    {
        return violationCount;
    }

    List<String> violations()
    {
        return violations;
    }

    private static long key(final long originIdValue, final long batchSeq)
    {
        return SimSignatures.mix(originIdValue) ^ batchSeq;
    }
}
