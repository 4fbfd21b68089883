package io.chainmesh.codec.property;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.FrameDecoder;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class FrameDecoderPropertiesTest
{
    private static final int MAX = 4096;

    @Provide
    Arbitrary<List<byte[]>> frames()
    {
        final Arbitrary<byte[]> frame = Combinators.combine(
            Arbitraries.integers().between(0, 255),
            Arbitraries.integers().between(0, 255),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(600))
            .as(PropertySupport::frame);
        return frame.list().ofMaxSize(12);
    }

    @Property(tries = 200)
    void shouldEmitTheSameFramesWhateverTheSplits(
        @ForAll("frames") final List<byte[]> frames, @ForAll final long seed, @ForAll @IntRange(min = 1, max = 64) final int maxChunk)
    {
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        frames.forEach(stream::writeBytes);
        final byte[] all = stream.toByteArray();
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX));
        final Random random = new Random(seed);
        int position = 0;
        while (position < all.length)
        {
            final int chunk = Math.min(all.length - position, 1 + random.nextInt(maxChunk));
            channel.writeInbound(Unpooled.wrappedBuffer(all, position, chunk));
            position += chunk;
        }
        final List<byte[]> emitted = drain(channel);
        assertThat(channel.finish()).isFalse();
        assertThat(emitted).containsExactlyElementsOf(frames);
    }

    @Property(tries = 300)
    void shouldEitherEmitFramesOrFailWithCodecException(@ForAll @Size(max = 2000) final byte[] garbage)
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX));
        try
        {
            channel.writeInbound(Unpooled.wrappedBuffer(garbage));
            channel.finish();
        }
        catch (final DecoderException ex)
        {
            assertThat(ex).hasCauseInstanceOf(CodecException.class);
        }
        for (final byte[] frame : drain(channel))
        {
            final int length = ((frame[0] & 0xFF) << 24) | ((frame[1] & 0xFF) << 16) | ((frame[2] & 0xFF) << 8) |
                (frame[3] & 0xFF);
            assertThat(length).isBetween(FrameDescriptor.MIN_LENGTH_FIELD, MAX);
            assertThat(frame).hasSize(length + FrameDescriptor.LENGTH_FIELD_LENGTH);
        }
        channel.finishAndReleaseAll();
    }

    private static List<byte[]> drain(final EmbeddedChannel channel)
    {
        final List<byte[]> frames = new ArrayList<>();
        ByteBuf buf;
        while ((buf = channel.readInbound()) != null)
        {
            final byte[] bytes = new byte[buf.readableBytes()];
            buf.getBytes(buf.readerIndex(), bytes);
            buf.release();
            frames.add(bytes);
        }
        return frames;
    }
}
