package io.chainmesh.codec.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.MessageLite;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.batch.BatchDecoder;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.crypto.BitcoinAddress;
import io.chainmesh.codec.crypto.BitcoinMessage;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.direct.DirectDecoder;
import io.chainmesh.codec.direct.DirectEncoder;
import io.chainmesh.codec.frame.FrameDecoder;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.codec.ping.PingDecoder;
import io.chainmesh.codec.ping.PingDescriptor;
import io.chainmesh.codec.ping.PingEncoder;
import io.chainmesh.codec.record.RecordAead;
import io.chainmesh.codec.record.RecordCipher;
import io.chainmesh.codec.record.RecordDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Coverage-guided fuzz targets for every codec decoder. Each asserts the documented contract: malformed input
 * raises {@link CodecException} (and nothing else escapes), decoded fields stay inside the input, and what
 * decodes re-encodes to the same bytes. Without {@code JAZZER_FUZZ} they run once over the empty input and
 * the committed inputs in {@code src/test/resources/io/chainmesh/codec/fuzz/CodecFuzzTestInputs/<method>};
 * {@code perf/fuzz.sh} runs them coverage-guided. {@link FuzzSeeds} writes the seeds from real encodings.
 */
class CodecFuzzTest
{
    static final int MAX_FRAME_LENGTH = 4096;
    static final NodeKey KEY = NodeKey.fromHex("44".repeat(32));
    static final byte[] TRAFFIC_SECRET = new byte[RecordCipher.SECRET_LENGTH];

    static
    {
        Arrays.fill(TRAFFIC_SECRET, (byte)0x5A);
    }

    /**
     * A byte stream into the frame decoder, whole and split in three reads, and into a decoder that takes
     * DIRECT frames in place: all three emit the same frames (each with a length field in range and exactly
     * that long) and fail, if at all, with a {@link CodecException} inside Netty's {@link DecoderException}.
     */
    @FuzzTest(maxDuration = "5m")
    void frameDecoder(final byte[] stream)
    {
        final Outcome whole = decode(stream, new int[] {stream.length}, false);
        final int a = stream.length / 3;
        final int b = (stream.length * 2) / 3;
        final Outcome split = decode(stream, new int[] {a, b - a, stream.length - b}, false);
        final Outcome inPlace = decode(stream, new int[] {a, stream.length - a}, true);
        assertThat(split.frames).containsExactlyElementsOf(whole.frames);
        assertThat(inPlace.frames).containsExactlyElementsOf(whole.frames);
        assertThat(split.failed).isEqualTo(whole.failed);
        assertThat(inPlace.failed).isEqualTo(whole.failed);
        long total = 0;
        for (final byte[] frame : whole.frames)
        {
            final int lengthField = new UnsafeBuffer(frame).getInt(0, java.nio.ByteOrder.BIG_ENDIAN);
            assertThat(lengthField).isBetween(FrameDescriptor.MIN_LENGTH_FIELD, MAX_FRAME_LENGTH);
            assertThat(frame).hasSize(lengthField + FrameDescriptor.LENGTH_FIELD_LENGTH);
            total += frame.length;
        }
        assertThat(total).isLessThanOrEqualTo(stream.length);
    }

    private record Outcome(List<byte[]> frames, boolean failed)
    {
    }

