package io.chainmesh.node.flux;

import io.chainmesh.node.flux.FluxBridgeCounters.Counter;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * The FluxOS peers a bridge is connected to, in both directions, and FluxOS's rules for admitting one more inbound
 * peer once its upgrade is done.
 * <p>
 * Threads: the bridge's event loop is the only writer of both collections and the only reader of the by-key map
 * ({@link #admit}, {@link #register}, {@link #unregister}). The peer list is copy-on-write because other threads read
 * it without a lock: the node's commit thread in {@link #deliver}, any thread in {@link #describe} and {@link #closeAll}.
 */
final class FluxPeers
{
    private final FluxBridge.Context ctx;
    private final FluxBridgeCounters counters;
    private final CopyOnWriteArrayList<FluxPeerSession> sessions = new CopyOnWriteArrayList<>();
    private final Map<String, FluxPeerSession> sessionsByKey = new HashMap<>();

    /**
     * @param ctx      the bridge's settings, read at each admission (the allowed addresses may change meanwhile).
     * @param counters where refusals and the connected-peer gauge are counted.
     */
    FluxPeers(final FluxBridge.Context ctx, final FluxBridgeCounters counters)
    {
        this.ctx = ctx;
        this.counters = counters;
    }

    /**
     * FluxOS's inbound rules, for a bridge. Runs on the event loop.
     *
     * @param remote the peer's address.
     * @param key    the peer's {@code ip:port}.
     * @return 0 to admit the peer, else the close code.
     */
    int admit(final InetAddress remote, final String key)
    {
        if (!ctx.confirmed().getAsBoolean())
        {
            counters.increment(Counter.REFUSED_UNCONFIRMED);
            return FluxCloseCodes.NODE_UNCONFIRMED;
        }
        if (!ctx.allowedPeers().isEmpty() && !ctx.allowedPeers().contains(remote))
        {
            counters.increment(Counter.REFUSED_BLOCKED);
            return FluxCloseCodes.BLOCKED_INBOUND;
        }
        if (sessions.size() >= ctx.maxPeers())
        {
            counters.increment(Counter.REFUSED_MAX_CONNECTIONS);
            return FluxCloseCodes.MAX_CONNECTIONS;
        }
        if (sessionsByKey.containsKey(key))
        {
            counters.increment(Counter.REFUSED_DUPLICATE_PEER);
            return FluxCloseCodes.DUPLICATE_PEER;
        }
        return 0;
    }

    /**
     * @param code a close code {@link #admit} returned.
     * @return the close frame's reason text, as FluxOS words it.
     */
    static String refusalReason(final int code)
    {
        return switch (code)
        {
            case FluxCloseCodes.NODE_UNCONFIRMED -> "node not confirmed";
            case FluxCloseCodes.BLOCKED_INBOUND -> "address not allowed (flux.peers.allow)";
            case FluxCloseCodes.MAX_CONNECTIONS -> "max number of incoming connections reached";
            case FluxCloseCodes.DUPLICATE_PEER -> "Peer already connected";
            default -> "refused";
        };
    }

    void register(final FluxPeerSession session)
    {
        sessions.add(session);
        sessionsByKey.putIfAbsent(session.key(), session);
        counters.increment(Counter.PEERS_CONNECTED);
    }

    void unregister(final FluxPeerSession session)
    {
        if (sessions.remove(session))
        {
            sessionsByKey.remove(session.key(), session);
            counters.decrement(Counter.PEERS_CONNECTED);
        }
    }

    /**
     * Writes an envelope to every peer connected now. Any thread.
     *
     * @param envelopeText the envelope's JSON text.
     */
    void deliver(final String envelopeText)
    {
        for (final FluxPeerSession session : sessions)
        {
            session.send(envelopeText);
        }
    }

    /**
     * @return the peers connected now, as {@code inbound|outbound ip:port}.
     */
    List<String> describe()
    {
        return sessions.stream().map(FluxPeerSession::toString).collect(Collectors.toList());
    }

    /**
     * Closes every peer with FluxOS's shutdown code for its direction (4009 outbound, 4010 inbound).
     */
    void closeAll()
    {
        for (final FluxPeerSession session : sessions)
        {
            session.closeWith(session.inbound() ? FluxCloseCodes.CLOSED_INBOUND : FluxCloseCodes.CLOSED_OUTBOUND,
                "shutdown");
        }
    }
}
