package io.chainmesh.sim;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.engine.broadcast.CommitStage;
import io.chainmesh.engine.broadcast.LinkSender;
import io.chainmesh.engine.transport.HeartbeatMonitor;
import org.agrona.DirectBuffer;

import java.util.Arrays;

/**
 * One simulated member: the engine's {@link CommitStage} and the member's side of its overlay links (state per
 * neighbour, in the order of {@link #neighbours}), its CPU (work is queued and served in order, each item
 * costing simulated time) and its uplink (one FIFO at the member's bandwidth). It is the stage's
 * {@link LinkSender}; sends go to the {@link Network}.
 */
final class SimNode implements LinkSender
{
    private static final MemberId[] NONE = new MemberId[0];

    final int index;
    final MemberId id;
    /** The neighbours' indices (sorted): the overlay's links of the member's snapshot, and inbound links kept. */
    int[] neighbours;
    /** The neighbours' ids, the directory's own instances: the engine hands them back, so a reference scan finds them. */
    private MemberId[] neighbourIds;
    boolean[] dials;
    boolean[] up;
    int[] epoch;
    long[] lastArrival;
    int[] dialFailures;
    boolean[] dialPending;
    HeartbeatMonitor[] monitors;
    /** Something arrived on the link since its previous heartbeat tick (what the engine counts as the peer heard). */
    boolean[] heard;
    LinkQueue[] queues;
    private final Network network;
    /** What byzantine members do instead (set for every member; used by byzantine ones only). */
    Byzantine byzantine;
    /** Every member of the run, listed now or later: indices here are the simulator's member numbers. */
    private final DirectorySnapshot universe;
    private MemberId[] connected = NONE;
    private boolean connectedStale = true;

    /** The node list this member holds now (the commit stage reads it through its supplier). */
    DirectorySnapshot snapshot;
    CommitStage stage;
    boolean alive = true;
    boolean downFromStart;
    boolean publisher;
    /** Byzantine: answers every WANT with a WANT_MISS saying all of it is gone. */
    boolean liar;
    /** Byzantine: forwards every batch with an explicit range narrower than the receiver's. */
    boolean narrower;
    /** Byzantine: sends WANTs for everything (scheduled by Faults). */
    boolean flooder;
    /** Byzantine: genuine batch frames kept to replay, and how many were seen. */
    byte[][] captured;
    int capturedCount;
    boolean replayer;
    /** Joins the list at a later block (not up before it sees that block). */
    boolean joiner;
    /** When a joiner came up (it saw the block listing it), -1 if it never did or is not a joiner. */
    long joinedAt = -1;
    /** The block time the list stopped listing this member, -1 if it never left. */
    long leftAt = -1;
    int incarnation;
    long lastStatelessRestart = -1;
    long cpuFreeAt;
    int ingressDepth;
    int maxIngressDepth;
    long uplinkFreeAt;
    long maxUplinkBacklogNanos;
    double nanosPerByte;

    SimNode(final int index, final DirectorySnapshot universe, final int[] neighbours, final boolean[] dials,
        final Network network)
    {
        this.index = index;
        this.id = universe.member(index).id();
        this.universe = universe;
        this.snapshot = universe;
        this.network = network;
        reshape(neighbours, dials);
    }

    /**
     * Takes a new set of neighbours, keeping the link state of those it had (a new snapshot moves the overlay: a
     * link both snapshots expect stays up).
     *
     * @param peers     member indices, sorted.
     * @param dialFlags whether this member dials each.
     */
    void reshape(final int[] peers, final boolean[] dialFlags)
    {
        final int n = peers.length;
        final boolean[] newUp = new boolean[n];
        final int[] newEpoch = new int[n];
        final long[] newLastArrival = new long[n];
        final int[] newDialFailures = new int[n];
        final boolean[] newDialPending = new boolean[n];
        final HeartbeatMonitor[] newMonitors = new HeartbeatMonitor[n];
        final boolean[] newHeard = new boolean[n];
        final LinkQueue[] newQueues = new LinkQueue[n];
        final MemberId[] newIds = new MemberId[n];
        for (int slot = 0; slot < n; slot++)
        {
            newIds[slot] = universe.member(peers[slot]).id();
            final int old = null == neighbours ? -1 : Arrays.binarySearch(neighbours, peers[slot]);
            if (old >= 0)
            {
                newUp[slot] = up[old];
                newEpoch[slot] = epoch[old];
                newLastArrival[slot] = lastArrival[old];
                newDialFailures[slot] = dialFailures[old];
                newDialPending[slot] = dialPending[old];
                newMonitors[slot] = monitors[old];
                newHeard[slot] = heard[old];
                newQueues[slot] = queues[old];
            }
        }
        this.neighbours = peers;
        this.dials = dialFlags;
        this.up = newUp;
        this.epoch = newEpoch;
        this.lastArrival = newLastArrival;
        this.dialFailures = newDialFailures;
        this.dialPending = newDialPending;
        this.heard = newHeard;
        this.monitors = newMonitors;
        this.queues = newQueues;
        this.neighbourIds = newIds;
        linksChanged();
    }

