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
 * <p>
 * A link replaced while both members stay well ({@link #readsUntilPeerCloses}) is closed gently: this end keeps
 * reading after its CLOSE until the peer closes (at most a second), so what the peer sent before it learned of
 * the close still arrives, and the peer, on that CLOSE, writes what it had accepted for the link before it
 * closes. Every other close stops reading at once.
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
     * @param reason a close reason.
     * @return true if the peer stays a well-behaved member linked otherwise (the link was replaced by another, or
     *         the overlay no longer needs it): the closing end reads on until the peer closes, and a receiver of
     *         such a CLOSE writes the frames it had accepted for the link before closing.
     */
    public static boolean readsUntilPeerCloses(final CloseReason reason)
    {
        return reason == CloseReason.DUPLICATE_CONNECTION || reason == CloseReason.LINK_NO_LONGER_NEEDED;
    }

    /**
     * @param reason a close reason.
     * @return true if the peer is expected to read what precedes the CLOSE (an orderly close: shutdown, a member
     *         leaving, a link replaced or no longer needed), so frames already accepted for the link are written
     *         before it; false when the peer misbehaves or is silent, and they are counted as dropped instead.
     */
    public static boolean writesAcceptedFirst(final CloseReason reason)
    {
        return readsUntilPeerCloses(reason) || reason == CloseReason.NORMAL_SHUTDOWN ||
            reason == CloseReason.MEMBER_LEFT;
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
        final boolean readOn = readsUntilPeerCloses(reason);
        if (!readOn)
        {
            channel.config().setAutoRead(false);
        }
        channel.writeAndFlush(Frames.encodeControl(channel.alloc(), FrameType.CLOSE,
            Close.newBuilder().setReason(reason).setText(bounded).build()))
            .addListener(readOn ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> channel.close(), FORCE_CLOSE_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Closes once everything written so far has left, or after a second: the end of a link whose peer sent a
     * CLOSE it reads on after ({@link #readsUntilPeerCloses}). Must run on the channel's event loop.
     *
     * @param channel the channel.
     */
    public static void closeAfterWrites(final Channel channel)
    {
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> channel.close(), FORCE_CLOSE_MS, TimeUnit.MILLISECONDS);
    }
}
