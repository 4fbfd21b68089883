package io.chainmesh.codec.property;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.FrameDecoder;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class FrameDecoderPropertiesTest
{
    private static final int MAX = 4096;

    @SeededTest(cases = 200)
    void shouldEmitTheSameFramesWhateverTheSplits(final SeededCase sample)
    {
        final List<byte[]> frames = sample.listOf(12,
            () -> PropertySupport.frame(sample.intBetween(0, 255), sample.intBetween(0, 255), sample.bytes(600)));
        final long seed = sample.anyLong();
        final int maxChunk = sample.intBetween(1, 64);
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

    @SeededTest(cases = 300)
    void shouldHandOverTheSameFramesInPlaceAndAsSlicesWhateverTheSplits(final SeededCase sample)
    {
        final int inPlaceType = 7;
        final List<byte[]> frames = sample.listOf(16, () -> PropertySupport.frame(
            sample.anyBoolean() ? inPlaceType : sample.intBetween(0, 255), sample.intBetween(0, 255),
            sample.bytes(sample.anyBoolean() ? 90 : 1500)));
        final boolean joinReads = sample.anyBoolean();
        final boolean directReads = sample.anyBoolean();
        final long seed = sample.anyLong();
        // Reads below 2 KiB are copied onto a partial frame, larger ones joined as parts: both, and their mixes.
        final int maxChunk = sample.intBetween(1, sample.anyBoolean() ? 60 : 6000);
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        frames.forEach(stream::writeBytes);
        final byte[] all = stream.toByteArray();

        final List<byte[]> seen = new ArrayList<>();
        final FrameDecoder decoder = new FrameDecoder(MAX);
        if (joinReads)
        {
            decoder.joinReadsWithoutCopying();
        }
        decoder.inPlace(inPlaceType, (buffer, offset, length) ->
        {
            final byte[] frame = new byte[length];
            buffer.getBytes(offset, frame);
            seen.add(frame);
            // Allowed by the contract, and must not show in any later frame.
            buffer.setMemory(offset, length, (byte)0x5A);
        });
        final EmbeddedChannel channel = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter()
        {
            @Override
            public void channelRead(final ChannelHandlerContext ctx, final Object msg)
            {
                final ByteBuf buf = (ByteBuf)msg;
                final byte[] frame = new byte[buf.readableBytes()];
                buf.getBytes(buf.readerIndex(), frame);
                buf.release();
                seen.add(frame);
            }
        });
        final Random random = new Random(seed);
        final List<ByteBuf> reads = new ArrayList<>();
        int position = 0;
        while (position < all.length)
        {
            // Up to 40 reads before the channel's read completes, as an event loop's read loop delivers them.
            final List<ByteBuf> loop = new ArrayList<>();
            for (int r = 1 + random.nextInt(40); r > 0 && position < all.length; r--)
            {
                final int chunk = Math.min(all.length - position, 1 + random.nextInt(maxChunk));
                final ByteBuf read = directReads ? PooledByteBufAllocator.DEFAULT.directBuffer(chunk) :
                    Unpooled.buffer(chunk);
                reads.add(read.retain().writeBytes(all, position, chunk));
                loop.add(read);
                position += chunk;
            }
            channel.writeInbound(loop.toArray());
        }

        assertThat(channel.finish()).isFalse();
        assertThat(seen).containsExactlyElementsOf(frames);
        assertThat(reads).allSatisfy(read -> assertThat(read.release()).isTrue());
    }

    @SeededTest(cases = 300)
    void shouldEitherEmitFramesOrFailWithCodecException(final SeededCase sample)
    {
        final byte[] garbage = sample.bytes(2000);
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
