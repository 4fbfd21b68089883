package io.chainmesh.engine.transport;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.control.Auth;
import io.chainmesh.codec.control.Close;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.control.Digest;
import io.chainmesh.codec.control.Hello;
import io.chainmesh.codec.control.OriginProgress;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.direct.DirectEncoder;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.codec.ping.PingDescriptor;
import io.chainmesh.engine.ChannelCipher;
import io.chainmesh.engine.EngineCounters;
import io.chainmesh.engine.TestDirectory;
import io.chainmesh.engine.overlay.OverlayTopology;
import io.chainmesh.engine.overlay.OverlayView;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stateful fuzz target: the handshake of one node ("local", the real pipeline of {@link ChannelSetup} on an
 * {@link EmbeddedChannel} with a frozen clock) against a remote end whose frames the fuzzer schedules. The
 * remote end is a second real pipeline (an honest peer that may be a member, an outsider or the local key
 * itself), and the fuzzer decides what reaches the local node and when: the honest peer's next frame, a
 * mutated or split copy of it, a HELLO derived from the peer's own with one field replaced (fields are
 * taken from the message descriptor, so new HELLO fields are fuzzed without changing this target), a
 * control frame with an arbitrary body, an AUTH signed by any of the keys, application frames, raw bytes,
 * and the passing of time.
 * <p>
 * Invariants, checked after every step: nothing reaches the node's application callbacks before its
 * handshake authenticated the peer; only the member peer, correctly expected and with matching record
 * settings, ever authenticates; an unauthenticated peer never gets more than {@code maxPreAuthBytes} read
 * without being refused; every refusal sends CLOSE with a reason (counted once) and closes. At the end,
 * once the handshake timeout has passed, the connection is authenticated or closed, with no handshake left
 * counted.
 */
class HandshakeFuzzTest
{
    private static final NodeKey LOCAL = NodeKey.fromHex("11".repeat(32));
    private static final NodeKey MEMBER = NodeKey.fromHex("22".repeat(32));
    private static final NodeKey OUTSIDER = NodeKey.fromHex("33".repeat(32));
    private static final DirectorySnapshot DIRECTORY = TestDirectory.snapshot(7, List.of(LOCAL, MEMBER), List.of(10, 11));
    private static final long HANDSHAKE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final int MAX_PRE_AUTH_BYTES = 4096;
    private static final int OPS = 10;

    /** Records what the node reports to its owner, and whether the order was ever wrong. */
    private static final class Events implements LinkEvents
    {
        private final OverlayView view;
        final List<Link> authenticated = new ArrayList<>();
        CloseReason refusedByPeer;
        int applicationCallbacks;
        String violation;

        Events(final NodeKey self)
        {
            view = new OverlayView(OverlayTopology.of(DIRECTORY, 2), TestDirectory.memberIdOf(self));
        }

        @Override
        public OverlayView view()
        {
            return view;
        }

        @Override
        public void onAuthenticated(final Link link)
        {
            authenticated.add(link);
            // As the connection manager does once it has registered the link: DIRECT frames flow from then on.
            link.openDirect();
        }

        @Override
        public void onLinkClosed(final Link link)
        {
        }

        @Override
        public void onRefusedByPeer(final MemberId expectedPeer, final CloseReason reason)
        {
            refusedByPeer = reason;
        }

        @Override
        public void onDirect(final Link link, final MutableDirectBuffer buffer, final int offset, final int length)
        {
            onApplication("DIRECT");
        }

        @Override
        public void onBroadcast(final Link link, final ByteBuf frame)
        {
            onApplication(FrameType.name(Frames.type(frame)));
        }

        private void onApplication(final String what)
        {
            applicationCallbacks++;
            if (authenticated.isEmpty() && null == violation)
            {
                violation = what + " delivered before the handshake authenticated the peer";
            }
        }
    }

    /**
     * Counters shared by every run, one set per role: a fresh set is two direct buffers and a hundred
     * registrations, which would dominate a run. Each run reads them relative to where they stood at its start.
     */
    private static final EngineCounters LOCAL_COUNTERS = EngineCounters.allocate();
    private static final EngineCounters PEER_COUNTERS = EngineCounters.allocate();
    private static final CloseReason[] REASONS = java.util.Arrays.stream(CloseReason.values())
        .filter(reason -> reason != CloseReason.UNRECOGNIZED).toArray(CloseReason[]::new);

