package io.chainmesh.engine.transport;

import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.EngineCounters;
import org.agrona.concurrent.NanoClock;

import java.security.SecureRandom;

/**
 * Settings and collaborators shared by the handlers of every link of one node. Immutable.
 *
 * @param nodeKey               this node's chain key (signs the handshake transcript).
 * @param events                callbacks into the node.
 * @param counters              the node's counters.
 * @param nanoClock             clock for RTT and heartbeats.
 * @param random                nonce source.
 * @param handshakeTimeoutNs    time allowed from connect to authentication.
 * @param maxPreAuthBytes       bytes a peer may send before it is authenticated.
 * @param maxFrameLength        largest frame length field accepted after authentication.
 * @param heartbeatIntervalNs   heartbeat tick period (a PING after a tick without a word from the peer).
 * @param missedHeartbeats      silent heartbeat ticks in a row before the link is closed.
 * @param outboundBudgetBytes   capacity of each link's outbound queue (a power of two).
 * @param directoryHeightSource supplies the directory height advertised in HELLO.
 * @param channels              every open connection of the node (removed automatically on close).
 * @param records               the record layer's cipher, record size and rekey limits.
 * @param inboundAddressCheck   refuse an inbound claim for a member from a host other than its listed one
 *                              ({@link MemberClaim}); off only where members dial out through a NAT.
 */
public record LinkConfig(
    NodeKey nodeKey,
    LinkEvents events,
    EngineCounters counters,
    NanoClock nanoClock,
    SecureRandom random,
    long handshakeTimeoutNs,
    int maxPreAuthBytes,
    int maxFrameLength,
    long heartbeatIntervalNs,
    int missedHeartbeats,
    int outboundBudgetBytes,
    java.util.function.LongSupplier directoryHeightSource,
    io.netty.channel.group.ChannelGroup channels,
    RecordSettings records,
    boolean inboundAddressCheck)
{
    /**
     * Settings with the default record layer ({@link RecordSettings#DEFAULT}: AES-GCM).
     *
     * @param nodeKey               this node's chain key.
     * @param events                callbacks into the node.
     * @param counters              the node's counters.
     * @param nanoClock             clock for RTT and heartbeats.
     * @param random                nonce source.
     * @param handshakeTimeoutNs    time allowed from connect to authentication.
     * @param maxPreAuthBytes       bytes a peer may send before it is authenticated.
     * @param maxFrameLength        largest frame length field accepted after authentication.
     * @param heartbeatIntervalNs   heartbeat tick period (a PING after a tick without a word from the peer).
     * @param missedHeartbeats      silent heartbeat ticks in a row before the link is closed.
     * @param outboundBudgetBytes   capacity of each link's outbound queue (a power of two).
     * @param directoryHeightSource supplies the directory height advertised in HELLO.
     * @param channels              every open connection of the node.
     */
    public LinkConfig(
        final NodeKey nodeKey,
        final LinkEvents events,
        final EngineCounters counters,
        final NanoClock nanoClock,
        final SecureRandom random,
        final long handshakeTimeoutNs,
        final int maxPreAuthBytes,
        final int maxFrameLength,
        final long heartbeatIntervalNs,
        final int missedHeartbeats,
        final int outboundBudgetBytes,
        final java.util.function.LongSupplier directoryHeightSource,
        final io.netty.channel.group.ChannelGroup channels)
    {
        this(nodeKey, events, counters, nanoClock, random, handshakeTimeoutNs, maxPreAuthBytes, maxFrameLength,
            heartbeatIntervalNs, missedHeartbeats, outboundBudgetBytes, directoryHeightSource, channels,
            RecordSettings.DEFAULT, true);
    }

    /**
     * @param records record layer settings.
     * @return a copy with them.
     */
    public LinkConfig withRecords(final RecordSettings records)
    {
        return new LinkConfig(nodeKey, events, counters, nanoClock, random, handshakeTimeoutNs, maxPreAuthBytes,
            maxFrameLength, heartbeatIntervalNs, missedHeartbeats, outboundBudgetBytes, directoryHeightSource, channels,
            records, inboundAddressCheck);
    }

    /**
     * @param check whether inbound claims must come from the member's listed host.
     * @return a copy with it.
     */
    public LinkConfig withInboundAddressCheck(final boolean check)
    {
        return new LinkConfig(nodeKey, events, counters, nanoClock, random, handshakeTimeoutNs, maxPreAuthBytes,
            maxFrameLength, heartbeatIntervalNs, missedHeartbeats, outboundBudgetBytes, directoryHeightSource, channels,
            records, check);
    }
}
