package io.chainmesh.engine.broadcast;

import org.agrona.collections.Long2ObjectHashMap;

import java.util.function.LongPredicate;

/**
 * The commit stage's replay windows as the verify workers see them, so a copy of a batch already
 * committed is not verified again (flooding, overlapping repair). The map is copied on write by the
 * commit thread (once per origin joining or leaving, never per batch) and published through a
 * volatile field; readers only call {@link ReplayWindow#isKnownDuplicate(long)}, which may err only
 * towards verifying.
 */
final class SeenWindows
{
    private volatile Long2ObjectHashMap<ReplayWindow> windows = new Long2ObjectHashMap<>();

    /**
     * Commit thread only.
     *
     * @param originId origin.
     * @param window   its window.
     */
    void add(final long originId, final ReplayWindow window)
    {
        final Long2ObjectHashMap<ReplayWindow> copy = new Long2ObjectHashMap<>(windows);
        copy.put(originId, window);
        windows = copy;
    }

    /**
     * Commit thread only.
     *
     * @param gone which origins to forget.
     */
    void removeIf(final LongPredicate gone)
    {
        final Long2ObjectHashMap<ReplayWindow> copy = new Long2ObjectHashMap<>(windows);
        if (copy.keySet().removeIf(originId -> gone.test(originId)))
        {
            windows = copy;
        }
    }

    /**
     * Any thread.
     *
     * @param originId origin.
     * @param seq      batch sequence.
     * @return true if that batch is known to be committed already.
     */
    boolean isKnownDuplicate(final long originId, final long seq)
    {
        final ReplayWindow window = windows.get(originId);
        return null != window && window.isKnownDuplicate(seq);
    }
}
