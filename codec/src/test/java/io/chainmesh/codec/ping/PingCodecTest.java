package io.chainmesh.codec.ping;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PingCodecTest
{
    @Test
    void shouldRoundTripPingThroughAgronaBuffer()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final int length = new PingEncoder().encode(buffer, 3, FrameType.PING, 42);
        final PingDecoder decoder = new PingDecoder().wrap(buffer, 3, length);

        assertThat(length).isEqualTo(10);
        assertThat(decoder.type()).isEqualTo(FrameType.PING);
        assertThat(decoder.pingId()).isEqualTo(42);
        assertThat(buffer.getInt(3, ByteOrder.BIG_ENDIAN)).as("length field").isEqualTo(6);
    }

    @Test
    void shouldCarryPingIdAsUnsigned32Bits()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[16]);
        new PingEncoder().encode(buffer, 0, FrameType.PONG, 0xFFFF_FFFFL);
        assertThat(new PingDecoder().wrap(buffer, 0, PingDescriptor.FRAME_LENGTH).pingId()).isEqualTo(0xFFFF_FFFFL);

        final ByteBuf frame = Unpooled.buffer();
        PingDescriptor.writeFrame(frame, FrameType.PING, 0x1_0000_0005L);
        assertThat(frame.readableBytes()).isEqualTo(10);
        assertThat(PingDescriptor.pingId(frame)).as("only the low 32 bits travel").isEqualTo(5);
        frame.release();
    }

    @Test
    void shouldTurnPingIntoEchoingPong()
    {
        final ByteBuf frame = Unpooled.buffer();
        PingDescriptor.writeFrame(frame, FrameType.PING, 7);
        assertThat(PingDescriptor.checkFrame(frame)).isEqualTo(FrameType.PING);

        PingDescriptor.toPong(frame);

        assertThat(PingDescriptor.checkFrame(frame)).isEqualTo(FrameType.PONG);
        assertThat(Frames.type(frame)).isEqualTo(FrameType.PONG);
        assertThat(PingDescriptor.pingId(frame)).isEqualTo(7);
        frame.release();
    }

    @Test
    void shouldRejectMalformedPing()
    {
        final ByteBuf frame = Unpooled.buffer();
        PingDescriptor.writeFrame(frame, FrameType.PING, 1);
        frame.writeByte(0);
        assertThatThrownBy(() -> PingDescriptor.checkFrame(frame)).isInstanceOf(CodecException.class)
            .hasMessage("PING/PONG frame length 11 must be 10");
        frame.writerIndex(9);
        assertThatThrownBy(() -> PingDescriptor.checkFrame(frame)).isInstanceOf(CodecException.class)
            .hasMessage("PING/PONG frame length 9 must be 10");
        final byte[] oldLayout = new byte[22];
        oldLayout[3] = 18;
        oldLayout[4] = FrameType.PING;
        assertThatThrownBy(() -> new PingDecoder().wrap(new UnsafeBuffer(oldLayout), 0, 22))
            .isInstanceOf(CodecException.class).hasMessage("PING/PONG frame length 22 must be 10");
        frame.writerIndex(10).setByte(4, FrameType.DIRECT);
        assertThatThrownBy(() -> PingDescriptor.checkFrame(frame)).isInstanceOf(CodecException.class)
            .hasMessage("frame type DIRECT is not PING or PONG");
        frame.setByte(4, FrameType.PING).setInt(0, 99);
        assertThatThrownBy(() -> PingDescriptor.checkFrame(frame)).isInstanceOf(CodecException.class)
            .hasMessage("PING length field 99 must be 6");
        final UnsafeBuffer small = new UnsafeBuffer(new byte[8]);
        assertThatThrownBy(() -> new PingDecoder().wrap(small, 0, 10)).isInstanceOf(CodecException.class)
            .hasMessageContaining("outside buffer capacity 8");
        frame.release();
    }

    @Test
    void shouldRefuseToWriteNonPingType()
    {
        assertThatThrownBy(() -> new PingEncoder().encode(new UnsafeBuffer(new byte[64]), 0, FrameType.DIRECT, 1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type=DIRECT");
    }
}
