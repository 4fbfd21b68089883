package io.chainmesh.codec.property;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.batch.BatchDecoder;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.batch.BatchSigner;
import io.chainmesh.codec.batch.BatchVerifier;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.direct.DirectDecoder;
import io.chainmesh.codec.direct.DirectDescriptor;
import io.chainmesh.codec.direct.DirectEncoder;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.ping.PingDecoder;
import io.chainmesh.codec.ping.PingDescriptor;
import io.chainmesh.codec.ping.PingEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FlyweightPropertiesTest
{
    private static final NodeKey KEY = NodeKey.fromHex("44".repeat(32));

    @Provide
    Arbitrary<List<Tuple2<Integer, byte[]>>> entries()
    {
        return Combinators.combine(Arbitraries.integers().between(0, 65535),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(200))
            .as(Tuple::of).list().ofMaxSize(40);
    }

    @Property(tries = 300)
    void shouldRoundTripBatch(
        @ForAll("entries") final List<Tuple2<Integer, byte[]>> entries,
        @ForAll final long originId, @ForAll final long batchSeq, @ForAll final long timestamp,
        @ForAll @IntRange(max = 64) final int frameOffset)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[frameOffset + 96 + 40 * 206]);
        final BatchEncoder encoder = new BatchEncoder().wrap(buffer, frameOffset, buffer.capacity() - frameOffset);
        encoder.begin(originId, batchSeq, timestamp);
        for (final Tuple2<Integer, byte[]> entry : entries)
        {
            assertThat(encoder.tryAppend(entry.get1(), new UnsafeBuffer(entry.get2()), 0, entry.get2().length)).isTrue();
        }
        final int length = encoder.finish();

        final BatchDecoder decoder = new BatchDecoder().wrap(buffer, frameOffset, length);
        assertThat(decoder.originId()).isEqualTo(originId);
        assertThat(decoder.batchSeq()).isEqualTo(batchSeq);
        assertThat(decoder.timestampMillis()).isEqualTo(timestamp);
        assertThat(decoder.count()).isEqualTo(entries.size());
        for (final Tuple2<Integer, byte[]> entry : entries)
        {
            assertThat(decoder.nextEntry()).isTrue();
            assertThat(decoder.entryTopic()).isEqualTo(entry.get1());
            final byte[] bytes = new byte[decoder.entryLength()];
            buffer.getBytes(decoder.entryOffset(), bytes);
            assertThat(bytes).isEqualTo(entry.get2());
        }
        assertThat(decoder.nextEntry()).isFalse();
    }

    @Property(tries = 20)
    void shouldVerifySignedBatchAndRejectAnyFlippedBit(
        @ForAll("entries") final List<Tuple2<Integer, byte[]>> entries, @ForAll @IntRange(max = 100_000) final int bit)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[96 + 40 * 206]);
        final BatchEncoder encoder = new BatchEncoder().wrap(buffer, 0, buffer.capacity());
        encoder.begin(KEY.nodeId().originId(), 1, 2);
        entries.forEach(e -> encoder.tryAppend(e.get1(), new UnsafeBuffer(e.get2()), 0, e.get2().length));
        final int length = encoder.sign(new BatchSigner(KEY));
        final BatchVerifier verifier = new BatchVerifier();
        assertThat(verifier.verify(KEY.nodeId(), buffer, 0, length)).isTrue();

        final int signedBits = (length - 6) * 8;
        final int index = 6 + (bit % signedBits) / 8;
        buffer.putByte(index, (byte)(buffer.getByte(index) ^ (1 << (bit % 8))));
        assertThat(verifier.verify(KEY.nodeId(), buffer, 0, length)).isFalse();
    }

    @Property(tries = 1000)
    void shouldDecodeBatchOrRaiseCodecExceptionForRandomBodies(
        @ForAll @Size(max = 400) final byte[] body, @ForAll final boolean batchType)
    {
        final byte[] frame = PropertySupport.frame(batchType ? FrameType.BATCH : body.length & 0xFF, 0, body);
        final BatchDecoder decoder = new BatchDecoder();
        try
        {
            decoder.wrap(new UnsafeBuffer(frame), 0, frame.length);
            int count = 0;
            long total = 0;
            while (decoder.nextEntry())
            {
                assertThat(decoder.entryOffset() + decoder.entryLength()).isLessThanOrEqualTo(frame.length - 64);
                total += decoder.entryLength();
                count++;
            }
            assertThat(count).isEqualTo(decoder.count());
            assertThat(total).isLessThanOrEqualTo(frame.length);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).containsAnyOf("BATCH", "frame type");
        }
    }

    @Property(tries = 300)
    void shouldDecodeBatchOrRaiseCodecExceptionForRandomBytes(
        @ForAll @Size(max = 300) final byte[] bytes, @ForAll @IntRange(min = -5, max = 400) final int length)
    {
        try
        {
            new BatchDecoder().wrap(new UnsafeBuffer(bytes), 0, length);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 300)
    void shouldRoundTripDirect(
        @ForAll final long destination, @ForAll final long source, @ForAll @IntRange(max = 255) final int hopLimit,
        @ForAll @Size(max = 500) final byte[] payload)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DirectDescriptor.frameLength(payload.length)]);
        final int length = new DirectEncoder().encode(buffer, 0, destination, source, hopLimit,
            new UnsafeBuffer(payload), 0, payload.length);
        final DirectDecoder decoder = new DirectDecoder().wrap(buffer, 0, length);
        assertThat(decoder.destination()).isEqualTo(destination);
        assertThat(decoder.source()).isEqualTo(source);
        assertThat(decoder.hopLimit()).isEqualTo(hopLimit);
        final byte[] actual = new byte[decoder.payloadLength()];
        buffer.getBytes(decoder.payloadOffset(), actual);
        assertThat(actual).isEqualTo(payload);

        final ByteBuf frame = Unpooled.wrappedBuffer(buffer.byteArray());
        DirectDescriptor.checkFrame(frame);
        assertThat(DirectDescriptor.destination(frame)).isEqualTo(destination);
        assertThat(DirectDescriptor.source(frame)).isEqualTo(source);
    }

    @Property(tries = 500)
    void shouldDecodeDirectOrRaiseCodecException(@ForAll @Size(max = 100) final byte[] body, @ForAll final boolean directType)
    {
        final byte[] frame = PropertySupport.frame(directType ? FrameType.DIRECT : body.length & 0xFF, 0, body);
        try
        {
            final DirectDecoder decoder = new DirectDecoder().wrap(new UnsafeBuffer(frame), 0, frame.length);
            assertThat(decoder.payloadOffset() + decoder.payloadLength()).isEqualTo(frame.length);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
        try
        {
            DirectDescriptor.checkFrame(Unpooled.wrappedBuffer(body));
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 300)
    void shouldRoundTripPingAndPong(@ForAll final long pingId, @ForAll final long sendTime, @ForAll final boolean pong)
    {
        final int type = pong ? FrameType.PONG : FrameType.PING;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[PingDescriptor.FRAME_LENGTH]);
        final int length = new PingEncoder().encode(buffer, 0, type, pingId, sendTime);
        final PingDecoder decoder = new PingDecoder().wrap(buffer, 0, length);
        assertThat(decoder.type()).isEqualTo(type);
        assertThat(decoder.pingId()).isEqualTo(pingId);
        assertThat(decoder.sendTimeNanos()).isEqualTo(sendTime);
        final ByteBuf frame = Unpooled.buffer();
        PingDescriptor.writeFrame(frame, type, pingId, sendTime);
        assertThat(frame.array()).startsWith(buffer.byteArray());
        frame.release();
    }

    @Property(tries = 500)
    void shouldDecodePingOrRaiseCodecException(@ForAll @Size(max = 40) final byte[] bytes)
    {
        try
        {
            new PingDecoder().wrap(new UnsafeBuffer(bytes), 0, bytes.length);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
        try
        {
            PingDescriptor.checkFrame(Unpooled.wrappedBuffer(bytes));
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
