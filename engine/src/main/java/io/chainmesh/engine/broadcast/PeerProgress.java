package io.chainmesh.engine.broadcast;

import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongArrayList;
import org.agrona.collections.LongObjConsumer;
import org.agrona.collections.Object2ObjectHashMap;

import java.util.function.LongPredicate;
import java.util.function.Predicate;

/**
 * What each linked peer last said of its progress, per origin. Digests carry only what changed since the
 * sender's last digest to us, so a peer's word stands until it says otherwise or its link closes; each
 * interval the word on the origins where it can still lead to a decision ({@link OriginStream#wantsPeersWord})
 * is replayed to the {@link RepairRequester}, as a full digest used to be. Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class PeerProgress<P>
{
    /** One peer's word: contiguous and highest by origin. */
    static final class View
    {
        private final Long2LongHashMap contiguous = new Long2LongHashMap(-1);
        private final Long2LongHashMap highest = new Long2LongHashMap(-1);
        private boolean resyncWanted;

        void record(final long originId, final long contiguousSeq, final long highestSeq)
        {
            contiguous.put(originId, contiguousSeq);
            highest.put(originId, highestSeq);
        }

        long contiguous(final long originId)
        {
            return contiguous.get(originId);
        }

        /** @return what it said its highest is, -1 if it said nothing of that origin. */
        long highest(final long originId)
        {
            return highest.get(originId);
        }

        int size()
        {
            return highest.size();
        }
    }

    private final Object2ObjectHashMap<P, View> views = new Object2ObjectHashMap<>();
    private final LongArrayList best = new LongArrayList();
    private final Predicate<P> disconnected;
    private final LongObjConsumer<OriginStream<P>> collect = this::collect;
    private LongPredicate collectInclude;
    private LongArrayList collectInto;
    private long collectNow;

    /** @param out the port: the word of peers no longer linked is dropped each interval. */
    PeerProgress(final Outbound<P> out)
    {
        this.disconnected = peer -> !out.isConnected(peer);
    }

    /**
     * A digest from a peer begins.
     *
     * @param from   the peer.
     * @param full   it says everything it holds: what it said before is dropped.
     * @param legacy it lists every origin each time (the per-origin message form), so it needs no resync.
     * @return its view, to {@link View#record} the digest's entries in.
     */
    View onDigest(final P from, final boolean full, final boolean legacy)
    {
        View view = views.get(from);
        if (null == view)
        {
            view = new View();
            views.put(from, view);
            // We hold nothing of it and this is not everything: ask for everything (our next digest says resync).
            view.resyncWanted = !full && !legacy;
        }
        else if (full)
        {
            view.contiguous.clear();
            view.highest.clear();
            view.resyncWanted = false;
        }
        return view;
    }

    /**
     * @param peer     a peer.
     * @param originId an origin.
     * @param seq      a batch sequence.
     * @return true if the peer's word is that it holds every batch of that origin up to {@code seq} (its vouched
     *         contiguous mark is at or past it).
     */
    boolean holds(final P peer, final long originId, final long seq)
    {
        final View view = views.get(peer);
        return null != view && view.contiguous(originId) >= seq;
    }

    /**
     * @param peer a peer.
     * @return true if we hold no full word of it and should ask it for one.
     */
    boolean resyncWanted(final P peer)
    {
        final View view = views.get(peer);
        return null != view && view.resyncWanted;
    }

    /** @param peer a peer that was sent our request for a full digest. */
    void resyncAsked(final P peer)
    {
        final View view = views.get(peer);
        if (null != view)
        {
            view.resyncWanted = false;
        }
    }

    /**
     * @param peer a peer.
     * @return its view, or null.
     */
    View viewOf(final P peer)
    {
        return views.get(peer);
    }

    /** @param departed origins no longer members: forgotten from every peer's word. */
    void forgetOrigins(final LongPredicate departed)
    {
        for (final View view : views.values())
        {
            view.highest.keySet().removeIf(departed::test);
            view.contiguous.keySet().removeIf(departed::test);
        }
    }

    /** The word of peers no longer linked is dropped (they resend everything when back). */
    void forgetDisconnected()
    {
        if (!views.isEmpty())
        {
            views.keySet().removeIf(disconnected);
        }
    }

    /**
     * Replays the linked peers' standing word on the origins that want it, as if each had just sent a digest.
     *
     * @param candidates origins whose stream {@link OriginStream#wantsPeersWord wants peers' word} (members, not us).
     * @param streams    the streams.
     * @param requester  the requester.
     * @param peers      the linked peers.
     * @param now        the monotonic clock.
     */
    void replay(
        final LongArrayList candidates,
        final OriginStreams<P> streams,
        final RepairRequester<P> requester,
        final P[] peers,
        final long now)
    {
        final int n = candidates.size();
        best.clear();
        for (int i = 0; i < n; i++)
        {
            best.addLong(-1);
        }
        for (final P peer : peers)
        {
            final View view = views.get(peer);
            if (null == view)
            {
                continue;
            }
            for (int i = 0; i < n; i++)
            {
                final long originId = candidates.getLong(i);
                final long highest = view.highest(originId);
                if (highest >= 0)
                {
                    best.setLong(i, Math.max(best.getLong(i), highest));
                    requester.onProgress(peer, originId, streams.get(originId), view.contiguous(originId), highest, now);
                }
            }
            requester.endDigest(peer);
        }
        for (int i = 0; i < n; i++)
        {
            streams.get(candidates.getLong(i)).bestOffered = best.getLong(i);
        }
    }

    /**
     * @param streams    the streams.
     * @param include    which origins may be candidates (members other than us).
     * @param candidates filled with the origins that want peers' word now.
     * @param now        the monotonic clock: our highest is sampled here too (a tail is in flight while it moves).
     */
    void collectCandidates(
        final OriginStreams<P> streams, final LongPredicate include, final LongArrayList candidates, final long now)
    {
        candidates.clear();
        collectInclude = include;
        collectInto = candidates;
        collectNow = now;
        streams.forEachStream(collect);
        collectInclude = null;
        collectInto = null;
    }

    private void collect(final long originId, final OriginStream<P> stream)
    {
        if (stream.window.highest() != stream.lastHighest)
        {
            stream.lastHighest = stream.window.highest();
            stream.highestMoved = collectNow;
        }
        if (stream.wantsPeersWord() && collectInclude.test(originId))
        {
            collectInto.addLong(originId);
        }
    }
}
