package io.chainmesh.engine.transport;

import io.chainmesh.codec.control.Close;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.engine.EngineCounters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.AttributeKey;

import java.util.concurrent.TimeUnit;

/**
 * Sends CLOSE(reason, text) and then closes the channel, so a peer always learns why it was dropped.
 * If the CLOSE cannot be written within a second (a peer that stopped reading) the channel is closed anyway.
 */
public final class Closer
{
    private static final long FORCE_CLOSE_MS = 1000;
    private static final AttributeKey<CloseReason> CLOSING = AttributeKey.valueOf("chainmesh.closing");

    private Closer()
    {
    }

    /**
     * Refuses a connection before or at registration: counts a handshake failure for the reason (once
     * per channel, however many problems follow) and closes with it.
     *
     * @param channel  the channel.
     * @param reason   why.
     * @param text     detail for the peer.
     * @param counters where to count it.
     */
    public static void refuse(
        final Channel channel, final CloseReason reason, final String text, final EngineCounters counters)
    {
        if (channel.isOpen() && !isClosing(channel))
        {
            counters.handshakeFailures(reason).increment();
            close(channel, reason, text, counters);
        }
    }

    /**
     * @param channel a channel.
     * @return true once a close with reason has started on it.
     */
    public static boolean isClosing(final Channel channel)
    {
        return channel.hasAttr(CLOSING) && null != channel.attr(CLOSING).get();
    }

    /**
     * @param channel a channel.
     * @return the reason of the CLOSE this node sent on it, or null if it sent none.
     */
    public static CloseReason sentReason(final Channel channel)
    {
        return channel.hasAttr(CLOSING) ? channel.attr(CLOSING).get() : null;
    }

    /**
     * Sends CLOSE and closes; must run on the channel's event loop. Counts the CLOSE sent by reason.
     *
     * @param channel  the channel.
     * @param reason   why.
     * @param text     detail for the peer (truncated to the codec's limit).
     * @param counters where to count it.
     */
    public static void close(
        final Channel channel, final CloseReason reason, final String text, final EngineCounters counters)
    {
        if (!channel.isOpen() || null != channel.attr(CLOSING).setIfAbsent(reason))
        {
            return;
        }
        counters.closesSent(reason).increment();
        final String bounded = text.length() > ControlCodec.MAX_TEXT_LENGTH / 4 ?
            text.substring(0, ControlCodec.MAX_TEXT_LENGTH / 4) : text;
        channel.config().setAutoRead(false);
        channel.writeAndFlush(Frames.encodeControl(channel.alloc(), FrameType.CLOSE,
            Close.newBuilder().setReason(reason).setText(bounded).build()))
            .addListener(ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> channel.close(), FORCE_CLOSE_MS, TimeUnit.MILLISECONDS);
    }
}
