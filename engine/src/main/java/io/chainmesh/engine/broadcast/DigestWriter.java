package io.chainmesh.engine.broadcast;

import com.google.protobuf.ByteString;
import io.chainmesh.codec.control.Digest;
import io.chainmesh.codec.control.DigestProgress;
import io.chainmesh.codec.frame.FrameType;
import org.agrona.collections.LongArrayList;
import org.agrona.collections.LongObjConsumer;
import org.agrona.collections.Object2LongHashMap;

import java.util.ArrayList;
import java.util.function.Predicate;

/**
 * Our digests. A peer is told only the origins whose progress changed since our last digest it took
 * (everything, in as many frames as needed, the first time after its link opens or when it asks for a resync),
 * and nothing at all when there is nothing to say: steady-state digest bytes follow what changes, not how many
 * origins exist. The progress is packed ({@link DigestProgress}), with no message object per origin.
 * <p>
 * Full digests, resyncs and, while our forwards are backed up, every peer go out each interval. Otherwise the
 * changes travel round the peers in turn: a fixed number of peers per second (the fanout), and besides as many
 * as digest bytes worth {@code 1 / }{@link #DATA_SHARE} of the batch bytes committed meanwhile pay for. Each
 * catch-up carries every origin that changed since that peer's previous one, so changes that pile up between two
 * turns cost one entry per origin, and the bytes per second follow the fanout and the load, not how many links we
 * hold. A member still hears some peer's word at least fanout times per second (what finds a batch the tree
 * lost), and under load, when little retention time is left to repair a loss in, many times more. Commit thread
 * only.
 *
 * @param <P> how a peer is identified.
 */
final class DigestWriter<P>
{
    /** Origins per DIGEST frame at most, so a frame stays far below a link's largest record. */
    static final int MAX_ORIGINS_PER_FRAME = 2048;
    /** What one catch-up of one peer costs in {@link #creditPerInterval} units (thousandths of a peer). */
    static final long PEER_COST = 1000;
    /** Under load, digest bytes in turn up to this fraction of the batch bytes committed add to the fanout. */
    static final int DATA_SHARE = 8;
    /** Every peer every interval: the fanout of a writer built without one. */
    static final long EVERY_PEER = Long.MAX_VALUE / 4;
    private static final long NEVER = RepairTimings.NEVER;

    private final Outbound<P> out;
    private final ControlFrames<P> control;
    private final Object2LongHashMap<P> sentInterval = new Object2LongHashMap<>(NEVER);
    private final LongArrayList changed = new LongArrayList();
    private final ArrayList<P> upToDate = new ArrayList<>();
    private final byte[] packed = new byte[MAX_ORIGINS_PER_FRAME * DigestProgress.MAX_ENTRY_LENGTH];
    private final long creditPerInterval;
    private long credit;
    private long byteCredit;
    private int cursor;
    private long lastChangeInterval = NEVER;
    private long interval;
    private long bytesSent;
    /** Bound once, so an interval allocates no lambda. */
    private final LongObjConsumer<OriginStream<P>> markChanged = this::markChanged;
    private final LongObjConsumer<OriginStream<P>> putSince = this::putSince;
    /** The digest {@link #sendSince} is writing: fields, so walking the streams allocates nothing. */
    private P sincePeer;
    private long sinceInterval;
    private boolean sinceFull;
    private boolean sinceResync;
    private boolean sinceBackedUp;
    private int sinceEntries;
    private int sinceLength;
    private boolean sinceFirst;
    private boolean sinceFailed;
    private final Predicate<P> disconnected;

    /**
     * A writer that tells every peer every interval.
     *
     * @param out     the port.
     * @param control encodes control frames.
     */
    DigestWriter(final Outbound<P> out, final ControlFrames<P> control)
    {
        this(out, control, EVERY_PEER);
    }

    /**
     * @param out               the port.
     * @param control           encodes control frames.
     * @param creditPerInterval catch-ups per interval in thousandths of a peer ({@link #credit(int, long)}).
     */
    DigestWriter(final Outbound<P> out, final ControlFrames<P> control, final long creditPerInterval)
    {
        this.out = out;
        this.control = control;
        this.creditPerInterval = creditPerInterval;
        this.disconnected = peer -> !out.isConnected(peer);
    }

