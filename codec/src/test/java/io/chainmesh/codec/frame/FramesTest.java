package io.chainmesh.codec.frame;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.control.Hello;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import com.google.protobuf.ByteString;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FramesTest
{
    @Test
    void shouldWriteSameHeaderToByteBufAndDirectBuffer()
    {
        final ByteBuf buf = Unpooled.buffer();
        Frames.writeHeader(buf, FrameType.BATCH, 3, 100);
        final UnsafeBuffer direct = new UnsafeBuffer(new byte[10]);
        Frames.writeHeader(direct, 2, FrameType.BATCH, 3, 100);

        assertThat(buf.readableBytes()).isEqualTo(FrameDescriptor.HEADER_LENGTH);
        assertThat(buf.getInt(0)).isEqualTo(102);
        assertThat(direct.getInt(2, ByteOrder.BIG_ENDIAN)).isEqualTo(102);
        assertThat(direct.getByte(6)).isEqualTo((byte)FrameType.BATCH);
        assertThat(direct.getByte(7)).isEqualTo((byte)3);
        assertThat(Frames.type(buf)).isEqualTo(FrameType.BATCH);
        assertThat(Frames.flags(buf)).isEqualTo(3);
        buf.release();
    }

    @Test
    void shouldEncodeControlFrameThatParsesBack()
    {
        final Hello hello = Hello.newBuilder()
            .setProtocolVersion(1)
            .setPublicKey(ByteString.copyFrom(new byte[33]))
            .setMember(ByteString.copyFrom(new byte[36]))
            .setNonce(ByteString.copyFrom(new byte[32]))
            .setDirectoryHeight(77)
            .build();
        final ByteBuf frame = Frames.encodeControl(PooledByteBufAllocator.DEFAULT, FrameType.HELLO, hello);
        try
        {
            assertThat(Frames.checkWholeFrame(frame)).isEqualTo(hello.getSerializedSize());
            assertThat(Frames.type(frame)).isEqualTo(FrameType.HELLO);
            assertThat(ControlCodec.parseHello(frame)).isEqualTo(hello);
        }
        finally
        {
            frame.release();
        }
    }

    @Test
    void shouldRefuseToEncodeHotPathTypeAsControl()
    {
        assertThatThrownBy(() -> Frames.encodeControl(ByteBufAllocator.DEFAULT, FrameType.BATCH,
            Hello.getDefaultInstance()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type=BATCH");
    }

    @Test
    void shouldRefuseToEncodeControlFrameOverLimit()
    {
        final Hello big = Hello.newBuilder().setNonce(ByteString.copyFrom(new byte[100])).build();
        assertThatThrownBy(() -> Frames.encodeControl(ByteBufAllocator.DEFAULT, FrameType.HELLO, big, 64))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds limit 62");
    }

    @Test
    void shouldRejectFrameWhoseLengthFieldDisagreesWithSize()
    {
        final ByteBuf buf = Unpooled.buffer().writeInt(10).writeByte(1).writeByte(0).writeInt(0);
        assertThatThrownBy(() -> Frames.checkWholeFrame(buf))
            .isInstanceOf(CodecException.class).hasMessage("frame length field 10 disagrees with frame size 10");
        final ByteBuf tiny = Unpooled.buffer().writeInt(2);
        assertThatThrownBy(() -> Frames.checkWholeFrame(tiny))
            .isInstanceOf(CodecException.class).hasMessage("frame size 4 is below header length 6");
    }

    @Test
    void shouldWrapDirectAndHeapBuffersWithoutCopying()
    {
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        final ByteBuf direct = Unpooled.directBuffer(16).writeLong(0x0102030405060708L).writeLong(42);
        direct.readerIndex(8);
        Frames.wrap(view, direct);
        assertThat(view.capacity()).isEqualTo(8);
        assertThat(view.getLong(0, ByteOrder.BIG_ENDIAN)).isEqualTo(42);
        view.putLong(0, 43, ByteOrder.BIG_ENDIAN);
        assertThat(direct.getLong(8)).isEqualTo(43);

        final ByteBuf heap = Unpooled.buffer(16).writeLong(7).writeLong(8);
        Frames.wrap(view, heap, 8, 8);
        assertThat(view.getLong(0, ByteOrder.BIG_ENDIAN)).isEqualTo(8);
        direct.release();
        heap.release();
    }
}
