package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.direct.DirectDescriptor;
import io.chainmesh.engine.broadcast.BroadcastPipeline;
import io.chainmesh.engine.overlay.OverlayTopology;
import io.chainmesh.engine.overlay.OverlayView;
import io.chainmesh.engine.transport.Backoff;
import io.chainmesh.engine.transport.ChannelSetup;
import io.chainmesh.engine.transport.Closer;
import io.chainmesh.engine.transport.Link;
import io.chainmesh.engine.transport.LinkConfig;
import io.chainmesh.engine.transport.LinkEvents;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Reconciles the links this node has with the links the overlay wants, and routes direct messages.
 * <p>
 * Threading: all connection state ({@link #links}, {@link #dials}) is owned by one thread, the
 * <em>conductor</em>: one event loop of the node's group, chosen at launch. IO threads and the
 * directory source hand events over with {@code conductor.execute(...)}. The conductor publishes
 * immutable {@link OverlayView}s and {@link RouteTable}s through volatile fields that IO threads and
 * {@code send} callers read without locks.
 */
final class ConnectionManager implements LinkEvents
{
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionManager.class);

    /** Next hop per destination origin id; immutable once published. */
    static final class RouteTable
    {
        static final RouteTable EMPTY = new RouteTable(new Long2ObjectHashMap<>(), new Link[0]);

        final Long2ObjectHashMap<Link> nextHop;
        final Link[] links;
        final MemberId[] peers;

        RouteTable(final Long2ObjectHashMap<Link> nextHop, final Link[] links)
        {
            this.nextHop = nextHop;
            this.links = links;
            this.peers = new MemberId[links.length];
            for (int i = 0; i < links.length; i++)
            {
                peers[i] = links[i].remoteId();
            }
        }

        /**
         * @param peer a member.
         * @return the link to it if there is one (not a relay), else null.
         */
        Link directLink(final MemberId peer)
        {
            final Link link = nextHop.get(peer.originId());
            return null != link && link.remoteOriginId() == peer.originId() ? link : null;
        }
    }

    private static final class DialState
    {
        final MemberId target;
        final Backoff backoff;
        Channel channel;
        long nextAttemptNs;

        DialState(final MemberId target, final Backoff backoff)
        {
            this.target = target;
            this.backoff = backoff;
        }
    }

    private final ChainmeshNode.Context ctx;
    private final EngineCounters counters;
    private final EventLoop conductor;
    private final MemberId self;
    private final long selfOrigin;
    private final DirectHandler directHandler;
    private final Map<MemberId, Link> links = new HashMap<>();
    private final Map<MemberId, DialState> dials = new HashMap<>();
    private Bootstrap bootstrap;
    private LinkConfig linkConfig;
    private ScheduledFuture<?> tick;
    private boolean closing;
    private boolean paused;
    private volatile OverlayView view;
    private volatile RouteTable routes = RouteTable.EMPTY;
    private volatile BroadcastPipeline broadcast;
    private final java.util.function.BiPredicate<MemberId, ByteBuf> broadcastIngress = (from, frame) ->
        broadcast.onFrame(from, frame);

    ConnectionManager(final ChainmeshNode.Context ctx, final EngineCounters counters, final EventLoop conductor)
    {
        this.ctx = ctx;
        this.counters = counters;
        this.conductor = conductor;
        this.self = ctx.member();
        this.selfOrigin = self.originId();
        this.directHandler = ctx.directHandler();
        this.view = new OverlayView(OverlayTopology.of(DirectorySnapshot.empty(), ctx.ringSuccessors()), self);
    }

    void init(final Bootstrap bootstrap, final LinkConfig linkConfig)
    {
        this.bootstrap = bootstrap;
        this.linkConfig = linkConfig;
    }

    /**
     * Starts the periodic reconcile; conductor thread.
     */
    void start(final DirectorySnapshot initial)
    {
        onSnapshot(initial);
        tick = conductor.scheduleAtFixedRate(this::reconcile, ctx.reconcileIntervalNs(), ctx.reconcileIntervalNs(),
            TimeUnit.NANOSECONDS);
    }

    // ---------------------------------------------------------------- conductor thread

    void onSnapshot(final DirectorySnapshot snapshot)
    {
        if (closing || snapshot.height() < view.snapshot().height())
        {
            return;
        }
        view = new OverlayView(OverlayTopology.of(snapshot, ctx.ringSuccessors()), self);
        reconcile();
        rebuildRoutes();
    }

    private void reconcile()
    {
        if (closing || paused)
        {
            return;
        }
        final OverlayView v = view;
        final DirectorySnapshot snapshot = v.snapshot();
        boolean changed = false;
        int extraInbound = 0;
        for (final Link link : new ArrayList<>(links.values()))
        {
            final MemberId peer = link.remoteId();
            if (!snapshot.contains(peer))
            {
                closeLink(link, CloseReason.MEMBER_LEFT, peer + " left the directory at height " + snapshot.height());
                changed = true;
            }
            else if (v.selfIndex() < 0)
            {
                closeLink(link, CloseReason.MEMBER_LEFT, "this node left the directory at height " + snapshot.height());
                changed = true;
            }
            else if (!v.isLink(peer))
            {
                if (link.outbound() || ++extraInbound > ctx.extraInboundBudget())
                {
                    closeLink(link, CloseReason.LINK_NO_LONGER_NEEDED,
                        "overlay at height " + snapshot.height() + " no longer links these members");
                    changed = true;
                }
            }
        }

        final long now = ctx.nanoClock().nanoTime();
        if (v.selfIndex() >= 0)
        {
            for (final int target : v.topology().targets(v.selfIndex()))
            {
                final Member member = snapshot.member(target);
                final MemberId peer = member.id();
                if (!v.dials(peer) || links.containsKey(peer))
                {
                    continue;
                }
                DialState dial = dials.get(peer);
                if (null == dial)
                {
                    dial = new DialState(peer, new Backoff(ctx.backoffMinNs(), ctx.backoffMaxNs()));
                    dials.put(peer, dial);
                }
                if (null == dial.channel && now - dial.nextAttemptNs >= 0)
                {
                    dial(dial, member);
                }
            }
        }
        for (final Iterator<DialState> it = dials.values().iterator(); it.hasNext(); )
        {
            final DialState dial = it.next();
            if (!v.dials(dial.target))
            {
                if (null != dial.channel && !links.containsKey(dial.target))
                {
                    dial.channel.close();
                }
                it.remove();
            }
        }
        if (changed)
        {
            rebuildRoutes();
        }
    }

    private void dial(final DialState dial, final Member member)
    {
        counters.connections(EngineCounters.ConnectionState.DIALING).increment();
        final ChannelFuture future = bootstrap.clone()
            .handler(new ChannelSetup(linkConfig, true, member.id(), null, ctx.linkFaults()))
            .connect(member.meshEndpoint().toSocketAddress());
        final Channel channel = future.channel();
        dial.channel = channel;
        future.addListener(f ->
        {
            counters.connections(EngineCounters.ConnectionState.DIALING).decrement();
            if (!f.isSuccess())
            {
                counters.dialFailures().increment();
            }
        });
        channel.closeFuture().addListener(f -> onConductor(() -> onDialChannelClosed(dial, channel)));
    }

    private void onDialChannelClosed(final DialState dial, final Channel channel)
    {
        if (dial.channel != channel)
        {
            return;
        }
        dial.channel = null;
        if (closing)
        {
            return;
        }
        // Whether the connect failed, the handshake was refused or an established link dropped: back off.
        final long delay = dial.backoff.onFailure();
        dial.nextAttemptNs = ctx.nanoClock().nanoTime() + delay;
        counters.backoffs().increment();
    }

    private void register(final Link link)
    {
        final MemberId peer = link.remoteId();
        if (!link.channel().isActive())
        {
            return;
        }
        if (closing)
        {
            link.close(CloseReason.NORMAL_SHUTDOWN, "node is shutting down");
            return;
        }
        final OverlayView v = view;
        if (!v.snapshot().contains(peer))
        {
            refuse(link, CloseReason.NOT_A_MEMBER, peer + " is not a member at height " + v.snapshot().height());
            return;
        }
        final Link existing = links.get(peer);
        if (null != existing)
        {
            if (survives(link, existing))
            {
                closeLink(existing, CloseReason.DUPLICATE_CONNECTION, "duplicate link to " + self + " replaced");
            }
            else
            {
                refuse(link, CloseReason.DUPLICATE_CONNECTION, "a link between these members already exists");
                return;
            }
        }
        if (!link.outbound() && !v.isLink(peer))
        {
            int extra = 0;
            for (final Link l : links.values())
            {
                if (!l.outbound() && !v.isLink(l.remoteId()))
                {
                    extra++;
                }
            }
            if (extra >= ctx.extraInboundBudget())
            {
                refuse(link, CloseReason.NOT_AN_EXPECTED_LINK, "overlay at height " + v.snapshot().height() +
                    " does not link " + peer + " to " + self + " and the extra inbound budget " +
                    ctx.extraInboundBudget() + " is used");
                return;
            }
        }
        links.put(peer, link);
        link.state(Link.State.ACTIVE);
        counters.connections(EngineCounters.ConnectionState.ACTIVE).increment();
        counters.linksOpened().increment();
        final DialState dial = dials.get(peer);
        if (null != dial)
        {
            dial.backoff.reset();
        }
        if (paused)
        {
            link.suspend();
        }
        rebuildRoutes();
        link.openDirect();
    }

    /**
     * Deterministic duplicate rule both ends agree on: keep the link dialled by the member with the
     * smaller MemberId; if both were dialled by the same member, keep the newer one (the older is stale).
     */
    private boolean survives(final Link candidate, final Link existing)
    {
        final boolean selfSmaller = self.compareTo(candidate.remoteId()) < 0;
        final boolean candidateBySmaller = candidate.outbound() == selfSmaller;
        final boolean existingBySmaller = existing.outbound() == selfSmaller;
        if (candidateBySmaller != existingBySmaller)
        {
            return candidateBySmaller;
        }
        return true;
    }

    private void refuse(final Link link, final CloseReason reason, final String text)
    {
        link.state(Link.State.CLOSED);
        if (reason == CloseReason.DUPLICATE_CONNECTION)
        {
            // The peer stays a member reachable over the surviving link: what it sent here is still its message.
            link.openDirect();
        }
        else
        {
            link.refuseDirect();
        }
        link.channel().eventLoop().execute(() -> Closer.refuse(link.channel(), reason, text, counters));
    }

    private void closeLink(final Link link, final CloseReason reason, final String text)
    {
        if (links.remove(link.remoteId(), link))
        {
            counters.connections(EngineCounters.ConnectionState.ACTIVE).decrement();
            counters.linksClosed().increment();
        }
        link.close(reason, text);
    }

    private void unregister(final Link link)
    {
        if (links.remove(link.remoteId(), link))
        {
            counters.connections(EngineCounters.ConnectionState.ACTIVE).decrement();
            counters.linksClosed().increment();
            rebuildRoutes();
        }
    }

    /**
     * Greedy routing: for every member, the link to it if there is one, otherwise the linked member
     * closest before it clockwise (strictly closer than this node), so every hop makes progress.
     */
    private void rebuildRoutes()
    {
        final OverlayView v = view;
        final DirectorySnapshot snapshot = v.snapshot();
        final int n = snapshot.size();
        final Link[] linked = links.values().toArray(new Link[0]);
        final Long2ObjectHashMap<Link> nextHop = new Long2ObjectHashMap<>(Math.max(8, n * 2), 0.65f);
        final int[] linkIndex = new int[linked.length];
        for (int i = 0; i < linked.length; i++)
        {
            linkIndex[i] = snapshot.indexOf(linked[i].remoteId());
            nextHop.put(linked[i].remoteOriginId(), linked[i]);
        }
        final int selfIndex = v.selfIndex();
        if (selfIndex >= 0)
        {
            for (int d = 0; d < n; d++)
            {
                final long origin = snapshot.member(d).originId();
                if (d == selfIndex || nextHop.containsKey(origin))
                {
                    continue;
                }
                Link best = null;
                int bestDistance = OverlayTopology.clockwiseDistance(selfIndex, d, n);
                for (int i = 0; i < linked.length; i++)
                {
                    if (linkIndex[i] >= 0)
                    {
                        final int distance = OverlayTopology.clockwiseDistance(linkIndex[i], d, n);
                        if (distance < bestDistance)
                        {
                            bestDistance = distance;
                            best = linked[i];
                        }
                    }
                }
                if (null != best)
                {
                    nextHop.put(origin, best);
                }
            }
        }
        routes = new RouteTable(nextHop, linked);
    }

    void pause()
    {
        paused = true;
        for (final Link link : links.values())
        {
            link.suspend();
        }
        for (final DialState dial : dials.values())
        {
            if (null != dial.channel)
            {
                dial.channel.config().setAutoRead(false);
            }
        }
    }

    /**
     * Closes every link with NORMAL_SHUTDOWN and stops dialling; conductor thread.
     *
     * @return channels being closed.
     */
    List<Channel> shutdown()
    {
        closing = true;
        if (null != tick)
        {
            tick.cancel(false);
        }
        final List<Channel> channels = new ArrayList<>();
        for (final Link link : new ArrayList<>(links.values()))
        {
            channels.add(link.channel());
            closeLink(link, CloseReason.NORMAL_SHUTDOWN, "node is shutting down");
        }
        for (final DialState dial : dials.values())
        {
            if (null != dial.channel)
            {
                channels.add(dial.channel);
                dial.channel.close();
            }
        }
        dials.clear();
        routes = RouteTable.EMPTY;
        return channels;
    }

    // ---------------------------------------------------------------- any thread

    RouteTable routes()
    {
        return routes;
    }

    @Override
    public OverlayView view()
    {
        return view;
    }

    @Override
    public void onAuthenticated(final Link link)
    {
        if (!onConductor(() -> register(link)))
        {
            link.close(CloseReason.NORMAL_SHUTDOWN, "node is shutting down");
        }
    }

    @Override
    public void onLinkClosed(final Link link)
    {
        onConductor(() -> unregister(link));
    }

    /**
     * Hands work to the conductor; during shutdown the event loop may refuse it, which is harmless then.
     *
     * @param task the work.
     * @return false if the conductor no longer accepts work.
     */
    boolean onConductor(final Runnable task)
    {
        try
        {
            conductor.execute(task);
            return true;
        }
        catch (final RejectedExecutionException ex)
        {
            return false;
        }
    }

    @Override
    public void onRefusedByPeer(final MemberId expectedPeer, final CloseReason reason)
    {
        if (LOG.isDebugEnabled())
        {
            LOG.debug("{} refused by {}: {}", self, expectedPeer, reason);
        }
    }

    // ---------------------------------------------------------------- IO threads, hot path

    void broadcast(final BroadcastPipeline pipeline)
    {
        this.broadcast = pipeline;
    }

    @Override
    public void onBroadcast(final Link link, final ByteBuf frame)
    {
        final BroadcastPipeline pipeline = broadcast;
        if (null != pipeline)
        {
            // A full ingress ring pauses reading from this peer rather than dropping: TCP pushes back.
            link.deliverOrHold(frame, broadcastIngress);
        }
        else
        {
            counters.framesUnhandled().increment();
        }
    }

    @Override
    public void onDirect(final Link link, final MutableDirectBuffer buffer, final int offset, final int length)
    {
        try
        {
            DirectDescriptor.checkFrame(buffer, offset, length);
        }
        catch (final CodecException ex)
        {
            counters.directRefused(EngineCounters.DirectRefusal.MALFORMED).increment();
            link.close(CloseReason.PROTOCOL_VIOLATION, ex.getMessage());
            return;
        }
        final long destination = buffer.getLong(offset + DirectDescriptor.DESTINATION_OFFSET, ByteOrder.BIG_ENDIAN);
        if (destination == selfOrigin)
        {
            final long sourceOrigin = buffer.getLong(offset + DirectDescriptor.SOURCE_OFFSET, ByteOrder.BIG_ENDIAN);
            final MemberId source;
            if (sourceOrigin == link.remoteOriginId())
            {
                source = link.remoteId();
            }
            else
            {
                final Member member = view.snapshot().findByOriginId(sourceOrigin);
                if (null == member)
                {
                    counters.directRefused(EngineCounters.DirectRefusal.MALFORMED).increment();
                    return;
                }
                source = member.id();
            }
            link.onDelivered();
            // The handler sees exactly the payload (a view of its bytes), not the neighbouring frames.
            final int payloadLength = length - DirectDescriptor.PAYLOAD_OFFSET;
            final UnsafeBuffer payload = link.inboundView();
            payload.wrap(buffer, offset + DirectDescriptor.PAYLOAD_OFFSET, payloadLength);
            try
            {
                directHandler.onMessage(source, payload, 0, payloadLength);
            }
            catch (final RuntimeException ex)
            {
                counters.errors().increment();
                LOG.warn("direct handler threw", ex);
            }
            return;
        }
        final int hopLimit = buffer.getByte(offset + DirectDescriptor.HOP_LIMIT_OFFSET) & 0xFF;
        if (hopLimit <= 1)
        {
            counters.directRefused(EngineCounters.DirectRefusal.HOP_LIMIT).increment();
            return;
        }
        final Link next = routes.nextHop.get(destination);
        if (null == next || next == link)
        {
            counters.directRefused(EngineCounters.DirectRefusal.RELAY_NO_ROUTE).increment();
            return;
        }
        // In place: the frame's bytes are consumed once this returns (the decoder's contract).
        buffer.putByte(offset + DirectDescriptor.HOP_LIMIT_OFFSET, (byte)(hopLimit - 1));
        final long status = next.offerFrame(buffer, offset, length);
        if (status == Status.OK)
        {
            counters.directForwarded().increment();
        }
        else
        {
            counters.directRefused(status == Status.BACK_PRESSURED ? EngineCounters.DirectRefusal.RELAY_BACK_PRESSURED :
                status == Status.MESSAGE_TOO_LARGE ? EngineCounters.DirectRefusal.MESSAGE_TOO_LARGE :
                EngineCounters.DirectRefusal.RELAY_NO_ROUTE).increment();
        }
    }
}