    private static Outcome decode(final byte[] stream, final int[] reads, final boolean directInPlace)
    {
        final List<byte[]> frames = new ArrayList<>();
        final FrameDecoder decoder = new FrameDecoder(MAX_FRAME_LENGTH);
        if (directInPlace)
        {
            decoder.inPlace(FrameType.DIRECT, (buffer, offset, length) ->
            {
                final byte[] copy = new byte[length];
                buffer.getBytes(offset, copy);
                frames.add(copy);
            });
        }
        // Frames are recorded when they reach the next handler, so the order of slices and in-place frames
        // is the order the pipeline sees.
        final EmbeddedChannel channel = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter()
        {
            @Override
            public void channelRead(final ChannelHandlerContext ctx, final Object msg)
            {
                final ByteBuf frame = (ByteBuf)msg;
                final byte[] bytes = new byte[frame.readableBytes()];
                frame.getBytes(frame.readerIndex(), bytes);
                frame.release();
                frames.add(bytes);
            }
        });
        boolean failed = false;
        int position = 0;
        try
        {
            for (final int read : reads)
            {
                if (read > 0)
                {
                    channel.writeInbound(Unpooled.wrappedBuffer(stream, position, read));
                }
                position += read;
            }
            channel.finish();
        }
        catch (final DecoderException ex)
        {
            assertThat(ex).hasCauseInstanceOf(CodecException.class);
            failed = true;
        }
        final Object unread = channel.readInbound();
        assertThat(unread).isNull();
        channel.finishAndReleaseAll();
        return new Outcome(frames, failed);
    }

    /**
     * A BATCH frame: decodes or raises {@link CodecException}; decoded entries lie inside the frame before the
     * signature, and re-encoding the decoded fields gives the same bytes from the length field to the
     * signature (flags and signature are not the encoder's).
     */
    @FuzzTest(maxDuration = "5m")
    void batchDecoder(final byte[] frame)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        final BatchDecoder decoder = new BatchDecoder();
        try
        {
            decoder.wrap(buffer, 0, frame.length);
        }
        catch (final CodecException expected)
        {
            return;
        }
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[frame.length]);
        final BatchEncoder encoder = new BatchEncoder().wrap(copy, 0, frame.length);
        encoder.begin(decoder.originId(), decoder.batchSeq(), decoder.timestampMillis());
        int entries = 0;
        while (decoder.nextEntry())
        {
            assertThat(decoder.entryOffset()).isGreaterThanOrEqualTo(BatchDescriptor.ENTRIES_OFFSET);
            assertThat(decoder.entryOffset() + decoder.entryLength()).isLessThanOrEqualTo(decoder.signatureOffset());
            assertThat(encoder.tryAppend(decoder.entryTopic(), buffer, decoder.entryOffset(), decoder.entryLength()))
                .isTrue();
            entries++;
        }
        assertThat(entries).isEqualTo(decoder.count());
        assertThat(encoder.finish()).isEqualTo(frame.length);
        copy.putByte(FrameDescriptor.FLAGS_OFFSET, frame[FrameDescriptor.FLAGS_OFFSET]);
        final int signed = decoder.signatureOffset();
        assertThat(Arrays.copyOf(copy.byteArray(), signed)).isEqualTo(Arrays.copyOf(frame, signed));
    }

    /**
     * A DIRECT frame: decodes or raises {@link CodecException}; the payload ends the frame, and re-encoding
     * the decoded fields gives the same bytes apart from flags and the reserved bytes.
     */
    @FuzzTest(maxDuration = "5m")
    void directDecoder(final byte[] frame)
    {
        final DirectDecoder decoder = new DirectDecoder();
        try
        {
            decoder.wrap(new UnsafeBuffer(frame), 0, frame.length);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        assertThat(decoder.payloadOffset() + decoder.payloadLength()).isEqualTo(frame.length);
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[frame.length]);
        final int length = new DirectEncoder().encode(copy, 0, decoder.destination(), decoder.source(),
            decoder.hopLimit(), decoder.buffer(), decoder.payloadOffset(), decoder.payloadLength());
        assertThat(length).isEqualTo(frame.length);
        final DirectDecoder again = new DirectDecoder().wrap(copy, 0, length);
        assertThat(again.destination()).isEqualTo(decoder.destination());
        assertThat(again.source()).isEqualTo(decoder.source());
        assertThat(again.hopLimit()).isEqualTo(decoder.hopLimit());
        assertThat(Arrays.copyOfRange(copy.byteArray(), again.payloadOffset(), length))
            .isEqualTo(Arrays.copyOfRange(frame, decoder.payloadOffset(), frame.length));
        assertThat(Arrays.copyOf(copy.byteArray(), FrameDescriptor.FLAGS_OFFSET))
            .isEqualTo(Arrays.copyOf(frame, FrameDescriptor.FLAGS_OFFSET));
    }

    /**
     * A PING or PONG frame: decodes or raises {@link CodecException}; what decodes re-encodes to the same
     * bytes apart from flags.
     */
    @FuzzTest(maxDuration = "5m")
    void pingDecoder(final byte[] frame)
    {
        final PingDecoder decoder = new PingDecoder();
        try
        {
            decoder.wrap(new UnsafeBuffer(frame), 0, frame.length);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        final byte[] copy = new byte[frame.length];
        assertThat(decoder.pingId()).isBetween(0L, PingDescriptor.PING_ID_MASK);
        final int length = new PingEncoder().encode(new UnsafeBuffer(copy), 0, decoder.type(), decoder.pingId());
        assertThat(length).isEqualTo(frame.length);
        copy[FrameDescriptor.FLAGS_OFFSET] = frame[FrameDescriptor.FLAGS_OFFSET];
        assertThat(copy).isEqualTo(frame);
    }

    /**
     * A control frame: parses or raises {@link CodecException}; what parses re-encodes (Protobuf) into a frame
     * that parses to an equal message.
     */
    @FuzzTest(maxDuration = "5m")
    void controlCodec(final byte[] frame)
    {
        final ByteBuf buf = Unpooled.wrappedBuffer(frame);
        final MessageLite message;
        try
        {
            message = ControlCodec.parse(buf);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        finally
        {
            buf.release();
        }
        assertThat(message.getSerializedSize()).isLessThanOrEqualTo(frame.length);
        final ByteBuf encoded = Frames.encodeControl(UnpooledByteBufAllocator.DEFAULT, frame[FrameDescriptor.TYPE_OFFSET] & 0xFF,
            message);
        try
        {
            assertThat(ControlCodec.parse(encoded)).isEqualTo(message);
        }
        finally
        {
            encoded.release();
        }
    }

    /**
     * Record layer. The first byte picks the AEAD and the mode. Open mode: the rest is a stream of records
     * for one opening cipher, cut by their length fields as the frame decoder would; each opens to
     * {@code length - overhead} plaintext bytes, fails authentication (the cipher is then unusable, the
     * stream ends) or raises {@link CodecException} for a malformed header. Round-trip mode: the rest is
     * cut into plaintexts that a sealing cipher seals and an opening cipher with the same secret opens to
     * the same bytes, key updates included.
     */
    @FuzzTest(maxDuration = "5m")
    void recordOpen(final byte[] input)
    {
        if (input.length == 0)
        {
            return;
        }
        final RecordAead aead = (input[0] & 1) == 0 ? RecordAead.AES_256_GCM : RecordAead.CHACHA20_POLY1305;
        final RecordCipher opener = new RecordCipher(aead, false, TRAFFIC_SECRET);
        if ((input[0] & 2) == 0)
        {
            openStream(opener, input);
        }
        else
        {
            roundTrip(new RecordCipher(aead, true, TRAFFIC_SECRET), opener, input);
        }
    }

    private static void openStream(final RecordCipher opener, final byte[] input)
    {
        int position = 1;
        while (input.length - position >= FrameDescriptor.HEADER_LENGTH)
        {
            final long lengthField = Integer.toUnsignedLong(new UnsafeBuffer(input).getInt(position, java.nio.ByteOrder.BIG_ENDIAN));
            final long recordLength = lengthField + FrameDescriptor.LENGTH_FIELD_LENGTH;
            if (recordLength > input.length - position)
            {
                return;
            }
            final ByteBuf record = Unpooled.wrappedBuffer(Arrays.copyOfRange(input, position, position + (int)recordLength));
            final int opened;
            try
            {
                opened = opener.open(record, 0, (int)recordLength);
            }
            catch (final CodecException expected)
            {
                assertThat(expected.getMessage()).isNotBlank();
                return;
            }
            finally
            {
                record.release();
            }
            if (opened == RecordCipher.AUTHENTICATION_FAILED)
            {
                return;
            }
            assertThat(opened).isEqualTo((int)recordLength - RecordDescriptor.OVERHEAD);
            position += (int)recordLength;
        }
    }

    private static void roundTrip(final RecordCipher sealer, final RecordCipher opener, final byte[] input)
    {
        int position = 1;
        while (position < input.length)
        {
            final int plaintextLength = Math.min(input.length - position, 1 + (input[position] & 0xFF));
            final boolean keyUpdate = (input[position] & 0x80) != 0;
            final byte[] plaintext = Arrays.copyOfRange(input, position, position + plaintextLength);
            final ByteBuf record = Unpooled.buffer(plaintextLength + RecordDescriptor.OVERHEAD);
            final byte[] opened = new byte[plaintextLength];
            try
            {
                record.setBytes(RecordDescriptor.CIPHERTEXT_OFFSET, plaintext);
                final int recordLength = sealer.seal(record, 0, plaintextLength, keyUpdate);
                assertThat(opener.open(record, 0, recordLength)).isEqualTo(plaintextLength);
                record.getBytes(RecordDescriptor.CIPHERTEXT_OFFSET, opened);
            }
            finally
            {
                record.release();
            }
            assertThat(opened).isEqualTo(plaintext);
            assertThat(opener.keyEpoch()).isEqualTo(sealer.keyEpoch());
            position += plaintextLength;
        }
    }

    /**
     * Bitcoin signed messages. Input: {@code u8 signatureLength · signature (base64 text) · u8 addressLength
     * · address · message}. verify / recover / verifyAddress return or raise {@link CodecException}; a key
     * that recovers verifies, and so does its P2PKH address in the key form the signature header names.
     */
    @FuzzTest(maxDuration = "5m")
    void bitcoinMessage(final byte[] input)
    {
        final Cursor cursor = new Cursor(input);
        final String signature = cursor.text();
        final String address = cursor.text();
        final byte[] message = cursor.rest();
        try
        {
            BitcoinMessage.verify(KEY.publicKey(), message, signature);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
        try
        {
            BitcoinMessage.verifyAddress(address, message, signature);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
        final PublicKey recovered;
        try
        {
            recovered = BitcoinMessage.recover(message, signature);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        assertThat(BitcoinMessage.verify(recovered, message, signature)).isTrue();
        // The address is of the key form the signature header names (27..30 uncompressed, 31..34 compressed).
        final boolean compressed = (java.util.Base64.getDecoder().decode(signature)[0] & 0xFF) >= 31;
        final String signerAddress = BitcoinAddress.p2pkh(BitcoinAddress.P2PKH_VERSION,
            recovered.publicKeyParameters().getQ().getEncoded(compressed));
        assertThat(BitcoinMessage.verifyAddress(signerAddress, message, signature)).isTrue();
    }

    /**
     * Public key parsing (bytes and hex): returns a key or raises {@link CodecException}; a key's compressed
     * encoding parses back to an equal key.
     */
    @FuzzTest(maxDuration = "5m")
    void publicKey(final byte[] input)
    {
        parseKey(() -> PublicKey.fromBytes(input));
        parseKey(() -> PublicKey.fromHex(new String(input, StandardCharsets.ISO_8859_1)));
    }

    private static void parseKey(final java.util.function.Supplier<PublicKey> parse)
    {
        final PublicKey id;
        try
        {
            id = parse.get();
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        assertThat(PublicKey.fromBytes(id.toBytes())).isEqualTo(id);
        assertThat(PublicKey.fromHex(id.toHex())).isEqualTo(id);
    }

    /** Reads length-prefixed fields from a fuzz input; missing bytes read as empty. */
    static final class Cursor
    {
        private final byte[] input;
        private int position;

        Cursor(final byte[] input)
        {
            this.input = input;
        }

        byte[] field()
        {
            if (position >= input.length)
            {
                return new byte[0];
            }
            final int length = Math.min(input[position++] & 0xFF, input.length - position);
            final byte[] field = Arrays.copyOfRange(input, position, position + length);
            position += length;
            return field;
        }

        String text()
        {
            return new String(field(), StandardCharsets.ISO_8859_1);
        }

        byte[] rest()
        {
            final byte[] rest = Arrays.copyOfRange(input, Math.min(position, input.length), input.length);
            position = input.length;
            return rest;
        }

        static byte[] of(final byte[]... fields)
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < fields.length - 1; i++)
            {
                if (fields[i].length > 255)
                {
                    fail("field " + i + " longer than 255 bytes");
                }
                out.write(fields[i].length);
                out.writeBytes(fields[i]);
            }
            out.writeBytes(fields[fields.length - 1]);
            return out.toByteArray();
        }
    }
}
