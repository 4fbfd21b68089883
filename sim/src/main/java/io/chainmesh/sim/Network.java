package io.chainmesh.sim;

import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.engine.broadcast.LinkSender;
import io.chainmesh.engine.transport.HeartbeatMonitor;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The links between simulated members, with TCP's semantics: a connection delivers in order and loses nothing;
 * what is lost is lost because the connection reset (a crash, a close, a partition found by missed heartbeats),
 * and everything it still carried goes with it. A frame leaves when the sender's uplink (one FIFO at the
 * member's bandwidth) reaches it, and arrives a one-way delay later (never before the frame sent ahead of it on
 * that connection). A link whose queue holds more than the engine's per-peer outbound budget takes nothing
 * ({@code BACK_PRESSURED}), as the engine's link ring does. Dialling follows the engine's rules: the overlay's
 * dialler re-dials with exponential backoff and jitter in [d/2, d] (100 ms to 10 s), a connection takes one
 * and a half round trips to establish.
 */
final class Network
{
    private static final long BACKOFF_MIN_NANOS = 100_000_000L;
    private static final long BACKOFF_MAX_NANOS = 10_000_000_000L;
    private static final long RETRANSMIT_NANOS = 200_000_000L;

    private final SimConfig config;
    private final SimClock clock;
    private final EventQueue events;
    private final Regions regions;
    private final SplittableRandom random;
    private final Ledger ledger;
    final Traffic traffic;
    private SimNode[] nodes;
    private byte[] side;
    private boolean partitioned;
    private int nextEpoch = 1;
    private final Map<String, Long> closes = new TreeMap<>();
    private final Map<String, Long> closesBetweenLiveMembers = new TreeMap<>();
    long droppedInFlight;
    /** Connections refused because one end's list did not have the other (or itself): churn's skew. */
    long refusedNotListed;
    long repairBytesToFlooders;
    private long[] repairToFloodersByMember;
    long backPressured;
    long maxLinkPendingBytes;

    Network(final SimConfig config, final SimClock clock, final EventQueue events, final Regions regions,
        final SplittableRandom random, final Ledger ledger, final int members)
    {
        this.config = config;
        this.clock = clock;
        this.events = events;
        this.regions = regions;
        this.random = random;
        this.ledger = ledger;
        this.traffic = new Traffic(members);
    }

    void nodes(final SimNode[] all)
    {
        this.nodes = all;
        this.side = new byte[all.length];
        this.repairToFloodersByMember = new long[all.length];
    }

    long maxRepairBytesToFloodersByMember()
    {
        long max = 0;
        for (final long bytes : repairToFloodersByMember)
        {
            max = Math.max(max, bytes);
        }
        return max;
    }

    /** The commit stage sends a frame: queue it on the uplink, or refuse it when the link's queue is full. */
    int transmit(final SimNode from, final int slot, final DirectBuffer frame, final int offset, final int length)
    {
        final long now = clock.now;
        SimNode.LinkQueue queue = from.queues[slot];
        if (null == queue)
        {
            queue = from.queues[slot] = new SimNode.LinkQueue();
        }
        queue.purge(now);
        if (queue.pendingBytes + length > config.linkBudgetBytes())
        {
            backPressured++;
            return LinkSender.BACK_PRESSURED;
        }
        final byte[] bytes = new byte[length];
        frame.getBytes(offset, bytes);
        final int kind = Traffic.kindOf(frame, offset, length);
        traffic.count(kind, from.index, length);
        int hop = 1;
        int batch = -1;
        if (kind == Traffic.DATA || kind == Traffic.REPAIR)
        {
            batch = ledger.batchOf(frame.getLong(offset + BatchDescriptor.ORIGIN_ID_OFFSET, ByteOrder.BIG_ENDIAN),
                frame.getLong(offset + BatchDescriptor.BATCH_SEQ_OFFSET, ByteOrder.BIG_ENDIAN));
            hop = batch < 0 ? 1 : Math.max(0, ledger.hopAt(batch, from.index)) + 1;
        }
        final long departAt = depart(from, length);
        queue.add(departAt, length);
        maxLinkPendingBytes = Math.max(maxLinkPendingBytes, queue.pendingBytes);
        final int to = from.neighbours[slot];
        if (kind == Traffic.REPAIR && nodes[to].flooder)
        {
            repairBytesToFlooders += length;
            repairToFloodersByMember[from.index] += length;
        }
        final Transmission transmission = new Transmission(Transmission.FRAME, from.index, to, bytes, hop, from.epoch[slot], 0);
        final long oneWay = schedule(from, slot, departAt, transmission);
        if (batch >= 0)
        {
            transmission.pathLinkNanos = ledger.pathLinkNanos(batch, from.index) + oneWay;
            transmission.pathUplinkNanos = ledger.pathUplinkNanos(batch, from.index) + departAt - now;
        }
        return LinkSender.SENT;
    }

