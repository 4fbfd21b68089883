package io.chainmesh.engine.broadcast;

import io.chainmesh.chain.DirectorySnapshot;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongObjConsumer;

import java.util.function.LongPredicate;

/**
 * Every origin's {@link OriginStream}, by origin id; each window is published to the verify workers
 * through {@link SeenWindows} when the origin joins. Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class OriginStreams<P>
{
    private final Long2ObjectHashMap<OriginStream<P>> byOrigin = new Long2ObjectHashMap<>();
    /** The streams by ring index in {@link #indexedDirectory}, filled as origins are met (hash-free hot path). */
    private OriginStream<P>[] byRingIndex;
    private DirectorySnapshot indexedDirectory;
    private final int windowBits;
    private final SeenWindows seen;

    OriginStreams(final int windowBits, final SeenWindows seen)
    {
        this.windowBits = windowBits;
        this.seen = seen;
    }

    /**
     * @param originId an origin.
     * @return its stream, created (and published to the verify workers) if new.
     */
    OriginStream<P> getOrCreate(final long originId)
    {
        OriginStream<P> stream = byOrigin.get(originId);
        if (null == stream)
        {
            stream = new OriginStream<>(windowBits);
            byOrigin.put(originId, stream);
            seen.add(originId, stream.window);
        }
        return stream;
    }

    /**
     * {@link #getOrCreate(long)} through an array indexed by the origin's ring index, rebuilt when the snapshot
     * changes: after an origin's first batch in a snapshot, finding its stream reads one array slot.
     *
     * @param originId  an origin.
     * @param directory the snapshot {@code ringIndex} is in.
     * @param ringIndex the origin's ring index in {@code directory}.
     * @return its stream, created (and published to the verify workers) if new.
     */
    @SuppressWarnings("unchecked")
    OriginStream<P> getOrCreate(final long originId, final DirectorySnapshot directory, final int ringIndex)
    {
        if (directory != indexedDirectory)
        {
            byRingIndex = (OriginStream<P>[])new OriginStream<?>[directory.size()];
            indexedDirectory = directory;
        }
        OriginStream<P> stream = byRingIndex[ringIndex];
        if (null == stream)
        {
            stream = getOrCreate(originId);
            byRingIndex[ringIndex] = stream;
        }
        return stream;
    }

    /**
     * @param originId an origin.
     * @return its stream, or null.
     */
    OriginStream<P> get(final long originId)
    {
        return byOrigin.get(originId);
    }

    boolean isEmpty()
    {
        return byOrigin.isEmpty();
    }

    /**
     * @param departed origins no longer members.
     * @param retention where their batches are dropped too.
     */
    void forgetDeparted(final LongPredicate departed, final RetentionBuffer retention)
    {
        indexedDirectory = null;
        byRingIndex = null;
        byOrigin.keySet().removeIf(originId ->
        {
            final boolean gone = departed.test(originId);
            if (gone)
            {
                retention.forgetOrigin(originId);
            }
            return gone;
        });
        seen.removeIf(departed);
    }

    /** @param action applied to each origin id and its stream, without boxing. */
    void forEachStream(final LongObjConsumer<OriginStream<P>> action)
    {
        byOrigin.forEachLong(action);
    }
}
