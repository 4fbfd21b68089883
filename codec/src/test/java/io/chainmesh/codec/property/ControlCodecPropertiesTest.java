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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import static org.assertj.core.api.Assertions.assertThat;

class ControlCodecPropertiesTest
{
    private static Arbitrary<ByteString> bytes(final int length)
    {
        return Arbitraries.bytes().array(byte[].class).ofSize(length).map(ByteString::copyFrom);
    }

    private static Arbitrary<String> text(final int maxLength)
    {
        return Arbitraries.strings().all().ofMaxLength(maxLength)
            .filter(s -> s.codePoints().noneMatch(c -> c >= 0xD800 && c <= 0xDFFF));
    }

    @Provide
    Arbitrary<Hello> hellos()
    {
        return Combinators.combine(Arbitraries.integers().greaterOrEqual(0), bytes(33), bytes(32),
                Arbitraries.oneOf(bytes(0), bytes(32)), Arbitraries.longs(), Arbitraries.longs())
            .as((version, id, nonce, ephemeral, height, capabilities) -> Hello.newBuilder()
                .setProtocolVersion(version).setNodeId(id).setNonce(nonce).setEphemeralKey(ephemeral)
                .setDirectoryHeight(height).setCapabilities(capabilities).build());
    }

    @Provide
    Arbitrary<MessageLite> others()
    {
        final Arbitrary<Auth> auths = bytes(64).map(s -> Auth.newBuilder().setSignature(s).build());
        final Arbitrary<Close> closes = Combinators.combine(Arbitraries.of(CloseReason.class)
                .filter(r -> r != CloseReason.UNRECOGNIZED), text(1024))
            .as((reason, text) -> Close.newBuilder().setReason(reason).setText(text).build());
        final Arbitrary<PeerInfo> infos = Combinators.combine(bytes(33), text(253),
                Arbitraries.integers().between(0, 65535), Arbitraries.longs(), text(64))
            .as((id, host, port, uptime, version) -> PeerInfo.newBuilder().setNodeId(id).setHost(host).setPort(port)
                .setUptimeMillis(uptime).setVersion(version).build());
        final Arbitrary<BenchReport> reports = Combinators.combine(bytes(33), Arbitraries.of(BenchTier.class)
                .filter(t -> t != BenchTier.UNRECOGNIZED), Arbitraries.doubles(), text(1024), Arbitraries.oneOf(bytes(0), bytes(64)))
            .as((id, tier, eps, reason, signature) -> BenchReport.newBuilder().setNodeId(id).setTier(tier)
                .setEpsMulti(eps).setTierReason(reason).setSignature(signature).build());
        final Arbitrary<OriginProgress> progress = Combinators.combine(Arbitraries.longs(),
                Arbitraries.longs().between(0, Long.MAX_VALUE / 2), Arbitraries.longs().between(0, Long.MAX_VALUE / 2))
            .as((origin, a, b) -> OriginProgress.newBuilder().setOriginId(origin).setContiguousSeq(a)
                .setHighestSeq(a + b).build());
        final Arbitrary<Digest> digests = progress.list().ofMaxSize(50)
            .map(list -> Digest.newBuilder().addAllOrigins(list).build());
        final Arbitrary<WantRange> ranges = Combinators.combine(Arbitraries.longs(),
                Arbitraries.longs().between(0, Long.MAX_VALUE / 2), Arbitraries.longs().between(1, Long.MAX_VALUE / 2))
            .as((origin, after, span) -> WantRange.newBuilder().setOriginId(origin).setAfterSeq(after)
                .setUpToSeq(after + span).build());
        final Arbitrary<Want> wants = ranges.list().ofMaxSize(50).map(list -> Want.newBuilder().addAllRanges(list).build());
        final Arbitrary<WantMiss> misses = Combinators.combine(Arbitraries.longs(), Arbitraries.longs(), Arbitraries.longs())
            .as((origin, after, oldest) -> WantMiss.newBuilder().setOriginId(origin).setAfterSeq(after)
                .setOldestRetainedSeq(oldest).build());
        return Arbitraries.oneOf(auths, closes, infos, reports, digests, wants, misses);
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

    @Property(tries = 200)
    void shouldRoundTripHello(@ForAll("hellos") final Hello hello)
    {
        assertRoundTrip(hello);
    }

    @Property(tries = 400)
    void shouldRoundTripEveryOtherControlMessage(@ForAll("others") final MessageLite message)
    {
        assertRoundTrip(message);
    }

    @Property(tries = 1000)
    void shouldParseOrRaiseCodecExceptionForRandomBodies(
        @ForAll @IntRange(min = 0, max = 255) final int type, @ForAll @Size(max = 300) final byte[] body)
    {
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

    @Property(tries = 300)
    void shouldRaiseCodecExceptionForRandomBytesAsFrame(@ForAll @Size(max = 100) final byte[] bytes)
    {
        final ByteBuf frame = Unpooled.wrappedBuffer(bytes);
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
