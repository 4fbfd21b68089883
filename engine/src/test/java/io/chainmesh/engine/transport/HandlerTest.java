package io.chainmesh.engine.transport;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.codec.control.Close;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameDecoder;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.engine.EngineCounters;
import io.chainmesh.engine.TestDirectory;
import io.chainmesh.engine.overlay.OverlayTopology;
import io.chainmesh.engine.overlay.OverlayView;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class HandlerTest
{
    private static final class Events implements LinkEvents
    {
        final List<Link> authenticated = new ArrayList<>();
        final List<Long> directs = new ArrayList<>();
        volatile OverlayView view;

        @Override
        public OverlayView view()
        {
            return view;
        }

        @Override
        public void onAuthenticated(final Link link)
        {
            authenticated.add(link);
        }

        @Override
        public void onLinkClosed(final Link link)
        {
        }

        @Override
        public void onRefusedByPeer(final MemberId expectedPeer, final CloseReason reason)
        {
        }

        @Override
        public void onDirect(final Link link, final org.agrona.MutableDirectBuffer buffer, final int offset,
            final int length)
        {
            io.chainmesh.codec.direct.DirectDescriptor.checkFrame(buffer, offset, length);
            directs.add(buffer.getLong(offset + io.chainmesh.codec.direct.DirectDescriptor.DESTINATION_OFFSET,
                java.nio.ByteOrder.BIG_ENDIAN));
        }

        @Override
        public void onBroadcast(final Link link, final ByteBuf frame)
        {
        }
    }

    private static LinkConfig config(final NodeKey key, final Events events, final EngineCounters counters)
    {
        return new LinkConfig(key, events, counters, SystemNanoClock.INSTANCE, new SecureRandom(),
            TimeUnit.SECONDS.toNanos(5), 4096, 1024 * 1024, TimeUnit.SECONDS.toNanos(1), 3, 64 * 1024, () -> 1L,
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE));
    }

    private static EmbeddedChannel channel(final LinkConfig config, final boolean dialler, final MemberId expected)
    {
        final EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline()
            .addLast(PreAuthGuard.NAME, new PreAuthGuard(config.maxPreAuthBytes(), config.counters()))
            .addLast(ChannelSetup.DECODER, new FrameDecoder(config.maxFrameLength()))
            .addLast(HandshakeHandler.NAME, new HandshakeHandler(config, dialler, expected));
        return channel;
    }

    /** Moves every outbound frame of {@code from} into {@code to}; returns how many buffers moved. */
    private static int pump(final EmbeddedChannel from, final EmbeddedChannel to)
    {
        int moved = 0;
        ByteBuf buf;
        while (null != (buf = from.readOutbound()))
        {
            to.writeInbound(buf);
            moved++;
        }
        return moved;
    }

    @Test
    void shouldAuthenticateBothSidesAndInstallSessionHandler()
    {
        assertHandshakeInstallsSession(false);
    }

    @Test
    void shouldAuthenticatePlaintextPeersAndHandDirectFramesToTheSessionInPlace()
    {
        assertHandshakeInstallsSession(true);
    }

    private static void assertHandshakeInstallsSession(final boolean plaintext)
    {
        final List<NodeKey> keys = TestDirectory.keys(2);
        final DirectorySnapshot snapshot = TestDirectory.snapshot(1, keys, List.of(10, 11));
        final Events eventsA = new Events();
        final Events eventsB = new Events();
        eventsA.view = new OverlayView(OverlayTopology.of(snapshot, 2), TestDirectory.memberIdOf(keys.get(0)));
        eventsB.view = new OverlayView(OverlayTopology.of(snapshot, 2), TestDirectory.memberIdOf(keys.get(1)));
        final EngineCounters countersA = EngineCounters.allocate();
        final EngineCounters countersB = EngineCounters.allocate();
        final RecordSettings records = plaintext ?
            new RecordSettings(io.chainmesh.engine.ChannelCipher.PLAINTEXT, 16384, 1L << 24, 1L << 30) : null;
        final LinkConfig configA = config(keys.get(0), eventsA, countersA);
        final LinkConfig configB = config(keys.get(1), eventsB, countersB);
        final EmbeddedChannel a = channel(plaintext ? configA.withRecords(records) : configA, true, TestDirectory.memberIdOf(keys.get(1)));
        final EmbeddedChannel b = channel(plaintext ? configB.withRecords(records) : configB, false, null);
        while (pump(a, b) + pump(b, a) > 0)
        {
            a.runPendingTasks();
            b.runPendingTasks();
        }
        assertThat(eventsA.authenticated).hasSize(1);
        assertThat(eventsB.authenticated).hasSize(1);
        assertThat(eventsA.authenticated.get(0).remoteId()).isEqualTo(TestDirectory.memberIdOf(keys.get(1)));
        assertThat(eventsB.authenticated.get(0).remoteId()).isEqualTo(TestDirectory.memberIdOf(keys.get(0)));
        assertThat(a.pipeline().get(SessionHandler.NAME)).isNotNull();
        assertThat(a.pipeline().get(PreAuthGuard.NAME)).isNull();
        // The session takes DIRECT frames in place from the handler in front of it: the frame decoder on a
        // plaintext link, the record opener (which the decoder feeds records) on an encrypted one.
        assertThat(a.pipeline().get(FrameDecoder.class).isInPlace(FrameType.DIRECT)).isEqualTo(plaintext);
        assertThat(b.pipeline().get(FrameDecoder.class).isInPlace(FrameType.DIRECT)).isEqualTo(plaintext);
        if (!plaintext)
        {
            assertThat(a.pipeline().get(RecordOpener.class).isInPlace(FrameType.DIRECT)).isTrue();
            assertThat(b.pipeline().get(RecordOpener.class).isInPlace(FrameType.DIRECT)).isTrue();
        }
        assertThat(countersA.connections(EngineCounters.ConnectionState.HANDSHAKING).get()).isZero();
        a.finishAndReleaseAll();
        b.finishAndReleaseAll();
    }

    /** An accepted connection whose peer address is {@code 127.0.0.1:40000}, so the listed-host rule applies. */
    private static EmbeddedChannel acceptorFromLoopback(final LinkConfig config)
    {
        final EmbeddedChannel channel = new EmbeddedChannel()
        {
            @Override
            protected java.net.SocketAddress remoteAddress0()
            {
                return new java.net.InetSocketAddress("127.0.0.1", 40000);
            }
        };
        channel.pipeline()
            .addLast(PreAuthGuard.NAME, new PreAuthGuard(config.maxPreAuthBytes(), config.counters()))
            .addLast(ChannelSetup.DECODER, new FrameDecoder(config.maxFrameLength()))
            .addLast(HandshakeHandler.NAME, new HandshakeHandler(config, false, null));
        return channel;
    }

    /** Sends a HELLO claiming {@code member} with {@code key}; returns the frame type the acceptor answers with. */
    private static int answerToClaim(final EmbeddedChannel acceptor, final MemberId member, final NodeKey key)
    {
        final ByteBuf acceptorHello = acceptor.readOutbound();
        acceptorHello.release();
        final io.chainmesh.codec.control.Hello hello = io.chainmesh.codec.control.Hello.newBuilder()
            .setProtocolVersion(HandshakeHandler.PROTOCOL_VERSION)
            .setPublicKey(com.google.protobuf.ByteString.copyFrom(key.publicKey().toBytes()))
            .setMember(com.google.protobuf.ByteString.copyFrom(member.toBytes()))
            .setNonce(com.google.protobuf.ByteString.copyFrom(new byte[32]))
            .build();
        acceptor.writeInbound(Frames.encodeControl(Unpooled.buffer().alloc(), FrameType.HELLO, hello));
        final ByteBuf answer = acceptor.readOutbound();
        final int type = Frames.type(answer);
        if (FrameType.CLOSE == type)
        {
            lastClose = ControlCodec.parseClose(answer);
        }
        answer.release();
        return type;
    }

    private static Close lastClose;

    private static final RecordSettings PLAINTEXT =
        new RecordSettings(io.chainmesh.engine.ChannelCipher.PLAINTEXT, 16384, 1L << 24, 1L << 30);

    @Test
    void shouldRefuseKeyListedForAnotherMemberClaimingThisOne()
    {
        final List<NodeKey> keys = TestDirectory.keys(3);
        final DirectorySnapshot snapshot = TestDirectory.snapshot(1, keys, List.of(10, 11, 12));
        final Events events = new Events();
        events.view = new OverlayView(OverlayTopology.of(snapshot, 2), TestDirectory.memberIdOf(keys.get(2)));
        final EngineCounters counters = EngineCounters.allocate();
        final EmbeddedChannel acceptor = acceptorFromLoopback(config(keys.get(2), events, counters).withRecords(PLAINTEXT));

        // Key 1 is listed, but for member 1: it cannot speak for member 0.
        assertThat(answerToClaim(acceptor, TestDirectory.memberIdOf(keys.get(0)), keys.get(1))).isEqualTo(FrameType.CLOSE);
        assertThat(lastClose.getReason()).isEqualTo(CloseReason.KEY_NOT_LISTED_FOR_MEMBER);
        assertThat(lastClose.getText()).contains(TestDirectory.memberIdOf(keys.get(0)).toString())
            .contains(keys.get(0).publicKey().toHex()).contains(keys.get(1).publicKey().toHex());
        assertThat(counters.handshakeFailures(CloseReason.KEY_NOT_LISTED_FOR_MEMBER).get()).isEqualTo(1);
        assertThat(events.authenticated).isEmpty();
        acceptor.finishAndReleaseAll();
    }

    @Test
    void shouldLetTheListedHostDecideASiblingClaimOfOneOperator()
    {
        // One operator (one key) lists two members: sibling A at 10.20.30.40, sibling B at 127.0.0.1. The
        // connection comes from 127.0.0.1: it may speak for B, not for A.
        final NodeKey operator = TestDirectory.keys(1).get(0);
        final NodeKey acceptorKey = TestDirectory.keys(1).get(0);
        final MemberId siblingA = MemberId.of("aa".repeat(32), 0);
        final MemberId siblingB = MemberId.of("aa".repeat(32), 1);
        final MemberId self = TestDirectory.memberIdOf(acceptorKey);
        final DirectorySnapshot snapshot = DirectorySnapshot.of(1, List.of(
            new io.chainmesh.chain.Member(siblingA, operator.publicKey(), new io.chainmesh.chain.Endpoint("10.20.30.40", 16127),
                io.chainmesh.chain.Tier.CUMULUS, 1, 1, 1, 0, "", 0),
            new io.chainmesh.chain.Member(siblingB, operator.publicKey(), new io.chainmesh.chain.Endpoint("127.0.0.1", 16127),
                io.chainmesh.chain.Tier.CUMULUS, 2, 2, 2, 0, "", 1),
            TestDirectory.member(self, acceptorKey, 20000, 3)));
        final Events events = new Events();
        events.view = new OverlayView(OverlayTopology.of(snapshot, 2), self);
        final EngineCounters counters = EngineCounters.allocate();
        final LinkConfig config = config(acceptorKey, events, counters).withRecords(PLAINTEXT);

        final EmbeddedChannel claimA = acceptorFromLoopback(config);
        assertThat(answerToClaim(claimA, siblingA, operator)).isEqualTo(FrameType.CLOSE);
        assertThat(lastClose.getReason()).isEqualTo(CloseReason.ADDRESS_NOT_LISTED_FOR_MEMBER);
        assertThat(lastClose.getText()).contains("10.20.30.40").contains("127.0.0.1");
        assertThat(counters.handshakeFailures(CloseReason.ADDRESS_NOT_LISTED_FOR_MEMBER).get()).isEqualTo(1);
        claimA.finishAndReleaseAll();

        final EmbeddedChannel claimB = acceptorFromLoopback(config);
        assertThat(answerToClaim(claimB, siblingB, operator)).as("the listed host may claim it").isEqualTo(FrameType.AUTH);
        claimB.finishAndReleaseAll();

        final EmbeddedChannel anyHost = acceptorFromLoopback(config.withInboundAddressCheck(false));
        assertThat(answerToClaim(anyHost, siblingA, operator)).as("rule turned off (NAT deployments)")
            .isEqualTo(FrameType.AUTH);
        anyHost.finishAndReleaseAll();
        assertThat(events.authenticated).isEmpty();
    }

    @Test
    void shouldRefuseForgedAuthWithBadSignature()
    {
        final List<NodeKey> keys = TestDirectory.keys(3);
        final DirectorySnapshot snapshot = TestDirectory.snapshot(1, keys.subList(0, 2), List.of(10, 11));
        final Events events = new Events();
        events.view = new OverlayView(OverlayTopology.of(snapshot, 2), TestDirectory.memberIdOf(keys.get(1)));
        final EngineCounters counters = EngineCounters.allocate();
        // Plaintext links, so this raw HELLO (no ephemeral key) is acceptable; RecordLayerTest covers the
        // same refusal on an encrypted link, sealed.
        final EmbeddedChannel acceptor = channel(config(keys.get(1), events, counters).withRecords(
            new RecordSettings(io.chainmesh.engine.ChannelCipher.PLAINTEXT, 16384, 1L << 24, 1L << 30)), false, null);
        final ByteBuf acceptorHello = acceptor.readOutbound();
        acceptorHello.release();
        // A mallory claims member 0's id but signs with its own key.
        final io.chainmesh.codec.control.Hello hello = io.chainmesh.codec.control.Hello.newBuilder()
            .setProtocolVersion(HandshakeHandler.PROTOCOL_VERSION)
            .setPublicKey(com.google.protobuf.ByteString.copyFrom(keys.get(0).publicKey().toBytes()))
                .setMember(com.google.protobuf.ByteString.copyFrom(TestDirectory.memberIdOf(keys.get(0)).toBytes()))
            .setNonce(com.google.protobuf.ByteString.copyFrom(new byte[32]))
            .build();
        acceptor.writeInbound(Frames.encodeControl(Unpooled.buffer().alloc(), FrameType.HELLO, hello));
        final ByteBuf auth = acceptor.readOutbound();
        assertThat(Frames.type(auth)).isEqualTo(FrameType.AUTH);
        auth.release();
        final byte[] forged = keys.get(2).sign(HandshakeHandler.transcriptHash(hello.toByteArray(), new byte[0]));
        acceptor.writeInbound(Frames.encodeControl(Unpooled.buffer().alloc(), FrameType.AUTH,
            io.chainmesh.codec.control.Auth.newBuilder()
                .setSignature(com.google.protobuf.ByteString.copyFrom(forged)).build()));
        final ByteBuf close = acceptor.readOutbound();
        assertThat(Frames.type(close)).isEqualTo(FrameType.CLOSE);
        final Close parsed = ControlCodec.parseClose(close);
        close.release();
        assertThat(parsed.getReason()).isEqualTo(CloseReason.BAD_SIGNATURE);
        assertThat(counters.handshakeFailures(CloseReason.BAD_SIGNATURE).get()).isEqualTo(1);
        assertThat(events.authenticated).isEmpty();
        acceptor.finishAndReleaseAll();
    }

    /**
     * A node of another protocol version is refused before anything else is checked, by either end: 1 and 2 are
     * what nodes of the radix-2 and radix-4 trees speak (with their own PING layout and repair rules); 0 is a HELLO
     * without the field; above ours is a newer node (-1 is 2^32 - 1 on the wire, a uint32).
     */
    @ParameterizedTest
    @CsvSource({
        "1, false", "1, true",
        "2, false", "2, true",
        "0, false",
        "4, false", "4, true",
        "2147483647, false", "-1, false"})
    void shouldRefuseAnyOtherProtocolVersionNamingBoth(final int peerVersion, final boolean dialler)
    {
        assertThat(peerVersion).isNotEqualTo(HandshakeHandler.PROTOCOL_VERSION);
        final List<NodeKey> keys = TestDirectory.keys(2);
        final DirectorySnapshot snapshot = TestDirectory.snapshot(1, keys, List.of(10, 11));
        final Events events = new Events();
        events.view = new OverlayView(OverlayTopology.of(snapshot, 2), TestDirectory.memberIdOf(keys.get(1)));
        final EngineCounters counters = EngineCounters.allocate();
        final EmbeddedChannel local = channel(config(keys.get(1), events, counters), dialler,
            dialler ? TestDirectory.memberIdOf(keys.get(0)) : null);
        final ByteBuf localHello = local.readOutbound();
        assertThat(ControlCodec.parseHello(localHello).getProtocolVersion()).isEqualTo(HandshakeHandler.PROTOCOL_VERSION);
        localHello.release();
        local.writeInbound(Frames.encodeControl(Unpooled.buffer().alloc(), FrameType.HELLO,
            io.chainmesh.codec.control.Hello.newBuilder()
                .setProtocolVersion(peerVersion)
                .setPublicKey(com.google.protobuf.ByteString.copyFrom(keys.get(0).publicKey().toBytes()))
                .setMember(com.google.protobuf.ByteString.copyFrom(TestDirectory.memberIdOf(keys.get(0)).toBytes()))
                .setNonce(com.google.protobuf.ByteString.copyFrom(new byte[32]))
                .setEphemeralKey(com.google.protobuf.ByteString.copyFrom(new byte[32]))
                .build()));

        final ByteBuf close = local.readOutbound();
        assertThat(Frames.type(close)).as("refused before AUTH").isEqualTo(FrameType.CLOSE);
        final Close parsed = ControlCodec.parseClose(close);
        close.release();
        assertThat(parsed.getReason()).isEqualTo(CloseReason.VERSION_MISMATCH);
        assertThat(parsed.getText()).contains("protocol_version " + Integer.toUnsignedString(peerVersion))
            .contains("expected " + HandshakeHandler.PROTOCOL_VERSION);
        assertThat(local.<ByteBuf>readOutbound()).as("nothing after the CLOSE").isNull();
        assertThat(counters.handshakeFailures(CloseReason.VERSION_MISMATCH).get()).isEqualTo(1);
        assertThat(events.authenticated).isEmpty();
        local.runPendingTasks();
        assertThat(local.isOpen()).isFalse();
        local.finishAndReleaseAll();
    }

    @Test
    void shouldDeliverDirectFramesInPlaceInOrderWithOtherFrames()
    {
        assertDirectFramesDelivered(false);
    }

    @Test
    void shouldDeliverDirectFramesAsSlicesWhenAnotherHandlerSitsBetweenDecoderAndSession()
    {
        assertDirectFramesDelivered(true);
    }

    private static void assertDirectFramesDelivered(final boolean handlerInBetween)
    {
        final List<NodeKey> keys = TestDirectory.keys(2);
        final Events events = new Events();
        final EngineCounters counters = EngineCounters.allocate();
        final EmbeddedChannel channel = new EmbeddedChannel();
        final LinkConfig config = config(keys.get(0), events, counters);
        final Link link = new Link(channel, TestDirectory.memberIdOf(keys.get(1)), true, counters, 3, 64 * 1024, 1024 * 1024);
        final FrameDecoder decoder = new FrameDecoder(1024 * 1024);
        final java.util.concurrent.atomic.AtomicInteger seenBetween = new java.util.concurrent.atomic.AtomicInteger();
        channel.pipeline().addLast(decoder);
        if (handlerInBetween)
        {
            channel.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter()
            {
                @Override
                public void channelRead(final io.netty.channel.ChannelHandlerContext ctx, final Object msg)
                {
                    seenBetween.incrementAndGet();
                    ctx.fireChannelRead(msg);
                }
            });
        }
        channel.pipeline().addLast(new SessionHandler(config, link));
        // As the connection manager does once it registered the link.
        link.openDirect();
        channel.runPendingTasks();
        final ByteBuf in = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer();
        final io.chainmesh.codec.direct.DirectEncoder encoder = new io.chainmesh.codec.direct.DirectEncoder();
        final org.agrona.concurrent.UnsafeBuffer payload = new org.agrona.concurrent.UnsafeBuffer(new byte[64]);
        encoder.encode(in, 1, 9, 8, payload, 0, 64);
        encoder.encode(in, 2, 9, 8, payload, 0, 64);
        io.chainmesh.codec.ping.PingDescriptor.writeFrame(in, FrameType.PING, 42);
        encoder.encode(in, 3, 9, 8, payload, 0, 0);
        channel.writeInbound(in);

        assertThat(events.directs).containsExactly(1L, 2L, 3L);
        final ByteBuf pong = channel.readOutbound();
        assertThat(Frames.type(pong)).isEqualTo(FrameType.PONG);
        pong.release();
        assertThat(seenBetween.get()).isEqualTo(handlerInBetween ? 4 : 0);
        assertThat(link.framesIn()).isEqualTo(4);
        assertThat(counters.framesIn().get()).isEqualTo(4);
        channel.finishAndReleaseAll();
    }

    @Test
    void shouldHoldDirectFramesReadBeforeTheLinkIsDecidedOnAndDeliverThemInOrderOnceItIs()
    {
        final Session session = new Session();
        final Events events = session.events;
        final EmbeddedChannel channel = session.channel;
        final Link link = session.link;
        final ByteBuf in = directFrames(1, 1, 16);
        io.chainmesh.codec.ping.PingDescriptor.writeFrame(in, FrameType.PING, 7);
        final ByteBuf second = directFrames(2, 1, 16);
        in.writeBytes(second);
        second.release();
        channel.writeInbound(in);

        assertThat(events.directs).as("held until the link is decided on").isEmpty();
        assertThat(channel.config().isAutoRead()).as("reading paused meanwhile").isFalse();
        final ByteBuf pong = channel.readOutbound();
        assertThat(Frames.type(pong)).as("other frames go on").isEqualTo(FrameType.PONG);
        pong.release();

        link.openDirect();
        channel.runPendingTasks();
        assertThat(events.directs).containsExactly(1L, 2L);
        assertThat(channel.config().isAutoRead()).isTrue();
        channel.writeInbound(directFrames(3, 1, 16));
        assertThat(events.directs).containsExactly(1L, 2L, 3L);
        channel.finishAndReleaseAll();
    }

    @Test
    void shouldHoldEveryDirectFrameOfARecordReadBeforeTheLinkIsDecidedOnAndDeliverThemInOrder()
    {
        final Session session = new Session();
        // A whole 16 KiB record of small frames in one read: reading stops at the first frame held, but the frames
        // the read completed are handled all the same, so the hold takes them all.
        final int written = 16 * 1024 / 20;
        session.channel.writeInbound(directFrames(1, written, 16));
        assertThat(session.events.directs).isEmpty();
        assertThat(session.unregistered()).isZero();
        assertThat(session.channel.config().isAutoRead()).isFalse();

        session.link.openDirect();
        session.channel.runPendingTasks();
        final List<Long> held = new ArrayList<>();
        for (long destination = 1; destination <= written; destination++)
        {
            held.add(destination);
        }
        assertThat(session.events.directs).as("every one read, in order").isEqualTo(held);
        assertThat(session.unregistered()).isZero();
        session.channel.finishAndReleaseAll();
    }

    @Test
    void shouldNotAskForTheNextReadWhileDirectFramesWaitForTheDecision()
    {
        final Session session = new Session();
        final AtomicInteger reads = new AtomicInteger();
        session.channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter()
        {
            @Override
            public void read(final ChannelHandlerContext ctx)
            {
                reads.incrementAndGet();
                ctx.read();
            }
        });
        // Consumed wholly in place, a read would make the decoder ask for the next one despite the pause.
        session.channel.writeInbound(directFrames(1, 3, 16));
        assertThat(session.channel.config().isAutoRead()).isFalse();
        assertThat(reads).as("reads asked for while the frames wait").hasValue(0);

        session.link.openDirect();
        session.channel.runPendingTasks();
        session.channel.writeInbound(directFrames(4, 2, 16));
        assertThat(session.events.directs).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(session.unregistered()).isZero();
        session.channel.finishAndReleaseAll();
    }

    @Test
    void shouldHoldAtMostTheBoundOfDirectBytesBeforeTheLinkIsDecidedOn()
    {
        final Session session = new Session();
        final int payloadLength = 64 * 1024;
        final ByteBuf probe = directFrames(1, 1, payloadLength);
        final int frameLength = probe.readableBytes();
        probe.release();
        final int fitting = SessionHandler.MAX_HELD_DIRECT_BYTES / frameLength;
        // More in one read than the hold takes: the frames beyond it are dropped and counted.
        session.channel.writeInbound(directFrames(1, fitting + 2, payloadLength));
        assertThat(session.unregistered()).isEqualTo(2);

        session.link.openDirect();
        session.channel.runPendingTasks();
        assertThat(session.events.directs).hasSize(fitting);
        session.channel.finishAndReleaseAll();
    }

    @Test
    void shouldDeliverNothingOfALinkRefusedAndCountWhatWasHeldAndWhatIsReadAfter()
    {
        final Session session = new Session();
        session.channel.writeInbound(directFrames(1, 3, 16));
        assertThat(session.channel.config().isAutoRead()).isFalse();

        session.link.refuseDirect();
        session.channel.runPendingTasks();
        assertThat(session.events.directs).isEmpty();
        assertThat(session.unregistered()).as("the frames held").isEqualTo(3);

        session.channel.writeInbound(directFrames(4, 2, 16));
        assertThat(session.unregistered()).as("and the ones read after").isEqualTo(5);
        // Neither a later openDirect nor the close path delivers them.
        session.link.openDirect();
        session.channel.runPendingTasks();
        session.channel.close();
        assertThat(session.events.directs).isEmpty();
        session.channel.finishAndReleaseAll();
    }

    /** {@code count} DIRECT frames in one buffer, to destinations {@code first}, {@code first + 1}, ... */
    private static ByteBuf directFrames(final long first, final int count, final int payloadLength)
    {
        final io.chainmesh.codec.direct.DirectEncoder encoder = new io.chainmesh.codec.direct.DirectEncoder();
        final org.agrona.concurrent.UnsafeBuffer payload =
            new org.agrona.concurrent.UnsafeBuffer(new byte[payloadLength]);
        final ByteBuf in = Unpooled.directBuffer();
        for (int i = 0; i < count; i++)
        {
            encoder.encode(in, first + i, 9, 8, payload, 0, payloadLength);
        }
        return in;
    }

    @Test
    void shouldAnswerPingWithPongEchoingIt()
    {
        final Session session = new Session();
        final EmbeddedChannel channel = session.channel;
        final ByteBuf ping = Unpooled.buffer();
        io.chainmesh.codec.ping.PingDescriptor.writeFrame(ping, FrameType.PING, 0xFFFF_FFFEL);
        channel.writeInbound(ping);
        final ByteBuf pong = channel.readOutbound();
        assertThat(Frames.type(pong)).isEqualTo(FrameType.PONG);
        assertThat(pong.readableBytes()).isEqualTo(io.chainmesh.codec.ping.PingDescriptor.FRAME_LENGTH);
        assertThat(io.chainmesh.codec.ping.PingDescriptor.pingId(pong)).isEqualTo(0xFFFF_FFFEL);
        pong.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void shouldSayAFrameLongerThanTheLinksLargestRecordIsTooLargeNotBackPressured()
    {
        final List<NodeKey> keys = TestDirectory.keys(2);
        final EngineCounters counters = EngineCounters.allocate();
        final EmbeddedChannel channel = new EmbeddedChannel();
        // A 64 KiB outbound budget: its ring's largest record is 8 KiB.
        final Link link = new Link(channel, TestDirectory.memberIdOf(keys.get(1)), true, counters, 3, 64 * 1024, 1024 * 1024);
        final org.agrona.concurrent.UnsafeBuffer frame = new org.agrona.concurrent.UnsafeBuffer(new byte[16 * 1024]);

        assertThat(link.offerFrame(frame, 0, 8 * 1024 + 1)).isEqualTo(io.chainmesh.engine.Status.MESSAGE_TOO_LARGE);
        assertThat(link.offerFrame(frame, 0, 16 * 1024)).isEqualTo(io.chainmesh.engine.Status.MESSAGE_TOO_LARGE);
        assertThat(link.offerFrame(frame, 0, 1024)).isEqualTo(io.chainmesh.engine.Status.OK);
        channel.finishAndReleaseAll();
    }

    @Test
    void shouldKeepReadingPausedWhileDirectFramesWaitForTheLinkEvenWhenHeldBroadcastFramesAreTaken()
    {
        final Session session = new Session();
        final Events events = session.events;
        final EmbeddedChannel channel = session.channel;
        final Link link = session.link;
        channel.writeInbound(directFrames(1, 1, 16));
        assertThat(channel.config().isAutoRead()).isFalse();

        // A broadcast frame the pipeline cannot take yet, then can: its retry must not resume reading.
        final java.util.concurrent.atomic.AtomicBoolean full = new java.util.concurrent.atomic.AtomicBoolean(true);
        final ByteBuf batch = Unpooled.buffer(8).writeLong(42);
        link.deliverOrHold(batch, (peer, frame) -> !full.get());
        batch.release();
        full.set(false);
        channel.advanceTimeBy(1, java.util.concurrent.TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(link.holdingInbound()).isFalse();
        assertThat(channel.config().isAutoRead()).as("direct frames still wait for the link").isFalse();

        link.openDirect();
        channel.runPendingTasks();
        assertThat(events.directs).containsExactly(1L);
        assertThat(channel.config().isAutoRead()).isTrue();
        channel.finishAndReleaseAll();
    }

    /** A link and its session handler on an embedded channel, as a finished handshake leaves them. */
    private static final class Session
    {
        final Events events = new Events();
        final EngineCounters counters = EngineCounters.allocate();
        final EmbeddedChannel channel = new EmbeddedChannel();
        final Link link;

        Session()
        {
            final List<NodeKey> keys = TestDirectory.keys(2);
            link = new Link(channel, TestDirectory.memberIdOf(keys.get(1)), true, counters, 3, 64 * 1024, 1024 * 1024);
            channel.pipeline().addLast(new FrameDecoder(1024 * 1024))
                .addLast(new SessionHandler(config(keys.get(0), events, counters), link));
        }

        long unregistered()
        {
            return counters.directRefused(EngineCounters.DirectRefusal.UNREGISTERED_LINK).get();
        }
    }
}
