package io.chainmesh.sim;

import io.chainmesh.codec.ping.PingDescriptor;

/**
 * One frame on a simulated link: the bytes the engine sent (copied), or a heartbeat, with what the simulator
 * tracks beside it (never on the wire): the connection it travels on and, for a batch, its hop count.
 */
final class Transmission
{
    static final int FRAME = 0;
    static final int PING = 1;
    static final int PONG = 2;
    static final int LOCAL = 3;
    static final int TICK = 4;
    /** Heartbeat frame length on the wire: the codec's PING/PONG frame, header (6) and a u32 ping id. */
    static final int HEARTBEAT_LENGTH = PingDescriptor.FRAME_LENGTH;

    final int type;
    final int from;
    final int to;
    final byte[] bytes;
    final int hop;
    /** The connection (link epoch) it was sent on: a reset connection loses what it carried. */
    final int epoch;
    final long pingId;
    /**
     * For a batch: its path from the origin to the receiver, split into the one-way link latencies drawn for each hop
     * and the time each sender's uplink held it (backlog and serialisation), in nanoseconds.
     */
    long pathLinkNanos;
    long pathUplinkNanos;

    Transmission(final int type, final int from, final int to, final byte[] bytes, final int hop, final int epoch,
        final long pingId)
    {
        this.type = type;
        this.from = from;
        this.to = to;
        this.bytes = bytes;
        this.hop = hop;
        this.epoch = epoch;
        this.pingId = pingId;
    }

    int length()
    {
        return null == bytes ? HEARTBEAT_LENGTH : bytes.length;
    }
}