    /**
     * @param peersPerSecond  catch-ups sent per second.
     * @param intervalMillis  the digest interval.
     * @return the credit per interval, in thousandths of a peer.
     */
    static long credit(final int peersPerSecond, final long intervalMillis)
    {
        return (long)peersPerSecond * intervalMillis;
    }

    /** @param peer it asked for everything (it holds nothing of our word). */
    void resendFull(final P peer)
    {
        sentInterval.removeKey(peer);
    }

    /** @return DIGEST bytes sent so far (frames taken by the links). */
    long bytesSent()
    {
        return bytesSent;
    }

    /**
     * One digest interval.
     *
     * @param streams  our streams.
     * @param backedUp our forwards are backed up (neighbours pause while we say so, so it is always said).
     * @param progress what we hold of peers' word: a peer we need a full digest from is asked for one.
     */
    void onInterval(final OriginStreams<P> streams, final boolean backedUp, final PeerProgress<P> progress)
    {
        onInterval(streams, backedUp, progress, 0);
    }

    /**
     * One digest interval.
     *
     * @param streams        our streams.
     * @param backedUp       our forwards are backed up (neighbours pause while we say so, so it is always said).
     * @param progress       what we hold of peers' word: a peer we need a full digest from is asked for one.
     * @param committedBytes batch bytes committed since the previous interval.
     */
    void onInterval(
        final OriginStreams<P> streams, final boolean backedUp, final PeerProgress<P> progress, final long committedBytes)
    {
        interval++;
        changed.clear();
        streams.forEachStream(markChanged);
        if (!changed.isEmpty())
        {
            lastChangeInterval = interval;
        }
        final P[] peers = out.connectedPeers();
        upToDate.clear();
        final boolean everyPeer = backedUp || creditPerInterval >= EVERY_PEER;
        for (final P peer : peers)
        {
            final boolean resync = progress.resyncWanted(peer);
            final long since = sentInterval.getValue(peer);
            if (since == NEVER || resync)
            {
                catchUp(peer, since, streams, backedUp, resync, progress);
            }
            else if (everyPeer)
            {
                if (since == interval - 1)
                {
                    upToDate.add(peer);
                }
                else
                {
                    catchUp(peer, since, streams, backedUp, false, progress);
                }
            }
        }
        if (everyPeer)
        {
            sendChanged(streams, backedUp);
        }
        else
        {
            catchUpInTurn(peers, streams, progress, committedBytes / DATA_SHARE);
        }
        sentInterval.keySet().removeIf(disconnected);
    }

    /**
     * The next peers in turn that have not heard our latest changes get them, as many as the credit pays for.
     * Credit does not pile up while nobody is behind, so a burst after a quiet spell goes out at the same pace.
     */
    private void catchUpInTurn(
        final P[] peers, final OriginStreams<P> streams, final PeerProgress<P> progress, final long byteGain)
    {
        final int n = peers.length;
        credit = Math.min(credit + creditPerInterval, Math.max(PEER_COST, creditPerInterval));
        // An overdraft (the last turn cost more than was left) is paid back first; a surplus is not saved up.
        byteCredit = Math.min(byteCredit + byteGain, byteGain);
        int visited = 0;
        while ((credit >= PEER_COST || byteCredit > 0) && visited < n)
        {
            final int index = (cursor + visited) % n;
            visited++;
            final P peer = peers[index];
            final long since = sentInterval.getValue(peer);
            if (since != NEVER && since < lastChangeInterval)
            {
                final long before = bytesSent;
                catchUp(peer, since, streams, false, false, progress);
                if (byteCredit > 0)
                {
                    byteCredit -= bytesSent - before;
                }
                else
                {
                    credit -= PEER_COST;
                }
            }
        }
        cursor = n == 0 ? 0 : (cursor + visited) % n;
    }

