package io.chainmesh.chain;

import io.chainmesh.codec.crypto.NodeId;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2IntHashMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The confirmed members of the deterministic node list at one chain height, ordered by
 * {@code (addedHeight, txHash, outputIndex)} — FluxOS's order — which is also the overlay's ring order.
 * <p>
 * Immutable once built and safe to share between threads: lookups read maps that are never written
 * after construction. Building rejects duplicate public keys, collaterals and origin ids with an
 * {@link IllegalArgumentException}; sources validate entries one by one before they get here.
 */
public final class DirectorySnapshot
{
    /** The deterministic ring order. */
    public static final Comparator<Member> RING_ORDER = Comparator
        .comparingLong(Member::addedHeight)
        .thenComparing(Member::txHash)
        .thenComparingInt(Member::outputIndex);

    private static final DirectorySnapshot EMPTY = new DirectorySnapshot(0, new Member[0]);

    private final long height;
    private final Member[] members;
    private final Map<NodeId, Integer> indexByNodeId;
    private final Long2ObjectHashMap<Member> byOriginId;

    private DirectorySnapshot(final long height, final Member[] sorted)
    {
        this.height = height;
        this.members = sorted;
        this.indexByNodeId = new HashMap<>(sorted.length * 2);
        this.byOriginId = new Long2ObjectHashMap<>(Math.max(8, sorted.length * 2), 0.65f);
        final Set<String> collaterals = new HashSet<>(sorted.length * 2);
        for (int i = 0; i < sorted.length; i++)
        {
            final Member member = sorted[i];
            if (null != indexByNodeId.putIfAbsent(member.nodeId(), i))
            {
                throw new IllegalArgumentException("duplicate public key " + member.nodeId() + " at height " + height);
            }
            if (null != byOriginId.putIfAbsent(member.originId(), member))
            {
                throw new IllegalArgumentException("originId collision " + Long.toHexString(member.originId()) +
                    " for " + member.nodeId() + " at height " + height);
            }
            if (!collaterals.add(member.collateral()))
            {
                throw new IllegalArgumentException("duplicate collateral " + member.collateral() + " at height " + height);
            }
        }
    }

    /**
     * @return a snapshot at height 0 with no members.
     */
    public static DirectorySnapshot empty()
    {
        return EMPTY;
    }

    /**
     * @param height  chain height the list was read at.
     * @param members confirmed members in any order.
     * @return the ordered snapshot.
     * @throws IllegalArgumentException if the height is negative or keys, collaterals or origin ids repeat.
     */
    public static DirectorySnapshot of(final long height, final Collection<Member> members)
    {
        if (height < 0)
        {
            throw new IllegalArgumentException("height=" + height + " must be >= 0");
        }
        final Member[] sorted = members.toArray(new Member[0]);
        Arrays.sort(sorted, RING_ORDER);
        return new DirectorySnapshot(height, sorted);
    }

    /**
     * @return chain height this snapshot was taken at.
     */
    public long height()
    {
        return height;
    }

    /**
     * @return number of members.
     */
    public int size()
    {
        return members.length;
    }

    /**
     * @param ringIndex position in ring order, {@code [0, size())}.
     * @return the member there.
     */
    public Member member(final int ringIndex)
    {
        return members[ringIndex];
    }

    /**
     * @return the members in ring order (an immutable list).
     */
    public List<Member> members()
    {
        return List.of(members);
    }

    /**
     * @param nodeId a public key.
     * @return its ring index, or -1 if not a member.
     */
    public int indexOf(final NodeId nodeId)
    {
        final Integer index = indexByNodeId.get(nodeId);
        return null == index ? -1 : index;
    }

    /**
     * @param nodeId a public key.
     * @return the member, or null.
     */
    public Member find(final NodeId nodeId)
    {
        final int index = indexOf(nodeId);
        return index < 0 ? null : members[index];
    }

    /**
     * @param nodeId a public key.
     * @return true if it is a confirmed member.
     */
    public boolean contains(final NodeId nodeId)
    {
        return indexOf(nodeId) >= 0;
    }

    /**
     * Allocation-free lookup for the hot path.
     *
     * @param originId an 8-byte origin id.
     * @return the member, or null.
     */
    public Member findByOriginId(final long originId)
    {
        return byOriginId.get(originId);
    }

    /**
     * @param previous the older snapshot.
     * @return who joined, left or changed since {@code previous}.
     */
    public DirectoryDiff diff(final DirectorySnapshot previous)
    {
        final List<Member> joined = new ArrayList<>();
        final List<Member> changed = new ArrayList<>();
        final List<Member> left = new ArrayList<>();
        for (final Member member : members)
        {
            final Member old = previous.find(member.nodeId());
            if (null == old)
            {
                joined.add(member);
            }
            else if (!old.equals(member))
            {
                changed.add(member);
            }
        }
        for (final Member old : previous.members)
        {
            if (!contains(old.nodeId()))
            {
                left.add(old);
            }
        }
        return new DirectoryDiff(previous.height, height, joined, left, changed);
    }

    @Override
    public String toString()
    {
        return "DirectorySnapshot{height=" + height + ", members=" + members.length + "}";
    }
}
