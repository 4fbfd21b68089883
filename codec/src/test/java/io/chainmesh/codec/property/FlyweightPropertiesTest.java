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
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FlyweightPropertiesTest
{
    private static final NodeKey KEY = NodeKey.fromHex("44".repeat(32));
    private static final long ORIGIN_ID = 0x5eed0001c0ffee44L;

    private record Entry(int topic, byte[] payload)
    {
    }

    private static List<Entry> entries(final SeededCase sample)
    {
        return sample.listOf(40, () -> new Entry(sample.intBetween(0, 65535), sample.bytes(200)));
    }

    @SeededTest(cases = 300)
    void shouldRoundTripBatch(final SeededCase sample)
    {
        final List<Entry> entries = entries(sample);
        final long originId = sample.anyLong();
        final long batchSeq = sample.anyLong();
        final long timestamp = sample.anyLong();
        final int frameOffset = sample.intBetween(0, 64);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[frameOffset + 96 + 40 * 206]);
        final BatchEncoder encoder = new BatchEncoder().wrap(buffer, frameOffset, buffer.capacity() - frameOffset);
        encoder.begin(originId, batchSeq, timestamp);
        for (final Entry entry : entries)
        {
            assertThat(encoder.tryAppend(entry.topic(), new UnsafeBuffer(entry.payload()), 0, entry.payload().length))
                .isTrue();
        }
        final int length = encoder.finish();

        final BatchDecoder decoder = new BatchDecoder().wrap(buffer, frameOffset, length);
        assertThat(decoder.originId()).isEqualTo(originId);
        assertThat(decoder.batchSeq()).isEqualTo(batchSeq);
        assertThat(decoder.timestampMillis()).isEqualTo(timestamp);
        assertThat(decoder.count()).isEqualTo(entries.size());
        for (final Entry entry : entries)
        {
            assertThat(decoder.nextEntry()).isTrue();
            assertThat(decoder.entryTopic()).isEqualTo(entry.topic());
            final byte[] bytes = new byte[decoder.entryLength()];
            buffer.getBytes(decoder.entryOffset(), bytes);
            assertThat(bytes).isEqualTo(entry.payload());
        }
        assertThat(decoder.nextEntry()).isFalse();
    }

    @SeededTest(cases = 20)
    void shouldVerifySignedBatchAndRejectAnyFlippedBit(final SeededCase sample)
    {
        final List<Entry> entries = entries(sample);
        final int bit = sample.intBetween(0, 100_000);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[96 + 40 * 206]);
        final BatchEncoder encoder = new BatchEncoder().wrap(buffer, 0, buffer.capacity());
        encoder.begin(ORIGIN_ID, 1, 2);
        entries.forEach(e -> encoder.tryAppend(e.topic(), new UnsafeBuffer(e.payload()), 0, e.payload().length));
        final int length = encoder.sign(new BatchSigner(KEY));
        final BatchVerifier verifier = new BatchVerifier();
        assertThat(verifier.verify(KEY.publicKey(), buffer, 0, length)).isTrue();

        final int signedBits = (length - 6) * 8;
        final int index = 6 + (bit % signedBits) / 8;
        buffer.putByte(index, (byte)(buffer.getByte(index) ^ (1 << (bit % 8))));
        assertThat(verifier.verify(KEY.publicKey(), buffer, 0, length)).isFalse();
    }

    @SeededTest(cases = 1000)
    void shouldDecodeBatchOrRaiseCodecExceptionForRandomBodies(final SeededCase sample)
    {
        final byte[] body = sample.bytes(400);
        final boolean batchType = sample.anyBoolean();
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

    @SeededTest(cases = 300)
    void shouldDecodeBatchOrRaiseCodecExceptionForRandomBytes(final SeededCase sample)
    {
        final byte[] bytes = sample.bytes(300);
        final int length = sample.intBetween(-5, 400);
        try
        {
            new BatchDecoder().wrap(new UnsafeBuffer(bytes), 0, length);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @SeededTest(cases = 300)
    void shouldRoundTripDirect(final SeededCase sample)
    {
        final long destination = sample.anyLong();
        final long source = sample.anyLong();
        final int hopLimit = sample.intBetween(0, 255);
        final byte[] payload = sample.bytes(500);
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

    @SeededTest(cases = 500)
    void shouldDecodeDirectOrRaiseCodecException(final SeededCase sample)
    {
        final byte[] body = sample.bytes(100);
        final boolean directType = sample.anyBoolean();
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

    @SeededTest(cases = 300)
    void shouldRoundTripPingAndPong(final SeededCase sample)
    {
        final long pingId = sample.anyLong();
        final long wireId = pingId & PingDescriptor.PING_ID_MASK;
        final boolean pong = sample.anyBoolean();
        final int type = pong ? FrameType.PONG : FrameType.PING;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[PingDescriptor.FRAME_LENGTH]);
        final int length = new PingEncoder().encode(buffer, 0, type, pingId);
        assertThat(length).isEqualTo(PingDescriptor.FRAME_LENGTH);
        final PingDecoder decoder = new PingDecoder().wrap(buffer, 0, length);
        assertThat(decoder.type()).isEqualTo(type);
        assertThat(decoder.pingId()).isEqualTo(wireId);
        final ByteBuf frame = Unpooled.buffer();
        PingDescriptor.writeFrame(frame, type, pingId);
        assertThat(frame.array()).startsWith(buffer.byteArray());
        assertThat(PingDescriptor.pingId(frame)).isEqualTo(wireId);
        frame.release();
    }

    @SeededTest(cases = 500)
    void shouldDecodePingOrRaiseCodecException(final SeededCase sample)
    {
        final byte[] bytes = sample.bytes(40);
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