    /** A PING or PONG: written by the link's IO thread into the same outbound stream, behind what is queued. */
    void heartbeat(final SimNode from, final int slot, final int type, final long pingId)
    {
        traffic.count(Traffic.HEARTBEAT, from.index, Transmission.HEARTBEAT_LENGTH);
        final long departAt = depart(from, Transmission.HEARTBEAT_LENGTH);
        schedule(from, slot, departAt, new Transmission(type, from.index, from.neighbours[slot], null, 0,
            from.epoch[slot], pingId));
    }

    private long depart(final SimNode from, final int length)
    {
        final long start = Math.max(clock.now, from.uplinkFreeAt);
        from.maxUplinkBacklogNanos = Math.max(from.maxUplinkBacklogNanos, start - clock.now);
        from.uplinkFreeAt = start + (long)(length * from.nanosPerByte);
        return from.uplinkFreeAt;
    }

    /** @return the one-way latency drawn for the frame (it may arrive later, behind the frame before it). */
    private long schedule(final SimNode from, final int slot, final long departAt, final Transmission transmission)
    {
        final long oneWay = regions.oneWayNanos(from.index, transmission.to);
        final long arriveAt = Math.max(departAt + oneWay, from.lastArrival[slot]);
        from.lastArrival[slot] = arriveAt;
        events.schedule(arriveAt, Simulation.ARRIVE, transmission.to, 0, transmission);
        return oneWay;
    }

    /**
     * @return the receiver's slot for a transmission that arrives on a live connection, else -1 (it is lost).
     */
    int accept(final Transmission t)
    {
        final SimNode to = nodes[t.to];
        final int slot = to.alive ? to.slotOf(t.from) : -1;
        if (slot < 0 || !to.up[slot] || to.epoch[slot] != t.epoch)
        {
            droppedInFlight++;
            return -1;
        }
        if (isCut(t.from, t.to))
        {
            // TCP retransmits across a cut until the connection is closed (missed heartbeats): not lost yet.
            events.schedule(clock.now + RETRANSMIT_NANOS, Simulation.ARRIVE, t.to, 0, t);
            return -1;
        }
        return slot;
    }

    boolean isCut(final int a, final int b)
    {
        return partitioned && side[a] != side[b];
    }

    /** Brings a link up at both ends, on a new connection. */
    void open(final SimNode a, final int slot)
    {
        final SimNode b = nodes[a.neighbours[slot]];
        final int back = b.ensureSlot(a.index);
        final int epoch = nextEpoch++;
        for (final SimNode end : new SimNode[]{a, b})
        {
            final int s = end == a ? slot : back;
            end.up[s] = true;
            end.epoch[s] = epoch;
            end.lastArrival[s] = 0;
            end.dialFailures[s] = 0;
            end.monitors[s] = config.heartbeats() ? new HeartbeatMonitor(config.missedHeartbeats()) : null;
            end.heard[s] = false;
            if (null != end.queues[s])
            {
                end.queues[s].clear();
            }
            end.linksChanged();
        }
    }