    /**
     * A peer this member's overlay does not expect connected in: it gets a slot (an inbound link the member keeps).
     *
     * @param peer the member that dialled.
     * @return its slot.
     */
    int ensureSlot(final int peer)
    {
        final int found = slotOf(peer);
        if (found >= 0)
        {
            return found;
        }
        final int at = -found - 1;
        final int[] peers = new int[neighbours.length + 1];
        final boolean[] dialFlags = new boolean[peers.length];
        System.arraycopy(neighbours, 0, peers, 0, at);
        System.arraycopy(neighbours, at, peers, at + 1, neighbours.length - at);
        System.arraycopy(dials, 0, dialFlags, 0, at);
        System.arraycopy(dials, at, dialFlags, at + 1, neighbours.length - at);
        peers[at] = peer;
        reshape(peers, dialFlags);
        return at;
    }

    /** @return true if this member's list has both it and the dialling member (the handshake's listing check). */
    boolean accepts(final SimNode dialler)
    {
        return alive && snapshot.contains(id) && snapshot.contains(dialler.id);
    }

    private int slotOf(final MemberId peer)
    {
        for (int slot = 0; slot < neighbourIds.length; slot++)
        {
            if (neighbourIds[slot] == peer)
            {
                return slot;
            }
        }
        final int member = universe.indexOf(peer);
        return member < 0 ? -1 : slotOf(member);
    }

    /** @return the slot of a neighbour in this member's link arrays, or a negative number if it is none. */
    int slotOf(final int member)
    {
        return Arrays.binarySearch(neighbours, member);
    }

    void linksChanged()
    {
        connectedStale = true;
    }

    int upLinks()
    {
        int count = 0;
        for (final boolean linked : up)
        {
            count += linked ? 1 : 0;
        }
        return count;
    }

    @Override
    public int send(final MemberId peer, final DirectBuffer frame, final int offset, final int length)
    {
        final int slot = slotOf(peer);
        if (slot < 0 || !up[slot])
        {
            return NOT_CONNECTED;
        }
        if (narrower)
        {
            return byzantine.narrowed(this, slot, frame, offset, length);
        }
        return network.transmit(this, slot, frame, offset, length);
    }

    @Override
    public void flush()
    {
    }

    @Override
    public MemberId[] connectedPeers()
    {
        if (connectedStale)
        {
            connectedStale = false;
            final int count = upLinks();
            final MemberId[] peers = count == 0 ? NONE : new MemberId[count];
            for (int slot = 0, w = 0; slot < neighbours.length; slot++)
            {
                if (up[slot])
                {
                    peers[w++] = neighbourIds[slot];
                }
            }
            connected = peers;
        }
        return connected;
    }

    @Override
    public boolean isConnected(final MemberId peer)
    {
        final int slot = slotOf(peer);
        return slot >= 0 && up[slot];
    }

    @Override
    public long rttNanos(final MemberId peer)
    {
        final int slot = slotOf(peer);
        return slot < 0 || !up[slot] || null == monitors[slot] ? -1 : monitors[slot].rttEwmaNs();
    }

    @Override
    public void closePeer(final MemberId peer, final CloseReason reason, final String text)
    {
        final int slot = slotOf(peer);
        if (slot >= 0 && up[slot])
        {
            network.close(this, slot, reason.name());
        }
    }

    /**
     * What this member's link to one neighbour has queued and not yet put on the wire: departure times and
     * lengths in a growable ring, so the bytes pending at any time are known without an event per departure.
     */
    static final class LinkQueue
    {
        private long[] departAt = new long[16];
        private int[] length = new int[16];
        private int head;
        private int size;
        long pendingBytes;

        void purge(final long now)
        {
            while (size > 0 && departAt[head] <= now)
            {
                pendingBytes -= length[head];
                head = (head + 1) & (departAt.length - 1);
                size--;
            }
        }

        void add(final long at, final int bytes)
        {
            if (size == departAt.length)
            {
                final long[] times = new long[size * 2];
                final int[] lengths = new int[size * 2];
                for (int i = 0; i < size; i++)
                {
                    times[i] = departAt[(head + i) & (size - 1)];
                    lengths[i] = length[(head + i) & (size - 1)];
                }
                departAt = times;
                length = lengths;
                head = 0;
            }
            departAt[(head + size) & (departAt.length - 1)] = at;
            length[(head + size) & (departAt.length - 1)] = bytes;
            size++;
            pendingBytes += bytes;
        }

        void clear()
        {
            head = 0;
            size = 0;
            pendingBytes = 0;
        }
    }
}
