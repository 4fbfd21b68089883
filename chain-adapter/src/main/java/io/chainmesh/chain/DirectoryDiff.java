package io.chainmesh.chain;

import java.util.List;

/**
 * What changed between two snapshots. Lists are immutable and in the newer snapshot's order
 * (left members in the older snapshot's order).
 *
 * @param fromHeight height of the older snapshot.
 * @param toHeight   height of the newer snapshot.
 * @param joined     members in the newer snapshot only.
 * @param left       members in the older snapshot only.
 * @param changed    members in both whose entry differs (the newer entry is listed).
 */
public record DirectoryDiff(long fromHeight, long toHeight, List<Member> joined, List<Member> left, List<Member> changed)
{
    /**
     * Copies the lists.
     *
     * @param fromHeight as in the record.
     * @param toHeight   as in the record.
     * @param joined     as in the record.
     * @param left       as in the record.
     * @param changed    as in the record.
     */
    public DirectoryDiff
    {
        joined = List.copyOf(joined);
        left = List.copyOf(left);
        changed = List.copyOf(changed);
    }

    /**
     * @return true if nothing joined, left or changed.
     */
    public boolean isEmpty()
    {
        return joined.isEmpty() && left.isEmpty() && changed.isEmpty();
    }
}
