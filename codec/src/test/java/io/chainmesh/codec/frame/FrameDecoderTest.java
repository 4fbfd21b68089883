package io.chainmesh.codec.frame;

import io.chainmesh.codec.CodecException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameDecoderTest
{
    private static final int MAX = 1024;

    private final FrameDecoder decoder = new FrameDecoder(MAX);
    private final EmbeddedChannel channel = new EmbeddedChannel(decoder);

    @AfterEach
    void tearDown()
    {
        channel.finishAndReleaseAll();
    }

    static byte[] frame(final int type, final int flags, final byte[] body)
    {
        return TestFrames.frame(type, flags, body);
    }

    private static byte[] body(final int length, final int seed)
    {
        final byte[] body = new byte[length];
        for (int i = 0; i < length; i++)
        {
            body[i] = (byte)(seed + i);
        }
        return body;
    }

    private List<byte[]> drain()
    {
        final List<byte[]> frames = new ArrayList<>();
        ByteBuf buf;
        while ((buf = channel.readInbound()) != null)
        {
            try
            {
                final byte[] bytes = new byte[buf.readableBytes()];
                buf.getBytes(buf.readerIndex(), bytes);
                frames.add(bytes);
            }
            finally
            {
                buf.release();
            }
        }
        return frames;
    }

    @Test
    void shouldEmitWholeFrameIncludingHeader()
    {
        final byte[] frame = frame(FrameType.DIRECT, 7, body(40, 1));
        channel.writeInbound(Unpooled.wrappedBuffer(frame));

        final ByteBuf out = channel.readInbound();
        try
        {
            assertThat(out.readerIndex()).isZero();
            assertThat(Frames.type(out)).isEqualTo(FrameType.DIRECT);
            assertThat(Frames.flags(out)).isEqualTo(7);
            assertThat(out.getByte(FrameDescriptor.BODY_OFFSET)).isEqualTo((byte)1);
            final byte[] bytes = new byte[out.readableBytes()];
            out.getBytes(0, bytes);
            assertThat(bytes).isEqualTo(frame);
        }
        finally
        {
            out.release();
        }
    }

    @Test
    void shouldReassembleFrameSplitAcrossManyReads()
    {
        final byte[] frame = frame(FrameType.BATCH, 0, body(300, 3));
        for (final byte b : frame)
        {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{b}));
        }

        assertThat(drain()).containsExactly(frame);
    }

    @Test
    void shouldReassembleFramesSpanningReadsWithoutCopyingTheReadsTogether()
    {
        decoder.joinReadsWithoutCopying();
        final byte[] a = frame(FrameType.BATCH, 0, body(300, 3));
        final byte[] b = frame(FrameType.RECORD, 0, body(90, 4));
        final byte[] stream = new byte[a.length + b.length];
        System.arraycopy(a, 0, stream, 0, a.length);
        System.arraycopy(b, 0, stream, a.length, b.length);
        // Reads that end inside a frame, inside a length field and on a frame boundary.
        final int[] cuts = {0, 100, 101, 250, a.length, a.length + 2, a.length + 50, stream.length};
        for (int i = 1; i < cuts.length; i++)
        {
            channel.writeInbound(Unpooled.wrappedBuffer(stream, cuts[i - 1], cuts[i] - cuts[i - 1]));
        }

        assertThat(drain()).containsExactly(a, b);
    }

    @Test
    void shouldEmitSeveralFramesFromOneRead()
    {
        final byte[] a = frame(FrameType.PING, 0, body(16, 1));
        final byte[] b = frame(FrameType.DIRECT, 1, body(0, 0));
        final byte[] c = frame(FrameType.HELLO, 2, body(100, 9));
        final byte[] all = new byte[a.length + b.length + c.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        System.arraycopy(c, 0, all, a.length + b.length, c.length);

        channel.writeInbound(Unpooled.wrappedBuffer(all));

        assertThat(drain()).containsExactly(a, b, c);
    }

    @Test
    void shouldAcceptFrameAtExactlyTheLimit()
    {
        final byte[] frame = frame(FrameType.BATCH, 0, body(MAX - FrameDescriptor.MIN_LENGTH_FIELD, 5));
        channel.writeInbound(Unpooled.wrappedBuffer(frame));

        assertThat(drain()).containsExactly(frame);
    }

    @Test
    void shouldRefuseOversizedLengthBeforeBodyArrives()
    {
        final ByteBuf header = Unpooled.buffer().writeInt(MAX + 1);

        assertThatThrownBy(() -> channel.writeInbound(header))
            .isInstanceOf(DecoderException.class)
            .hasCauseInstanceOf(CodecException.class)
            .cause().hasMessage("frame length 1025 exceeds limit 1024");
        assertThat(decoder.isFailed()).isTrue();
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Test
    void shouldRefuseLengthBelowTwo()
    {
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeInt(1).writeByte(FrameType.PING)))
            .hasCauseInstanceOf(CodecException.class)
            .cause().hasMessage("frame length 1 is below minimum 2");
    }

    @Test
    void shouldRefuseLengthZero()
    {
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeInt(0)))
            .cause().isInstanceOf(CodecException.class).hasMessage("frame length 0 is below minimum 2");
    }

    @Test
    void shouldRefuseLengthAllOnes()
    {
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeInt(0xFFFFFFFF)))
            .cause().isInstanceOf(CodecException.class).hasMessage("frame length 4294967295 exceeds limit 1024");
    }

    @Test
    void shouldEmitNothingForTruncatedFrame()
    {
        final byte[] frame = frame(FrameType.DIRECT, 0, body(50, 1));
        channel.writeInbound(Unpooled.wrappedBuffer(frame, 0, frame.length - 1));

        assertThat(drain()).isEmpty();
        assertThat(decoder.isFailed()).isFalse();
        assertThat(decoder.bufferedBytes()).isEqualTo(frame.length - 1);
        assertThatThrownBy(channel::finish).cause().isInstanceOf(CodecException.class);
    }

    @Test
    void shouldReportStreamEndingInsideFrame()
    {
        final byte[] frame = frame(FrameType.DIRECT, 0, body(50, 1));
        channel.writeInbound(Unpooled.wrappedBuffer(frame, 0, 20));

        assertThatThrownBy(channel::finish)
            .cause().isInstanceOf(CodecException.class)
            .hasMessage("stream ended inside a frame: 20 bytes of 56");
        assertThat(drain()).isEmpty();
    }

    @Test
    void shouldIgnoreEverythingAfterAnError()
    {
        final byte[] good = frame(FrameType.PING, 0, body(16, 1));
        final ByteBuf bad = Unpooled.buffer().writeInt(MAX + 100).writeBytes(good);
        final ByteBuf first = Unpooled.buffer().writeBytes(good).writeBytes(bad);
        bad.release();

        assertThatThrownBy(() -> channel.writeInbound(first)).hasCauseInstanceOf(CodecException.class);
        assertThat(drain()).containsExactly(good);

        channel.writeInbound(Unpooled.wrappedBuffer(good));
        channel.writeInbound(Unpooled.wrappedBuffer(good));
        assertThat(drain()).isEmpty();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void shouldRejectInvalidMaxFrameLength()
    {
        assertThatThrownBy(() -> new FrameDecoder(10))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxFrameLength=10");
    }
}
