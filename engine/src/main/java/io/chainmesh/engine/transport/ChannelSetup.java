package io.chainmesh.engine.transport;

import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.frame.FrameDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/**
 * Builds the pipeline of a new connection, which reads as the protocol's story:
 * {@link PreAuthGuard} (byte budget) → {@link FrameDecoder} → {@link HandshakeHandler}, which is
 * replaced by {@link SessionHandler} once the peer is authenticated (and the guard removed).
 */
public final class ChannelSetup extends ChannelInitializer<Channel>
{
    /** Name of the frame decoder in the pipeline. */
    public static final String DECODER = "frameDecoder";

    private final LinkConfig config;
    private final boolean dialler;
    private final MemberId expectedPeer;
    private final LinkFaults faults;

    /**
     * @param config       node-wide settings.
     * @param dialler      true for outbound connections.
     * @param expectedPeer the member dialled, null for inbound.
     */
    public ChannelSetup(final LinkConfig config, final boolean dialler, final MemberId expectedPeer)
    {
        this(config, dialler, expectedPeer, null);
    }

    /**
     * @param config       node-wide settings.
     * @param dialler      true for outbound connections.
     * @param expectedPeer the member dialled, null for inbound.
     * @param faults       test-only link faults ({@link LinkFaultHandler} goes first), or null.
     */
    public ChannelSetup(final LinkConfig config, final boolean dialler, final MemberId expectedPeer, final LinkFaults faults)
    {
        this.config = config;
        this.dialler = dialler;
        this.expectedPeer = expectedPeer;
        this.faults = faults;
    }

    @Override
    protected void initChannel(final Channel channel)
    {
        // Every connection, authenticated or not, is tracked so close() can close it (a shared event
        // loop group would otherwise keep half-open handshakes alive after the node is closed).
        config.channels().add(channel);
        channel.pipeline()
            .addLast(PreAuthGuard.NAME, new PreAuthGuard(config.maxPreAuthBytes(), config.counters()))
            .addLast(DECODER, new FrameDecoder(config.maxFrameLength()))
            .addLast(HandshakeHandler.NAME, new HandshakeHandler(config, dialler, expectedPeer));
        if (null != faults)
        {
            channel.pipeline().addFirst(LinkFaultHandler.NAME, faults.newHandler(expectedPeer));
        }
    }
}