    /** One end: its settings, counters, events and channel. */
    private static final class End
    {
        final NodeKey key;
        final Events events;
        final EngineCounters counters;
        private final long[] failuresAtStart = new long[REASONS.length];
        private final long[] closesAtStart = new long[REASONS.length];
        private final long handshakingAtStart;
        final EmbeddedChannel channel;
        /** The record protection the first HELLO that reached the handshake says (null: none yet, or it did not parse). */
        Boolean firstHelloEncrypted;
        boolean helloSeen;

        End(final NodeKey key, final ChannelCipher cipher, final boolean dialler, final NodeKey expected, final long seed,
            final EngineCounters counters)
        {
            this.key = key;
            this.events = new Events(key);
            this.counters = counters;
            for (int i = 0; i < REASONS.length; i++)
            {
                failuresAtStart[i] = counters.handshakeFailures(REASONS[i]).get();
                closesAtStart[i] = counters.closesSent(REASONS[i]).get();
            }
            handshakingAtStart = counters.connections(EngineCounters.ConnectionState.HANDSHAKING).get();
            final LinkConfig config = new LinkConfig(key, events, counters, () -> 0L, random(seed), HANDSHAKE_TIMEOUT_NS,
                MAX_PRE_AUTH_BYTES, 64 * 1024, TimeUnit.SECONDS.toNanos(1), 3, 4096, () -> 7L,
                new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE))
                .withRecords(new RecordSettings(cipher, 16 * 1024, 1L << 24, 1L << 30));
            channel = EmbeddedChannel.builder()
                .handlers(new ChannelSetup(config, dialler, null == expected ? null : TestDirectory.memberIdOf(expected)))
                .build();
            channel.freezeTime();
            // Sees each frame as the handshake does: the HELLO it decides on is the first one.
            channel.pipeline().addAfter(ChannelSetup.DECODER, "helloTap", new io.netty.channel.ChannelInboundHandlerAdapter()
            {
                @Override
                public void channelRead(final io.netty.channel.ChannelHandlerContext ctx, final Object msg)
                {
                    if (!helloSeen && msg instanceof ByteBuf frame && Run.isType(frame, FrameType.HELLO))
                    {
                        helloSeen = true;
                        try
                        {
                            firstHelloEncrypted = io.chainmesh.codec.control.Capabilities.encrypted(
                                Hello.parseFrom(Run.body(frame)).getCapabilities());
                        }
                        catch (final com.google.protobuf.InvalidProtocolBufferException ex)
                        {
                            firstHelloEncrypted = null;
                        }
                    }
                    ctx.fireChannelRead(msg);
                }
            });
        }

        long failures(final CloseReason reason)
        {
            return counters.handshakeFailures(reason).get() - failuresAtStart[reason.ordinal()];
        }

        long closesSent(final CloseReason reason)
        {
            return counters.closesSent(reason).get() - closesAtStart[reason.ordinal()];
        }

        long handshaking()
        {
            return counters.connections(EngineCounters.ConnectionState.HANDSHAKING).get() - handshakingAtStart;
        }

        long totalFailures()
        {
            long total = 0;
            for (final CloseReason reason : REASONS)
            {
                total += failures(reason);
            }
            return total;
        }

