package io.chainmesh.node.flux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.node.flux.FluxBridgeCounters.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One FluxOS peer connection after its WebSocket upgrade, either direction: reads FluxOS's text frames (signed
 * envelopes, hash announcements, NAKs) and binary frames ({@link FluxPeerFrameDescriptor}), answers pings, pings
 * the peer and closes it after {@code missedPongs} pings without a pong (4011), and applies FluxOS's peer rules:
 * at most {@value #RATE_LIMIT_PER_SECOND} frames a second (the rest dropped and counted), a malformed hash frame
 * closes the peer (4016 inbound, 4017 outbound), and 5 bad envelopes (malformed, forged, wrong address) within 10
 * minutes close it (4004 / 4007). Stale and unknown-signer envelopes are counted, not held against the peer: as in
 * FluxOS, a relay is not at fault for an old node list.
 * <p>
 * Threads: everything runs on the connection's event loop except {@link #send}, which the relay's sink calls on the
 * node's commit thread; Netty hands that write to the event loop.
 */
final class FluxPeerSession extends SimpleChannelInboundHandler<WebSocketFrame>
{
    /** FluxOS's per-peer message rate limit. */
    static final int RATE_LIMIT_PER_SECOND = 120;
    /** Bad envelopes within {@link #BAD_MESSAGE_WINDOW_MS} that close the peer. */
    static final int BAD_MESSAGE_THRESHOLD = 5;
    /** The window of {@link #BAD_MESSAGE_THRESHOLD}. */
    static final long BAD_MESSAGE_WINDOW_MS = TimeUnit.MINUTES.toMillis(10);
    /** Texts at most this long that carry no signature are read as control messages. */
    private static final int MAX_CONTROL_LENGTH = 512;
    /** How long a close frame may wait for a peer that reads nothing before the connection is closed anyway. */
    static final long FORCE_CLOSE_MS = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FluxBridge bridge;
    private final boolean inbound;
    private final String key;
    private final Set<String> capabilities;
    private final long[] badMessageTimes = new long[BAD_MESSAGE_THRESHOLD];
    private int badMessageCount;
    private long rateSecond = Long.MIN_VALUE;
    private int rateCount;
    private int missedPongs;
    private Channel channel;
    private ScheduledFuture<?> pinger;
    private boolean counted;
    // Event loop only: a close frame was written; nothing more is read, counted or pinged.
    private boolean closing;

    /**
     * @param bridge       the bridge.
     * @param inbound      true for a peer that connected to the bridge.
     * @param key          the peer's {@code ip:port} (the port its path or the configured address names).
     * @param capabilities what the peer announced in {@code X-Flux-Capabilities}.
     */
    FluxPeerSession(final FluxBridge bridge, final boolean inbound, final String key, final Set<String> capabilities)
    {
        this.bridge = bridge;
        this.inbound = inbound;
        this.key = key;
        this.capabilities = Set.copyOf(capabilities);
    }

    String key()
    {
        return key;
    }

    boolean inbound()
    {
        return inbound;
    }

    Set<String> capabilities()
    {
        return capabilities;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        channel = ctx.channel();
        bridge.fluxPeers().register(this);
        counted = true;
        final long interval = bridge.context().pingIntervalMs();
        if (interval > 0)
        {
            pinger = ctx.executor().scheduleAtFixedRate(this::onPingTick, interval, interval, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        release();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        release();
    }

    private void release()
    {
        if (null != pinger)
        {
            pinger.cancel(false);
            pinger = null;
        }
        if (counted)
        {
            counted = false;
            bridge.fluxPeers().unregister(this);
        }
    }

    /** Sends a ping, or closes the peer with 4011 once it has missed too many pongs. */
    void onPingTick()
    {
        if (closing)
        {
            return;
        }
        if (missedPongs >= bridge.context().missedPongs())
        {
            bridge.counters().increment(Counter.CLOSED_DEAD);
            closeWith(FluxCloseCodes.DEAD_CONNECTION, "missed " + missedPongs + " pongs");
            return;
        }
        missedPongs++;
        channel.writeAndFlush(new PingWebSocketFrame());
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final WebSocketFrame frame)
    {
        if (closing)
        {
            return;
        }
        if (frame instanceof PingWebSocketFrame)
        {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            return;
        }
        if (frame instanceof PongWebSocketFrame)
        {
            missedPongs = 0;
            return;
        }
        if (frame instanceof CloseWebSocketFrame)
        {
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!withinRateLimit())
        {
            bridge.counters().increment(Counter.RATE_LIMITED);
            return;
        }
        if (frame instanceof TextWebSocketFrame text)
        {
            onText(text.text());
        }
        else if (frame instanceof BinaryWebSocketFrame binary)
        {
            onBinary(binary.content());
        }
    }

    private boolean withinRateLimit()
    {
        final long second = bridge.clock().time() / 1000;
        if (second != rateSecond)
        {
            rateSecond = second;
            rateCount = 0;
        }
        return ++rateCount <= RATE_LIMIT_PER_SECOND;
    }

    private void onText(final String text)
    {
        final int bar = text.startsWith("T") ? text.indexOf('|') : -1;
        final int start = bar > 0 && bar < 22 ? bar + 1 : 0;
        if (text.length() - start <= MAX_CONTROL_LENGTH && text.indexOf("\"signature\"", start) < 0)
        {
            if (onControl(text.substring(start)))
            {
                return;
            }
        }
        bridge.counters().increment(Counter.ENVELOPES_RECEIVED);
        final FluxRelay.Outcome outcome = bridge.relay().onFluxPeerMessage(text);
        switch (outcome)
        {
            case MALFORMED, FUTURE, ADDRESS_MISMATCH, BAD_SIGNATURE -> onBadMessage();
            default ->
            {
                // Relayed, duplicate, stale, unknown signer, too large, back pressure: counted by the relay.
            }
        }
    }

    /**
     * @return true if the text was a control message (handled here), false if it is to be read as an envelope.
     */
    private boolean onControl(final String body)
    {
        final JsonNode root;
        try
        {
            root = JSON.readTree(body);
        }
        catch (final Exception ex)
        {
            return false;
        }
        if (null == root || !root.isObject())
        {
            return false;
        }
        final JsonNode present = root.get("messageHashPresent");
        final JsonNode request = root.get("requestMessageHash");
        if (null != present || null != request)
        {
            final JsonNode hash = null != present ? present : request;
            final byte[] bytes = hexHash(hash);
            if (null == bytes)
            {
                closeInvalid("messageHashPresent/requestMessageHash must be 40 hex characters");
            }
            else if (null != present)
            {
                bridge.onHashAnnounced(this, bytes);
            }
            else
            {
                bridge.counters().increment(Counter.HASH_REQUESTS_UNANSWERED);
            }
            return true;
        }
        final JsonNode type = root.get("type");
        if (null != type && null == root.get("version"))
        {
            switch (type.asText())
            {
                case "nak" -> bridge.counters().increment(Counter.NAKS_RECEIVED);
                case "peerExchange", "peerUpdate" -> bridge.counters().increment(Counter.UNSUPPORTED_FRAMES);
                default ->
                {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static byte[] hexHash(final JsonNode value)
    {
        if (!value.isTextual() || value.textValue().length() != 2 * FluxPeerFrameDescriptor.HASH_LENGTH)
        {
            return null;
        }
        try
        {
            return HexFormat.of().parseHex(value.textValue());
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
    }

    private void onBinary(final ByteBuf content)
    {
        final int length = content.readableBytes();
        if (length < 1)
        {
            closeInvalid("empty binary frame");
            return;
        }
        final byte type = content.getByte(content.readerIndex() + FluxPeerFrameDescriptor.TYPE_OFFSET);
        final String wrong = FluxPeerFrameDescriptor.checkLength(type, length);
        if (null != wrong)
        {
            closeInvalid(wrong);
            return;
        }
        switch (type)
        {
            case FluxPeerFrameDescriptor.HASH_PRESENT ->
            {
                final byte[] hash = new byte[FluxPeerFrameDescriptor.HASH_LENGTH];
                content.getBytes(content.readerIndex() + FluxPeerFrameDescriptor.HASH_OFFSET, hash);
                bridge.onHashAnnounced(this, hash);
            }
            case FluxPeerFrameDescriptor.HASH_REQUEST -> bridge.counters().increment(Counter.HASH_REQUESTS_UNANSWERED);
            case FluxPeerFrameDescriptor.NAK -> bridge.counters().increment(Counter.NAKS_RECEIVED);
            // Peer exchange, sync requests and types added later: FluxOS ignores what it does not know, so does the bridge.
            default -> bridge.counters().increment(Counter.UNSUPPORTED_FRAMES);
        }
    }

    /**
     * Asks the peer for the message with this hash, in the form the peer reads.
     *
     * @param hash the 20-byte FluxOS message hash.
     */
    void requestHash(final byte[] hash)
    {
        if (capabilities.contains(FluxBridge.CAPABILITY_BINARY))
        {
            final ByteBuf frame = Unpooled.buffer(FluxPeerFrameDescriptor.HASH_FRAME_LENGTH);
            frame.writeByte(FluxPeerFrameDescriptor.HASH_REQUEST).writeBytes(hash);
            channel.writeAndFlush(new BinaryWebSocketFrame(frame));
        }
        else
        {
            channel.writeAndFlush(new TextWebSocketFrame("{\"requestMessageHash\":\"" + HexFormat.of().formatHex(hash) + "\"}"));
        }
    }

    /**
     * Writes an envelope from the overlay to this peer, with a send-time prefix if it reads them; drops it (counted)
     * if the peer's socket is full. Any thread.
     *
     * @param envelopeText the envelope's JSON text.
     */
    void send(final String envelopeText)
    {
        if (!channel.isActive() || !channel.isWritable())
        {
            bridge.counters().increment(Counter.DELIVERIES_DROPPED_SLOW_PEER);
            return;
        }
        final String text = capabilities.contains(FluxBridge.CAPABILITY_TIMESTAMPS) ?
            "T" + bridge.clock().time() + "|" + envelopeText : envelopeText;
        channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8))));
        bridge.counters().increment(Counter.DELIVERIES);
    }

    private void onBadMessage()
    {
        final long now = bridge.clock().time();
        int recent = 0;
        for (int i = 0; i < badMessageTimes.length; i++)
        {
            if (i < badMessageCount && now - badMessageTimes[i] < BAD_MESSAGE_WINDOW_MS)
            {
                badMessageTimes[recent++] = badMessageTimes[i];
            }
        }
        badMessageCount = recent;
        if (badMessageCount < badMessageTimes.length)
        {
            badMessageTimes[badMessageCount++] = now;
        }
        if (badMessageCount >= BAD_MESSAGE_THRESHOLD)
        {
            bridge.counters().increment(Counter.CLOSED_BAD_ORIGIN);
            closeWith(inbound ? FluxCloseCodes.BAD_ORIGIN_INBOUND : FluxCloseCodes.BAD_ORIGIN_OUTBOUND,
                "too many bad messages");
        }
    }

    private void closeInvalid(final String why)
    {
        bridge.counters().increment(Counter.CLOSED_INVALID);
        closeWith(inbound ? FluxCloseCodes.INVALID_MSG_INBOUND : FluxCloseCodes.INVALID_MSG_OUTBOUND,
            "Message not valid, disconnect: " + why);
    }

    /**
     * Writes a close frame with this code, then closes; once per connection. A peer that reads nothing (hung, or its
     * host gone) never takes the frame, so the connection is closed after {@link #FORCE_CLOSE_MS} in any case.
     * Any thread.
     */
    void closeWith(final int code, final String reason)
    {
        if (!channel.eventLoop().inEventLoop())
        {
            channel.eventLoop().execute(() -> closeWith(code, reason));
            return;
        }
        if (closing)
        {
            return;
        }
        closing = true;
        channel.eventLoop().schedule(() -> channel.close(), FORCE_CLOSE_MS, TimeUnit.MILLISECONDS);
        // A close reason is at most 123 bytes on the wire.
        final String shortReason = reason.length() > 120 ? reason.substring(0, 120) : reason;
        channel.writeAndFlush(new CloseWebSocketFrame(code, shortReason)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        if (cause instanceof TooLongFrameException || cause instanceof CorruptedFrameException)
        {
            if (cause instanceof TooLongFrameException || String.valueOf(cause.getMessage()).contains("Max frame length"))
            {
                bridge.counters().increment(Counter.FRAMES_TOO_LARGE);
                closeWith(WebSocketCloseStatus.MESSAGE_TOO_BIG.code(), "frame exceeds " + bridge.context().maxFrameLength());
                return;
            }
            bridge.counters().increment(Counter.CLOSED_INVALID);
        }
        ctx.close();
    }

    @Override
    public String toString()
    {
        return (inbound ? "inbound " : "outbound ") + key;
    }
}