    /** Closes a link at both ends (what either still had queued for the other is lost); its dialler re-dials. */
    void close(final SimNode a, final int slot, final String reason)
    {
        closes.merge(reason, 1L, Long::sum);
        final SimNode b = nodes[a.neighbours[slot]];
        if (a.alive && b.alive)
        {
            closesBetweenLiveMembers.merge(reason, 1L, Long::sum);
        }
        final int back = b.slotOf(a.index);
        for (final SimNode end : new SimNode[]{a, b})
        {
            final int s = end == a ? slot : back;
            if (s < 0)
            {
                // The other end dropped the link from its overlay already (it saw a block this end has not).
                continue;
            }
            end.up[s] = false;
            end.epoch[s] = 0;
            end.linksChanged();
            if (end.alive && end.dials[s])
            {
                scheduleDial(end, s);
            }
        }
    }

    void scheduleDial(final SimNode node, final int slot)
    {
        if (node.dialPending[slot])
        {
            return;
        }
        node.dialPending[slot] = true;
        final int failures = Math.min(node.dialFailures[slot]++, 40);
        final long ceiling = BACKOFF_MIN_NANOS << failures;
        final long d = ceiling <= 0 || ceiling > BACKOFF_MAX_NANOS ? BACKOFF_MAX_NANOS : ceiling;
        events.schedule(clock.now + d / 2 + random.nextLong(d / 2 + 1), Simulation.DIAL, node.index,
            node.neighbours[slot], null);
    }

    /**
     * A dial attempt: the connection is up a round trip and a half later if both ends can reach each other and the
     * peer's list has both of them (the handshake refuses a member its list does not have: NOT_A_MEMBER).
     */
    void dial(final SimNode node, final int peer)
    {
        final int slot = node.slotOf(peer);
        if (slot < 0 || !node.dials[slot])
        {
            // The overlay moved on (a new snapshot) since this dial was scheduled.
            return;
        }
        node.dialPending[slot] = false;
        if (!node.alive || node.up[slot])
        {
            return;
        }
        if (nodes[peer].alive && !isCut(node.index, peer))
        {
            events.schedule(clock.now + regions.rttNanos(node.index, peer) * 3 / 2, Simulation.LINK_UP, node.index, peer, null);
        }
        else
        {
            scheduleDial(node, slot);
        }
    }

    void linkUp(final SimNode node, final int peer)
    {
        final int slot = node.slotOf(peer);
        if (slot < 0 || !node.dials[slot])
        {
            return;
        }
        if (node.alive && !node.up[slot] && nodes[peer].alive && !isCut(node.index, peer) &&
            !(node.accepts(nodes[peer]) && nodes[peer].accepts(node)))
        {
            refusedNotListed++;
            scheduleDial(node, slot);
            return;
        }
        if (!node.alive || node.up[slot] || !nodes[peer].alive || isCut(node.index, peer))
        {
            if (node.alive && !node.up[slot])
            {
                scheduleDial(node, slot);
            }
            return;
        }
        open(node, slot);
    }

    /**
     * One heartbeat interval of a member: on each link the engine's monitor, told whether the peer was heard since
     * the previous tick, asks for a PING, nothing, or a close where too many went unanswered.
     */
    void heartbeatTick(final SimNode node)
    {
        for (int slot = 0; slot < node.neighbours.length; slot++)
        {
            if (node.up[slot])
            {
                final HeartbeatMonitor.Action action = node.monitors[slot].onTick(node.heard[slot], clock.now);
                node.heard[slot] = false;
                if (action == HeartbeatMonitor.Action.DEAD)
                {
                    close(node, slot, CloseReason.HEARTBEAT_TIMEOUT.name());
                }
                else if (action == HeartbeatMonitor.Action.SEND_PING)
                {
                    heartbeat(node, slot, Transmission.PING, node.monitors[slot].pingId());
                }
            }
        }
    }

    void partition(final byte[] sides)
    {
        this.side = sides;
        this.partitioned = true;
    }

    void heal()
    {
        this.partitioned = false;
    }

    Map<String, Long> closes()
    {
        return closes;
    }

    /** @return links closed while both ends were alive, by reason: none in a run that should keep its links. */
    Map<String, Long> closesBetweenLiveMembers()
    {
        return closesBetweenLiveMembers;
    }
}
