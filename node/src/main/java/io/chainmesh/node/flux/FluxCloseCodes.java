package io.chainmesh.node.flux;

/**
 * The WebSocket close codes FluxOS gives its peers (4000-4019); the bridge closes with the same code FluxOS would
 * for the same reason, so a FluxOS node's peer history reads the same for a bridge as for a FluxOS peer.
 */
public final class FluxCloseCodes
{
    /** Inbound connection cap reached. */
    public static final int MAX_CONNECTIONS = 4000;
    /** The same peer ({@code ip:port}) is already connected. */
    public static final int DUPLICATE_PEER = 4001;
    /** Inbound from a private or loopback address (FluxOS refuses them; the bridge refuses addresses not allowed). */
    public static final int PRIVATE_IP = 4002;
    /** The inbound peer is blocked (for the bridge: not in {@code flux.peers.allow}). */
    public static final int BLOCKED_INBOUND = 4003;
    /** An inbound peer relayed too many bad messages (5 within 10 minutes). */
    public static final int BAD_ORIGIN_INBOUND = 4004;
    /** An outbound peer relayed too many bad messages (5 within 10 minutes). */
    public static final int BAD_ORIGIN_OUTBOUND = 4007;
    /** Closed on purpose, outbound (shutdown, send failure). */
    public static final int CLOSED_OUTBOUND = 4009;
    /** Closed on purpose, inbound (shutdown, send failure). */
    public static final int CLOSED_INBOUND = 4010;
    /** Keepalive failed: too many pings without a pong. */
    public static final int DEAD_CONNECTION = 4011;
    /** An inbound peer sent a message that is not valid (a malformed hash announcement, an unparsable frame). */
    public static final int INVALID_MSG_INBOUND = 4016;
    /** An outbound peer sent a message that is not valid. */
    public static final int INVALID_MSG_OUTBOUND = 4017;
    /** This node is not a confirmed member: it takes no peers. */
    public static final int NODE_UNCONFIRMED = 4019;

    private FluxCloseCodes()
    {
    }
}
