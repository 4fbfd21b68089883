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
    final int[] neighbours;
    /** The neighbours' ids, the directory's own instances: the engine hands them back, so a reference scan finds them. */
    private final MemberId[] neighbourIds;
    final boolean[] dials;
    final boolean[] up;
    final int[] epoch;
    final long[] lastArrival;
    final int[] dialFailures;
    final boolean[] dialPending;
    final HeartbeatMonitor[] monitors;
    final LinkQueue[] queues;
    private final Network network;
    private final DirectorySnapshot directory;
    private MemberId[] connected = NONE;
    private boolean connectedStale = true;

    CommitStage stage;
    boolean alive = true;
    boolean downFromStart;
    boolean publisher;
    /** Byzantine: answers every WANT with a WANT_MISS saying all of it is gone. */
    boolean liar;
    int incarnation;
    long lastStatelessRestart = -1;
    long cpuFreeAt;
    int ingressDepth;
    int maxIngressDepth;
    long uplinkFreeAt;
    long maxUplinkBacklogNanos;
    double nanosPerByte;

    SimNode(final int index, final DirectorySnapshot directory, final int[] neighbours, final boolean[] dials,
        final Network network)
    {
        this.index = index;
        this.id = directory.member(index).id();
        this.directory = directory;
        this.neighbours = neighbours;
        this.dials = dials;
        this.network = network;
        final int n = neighbours.length;
        this.up = new boolean[n];
        this.epoch = new int[n];
        this.lastArrival = new long[n];
        this.dialFailures = new int[n];
        this.dialPending = new boolean[n];
        this.monitors = new HeartbeatMonitor[n];
        this.queues = new LinkQueue[n];
        this.neighbourIds = new MemberId[n];
        for (int slot = 0; slot < n; slot++)
        {
            neighbourIds[slot] = directory.member(neighbours[slot]).id();
        }
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
        return slotOf(directory.indexOf(peer));
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
