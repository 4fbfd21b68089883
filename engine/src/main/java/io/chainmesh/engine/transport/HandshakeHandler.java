package io.chainmesh.engine.transport;

import com.google.protobuf.ByteString;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.control.Auth;
import io.chainmesh.codec.control.Capabilities;
import io.chainmesh.codec.control.Close;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.control.Hello;
import io.chainmesh.codec.crypto.EphemeralKey;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.codec.frame.FrameDecoder;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.codec.record.RecordAead;
import io.chainmesh.codec.record.RecordDescriptor;
import io.chainmesh.codec.record.SessionKeys;
import io.chainmesh.engine.EngineCounters;
import io.chainmesh.engine.overlay.OverlayView;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Authenticates a connection (DESIGN.md, Handshake): both sides send HELLO, then AUTH, a signature
 * with the chain key over {@link #transcriptHash(byte[], byte[])} of both hellos (dialler's first).
 * HELLO names the member (collateral) the sender speaks for and the key it signs with; {@link MemberClaim}
 * decides whether that claim is acceptable (listed, listed with that key, the member dialled, from the
 * listed host for an inbound claim) before AUTH proves the key. Any failure sends CLOSE with its reason,
 * counts it and closes. A peer that goes away instead (a reset, or the end of its stream) is counted as
 * {@link EngineCounters.HandshakeEnd}, not as a failure, and gets no CLOSE. On success the handler replaces itself with a {@link SessionHandler} and reports
 * the new {@link Link}.
 * <p>
 * Encrypted links (engine README, "Record layer"): each HELLO carries a fresh X25519 key and the
 * sender's record AEAD in its capabilities, both covered by the signed transcript. On the peer's HELLO
 * this end derives the session keys ({@link SessionKeys}), sends AUTH in the clear and installs the
 * {@link RecordSealer}: every byte it sends after its AUTH is sealed. On the peer's AUTH frame (the
 * peer's last plaintext frame) it installs the {@link RecordOpener} behind the connection's frame
 * decoder, before verifying the signature (our own refusal then travels sealed, as the peer expects).
 * A peer that does not protect its records the same way (plaintext vs encrypted, unknown AEAD) is
 * refused with CHANNEL_SECURITY_MISMATCH before AUTH.
 * <p>
 * One instance per channel; runs on that channel's IO thread only.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter
{
    /** Name in the pipeline. */
    public static final String NAME = "handshake";
    /**
     * Protocol version this engine speaks ({@code docs/PROTOCOL.md}); a HELLO with any other is refused with
     * VERSION_MISMATCH. It changes with every change to the wire format or to what peers must compute or judge alike
     * (the overlay, the broadcast tree, the repair rules), so nodes that would misunderstand each other never link.
     */
    public static final int PROTOCOL_VERSION = 3;

    private static final byte[] DOMAIN = "chainmesh/handshake/v1".getBytes(StandardCharsets.US_ASCII);

    private final LinkConfig config;
    private final boolean dialler;
    private final MemberId expectedPeer;
    private byte[] localHello;
    private byte[] remoteHello;
    private MemberId remoteId;
    private PublicKey remoteKey;
    private boolean helloReceived;
    private boolean finished;
    private boolean counted;
    private ScheduledFuture<?> timeout;
    private EphemeralKey ephemeralKey;
    private SessionKeys sessionKeys;

    /**
     * @param config       node-wide settings.
     * @param dialler      true on the side that connected.
     * @param expectedPeer the member dialled (null when accepting).
     */
    public HandshakeHandler(final LinkConfig config, final boolean dialler, final MemberId expectedPeer)
    {
        this.config = config;
        this.dialler = dialler;
        this.expectedPeer = expectedPeer;
    }

    /**
     * The hash both sides sign: SHA-256 of a domain string, then the dialler's and the acceptor's HELLO
     * bodies, each prefixed by its length (u32 big-endian), exactly as they travelled.
     *
     * @param diallerHello  HELLO body sent by the dialler.
     * @param acceptorHello HELLO body sent by the acceptor.
     * @return 32-byte hash.
     */
    public static byte[] transcriptHash(final byte[] diallerHello, final byte[] acceptorHello)
    {
        try
        {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(DOMAIN);
            digest.update(lengthPrefix(diallerHello.length));
            digest.update(diallerHello);
            digest.update(lengthPrefix(acceptorHello.length));
            digest.update(acceptorHello);
            return digest.digest();
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 unavailable", ex);
        }
    }

    private static byte[] lengthPrefix(final int length)
    {
        return new byte[]{(byte)(length >>> 24), (byte)(length >>> 16), (byte)(length >>> 8), (byte)length};
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        config.counters().connections(EngineCounters.ConnectionState.HANDSHAKING).increment();
        counted = true;
        if (ctx.channel().isActive())
        {
            start(ctx);
        }
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx)
    {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(final ChannelHandlerContext ctx)
    {
        if (null != localHello)
        {
            return;
        }
        final byte[] nonce = new byte[ControlCodec.NONCE_LENGTH];
        config.random().nextBytes(nonce);
        final RecordAead aead = config.records().cipher().aead();
        final Hello.Builder builder = Hello.newBuilder()
            .setProtocolVersion(PROTOCOL_VERSION)
            .setPublicKey(ByteString.copyFrom(config.nodeKey().publicKey().toBytes()))
            .setMember(ByteString.copyFrom(config.events().view().self().toBytes()))
            .setNonce(ByteString.copyFrom(nonce))
            .setDirectoryHeight(config.directoryHeightSource().getAsLong())
            .setCapabilities(Capabilities.of(aead));
        if (null != aead)
        {
            ephemeralKey = EphemeralKey.generate(config.random());
            builder.setEphemeralKey(ByteString.copyFrom(ephemeralKey.publicKey()));
        }
        final Hello hello = builder.build();
        localHello = hello.toByteArray();
        ctx.writeAndFlush(Frames.encodeControl(ctx.alloc(), FrameType.HELLO, hello)).addListener(writeFailure(ctx));
        timeout = ctx.executor().schedule(
            () -> fail(ctx, CloseReason.HANDSHAKE_TIMEOUT,
                "not authenticated within " + TimeUnit.NANOSECONDS.toMillis(config.handshakeTimeoutNs()) + " ms"),
            config.handshakeTimeoutNs(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        release();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        release();
        ctx.fireChannelInactive();
    }

    private void release()
    {
        if (null != timeout)
        {
            timeout.cancel(false);
        }
        if (counted)
        {
            counted = false;
            config.counters().connections(EngineCounters.ConnectionState.HANDSHAKING).decrement();
        }
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final ByteBuf frame = (ByteBuf)msg;
        try
        {
            if (finished)
            {
                return;
            }
            config.counters().framesIn().increment();
            onFrame(ctx, frame);
        }
        catch (final CodecException ex)
        {
            fail(ctx, CloseReason.PROTOCOL_VIOLATION, ex.getMessage());
        }
        finally
        {
            frame.release();
        }
    }

    private void onFrame(final ChannelHandlerContext ctx, final ByteBuf frame)
    {
        final int type = Frames.type(frame);
        if (type == FrameType.CLOSE)
        {
            final Close close = ControlCodec.parseClose(frame);
            finished = true;
            config.counters().closesReceived(close.getReason()).increment();
            config.events().onRefusedByPeer(expectedPeer, close.getReason());
            ctx.close();
            return;
        }
        if (!helloReceived)
        {
            if (type != FrameType.HELLO)
            {
                fail(ctx, CloseReason.PROTOCOL_VIOLATION, "expected HELLO before " + FrameType.name(type));
                return;
            }
            onHello(ctx, frame);
        }
        else
        {
            if (type != FrameType.AUTH)
            {
                fail(ctx, CloseReason.PROTOCOL_VIOLATION, "expected AUTH before " + FrameType.name(type));
                return;
            }
            onAuth(ctx, frame);
        }
    }

    private void onHello(final ChannelHandlerContext ctx, final ByteBuf frame)
    {
        final Hello hello = ControlCodec.parseHello(frame);
        helloReceived = true;
        if (hello.getProtocolVersion() != PROTOCOL_VERSION)
        {
            fail(ctx, CloseReason.VERSION_MISMATCH,
                "protocol_version " + Integer.toUnsignedString(hello.getProtocolVersion()) + " is not supported, expected " +
                PROTOCOL_VERSION);
            return;
        }
        remoteId = MemberId.fromBytes(hello.getMember().toByteArray());
        remoteKey = PublicKey.fromBytes(hello.getPublicKey().toByteArray());
        final OverlayView view = config.events().view();
        final MemberClaim.Verdict verdict = MemberClaim.check(view.snapshot(), view.self(), remoteId, remoteKey,
            dialler ? expectedPeer : null, dialler || !config.inboundAddressCheck() ? null : ctx.channel().remoteAddress());
        if (MemberClaim.Verdict.ACCEPTED != verdict)
        {
            fail(ctx, verdict.closeReason(), verdict.describe(view.snapshot(), remoteId, remoteKey, expectedPeer,
                ctx.channel().remoteAddress()));
            return;
        }
        final RecordAead peerAead = checkRecordCapabilities(ctx, hello);
        if (finished)
        {
            return;
        }
        remoteHello = ByteBufUtil.getBytes(frame, frame.readerIndex() + io.chainmesh.codec.frame.FrameDescriptor.BODY_OFFSET,
            frame.readableBytes() - io.chainmesh.codec.frame.FrameDescriptor.BODY_OFFSET);
        final byte[] hash = dialler ? transcriptHash(localHello, remoteHello) : transcriptHash(remoteHello, localHello);
        if (null == ephemeralKey && config.records().encrypted())
        {
            // Never fall back to plaintext on an encrypted node, whatever state led here.
            fail(ctx, CloseReason.PROTOCOL_VIOLATION, "no ephemeral key for an encrypted link");
            return;
        }
        if (null != ephemeralKey)
        {
            // CodecException (small-order key) is refused as PROTOCOL_VIOLATION by channelRead.
            final byte[] secret = ephemeralKey.agree(hello.getEphemeralKey().toByteArray());
            ephemeralKey = null;
            sessionKeys = SessionKeys.derive(secret, hash, dialler, config.records().cipher().aead(), peerAead);
            Arrays.fill(secret, (byte)0);
        }
        final Auth auth = Auth.newBuilder().setSignature(ByteString.copyFrom(config.nodeKey().sign(hash))).build();
        ctx.writeAndFlush(Frames.encodeControl(ctx.alloc(), FrameType.AUTH, auth)).addListener(writeFailure(ctx));
        if (null != sessionKeys)
        {
            // Everything this end writes from here on is sealed; AUTH above was the last plaintext frame.
            ctx.pipeline().addFirst(RecordSealer.NAME,
                new RecordSealer(sessionKeys.sealer(), config.records(), config.counters().records()));
        }
    }

    /**
     * Both ends must protect records alike; returns the AEAD the peer seals with (null for plaintext), or
     * fails the handshake with CHANNEL_SECURITY_MISMATCH / PROTOCOL_VIOLATION.
     */
    private RecordAead checkRecordCapabilities(final ChannelHandlerContext ctx, final Hello hello)
    {
        final boolean encrypted = config.records().encrypted();
        final long capabilities = hello.getCapabilities();
        if (Capabilities.encrypted(capabilities) != encrypted)
        {
            fail(ctx, CloseReason.CHANNEL_SECURITY_MISMATCH, encrypted ?
                "this node requires encrypted records, the peer sends plaintext" :
                "this node is configured for plaintext links, the peer requires encrypted records");
            return null;
        }
        if (!encrypted)
        {
            return null;
        }
        final RecordAead peerAead = RecordAead.fromId(Capabilities.recordAeadId(capabilities));
        if (null == peerAead)
        {
            fail(ctx, CloseReason.CHANNEL_SECURITY_MISMATCH,
                "unknown record AEAD id " + Capabilities.recordAeadId(capabilities) + " in HELLO capabilities");
            return null;
        }
        if (hello.getEphemeralKey().size() != EphemeralKey.LENGTH)
        {
            fail(ctx, CloseReason.PROTOCOL_VIOLATION, "HELLO ephemeral_key length " + hello.getEphemeralKey().size() +
                " must be " + EphemeralKey.LENGTH + " for encrypted records");
            return null;
        }
        return peerAead;
    }

    /**
     * Installs the opening half of the record layer behind the connection's frame decoder: every frame the
     * decoder emits after the peer's AUTH (which is being handled now) is a record.
     */
    private void installOpener(final ChannelHandlerContext ctx)
    {
        final FrameDecoder recordFramer = (FrameDecoder)ctx.pipeline().get(ChannelSetup.DECODER);
        recordFramer.maxFrameLength(RecordDescriptor.MAX_LENGTH_FIELD);
        ctx.pipeline().addBefore(NAME, RecordOpener.NAME,
            new RecordOpener(sessionKeys.opener(), config.counters(), config.maxFrameLength()));
    }

    private void onAuth(final ChannelHandlerContext ctx, final ByteBuf frame)
    {
        if (null != sessionKeys)
        {
            installOpener(ctx);
        }
        final Auth auth = ControlCodec.parseAuth(frame);
        final byte[] hash = dialler ? transcriptHash(localHello, remoteHello) : transcriptHash(remoteHello, localHello);
        if (!remoteKey.verify(hash, auth.getSignature().toByteArray()))
        {
            fail(ctx, CloseReason.BAD_SIGNATURE, "AUTH signature does not verify for " + remoteId + " with key " + remoteKey);
            return;
        }
        finished = true;
        release();
        ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        final Link link = new Link(ctx.channel(), remoteId, dialler, config.counters(), config.missedHeartbeats(),
            config.outboundBudgetBytes(), config.maxFrameLength());
        ctx.pipeline().remove(PreAuthGuard.NAME);
        ctx.pipeline().replace(this, SessionHandler.NAME, new SessionHandler(config, link));
        config.events().onAuthenticated(link);
    }

    /**
     * The peer closed its side before authenticating (the connection allows half-closure during the handshake,
     * so the end of stream arrives as this event instead of a silent close): counted as an EOF, not a failure, and
     * closed without a CLOSE, which nobody would read.
     */
    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event)
    {
        if (event instanceof ChannelInputShutdownEvent)
        {
            peerWentAway(ctx, EngineCounters.HandshakeEnd.EOF);
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    /** A write the peer's reset made fail closes the channel without an exception event: count it here. */
    private ChannelFutureListener writeFailure(final ChannelHandlerContext ctx)
    {
        return future ->
        {
            final Throwable cause = future.cause();
            if (cause instanceof IOException && !(cause instanceof ClosedChannelException))
            {
                peerWentAway(ctx, EngineCounters.HandshakeEnd.RESET);
            }
        };
    }

    private void peerWentAway(final ChannelHandlerContext ctx, final EngineCounters.HandshakeEnd end)
    {
        if (!finished && !Closer.isClosing(ctx.channel()))
        {
            config.counters().handshakeEnds(end).increment();
        }
        finished = true;
        ctx.close();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        final Throwable root = cause instanceof DecoderException && null != cause.getCause() ? cause.getCause() : cause;
        final String message = String.valueOf(root.getMessage());
        if (root instanceof IOException)
        {
            // A reset from the peer (a port scan, a health check, a crashed dialler): nobody to send CLOSE to.
            peerWentAway(ctx, EngineCounters.HandshakeEnd.RESET);
        }
        else if (root instanceof CodecException)
        {
            fail(ctx, message.contains("exceeds limit") ? CloseReason.FRAME_TOO_LARGE : CloseReason.PROTOCOL_VIOLATION,
                message);
        }
        else
        {
            config.counters().errors().increment();
            fail(ctx, CloseReason.PROTOCOL_VIOLATION, root.getClass().getSimpleName() + ": " + message);
        }
    }

    private void fail(final ChannelHandlerContext ctx, final CloseReason reason, final String text)
    {
        if (finished)
        {
            return;
        }
        finished = true;
        Closer.refuse(ctx.channel(), reason, text, config.counters());
    }

    /**
     * @return the member the peer claims (authenticated once AUTH verified), or null before HELLO.
     */
    public MemberId remoteId()
    {
        return remoteId;
    }
}
