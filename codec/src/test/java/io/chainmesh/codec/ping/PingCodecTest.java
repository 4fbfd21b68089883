package io.chainmesh.codec.ping;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PingCodecTest
{
    @Test
    void shouldRoundTripPingThroughAgronaBuffer()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final int length = new PingEncoder().encode(buffer, 3, FrameType.PING, 42, 123456789L);
        final PingDecoder decoder = new PingDecoder().wrap(buffer, 3, length);

        assertThat(length).isEqualTo(22);
        assertThat(decoder.type()).isEqualTo(FrameType.PING);
        assertThat(decoder.pingId()).isEqualTo(42);
        assertThat(decoder.sendTimeNanos()).isEqualTo(123456789L);
    }

    @Test
    void shouldTurnPingIntoEchoingPong()
    {
        final ByteBuf frame = Unpooled.buffer();
        PingDescriptor.writeFrame(frame, FrameType.PING, 7, -5);
        assertThat(PingDescriptor.checkFrame(frame)).isEqualTo(FrameType.PING);

        PingDescriptor.toPong(frame);

        assertThat(PingDescriptor.checkFrame(frame)).isEqualTo(FrameType.PONG);
        assertThat(Frames.type(frame)).isEqualTo(FrameType.PONG);
        assertThat(PingDescriptor.pingId(frame)).isEqualTo(7);
        assertThat(PingDescriptor.sendTimeNanos(frame)).isEqualTo(-5);
        frame.release();
    }

    @Test
    void shouldRejectMalformedPing()
    {
        final ByteBuf frame = Unpooled.buffer();
        PingDescriptor.writeFrame(frame, FrameType.PING, 1, 2);
        frame.writeByte(0);
        assertThatThrownBy(() -> PingDescriptor.checkFrame(frame)).isInstanceOf(CodecException.class)
            .hasMessage("PING/PONG frame length 23 must be 22");
        frame.writerIndex(22).setByte(4, FrameType.DIRECT);
        assertThatThrownBy(() -> PingDescriptor.checkFrame(frame)).isInstanceOf(CodecException.class)
            .hasMessage("frame type DIRECT is not PING or PONG");
        frame.setByte(4, FrameType.PING).setInt(0, 99);
        assertThatThrownBy(() -> PingDescriptor.checkFrame(frame)).isInstanceOf(CodecException.class)
            .hasMessage("PING length field 99 must be 18");
        final UnsafeBuffer small = new UnsafeBuffer(new byte[10]);
        assertThatThrownBy(() -> new PingDecoder().wrap(small, 0, 22)).isInstanceOf(CodecException.class)
            .hasMessageContaining("outside buffer capacity 10");
        frame.release();
    }

    @Test
    void shouldRefuseToWriteNonPingType()
    {
        assertThatThrownBy(() -> new PingEncoder().encode(new UnsafeBuffer(new byte[64]), 0, FrameType.DIRECT, 1, 2))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type=DIRECT");
    }
}
