package io.chainmesh.chain;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of parsing one node list: the accepted members, and the rejected entries counted by
 * reason with a bounded list of examples. Immutable.
 *
 * @param members           accepted members, in input order (use {@link #toSnapshot(long)} for ring order).
 * @param entryCount        number of array elements read.
 * @param rejectionCounts   number of rejected entries per reason (reasons with no rejection are absent).
 * @param rejectionExamples the first rejected entries, bounded by the parser's setting.
 * @param height            the envelope's {@code "height"} field, or -1 when absent.
 */
public record ParseResult(
    List<Member> members,
    int entryCount,
    Map<RejectReason, Integer> rejectionCounts,
    List<Rejection> rejectionExamples,
    long height)
{
    /**
     * Copies the collections.
     *
     * @param members           as in the record.
     * @param entryCount        as in the record.
     * @param rejectionCounts   as in the record.
     * @param rejectionExamples as in the record.
     * @param height            as in the record.
     */
    public ParseResult
    {
        members = List.copyOf(members);
        rejectionCounts = rejectionCounts.isEmpty() ?
            Map.of() : Collections.unmodifiableMap(new EnumMap<>(rejectionCounts));
        rejectionExamples = List.copyOf(rejectionExamples);
    }

    /**
     * @return total number of rejected entries.
     */
    public int rejectedCount()
    {
        int total = 0;
        for (final int count : rejectionCounts.values())
        {
            total += count;
        }
        return total;
    }

    /**
     * @param reason a reason.
     * @return how many entries were rejected for it.
     */
    public int rejected(final RejectReason reason)
    {
        return rejectionCounts.getOrDefault(reason, 0);
    }

    /**
     * @param snapshotHeight the chain height the list was read at.
     * @return the members as an ordered snapshot.
     */
    public DirectorySnapshot toSnapshot(final long snapshotHeight)
    {
        return DirectorySnapshot.of(snapshotHeight, members);
    }
}
