package io.chainmesh.chain;

import io.chainmesh.codec.crypto.PublicKey;
import org.agrona.BitUtil;
import org.agrona.collections.Object2IntHashMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The confirmed members of the deterministic node list at one chain height, ordered by
 * {@code (addedHeight, txHash, outputIndex)} — FluxOS's order — which is also the overlay's ring order.
 * <p>
 * A member is its collateral ({@link MemberId}); any number of members may share one public key. Immutable
 * once built and safe to share between threads: lookups read maps that are never written after construction.
 * Building rejects duplicate collaterals, listed endpoints and origin ids with an
 * {@link IllegalArgumentException}; sources validate entries one by one (and drop such duplicates in fluxd's
 * order) before they get here.
 */
public final class DirectorySnapshot
{
    /** The deterministic ring order. */
    public static final Comparator<Member> RING_ORDER = Comparator
        .comparingLong(Member::addedHeight)
        .thenComparing(Member::id);

    private static final int[] NO_INDICES = new int[0];
    private static final DirectorySnapshot EMPTY = new DirectorySnapshot(0, new Member[0]);

    private final long height;
    private final Member[] members;
    private final Object2IntHashMap<MemberId> indexById;
    /** Origin id to ring index, open addressing over primitive arrays: one lookup touches two cache lines. */
    private final long[] originIdSlots;
    private final int[] ringIndexSlots;
    private final Map<PublicKey, int[]> indicesByKey;
    private final Map<Endpoint, Member> byEndpoint;

    private DirectorySnapshot(final long height, final Member[] sorted)
    {
        this.height = height;
        this.members = sorted;
        final int capacity = Math.max(8, sorted.length * 2);
        this.indexById = new Object2IntHashMap<>(capacity, 0.65f, -1);
        final int slots = BitUtil.findNextPositivePowerOfTwo(capacity);
        this.originIdSlots = new long[slots];
        this.ringIndexSlots = new int[slots];
        Arrays.fill(ringIndexSlots, -1);
        this.byEndpoint = new HashMap<>(capacity);
        final Map<PublicKey, int[]> byKey = new HashMap<>();
        for (int i = 0; i < sorted.length; i++)
        {
            final Member member = sorted[i];
            if (-1 != indexById.putIfAbsent(member.id(), i))
            {
                throw new IllegalArgumentException("duplicate collateral " + member.id() + " at height " + height);
            }
            if (!putOriginIndex(member.originId(), i))
            {
                throw new IllegalArgumentException("originId collision " + Long.toHexString(member.originId()) +
                    " for " + member.id() + " at height " + height);
            }
            if (null != byEndpoint.putIfAbsent(member.endpoint(), member))
            {
                throw new IllegalArgumentException("endpoint " + member.endpoint() + " of " + member.id() +
                    " is already listed for " + byEndpoint.get(member.endpoint()).id() + " at height " + height);
            }
            byKey.merge(member.publicKey(), new int[]{i}, DirectorySnapshot::append);
        }
        this.indicesByKey = byKey;
    }

    private boolean putOriginIndex(final long originId, final int ringIndex)
    {
        final int mask = originIdSlots.length - 1;
        for (int slot = originSlot(originId, mask); ; slot = (slot + 1) & mask)
        {
            if (ringIndexSlots[slot] < 0)
            {
                originIdSlots[slot] = originId;
                ringIndexSlots[slot] = ringIndex;
                return true;
            }
            if (originIdSlots[slot] == originId)
            {
                return false;
            }
        }
    }

    private static int originSlot(final long originId, final int mask)
    {
        // Origin ids are hash output already; the multiply keeps a crafted id set from sharing one probe run.
        final long h = originId * 0x9E3779B97F4A7C15L;
        return (int)(h ^ (h >>> 32)) & mask;
    }

    private static int[] append(final int[] indices, final int[] one)
    {
        final int[] grown = Arrays.copyOf(indices, indices.length + 1);
        grown[indices.length] = one[0];
        return grown;
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
     * @throws IllegalArgumentException if the height is negative or collaterals, endpoints or origin ids repeat.
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
     * @param id a collateral.
     * @return its ring index, or -1 if not a member.
     */
    public int indexOf(final MemberId id)
    {
        return indexById.getValue(id);
    }

    /**
     * @param id a collateral.
     * @return the member, or null.
     */
    public Member find(final MemberId id)
    {
        final int index = indexOf(id);
        return index < 0 ? null : members[index];
    }

    /**
     * @param id a collateral.
     * @return true if it is a confirmed member.
     */
    public boolean contains(final MemberId id)
    {
        return indexOf(id) >= 0;
    }

    /**
     * @param publicKey a key.
     * @return the members listed with that key, in ring order (empty when none).
     */
    public List<Member> membersWithKey(final PublicKey publicKey)
    {
        final int[] indices = indicesByKey.getOrDefault(publicKey, NO_INDICES);
        final List<Member> result = new ArrayList<>(indices.length);
        for (final int index : indices)
        {
            result.add(members[index]);
        }
        return result;
    }

    /**
     * @param publicKey a key.
     * @return true if at least one member is listed with it.
     */
    public boolean hasKey(final PublicKey publicKey)
    {
        return indicesByKey.containsKey(publicKey);
    }

    /**
     * @return how many distinct public keys the members hold.
     */
    public int distinctKeys()
    {
        return indicesByKey.size();
    }

    /**
     * @param listed a listed endpoint (host and FluxOS API port).
     * @return the member listed there, or null.
     */
    public Member findByEndpoint(final Endpoint listed)
    {
        return byEndpoint.get(listed);
    }

    /**
     * Allocation-free lookup for the hot path.
     *
     * @param originId an 8-byte origin id.
     * @return the member, or null.
     */
    public Member findByOriginId(final long originId)
    {
        final int index = indexOfOriginId(originId);
        return index < 0 ? null : members[index];
    }

    /**
     * Allocation-free lookup for the hot path: the ring index of the member with this origin id, which then
     * indexes per-member state kept in arrays for this snapshot.
     *
     * @param originId an 8-byte origin id.
     * @return its ring index, or -1 if no member has it.
     */
    public int indexOfOriginId(final long originId)
    {
        final long[] ids = originIdSlots;
        final int[] indices = ringIndexSlots;
        final int mask = ids.length - 1;
        for (int slot = originSlot(originId, mask); ; slot = (slot + 1) & mask)
        {
            final int index = indices[slot];
            if (index < 0 || ids[slot] == originId)
            {
                return index;
            }
        }
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
            final Member old = previous.find(member.id());
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
            if (!contains(old.id()))
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