    private void catchUp(
        final P peer, final long since, final OriginStreams<P> streams, final boolean backedUp, final boolean resync,
        final PeerProgress<P> progress)
    {
        if (sendSince(peer, since, streams, backedUp, resync))
        {
            sentInterval.put(peer, interval);
            if (resync)
            {
                progress.resyncAsked(peer);
            }
        }
    }

    private void markChanged(final long originId, final OriginStream<P> stream)
    {
        final long highest = stream.window.highest();
        final long contiguous = stream.vouchedContiguous();
        if (highest >= 0 && (highest != stream.advertisedHighest || contiguous != stream.advertisedContiguous))
        {
            stream.advertisedHighest = highest;
            stream.advertisedContiguous = contiguous;
            stream.changedEpoch = interval;
            changed.addLong(originId);
        }
    }

    /** The common case: peers that took our last digest get this interval's changes, encoded once. */
    private void sendChanged(final OriginStreams<P> streams, final boolean backedUp)
    {
        if (upToDate.isEmpty())
        {
            return;
        }
        final int n = changed.size();
        int from = 0;
        do
        {
            final int to = Math.min(n, from + MAX_ORIGINS_PER_FRAME);
            int length = 0;
            for (int i = from; i < to; i++)
            {
                final long originId = changed.getLong(i);
                final OriginStream<P> stream = streams.get(originId);
                length = DigestProgress.put(packed, length, originId, stream.advertisedContiguous, stream.advertisedHighest);
            }
            if (to > from || backedUp)
            {
                final int frameLength = encode(length, false, false, backedUp);
                for (int p = upToDate.size() - 1; p >= 0; p--)
                {
                    if (!send(upToDate.get(p), frameLength))
                    {
                        upToDate.remove(p);
                    }
                }
            }
            from = to;
        }
        while (from < n);
        for (final P peer : upToDate)
        {
            sentInterval.put(peer, interval);
        }
    }

    /** @return true if the peer now holds everything said since {@code since} (all of it if {@link #NEVER}). */
    private boolean sendSince(
        final P peer, final long since, final OriginStreams<P> streams, final boolean backedUp, final boolean resync)
    {
        final boolean full = since == NEVER;
        sincePeer = peer;
        sinceInterval = since;
        sinceFull = full;
        sinceResync = resync;
        sinceBackedUp = backedUp;
        sinceEntries = 0;
        sinceLength = 0;
        sinceFirst = true;
        sinceFailed = false;
        streams.forEachStream(putSince);
        sincePeer = null;
        if (sinceFailed)
        {
            return false;
        }
        if (sinceLength > 0 || backedUp || resync)
        {
            return send(peer, encode(sinceLength, full && sinceFirst, resync, backedUp));
        }
        // Nothing to say; a first full digest waits until there is something in it.
        return !full || sinceEntries > 0;
    }

    private void putSince(final long originId, final OriginStream<P> stream)
    {
        if (sinceFailed || stream.advertisedHighest < 0 || !sinceFull && stream.changedEpoch <= sinceInterval)
        {
            return;
        }
        sinceLength = DigestProgress.put(packed, sinceLength, originId, stream.advertisedContiguous,
            stream.advertisedHighest);
        if (++sinceEntries % MAX_ORIGINS_PER_FRAME == 0)
        {
            sinceFailed = !send(sincePeer, encode(sinceLength, sinceFull && sinceFirst, sinceResync, sinceBackedUp));
            sinceFirst = false;
            sinceLength = 0;
        }
    }

    private int encode(final int progressLength, final boolean full, final boolean resync, final boolean backedUp)
    {
        return control.encode(FrameType.DIGEST, Digest.newBuilder()
            .setProgress(ByteString.copyFrom(packed, 0, progressLength))
            .setFull(full)
            .setResync(resync)
            .setForwardsBackedUp(backedUp)
            .build());
    }

    private boolean send(final P peer, final int frameLength)
    {
        if (out.send(peer, control.buffer(), 0, frameLength) == LinkSender.SENT)
        {
            bytesSent += frameLength;
            return true;
        }
        return false;
    }
}
