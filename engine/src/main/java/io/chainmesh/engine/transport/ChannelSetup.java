package io.chainmesh.engine.transport;

import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.frame.FrameDecoder;
import io.chainmesh.engine.EngineCounters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Builds the pipeline of a new connection, which reads as the protocol's story:
 * {@link PreAuthGuard} (byte budget) → {@link FrameDecoder} → {@link HandshakeHandler}, which is
 * replaced by {@link SessionHandler} once the peer is authenticated (and the guard removed). An inbound connection
 * over an {@link Admission} cap is closed here, at accept, before any of that.
 */
public final class ChannelSetup extends ChannelInitializer<Channel>
{
    /** Name of the frame decoder in the pipeline. */
    public static final String DECODER = "frameDecoder";

    private final LinkConfig config;
    private final boolean dialler;
    private final MemberId expectedPeer;
    private final Admission admission;
    private final LinkFaults faults;

    /**
     * @param config       node-wide settings.
     * @param dialler      true for outbound connections.
     * @param expectedPeer the member dialled, null for inbound.
     */
    public ChannelSetup(final LinkConfig config, final boolean dialler, final MemberId expectedPeer)
    {
        this(config, dialler, expectedPeer, null, null);
    }

    /**
     * @param config       node-wide settings.
     * @param dialler      true for outbound connections.
     * @param expectedPeer the member dialled, null for inbound.
     * @param admission    caps on unauthenticated inbound connections (null: none).
     * @param faults       test-only link faults ({@link LinkFaultHandler} goes first), or null.
     */
    public ChannelSetup(
        final LinkConfig config,
        final boolean dialler,
        final MemberId expectedPeer,
        final Admission admission,
        final LinkFaults faults)
    {
        this.config = config;
        this.dialler = dialler;
        this.expectedPeer = expectedPeer;
        this.admission = admission;
        this.faults = faults;
    }

    @Override
    protected void initChannel(final Channel channel)
    {
        Runnable release = null;
        if (null != admission && channel.remoteAddress() instanceof InetSocketAddress remote)
        {
            final InetAddress source = remote.getAddress();
            final EngineCounters.AdmissionRefusal refusal = admission.tryAdmit(source);
            if (null != refusal)
            {
                // Refused at accept: no HELLO, no key, no timer; a reset so no TIME_WAIT is left behind either.
                config.counters().admissionRefused(refusal).increment();
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
                channel.close();
                return;
            }
            release = () -> admission.release(source);
        }
        // Every connection, authenticated or not, is tracked so close() can close it (a shared event
        // loop group would otherwise keep half-open handshakes alive after the node is closed).
        config.channels().add(channel);
        // Until authenticated, the peer's end of stream arrives as an event, so the handshake tells it from a close
        // of ours (HandshakeHandler switches this off when the link is established).
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        // Reads are joined without copying: every consumer behind the decoder copies a frame out (the record opener,
        // the ingress ring) or takes it in place, so Netty's copy of each read onto a partial frame is pure waste.
        channel.pipeline()
            .addLast(PreAuthGuard.NAME, new PreAuthGuard(config.maxPreAuthBytes(), config.counters(), release))
            .addLast(DECODER, new FrameDecoder(config.maxFrameLength()).joinReadsWithoutCopying())
            .addLast(HandshakeHandler.NAME, new HandshakeHandler(config, dialler, expectedPeer));
        if (null != faults)
        {
            channel.pipeline().addFirst(LinkFaultHandler.NAME, faults.newHandler(expectedPeer));
        }
    }
}