        CloseReason failureReason()
        {
            for (final CloseReason reason : REASONS)
            {
                if (failures(reason) > 0)
                {
                    return reason;
                }
            }
            return null;
        }
    }

    private static SecureRandom random(final long seed)
    {
        try
        {
            // SHA1PRNG seeded before first use is deterministic: the same input replays the same handshake.
            final SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            return random;
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** Reads the fuzz input; past its end every read is 0. */
    private static final class Input
    {
        private final byte[] bytes;
        private int position;

        Input(final byte[] bytes)
        {
            this.bytes = bytes;
        }

        boolean more()
        {
            return position < bytes.length;
        }

        int u8()
        {
            return position < bytes.length ? bytes[position++] & 0xFF : 0;
        }

        long u64()
        {
            long value = 0;
            for (int i = 0; i < 8; i++)
            {
                value = (value << 8) | u8();
            }
            return value;
        }

        byte[] bytes(final int length)
        {
            final byte[] out = new byte[length];
            for (int i = 0; i < length; i++)
            {
                out[i] = (byte)u8();
            }
            return out;
        }
    }

    private static final class Run
    {
        final Input in;
        final boolean localDials;
        final boolean peerIsAuthentic;
        final boolean localEncrypted;
        final End local;
        final End peer;
        final ArrayDeque<ByteBuf> toLocal = new ArrayDeque<>();
        final ArrayDeque<ByteBuf> toPeer = new ArrayDeque<>();
        byte[] localHello;
        byte[] peerHello;
        byte[] lastHelloToLocal;
        long bytesToLocal;
        Close closeSeen;
        boolean sealedAfterRefusal;

        Run(final byte[] bytes)
        {
            in = new Input(bytes);
            final int setup = in.u8();
            localDials = (setup & 1) != 0;
            final ChannelCipher localCipher = cipher(setup >>> 1);
            final boolean mismatch = (setup & 0x08) != 0;
            final ChannelCipher peerCipher = mismatch ? cipher((setup >>> 1) + 1) : localCipher;
            final NodeKey peerKey = switch ((setup >>> 4) & 3)
            {
                case 2 -> OUTSIDER;
                case 3 -> LOCAL;
                default -> MEMBER;
            };
            final NodeKey expected = (setup & 0x40) != 0 ? OUTSIDER : MEMBER;
            // Whoever holds the member's key may send a HELLO whose record settings differ from the honest peer's: what
            // must match the local node's is the HELLO the local node decided on (checked when it authenticates).
            peerIsAuthentic = peerKey == MEMBER && (!localDials || expected == MEMBER);
            localEncrypted = localCipher != ChannelCipher.PLAINTEXT;
            local = new End(LOCAL, localCipher, localDials, localDials ? expected : null, 1, LOCAL_COUNTERS);
            peer = new End(peerKey, peerCipher, !localDials, localDials ? null : LOCAL, 2, PEER_COUNTERS);
            drain();
        }

        private static ChannelCipher cipher(final int choice)
        {
            return switch (choice % 3)
            {
                case 0 -> ChannelCipher.AES_GCM;
                case 1 -> ChannelCipher.CHACHA20_POLY1305;
                default -> ChannelCipher.PLAINTEXT;
            };
        }

        void step(final int op)
        {
            switch (op % OPS)
            {
                case 0 -> deliverToLocal(toLocal.poll());
                case 1 -> deliverToPeer();
                case 2 -> deliverToLocal(mutated(toLocal.poll()));
                case 3 -> deliverSplit(toLocal.poll());
                case 4 -> deliverToLocal(control(FrameType.HELLO, forgedHello()));
                case 5 -> deliverToLocal(arbitraryControl());
                case 6 -> deliverToLocal(control(FrameType.AUTH, forgedAuth()));
                case 7 -> peerApplicationFrame();
                case 8 -> deliverToLocal(Unpooled.wrappedBuffer(in.bytes(in.u8())));
                default -> advance(TimeUnit.MILLISECONDS.toNanos(50L * in.u8()));
            }
            drain();
            check();
        }

        private ByteBuf mutated(final ByteBuf buf)
        {
            if (null != buf && buf.readableBytes() > 0)
            {
                final int index = buf.readerIndex() + in.u8() % buf.readableBytes();
                buf.setByte(index, buf.getByte(index) ^ (1 + in.u8() % 255));
            }
            return buf;
        }

        private void deliverSplit(final ByteBuf buf)
        {
            if (null == buf)
            {
                return;
            }
            final int first = buf.readableBytes() == 0 ? 0 : in.u8() % buf.readableBytes();
            final ByteBuf head = buf.readRetainedSlice(first);
            deliverToLocal(head);
            deliverToLocal(buf);
        }

        /** A HELLO from the peer's own (or an empty one), with one field replaced by fuzzer bytes. */
        private Hello forgedHello()
        {
            Hello base = Hello.getDefaultInstance();
            if (null != peerHello)
            {
                try
                {
                    base = Hello.parseFrom(peerHello);
                }
                catch (final com.google.protobuf.InvalidProtocolBufferException ex)
                {
                    throw new IllegalStateException("the honest peer's HELLO does not parse", ex);
                }
            }
            final List<FieldDescriptor> fields = Hello.getDescriptor().getFields();
            final FieldDescriptor field = fields.get(in.u8() % fields.size());
            final Hello.Builder builder = base.toBuilder();
            if (field.isRepeated() || field.getJavaType() == FieldDescriptor.JavaType.MESSAGE)
            {
                builder.clearField(field);
            }
            else
            {
                builder.setField(field, value(field));
            }
            return builder.build();
        }

        private Object value(final FieldDescriptor field)
        {
            final int pick = in.u8();
            return switch (field.getJavaType())
            {
                case INT -> (int)in.u64();
                case LONG -> in.u64();
                case BOOLEAN -> (pick & 1) != 0;
                case FLOAT -> (float)in.u64();
                case DOUBLE -> (double)in.u64();
                case STRING -> new String(in.bytes(pick % 80), java.nio.charset.StandardCharsets.ISO_8859_1);
                case BYTE_STRING -> byteString(pick);
                case ENUM -> field.getEnumType().getValues().get(pick % field.getEnumType().getValues().size());
                default -> throw new IllegalStateException("unhandled field type " + field.getJavaType());
            };
        }

        /**
         * Bytes of the local key, the member's, the outsider's, of their member ids (collaterals), or fuzzer bytes of
         * any length up to 96.
         */
        private ByteString byteString(final int pick)
        {
            return switch (pick & 7)
            {
                case 0 -> ByteString.copyFrom(MEMBER.publicKey().toBytes());
                case 1 -> ByteString.copyFrom(OUTSIDER.publicKey().toBytes());
                case 2 -> ByteString.copyFrom(LOCAL.publicKey().toBytes());
                case 3 -> ByteString.copyFrom(TestDirectory.memberIdOf(MEMBER).toBytes());
                case 4 -> ByteString.copyFrom(TestDirectory.memberIdOf(OUTSIDER).toBytes());
                case 5 -> ByteString.copyFrom(TestDirectory.memberIdOf(LOCAL).toBytes());
                default -> ByteString.copyFrom(in.bytes((pick >>> 3) % 97));
            };
        }

        /** AUTH over the transcript the local node expects, signed by one of the keys, or 64 fuzzer bytes. */
        private Auth forgedAuth()
        {
            final int pick = in.u8();
            final byte[] remoteHello = null == lastHelloToLocal ? new byte[0] : lastHelloToLocal;
            final byte[] ours = null == localHello ? new byte[0] : localHello;
            final byte[] hash = localDials ? HandshakeHandler.transcriptHash(ours, remoteHello) :
                HandshakeHandler.transcriptHash(remoteHello, ours);
            final byte[] signature = switch (pick & 3)
            {
                case 0 -> peer.key.sign(hash);
                case 1 -> OUTSIDER.sign(hash);
                case 2 -> LOCAL.sign(hash);
                default -> in.bytes(ControlCodec.SIGNATURE_LENGTH);
            };
            return Auth.newBuilder().setSignature(ByteString.copyFrom(signature)).build();
        }

        /** A control-typed frame (or any type) with a fuzzer body, correctly framed. */
        private ByteBuf arbitraryControl()
        {
            final int type = in.u8();
            final byte[] body = in.bytes(in.u8());
            final ByteBuf frame = Unpooled.buffer(FrameDescriptor.HEADER_LENGTH + body.length);
            Frames.writeHeader(frame, type < 128 ? 1 + type % 8 : type, 0, body.length);
            frame.writeBytes(body);
            return frame;
        }

        /** The honest peer sends an application frame (sealed if its handshake got that far). */
        private void peerApplicationFrame()
        {
            if (!peer.channel.isOpen())
            {
                return;
            }
            final ByteBuf frame = Unpooled.buffer();
            switch (in.u8() % 3)
            {
                case 0 -> PingDescriptor.writeFrame(frame, FrameType.PING, in.u64());
                case 1 -> new DirectEncoder().encode(frame, TestDirectory.memberIdOf(LOCAL).originId(),
                    TestDirectory.memberIdOf(MEMBER).originId(), 4,
                    new UnsafeBuffer(new byte[8]), 0, 8);
                default ->
                {
                    frame.release();
                    peer.channel.writeOutbound(control(FrameType.DIGEST, Digest.newBuilder().addOrigins(
                        OriginProgress.newBuilder().setOriginId(1).setContiguousSeq(1).setHighestSeq(2)).build()));
                    return;
                }
            }
            peer.channel.writeOutbound(frame);
        }

        private static ByteBuf control(final int type, final Message message)
        {
            return Frames.encodeControl(UnpooledByteBufAllocator.DEFAULT, type, message);
        }

        void deliverToLocal(final ByteBuf buf)
        {
            if (null == buf)
            {
                return;
            }
            if (!local.channel.isOpen())
            {
                buf.release();
                return;
            }
            bytesToLocal += buf.readableBytes();
            if (buf.readableBytes() > FrameDescriptor.HEADER_LENGTH && buf.getByte(buf.readerIndex() +
                FrameDescriptor.TYPE_OFFSET) == FrameType.HELLO)
            {
                lastHelloToLocal = ByteBufUtil.getBytes(buf, buf.readerIndex() + FrameDescriptor.BODY_OFFSET,
                    buf.readableBytes() - FrameDescriptor.BODY_OFFSET);
            }
            local.channel.writeInbound(buf);
            settle();
        }

        private void deliverToPeer()
        {
            final ByteBuf buf = toPeer.poll();
            if (null == buf)
            {
                return;
            }
            if (!peer.channel.isOpen())
            {
                buf.release();
                return;
            }
            peer.channel.writeInbound(buf);
            settle();
        }

        void advance(final long nanos)
        {
            local.channel.advanceTimeBy(nanos, TimeUnit.NANOSECONDS);
            peer.channel.advanceTimeBy(nanos, TimeUnit.NANOSECONDS);
            settle();
        }

        private void settle()
        {
            for (final End end : new End[] {local, peer})
            {
                end.channel.runPendingTasks();
                end.channel.runScheduledPendingTasks();
                // Nothing written may linger as an undrained inbound message at the end of the pipeline.
                Object unread;
                while (null != (unread = end.channel.readInbound()))
                {
                    io.netty.util.ReferenceCountUtil.release(unread);
                }
            }
        }

        /** Moves what each end wrote into the other's queue, remembering HELLO bodies and CLOSE reasons. */
        void drain()
        {
            ByteBuf buf;
            while (null != (buf = local.channel.readOutbound()))
            {
                noteLocalFrame(buf);
                toPeer.add(buf);
            }
            while (null != (buf = peer.channel.readOutbound()))
            {
                if (null == peerHello && isType(buf, FrameType.HELLO))
                {
                    peerHello = body(buf);
                }
                toLocal.add(buf);
            }
        }

        private void noteLocalFrame(final ByteBuf buf)
        {
            if (isType(buf, FrameType.HELLO) && null == localHello)
            {
                localHello = body(buf);
            }
            else if (isType(buf, FrameType.CLOSE))
            {
                try
                {
                    closeSeen = ControlCodec.parseClose(buf.duplicate());
                }
                catch (final CodecException ex)
                {
                    throw new AssertionError("the node wrote a CLOSE it cannot parse itself", ex);
                }
            }
            else if (isType(buf, FrameType.RECORD) && local.totalFailures() > 0)
            {
                sealedAfterRefusal = true;
            }
        }

        private CloseReason closeSeenReason()
        {
            return null == closeSeen ? null : closeSeen.getReason();
        }

        private static boolean isType(final ByteBuf buf, final int type)
        {
            return buf.readableBytes() >= FrameDescriptor.HEADER_LENGTH &&
                (buf.getByte(buf.readerIndex() + FrameDescriptor.TYPE_OFFSET) & 0xFF) == type;
        }

        private static byte[] body(final ByteBuf buf)
        {
            return ByteBufUtil.getBytes(buf, buf.readerIndex() + FrameDescriptor.BODY_OFFSET,
                buf.readableBytes() - FrameDescriptor.BODY_OFFSET);
        }

        void check()
        {
            final Events events = local.events;
            assertThat(events.violation).isNull();
            final boolean authenticated = !events.authenticated.isEmpty();
            assertThat(events.authenticated).hasSizeLessThanOrEqualTo(1);
            if (authenticated)
            {
                assertThat(peerIsAuthentic).as("a peer that must be refused authenticated").isTrue();
                assertThat(local.firstHelloEncrypted).as("authenticated a HELLO whose record protection is not its own")
                    .isEqualTo(localEncrypted);
                assertThat(events.authenticated.get(0).remoteId()).isEqualTo(TestDirectory.memberIdOf(MEMBER));
                assertThat(local.channel.pipeline().get(PreAuthGuard.class)).isNull();
                assertThat(local.totalFailures()).isZero();
                return;
            }
            assertThat(local.channel.pipeline().get(SessionHandler.class)).isNull();
            final long failures = local.totalFailures();
            assertThat(failures).isLessThanOrEqualTo(1);
            if (local.channel.isOpen())
            {
                assertThat(bytesToLocal <= MAX_PRE_AUTH_BYTES || failures == 1)
                    .as("%d unauthenticated bytes read without a refusal", bytesToLocal).isTrue();
                return;
            }
            // Closed without authentication: the peer said why, or this node refused with a reason it sent.
            if (failures == 0)
            {
                assertThat(events.refusedByPeer).as("closed with no reason on either side").isNotNull();
                return;
            }
            final CloseReason counted = local.failureReason();
            assertThat(counted).isNotEqualTo(CloseReason.CLOSE_REASON_UNSPECIFIED);
            assertThat(local.closesSent(counted)).isEqualTo(1);
            assertThat(closeSeenReason() == counted || sealedAfterRefusal)
                .as("refused with %s but no CLOSE carrying it was written (saw %s)", counted, closeSeenReason()).isTrue();
        }

        void finish()
        {
            advance(HANDSHAKE_TIMEOUT_NS + TimeUnit.SECONDS.toNanos(2));
            drain();
            check();
            assertThat(!local.events.authenticated.isEmpty() || !local.channel.isOpen())
                .as("handshake still open after its timeout").isTrue();
            if (local.events.authenticated.isEmpty())
            {
                assertThat(local.handshaking()).isZero();
            }
            release(toLocal);
            release(toPeer);
            local.channel.finishAndReleaseAll();
            peer.channel.finishAndReleaseAll();
        }

        private static void release(final ArrayDeque<ByteBuf> queue)
        {
            ByteBuf buf;
            while (null != (buf = queue.poll()))
            {
                buf.release();
            }
        }
    }

    /** The honest script of the seeds: both HELLOs, both AUTHs, then a DIRECT and a DIGEST from the peer. */
    private static final int[] HONEST = {1, 0, 1, 0, 7, 1, 0, 7, 2, 0};

    private static Run play(final int setup, final int... ops)
    {
        final byte[] input = new byte[1 + ops.length];
        input[0] = (byte)setup;
        for (int i = 0; i < ops.length; i++)
        {
            input[1 + i] = (byte)ops[i];
        }
        final Run run = new Run(input);
        while (run.in.more())
        {
            run.step(run.in.u8());
        }
        return run;
    }

    /** The harness reaches the states its invariants are about: honest ends authenticate and deliver. */
    @ParameterizedTest
    @ValueSource(ints = {0x04, 0x01, 0x02})
    void honestEndsAuthenticateAndDeliverOnlyAfterwards(final int setup)
    {
        final Run run = play(setup, HONEST);
        assertThat(run.local.events.authenticated).hasSize(1);
        assertThat(run.local.events.applicationCallbacks).isEqualTo(2);
        run.finish();
    }

    /** ... and refusals carry the reason the setup calls for. */
    @ParameterizedTest
    @CsvSource({"0x20, NOT_A_MEMBER", "0x30, SELF_CONNECTION", "0x08, CHANNEL_SECURITY_MISMATCH",
        "0x41, NOT_AN_EXPECTED_LINK"})
    void refusedEndsGetTheirReason(final String setup, final CloseReason reason)
    {
        final Run run = play(Integer.decode(setup), HONEST);
        assertThat(run.local.events.authenticated).isEmpty();
        assertThat(run.local.failures(reason)).isEqualTo(1);
        assertThat(run.local.channel.isOpen()).isFalse();
        run.finish();
    }

    @Test
    void forgedAuthIsRefusedAsBadSignature()
    {
        final Run run = play(0x04, 0, 1, 6, 1);
        assertThat(run.local.failures(CloseReason.BAD_SIGNATURE)).isEqualTo(1);
        assertThat(run.closeSeenReason()).isEqualTo(CloseReason.BAD_SIGNATURE);
        run.finish();
    }

    /**
     * Input: a setup byte (who dials; record cipher of each end, equal unless bit 3 says otherwise; the peer's
     * key: member, outsider or the local key; whether the dialled member is the outsider) then operations,
     * one byte each plus their operands (see {@code Run.step}).
     */
    @FuzzTest(maxDuration = "5m")
    void handshake(final byte[] input)
    {
        final Run run = new Run(input);
        try
        {
            int steps = 0;
            while (run.in.more() && steps++ < 64)
            {
                run.step(run.in.u8());
            }
        }
        finally
        {
            run.finish();
        }
    }
}
