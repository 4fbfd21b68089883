package io.chainmesh.codec.direct;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DirectCodecTest
{
    private static final byte[] PAYLOAD = "hello direct".getBytes(UTF_8);

    private final DirectEncoder encoder = new DirectEncoder();
    private final DirectDecoder decoder = new DirectDecoder();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);

    private int encodeAt(final int offset)
    {
        return encoder.encode(buffer, offset, 0x1122334455667788L, -2L, 9, new UnsafeBuffer(PAYLOAD), 0,
            PAYLOAD.length);
    }

    @Test
    void shouldRoundTripThroughAgronaBuffer()
    {
        final int length = encodeAt(10);

        assertThat(length).isEqualTo(DirectDescriptor.MIN_FRAME_LENGTH + PAYLOAD.length);
        assertThat(buffer.getInt(10, ByteOrder.BIG_ENDIAN)).isEqualTo(length - 4);
        assertThat(buffer.getByte(10 + FrameDescriptor.TYPE_OFFSET)).isEqualTo((byte)FrameType.DIRECT);
        decoder.wrap(buffer, 10, length);
        assertThat(decoder.destination()).isEqualTo(0x1122334455667788L);
        assertThat(decoder.source()).isEqualTo(-2L);
        assertThat(decoder.hopLimit()).isEqualTo(9);
        assertThat(decoder.payloadLength()).isEqualTo(PAYLOAD.length);
        final byte[] payload = new byte[decoder.payloadLength()];
        buffer.getBytes(decoder.payloadOffset(), payload);
        assertThat(payload).isEqualTo(PAYLOAD);
    }

    @Test
    void shouldPlaceFieldsAtDocumentedOffsets()
    {
        assertThat(DirectDescriptor.BODY_HEADER_LENGTH).isEqualTo(24);
        encodeAt(0);
        assertThat(buffer.getLong(6, ByteOrder.BIG_ENDIAN)).isEqualTo(0x1122334455667788L);
        assertThat(buffer.getLong(14, ByteOrder.BIG_ENDIAN)).isEqualTo(-2L);
        assertThat(buffer.getByte(22)).isEqualTo((byte)9);
        assertThat(buffer.getInt(26, ByteOrder.BIG_ENDIAN)).isEqualTo(PAYLOAD.length);
    }

    @Test
    void shouldEncodeIntoByteBufAndReadWithStaticAccessors()
    {
        final ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(8);
        try
        {
            out.writeByte(0xEE).readerIndex(1);
            final int length = encoder.encode(out, 5L, 6L, 255, new UnsafeBuffer(PAYLOAD), 0, PAYLOAD.length);
            assertThat(out.readableBytes()).isEqualTo(length);

            DirectDescriptor.checkFrame(out);
            assertThat(DirectDescriptor.destination(out)).isEqualTo(5L);
            assertThat(DirectDescriptor.source(out)).isEqualTo(6L);
            assertThat(DirectDescriptor.hopLimit(out)).isEqualTo(255);
            assertThat(DirectDescriptor.payloadLength(out)).isEqualTo(PAYLOAD.length);
            assertThat(out.toString(DirectDescriptor.payloadIndex(out), PAYLOAD.length, UTF_8)).isEqualTo("hello direct");
            final DirectDecoder viaView = new DirectDecoder().wrap(out);
            assertThat(viaView.destination()).isEqualTo(5L);
            assertThat(viaView.payloadOffset()).isEqualTo(DirectDescriptor.PAYLOAD_OFFSET);
            assertThat(viaView.buffer().getStringWithoutLengthAscii(viaView.payloadOffset(), viaView.payloadLength()))
                .isEqualTo("hello direct");
            DirectDescriptor.hopLimit(out, 254);
            assertThat(DirectDescriptor.hopLimit(out)).isEqualTo(254);
        }
        finally
        {
            out.release();
        }
    }

    @Test
    void shouldRejectPayloadLengthThatDisagreesWithBody()
    {
        final int length = encodeAt(0);
        buffer.putInt(DirectDescriptor.PAYLOAD_LENGTH_OFFSET, PAYLOAD.length + 1, ByteOrder.BIG_ENDIAN);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length)).isInstanceOf(CodecException.class)
            .hasMessage("DIRECT payloadLength 13 disagrees with remaining body 12");
        buffer.putInt(DirectDescriptor.PAYLOAD_LENGTH_OFFSET, -1, ByteOrder.BIG_ENDIAN);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length)).isInstanceOf(CodecException.class)
            .hasMessage("DIRECT payloadLength 4294967295 disagrees with remaining body 12");
    }

    @Test
    void shouldRejectTruncatedFrame()
    {
        final int length = encodeAt(0);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length - 1)).isInstanceOf(CodecException.class)
            .hasMessageContaining("disagrees with frame length");
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, 29)).isInstanceOf(CodecException.class)
            .hasMessage("DIRECT frame length 29 is below minimum 30");
        assertThatThrownBy(() -> decoder.wrap(buffer, 250, 30)).isInstanceOf(CodecException.class)
            .hasMessageContaining("outside buffer capacity 256");
    }

    @Test
    void shouldRejectWrongType()
    {
        final int length = encodeAt(0);
        buffer.putByte(FrameDescriptor.TYPE_OFFSET, (byte)FrameType.BATCH);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length)).isInstanceOf(CodecException.class)
            .hasMessage("frame type BATCH is not DIRECT");
    }

    @Test
    void shouldRejectShortByteBufFrame()
    {
        final ByteBuf frame = Unpooled.buffer().writeInt(2).writeByte(FrameType.DIRECT).writeByte(0);
        assertThatThrownBy(() -> DirectDescriptor.checkFrame(frame)).isInstanceOf(CodecException.class)
            .hasMessage("DIRECT frame length 6 is below minimum 30");
        frame.release();
    }

    @Test
    void shouldRefuseToEncodeBeyondCapacity()
    {
        assertThatThrownBy(() -> encoder.encode(buffer, 240, 1, 2, 3, new UnsafeBuffer(PAYLOAD), 0, PAYLOAD.length))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit capacity 256");
        assertThatThrownBy(() -> encoder.encode(buffer, 0, 1, 2, 256, new UnsafeBuffer(PAYLOAD), 0, 1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hopLimit=256");
    }
}
