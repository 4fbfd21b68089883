package io.chainmesh.codec.property;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.control.Auth;
import io.chainmesh.codec.control.BenchReport;
import io.chainmesh.codec.control.BenchTier;
import io.chainmesh.codec.control.Close;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.control.Digest;
import io.chainmesh.codec.control.Hello;
import io.chainmesh.codec.control.OriginProgress;
import io.chainmesh.codec.control.PeerInfo;
import io.chainmesh.codec.control.Want;
import io.chainmesh.codec.control.WantMiss;
import io.chainmesh.codec.control.WantRange;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class ControlCodecPropertiesTest
{
    // UNRECOGNIZED stands for values this build does not know; it cannot be written.
    private static final CloseReason[] REASONS = Arrays.stream(CloseReason.values())
        .filter(r -> r != CloseReason.UNRECOGNIZED).toArray(CloseReason[]::new);
    private static final BenchTier[] TIERS = Arrays.stream(BenchTier.values())
        .filter(t -> t != BenchTier.UNRECOGNIZED).toArray(BenchTier[]::new);

    private static ByteString bytes(final SeededCase sample, final int length)
    {
        return ByteString.copyFrom(sample.bytes(length, length));
    }

    private static Hello hello(final SeededCase sample)
    {
        return Hello.newBuilder()
            .setProtocolVersion(sample.intBetween(0, Integer.MAX_VALUE))
            .setPublicKey(bytes(sample, 33))
            .setMember(bytes(sample, 36))
            .setNonce(bytes(sample, 32))
            .setEphemeralKey(bytes(sample, sample.oneOf(0, 32)))
            .setDirectoryHeight(sample.anyLong())
            .setCapabilities(sample.anyLong())
            .build();
    }

    private static MessageLite other(final SeededCase sample)
    {
        switch (sample.intBetween(0, 6))
        {
            case 0:
                return Auth.newBuilder().setSignature(bytes(sample, 64)).build();
            case 1:
                return Close.newBuilder().setReason(sample.oneOf(REASONS))
                    .setText(sample.text(1024)).build();
            case 2:
                return PeerInfo.newBuilder().setNodeId(bytes(sample, 33)).setHost(sample.text(253))
                    .setPort(sample.intBetween(0, 65535)).setUptimeMillis(sample.anyLong())
                    .setVersion(sample.text(64)).build();
            case 3:
                return BenchReport.newBuilder().setNodeId(bytes(sample, 33))
                    .setTier(sample.oneOf(TIERS)).setEpsMulti(sample.anyDouble())
                    .setTierReason(sample.text(1024)).setSignature(bytes(sample, sample.oneOf(0, 64))).build();
            case 4:
                return Digest.newBuilder().addAllOrigins(sample.listOf(50, () -> progress(sample))).build();
            case 5:
                return Want.newBuilder().addAllRanges(sample.listOf(50, () -> range(sample))).build();
            default:
                return WantMiss.newBuilder().setOriginId(sample.anyLong()).setAfterSeq(sample.anyLong())
                    .setOldestRetainedSeq(sample.anyLong()).build();
        }
    }

    private static OriginProgress progress(final SeededCase sample)
    {
        final long origin = sample.anyLong();
        final long contiguous = sample.longBetween(0, Long.MAX_VALUE / 2);
        final long ahead = sample.longBetween(0, Long.MAX_VALUE / 2);
        return OriginProgress.newBuilder().setOriginId(origin).setContiguousSeq(contiguous)
            .setHighestSeq(contiguous + ahead).build();
    }

    private static WantRange range(final SeededCase sample)
    {
        final long origin = sample.anyLong();
        final long after = sample.longBetween(0, Long.MAX_VALUE / 2);
        final long span = sample.longBetween(1, Long.MAX_VALUE / 2);
        return WantRange.newBuilder().setOriginId(origin).setAfterSeq(after).setUpToSeq(after + span).build();
    }

    private static int typeOf(final MessageLite message)
    {
        if (message instanceof Hello)
        {
            return FrameType.HELLO;
        }
        if (message instanceof Auth)
        {
            return FrameType.AUTH;
        }
        if (message instanceof Close)
        {
            return FrameType.CLOSE;
        }
        if (message instanceof PeerInfo)
        {
            return FrameType.PEER_INFO;
        }
        if (message instanceof BenchReport)
        {
            return FrameType.BENCH_REPORT;
        }
        if (message instanceof Digest)
        {
            return FrameType.DIGEST;
        }
        if (message instanceof Want)
        {
            return FrameType.WANT;
        }
        return FrameType.WANT_MISS;
    }

    private static void assertRoundTrip(final MessageLite message)
    {
        final ByteBuf frame = Frames.encodeControl(UnpooledByteBufAllocator.DEFAULT, typeOf(message), message);
        try
        {
            assertThat(ControlCodec.parse(frame)).isEqualTo(message);
        }
        finally
        {
            frame.release();
        }
    }

    @SeededTest(cases = 200)
    void shouldRoundTripHello(final SeededCase sample)
    {
        assertRoundTrip(hello(sample));
    }

    @SeededTest(cases = 400)
    void shouldRoundTripEveryOtherControlMessage(final SeededCase sample)
    {
        assertRoundTrip(other(sample));
    }

    @SeededTest(cases = 1000)
    void shouldParseOrRaiseCodecExceptionForRandomBodies(final SeededCase sample)
    {
        final int type = sample.intBetween(0, 255);
        final byte[] body = sample.bytes(300);
        final ByteBuf frame = Unpooled.wrappedBuffer(PropertySupport.frame(type, 0, body));
        try
        {
            assertThat(ControlCodec.parse(frame)).isNotNull();
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @SeededTest(cases = 300)
    void shouldRaiseCodecExceptionForRandomBytesAsFrame(final SeededCase sample)
    {
        final ByteBuf frame = Unpooled.wrappedBuffer(sample.bytes(100));
        try
        {
            ControlCodec.parse(frame);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
