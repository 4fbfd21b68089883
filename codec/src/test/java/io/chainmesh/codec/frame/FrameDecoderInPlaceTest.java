package io.chainmesh.codec.frame;

import io.chainmesh.codec.CodecException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameDecoderInPlaceTest
{
    private static final int MAX = 1024;

    private final FrameDecoder decoder = new FrameDecoder(MAX);
    /** Everything seen, in order: "D:<seed>" in place, "S:<type>:<seed>" as a slice. */
    private final List<String> seen = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter()
    {
        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf frame = (ByteBuf)msg;
            try
            {
                final int type = Frames.type(frame);
                seen.add("S:" + type + ":" + frame.getByte(frame.readerIndex() + FrameDescriptor.BODY_OFFSET));
                if (type == FrameType.PING)
                {
                    // As the handshake does on AUTH: switch to in place while frames of this read are pending.
                    decoder.inPlace(FrameType.DIRECT, FrameDecoderInPlaceTest.this::onDirect);
                }
            }
            finally
            {
                frame.release();
            }
        }
    });

    private void onDirect(final org.agrona.MutableDirectBuffer buffer, final int offset, final int length)
    {
        assertThat(buffer.getByte(offset + FrameDescriptor.TYPE_OFFSET)).isEqualTo((byte)FrameType.DIRECT);
        assertThat(buffer.getInt(offset, java.nio.ByteOrder.BIG_ENDIAN)).isEqualTo(length - 4);
        seen.add("D:" + buffer.getByte(offset + FrameDescriptor.BODY_OFFSET));
    }

    @AfterEach
    void tearDown()
    {
        channel.finishAndReleaseAll();
    }

    private static byte[] frame(final int type, final int seed, final int bodyLength)
    {
        final byte[] body = new byte[bodyLength];
        body[0] = (byte)seed;
        return TestFrames.frame(type, 0, body);
    }

    private static ByteBuf concat(final boolean direct, final byte[]... frames)
    {
        final ByteBuf buf = direct ? PooledByteBufAllocator.DEFAULT.directBuffer() : Unpooled.buffer();
        for (final byte[] frame : frames)
        {
            buf.writeBytes(frame);
        }
        return buf;
    }

    @Test
    void shouldHandleFramesOfTheChosenTypeInPlaceAndKeepOrderWithSlices()
    {
        decoder.inPlace(FrameType.DIRECT, this::onDirect);
        channel.writeInbound(concat(true,
            frame(FrameType.DIRECT, 1, 40), frame(FrameType.DIRECT, 2, 40), frame(FrameType.PONG, 3, 16),
            frame(FrameType.DIRECT, 4, 40), frame(FrameType.CLOSE, 5, 8), frame(FrameType.DIRECT, 6, 8)));

        assertThat(seen).containsExactly("D:1", "D:2", "S:" + FrameType.PONG + ":3", "D:4",
            "S:" + FrameType.CLOSE + ":5", "D:6");
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Test
    void shouldSwitchToInPlaceForTheRestOfTheSameRead()
    {
        channel.writeInbound(concat(false,
            frame(FrameType.DIRECT, 1, 40), frame(FrameType.PING, 2, 16), frame(FrameType.DIRECT, 3, 40)));

        assertThat(seen).containsExactly("S:" + FrameType.DIRECT + ":1", "S:" + FrameType.PING + ":2", "D:3");
    }

    @Test
    void shouldReassembleInPlaceFramesSplitAcrossReads()
    {
        decoder.inPlace(FrameType.DIRECT, this::onDirect);
        final ByteBuf all = concat(true, frame(FrameType.DIRECT, 1, 90), frame(FrameType.DIRECT, 2, 90),
            frame(FrameType.DIRECT, 3, 90));
        final int total = all.readableBytes();
        for (int i = 0; i < total; i += 7)
        {
            channel.writeInbound(all.retainedSlice(i, Math.min(7, total - i)));
        }
        all.release();

        assertThat(seen).containsExactly("D:1", "D:2", "D:3");
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Test
    void shouldJoinReadsAndCopyOnlyTheFramesThatSpanTwoReads()
    {
        decoder.joinReadsWithoutCopying();
        final List<Long> addresses = new ArrayList<>();
        decoder.inPlace(FrameType.DIRECT, (buffer, offset, length) ->
        {
            addresses.add(buffer.addressOffset() + offset);
            onDirect(buffer, offset, length);
        });
        final ByteBuf first = concat(true, frame(FrameType.DIRECT, 1, 90), frame(FrameType.DIRECT, 2, 90));
        first.writerIndex(first.writerIndex() - 30);
        final ByteBuf second = concat(true, new byte[30], frame(FrameType.DIRECT, 3, 90),
            frame(FrameType.PONG, 4, 16), frame(FrameType.DIRECT, 5, 90));
        // A read as large as those under load: smaller ones are copied onto the partial frame, as Netty does.
        for (int k = 0; k < 20; k++)
        {
            second.writeBytes(frame(FrameType.DIRECT, 10 + k, 90));
        }
        second.setBytes(0, frame(FrameType.DIRECT, 2, 90), 66, 30);
        final long firstAddress = first.memoryAddress();
        final long secondAddress = second.memoryAddress();

        channel.writeInbound(first);
        channel.writeInbound(second);

        assertThat(seen).startsWith("D:1", "D:2", "D:3", "S:" + FrameType.PONG + ":4", "D:5").hasSize(25);
        assertThat(addresses.get(0)).isEqualTo(firstAddress);
        assertThat(addresses.get(1)).satisfiesAnyOf(
            address -> assertThat(address).isLessThan(Math.min(firstAddress, secondAddress)),
            address -> assertThat(address).isGreaterThan(Math.max(firstAddress + 200, secondAddress + 300)));
        assertThat(addresses.get(2)).isEqualTo(secondAddress + 30);
        assertThat(addresses.get(3)).isEqualTo(secondAddress + 30 + 96 + 22);
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Test
    void shouldHoldAFrameDrippedAByteAtATimeInAtMostTheJoinedReadsBound()
    {
        decoder.joinReadsWithoutCopying().inPlace(FrameType.DIRECT, this::onDirect);
        final byte[] frame = frame(FrameType.DIRECT, 7, MAX - FrameDescriptor.MIN_LENGTH_FIELD);
        int mostParts = 0;
        for (final byte b : frame)
        {
            channel.writeInbound(PooledByteBufAllocator.DEFAULT.directBuffer(1).writeByte(b));
            mostParts = Math.max(mostParts, decoder.bufferedParts());
        }

        assertThat(mostParts).isEqualTo(1);
        assertThat(seen).containsExactly("D:7");
        assertThat(decoder.bufferedParts()).isZero();
    }

    @Test
    void shouldHoldALargeFrameInAtMostTheJoinedReadsBoundWhateverTheReadCount()
    {
        final FrameDecoder large = new FrameDecoder(1 << 20).joinReadsWithoutCopying();
        final List<Integer> handed = new ArrayList<>();
        large.inPlace(FrameType.DIRECT, (buffer, offset, length) ->
        {
            handed.add(length);
            assertThat(buffer.getByte(offset + length - 1)).isEqualTo((byte)0x77);
        });
        final EmbeddedChannel wire = new EmbeddedChannel(large);
        final byte[] body = new byte[200 * 1024];
        java.util.Arrays.fill(body, (byte)0x77);
        final byte[] frame = TestFrames.frame(FrameType.DIRECT, 0, body);
        int mostParts = 0;
        for (int i = 0; i < frame.length; i += 4096)
        {
            wire.writeInbound(PooledByteBufAllocator.DEFAULT.directBuffer(4096)
                .writeBytes(frame, i, Math.min(4096, frame.length - i)));
            mostParts = Math.max(mostParts, large.bufferedParts());
        }

        assertThat(mostParts).isEqualTo(FrameDecoder.MAX_JOINED_READS);
        assertThat(handed).containsExactly(frame.length);
        assertThat(wire.finish()).isFalse();
    }

    @Test
    void shouldRefuseAnOversizedLengthThatSpansTwoJoinedReads()
    {
        decoder.joinReadsWithoutCopying().inPlace(FrameType.DIRECT, this::onDirect);
        final ByteBuf first = concat(true, frame(FrameType.DIRECT, 1, 40));
        first.writeShort(0);
        // Large enough to be joined, not copied onto the first.
        final ByteBuf second = PooledByteBufAllocator.DEFAULT.directBuffer().writeShort(MAX + 1)
            .writeByte(FrameType.DIRECT).writeByte(0).writeZero(4096);
        channel.writeInbound(first);

        assertThatThrownBy(() -> channel.writeInbound(second))
            .cause().isInstanceOf(CodecException.class).hasMessageContaining("exceeds limit " + MAX);
        assertThat(decoder.isFailed()).isTrue();
        assertThat(seen).containsExactly("D:1");
    }

    @Test
    void shouldRefuseOversizedLengthInPlaceAndIgnoreTheRest()
    {
        decoder.inPlace(FrameType.DIRECT, this::onDirect);
        final ByteBuf in = concat(true, frame(FrameType.DIRECT, 1, 40));
        in.writeInt(MAX + 1).writeByte(FrameType.DIRECT).writeByte(0);

        assertThatThrownBy(() -> channel.writeInbound(in))
            .cause().isInstanceOf(CodecException.class).hasMessageContaining("exceeds limit " + MAX);
        assertThat(decoder.isFailed()).isTrue();
        channel.writeInbound(concat(true, frame(FrameType.DIRECT, 2, 40)));
        assertThat(seen).containsExactly("D:1");
    }

    @Test
    void shouldSkipAFrameWhoseHandlerThrew()
    {
        decoder.inPlace(FrameType.DIRECT, (buffer, offset, length) ->
        {
            if (buffer.getByte(offset + FrameDescriptor.BODY_OFFSET) == 1)
            {
                throw new IllegalStateException("handler bug");
            }
            onDirect(buffer, offset, length);
        });

        assertThatThrownBy(() -> channel.writeInbound(concat(true, frame(FrameType.DIRECT, 1, 40))))
            .hasRootCauseInstanceOf(IllegalStateException.class);
        channel.writeInbound(concat(true, frame(FrameType.DIRECT, 2, 40)));
        assertThat(seen).containsExactly("D:2");
    }

    @Test
    void shouldRestoreSlicesWhenHandlerCleared()
    {
        decoder.inPlace(FrameType.DIRECT, this::onDirect);
        assertThat(decoder.isInPlace(FrameType.DIRECT)).isTrue();
        assertThat(decoder.isInPlace(FrameType.PING)).isFalse();
        decoder.inPlace(FrameType.DIRECT, null);
        assertThat(decoder.isInPlace(FrameType.DIRECT)).isFalse();
        channel.writeInbound(concat(true, frame(FrameType.DIRECT, 1, 40)));

        assertThat(seen).containsExactly("S:" + FrameType.DIRECT + ":1");
    }

    @Test
    void shouldRejectTypeOutsideU8()
    {
        assertThatThrownBy(() -> decoder.inPlace(256, this::onDirect)).isInstanceOf(IllegalArgumentException.class);
    }
}
