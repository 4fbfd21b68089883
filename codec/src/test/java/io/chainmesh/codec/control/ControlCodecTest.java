package io.chainmesh.codec.control;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlCodecTest
{
    private static final ByteString NODE_ID = ByteString.copyFrom(new byte[33]);
    private static final ByteString NONCE = ByteString.copyFrom(new byte[32]);

    private static <T> T roundTrip(final int type, final MessageLite message, final Function<ByteBuf, T> parser)
    {
        final ByteBuf frame = Frames.encodeControl(UnpooledByteBufAllocator.DEFAULT, type, message);
        try
        {
            final T parsed = parser.apply(frame);
            assertThat(ControlCodec.parse(frame)).isEqualTo(parsed);
            assertThat(frame.readerIndex()).isZero();
            return parsed;
        }
        finally
        {
            frame.release();
        }
    }

    private static void assertRejected(final int type, final MessageLite message, final String expected)
    {
        final ByteBuf frame = Frames.encodeControl(UnpooledByteBufAllocator.DEFAULT, type, message);
        try
        {
            final ThrowingCallable parse = () -> ControlCodec.parse(frame);
            assertThatThrownBy(parse).isInstanceOf(CodecException.class).hasMessage(expected);
        }
        finally
        {
            frame.release();
        }
    }

    private static Hello.Builder hello()
    {
        return Hello.newBuilder().setProtocolVersion(1).setPublicKey(NODE_ID).setNonce(NONCE)
            .setMember(ByteString.copyFrom(new byte[ControlCodec.MEMBER_LENGTH]));
    }

    @Test
    void shouldRoundTripEveryControlMessage()
    {
        final Hello hello = hello().setEphemeralKey(NONCE).setCapabilities(5).setDirectoryHeight(9).build();
        assertThat(roundTrip(FrameType.HELLO, hello, ControlCodec::parseHello)).isEqualTo(hello);

        final Auth auth = Auth.newBuilder().setSignature(ByteString.copyFrom(new byte[64])).build();
        assertThat(roundTrip(FrameType.AUTH, auth, ControlCodec::parseAuth)).isEqualTo(auth);

        final Close close = Close.newBuilder().setReason(CloseReason.NOT_A_MEMBER).setText("not in directory").build();
        assertThat(roundTrip(FrameType.CLOSE, close, ControlCodec::parseClose)).isEqualTo(close);

        final PeerInfo info = PeerInfo.newBuilder().setNodeId(NODE_ID).setHost("127.0.0.1").setPort(16127)
            .setVersion("0.1.0").build();
        assertThat(roundTrip(FrameType.PEER_INFO, info, ControlCodec::parsePeerInfo)).isEqualTo(info);

        final BenchReport report = BenchReport.newBuilder().setNodeId(NODE_ID).setTier(BenchTier.STRATUS)
            .setEpsSingle(1234.5).setSignature(ByteString.copyFrom(new byte[64])).build();
        assertThat(roundTrip(FrameType.BENCH_REPORT, report, ControlCodec::parseBenchReport)).isEqualTo(report);

        final Digest digest = Digest.newBuilder()
            .addOrigins(OriginProgress.newBuilder().setOriginId(-1L).setContiguousSeq(5).setHighestSeq(9)).build();
        assertThat(roundTrip(FrameType.DIGEST, digest, ControlCodec::parseDigest)).isEqualTo(digest);

        final Want want = Want.newBuilder()
            .addRanges(WantRange.newBuilder().setOriginId(3).setAfterSeq(5).setUpToSeq(-1L)).build();
        assertThat(roundTrip(FrameType.WANT, want, ControlCodec::parseWant)).isEqualTo(want);

        final WantMiss miss = WantMiss.newBuilder().setOriginId(3).setAfterSeq(1).setOldestRetainedSeq(100).build();
        assertThat(roundTrip(FrameType.WANT_MISS, miss, ControlCodec::parseWantMiss)).isEqualTo(miss);
    }

    @Test
    void shouldRejectHelloWithWrongFieldSizes()
    {
        assertRejected(FrameType.HELLO, hello().setPublicKey(ByteString.copyFrom(new byte[12])).build(),
            "HELLO public_key length 12 must be 33");
        assertRejected(FrameType.HELLO, hello().setMember(ByteString.copyFrom(new byte[35])).build(),
            "HELLO member length 35 must be 36");
        assertRejected(FrameType.HELLO, hello().setNonce(ByteString.copyFrom(new byte[31])).build(),
            "HELLO nonce length 31 must be 32");
        assertRejected(FrameType.HELLO, hello().setEphemeralKey(ByteString.copyFrom(new byte[33])).build(),
            "HELLO ephemeral_key length 33 must be 0 or 32");
    }

    @Test
    void shouldRejectAuthWithShortSignature()
    {
        assertRejected(FrameType.AUTH, Auth.newBuilder().setSignature(ByteString.copyFrom(new byte[63])).build(),
            "AUTH signature length 63 must be 64");
    }

    @Test
    void shouldRejectCloseWithOverlongText()
    {
        assertRejected(FrameType.CLOSE, Close.newBuilder().setText("x".repeat(1025)).build(),
            "CLOSE text length 1025 exceeds limit 1024");
    }

    @Test
    void shouldRejectWantRangeThatIsEmptyOrBackwards()
    {
        assertRejected(FrameType.WANT, Want.newBuilder()
                .addRanges(WantRange.newBuilder().setAfterSeq(1).setUpToSeq(2))
                .addRanges(WantRange.newBuilder().setAfterSeq(5).setUpToSeq(5)).build(),
            "WANT ranges[1] after_seq 5 must be below up_to_seq 5");
    }

    @Test
    void shouldRejectDigestWithContiguousAboveHighest()
    {
        assertRejected(FrameType.DIGEST, Digest.newBuilder()
                .addOrigins(OriginProgress.newBuilder().setContiguousSeq(6).setHighestSeq(5)).build(),
            "DIGEST origins[0] contiguous_seq 6 exceeds highest_seq 5");
    }

    @Test
    void shouldRoundTripPackedDigestProgress()
    {
        final byte[] packed = new byte[3 * DigestProgress.MAX_ENTRY_LENGTH];
        int length = DigestProgress.put(packed, 0, -1L, 5, 9);
        length = DigestProgress.put(packed, length, 7, 0, 0);
        length = DigestProgress.put(packed, length, 8, Long.MAX_VALUE - 1, Long.MAX_VALUE);
        final Digest digest = roundTrip(FrameType.DIGEST, Digest.newBuilder()
            .setProgress(ByteString.copyFrom(packed, 0, length)).setFull(true).build(), ControlCodec::parseDigest);

        final DigestProgress.Reader reader = new DigestProgress.Reader().wrap(digest.getProgress());
        assertThat(reader.next()).isTrue();
        assertThat(new long[] {reader.originId(), reader.contiguous(), reader.highest()}).containsExactly(-1L, 5, 9);
        assertThat(reader.next()).isTrue();
        assertThat(new long[] {reader.originId(), reader.contiguous(), reader.highest()}).containsExactly(7, 0, 0);
        assertThat(reader.next()).isTrue();
        assertThat(reader.contiguous()).isEqualTo(Long.MAX_VALUE - 1);
        assertThat(reader.next()).isFalse();
        assertThat(length).isLessThan(3 * 19);
    }

    @Test
    void shouldRejectPackedDigestProgressThatIsTruncatedOrOutOfRange()
    {
        final byte[] packed = new byte[DigestProgress.MAX_ENTRY_LENGTH];
        final int length = DigestProgress.put(packed, 0, 3, 5, 9);
        assertRejected(FrameType.DIGEST, Digest.newBuilder().setProgress(ByteString.copyFrom(packed, 0, length - 1)).build(),
            "DIGEST progress is truncated: While parsing a protocol message, the input ended unexpectedly in the middle " +
            "of a field.  This could mean either that the input has been truncated or that an embedded message " +
            "misreported its own length.");
        // highest 9, gap 10: contiguous would be below 0.
        packed[length - 1] = 10;
        assertRejected(FrameType.DIGEST, Digest.newBuilder().setProgress(ByteString.copyFrom(packed, 0, length)).build(),
            "DIGEST progress entry for origin 3: highest_seq 9 with gap 10 is out of range");
    }

    @Test
    void shouldRejectPeerInfoWithBadPort()
    {
        assertRejected(FrameType.PEER_INFO, PeerInfo.newBuilder().setNodeId(NODE_ID).setPort(70000).build(),
            "PEER_INFO port 70000 exceeds 65535");
    }

    @Test
    void shouldRejectGarbageBodyWithMessageNamingTheType()
    {
        final ByteBuf frame = Unpooled.buffer();
        Frames.writeHeader(frame, FrameType.HELLO, 0, 3);
        frame.writeByte(0x12).writeByte(0x7F).writeByte(0x01);
        assertThatThrownBy(() -> ControlCodec.parseHello(frame))
            .isInstanceOf(CodecException.class).hasMessageStartingWith("HELLO body is not a valid Hello message: ");
        frame.release();
    }

    @Test
    void shouldRejectWrongFrameType()
    {
        final ByteBuf frame = Frames.encodeControl(UnpooledByteBufAllocator.DEFAULT, FrameType.AUTH,
            Auth.getDefaultInstance());
        assertThatThrownBy(() -> ControlCodec.parseHello(frame))
            .isInstanceOf(CodecException.class).hasMessage("frame type AUTH is not HELLO");
        frame.setByte(4, FrameType.BATCH);
        assertThatThrownBy(() -> ControlCodec.parse(frame))
            .isInstanceOf(CodecException.class).hasMessage("frame type BATCH is not a control type");
        frame.release();
    }

    @Test
    void shouldRejectTruncatedControlFrame()
    {
        final ByteBuf frame = Frames.encodeControl(UnpooledByteBufAllocator.DEFAULT, FrameType.HELLO, hello().build());
        final ByteBuf truncated = frame.slice(0, frame.readableBytes() - 1);
        assertThatThrownBy(() -> ControlCodec.parseHello(truncated))
            .isInstanceOf(CodecException.class).hasMessageContaining("disagrees with frame size");
        frame.release();
    }
}
