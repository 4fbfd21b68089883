package io.chainmesh.codec.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.batch.BatchSigner;
import io.chainmesh.codec.control.Auth;
import io.chainmesh.codec.control.Capabilities;
import io.chainmesh.codec.control.Close;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.Digest;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.control.Hello;
import io.chainmesh.codec.control.OriginProgress;
import io.chainmesh.codec.control.PeerInfo;
import io.chainmesh.codec.control.Want;
import io.chainmesh.codec.control.WantMiss;
import io.chainmesh.codec.control.WantRange;
import io.chainmesh.codec.crypto.BitcoinAddress;
import io.chainmesh.codec.crypto.BitcoinMessage;
import io.chainmesh.codec.direct.DirectEncoder;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.codec.ping.PingEncoder;
import io.chainmesh.codec.record.RecordAead;
import io.chainmesh.codec.record.RecordCipher;
import io.chainmesh.codec.record.RecordDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

/**
 * Writes the seed inputs of {@link CodecFuzzTest} from real encodings (the codec's own encoders, a real key,
 * real sealed records), one file per seed under the Jazzer inputs directory of each target. Run from the
 * repository root after a format change and commit the files:
 * {@code ./mvnw -B -ntp -q -pl codec -am test-compile && java -cp "$(cat codec/target/fuzz-classpath)" ...}
 * (see the README's fuzzing section for the one-line command).
 */
public final class FuzzSeeds
{
    private FuzzSeeds()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final Path root = Paths.get(args.length > 0 ? args[0] : "codec/src/test/resources")
            .resolve("io/chainmesh/codec/fuzz/CodecFuzzTestInputs");
        final byte[] batch = batch(3);
        final byte[] direct = direct(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        final byte[] ping = ping(FrameType.PING);
        final byte[] pong = ping(FrameType.PONG);
        final byte[] hello = control(FrameType.HELLO, hello());

        write(root, "frameDecoder", "batch-direct-ping", concat(batch, direct, ping, pong));
        write(root, "frameDecoder", "control-frames", concat(hello, control(FrameType.AUTH, auth()),
            control(FrameType.DIGEST, digest())));
        write(root, "frameDecoder", "truncated", Arrays.copyOf(batch, batch.length - 5));
        write(root, "frameDecoder", "oversized-length", new byte[] {0x7F, (byte)0xFF, (byte)0xFF, (byte)0xFF, 0x10, 0});

        write(root, "batchDecoder", "signed-3-entries", batch);
        write(root, "batchDecoder", "signed-empty", batch(0));
        write(root, "directDecoder", "payload-8", direct);
        write(root, "directDecoder", "payload-0", direct(new byte[0]));
        write(root, "pingDecoder", "ping", ping);
        write(root, "pingDecoder", "pong", pong);
        write(root, "pingDecoder", "pong-max-id", pingWithId(FrameType.PONG, 0xFFFF_FFFFL));
        write(root, "pingDecoder", "truncated", Arrays.copyOf(ping, ping.length - 1));
        write(root, "pingDecoder", "trailing-byte", Arrays.copyOf(ping, ping.length + 1));
        final byte[] wrongLengthField = ping.clone();
        wrongLengthField[3] = 18;
        write(root, "pingDecoder", "wrong-length-field", wrongLengthField);

        write(root, "controlCodec", "hello", hello);
        write(root, "controlCodec", "auth", control(FrameType.AUTH, auth()));
        write(root, "controlCodec", "close", control(FrameType.CLOSE,
            Close.newBuilder().setReason(CloseReason.values()[1]).setText("bye").build()));
        write(root, "controlCodec", "peer-info", control(FrameType.PEER_INFO, PeerInfo.newBuilder()
            .setNodeId(ByteString.copyFrom(CodecFuzzTest.KEY.publicKey().toBytes())).setHost("10.0.0.1").setPort(16127)
            .setDirectoryHeight(1000).setUptimeMillis(5000).setVersion("0.1.0").build()));
        write(root, "controlCodec", "digest", control(FrameType.DIGEST, digest()));
        write(root, "controlCodec", "want", control(FrameType.WANT, Want.newBuilder()
            .addRanges(WantRange.newBuilder().setOriginId(7).setAfterSeq(3).setUpToSeq(9)).build()));
        write(root, "controlCodec", "want-miss", control(FrameType.WANT_MISS, WantMiss.newBuilder()
            .setOriginId(7).setAfterSeq(3).setOldestRetainedSeq(5).build()));

        write(root, "recordOpen", "aes-open-3", records(RecordAead.AES_256_GCM, 0));
        write(root, "recordOpen", "chacha-open-3", records(RecordAead.CHACHA20_POLY1305, 1));
        write(root, "recordOpen", "aes-round-trip", concat(new byte[] {2}, "hello records".getBytes(StandardCharsets.US_ASCII)));
        write(root, "recordOpen", "chacha-round-trip-rekey", concat(new byte[] {3, (byte)0x85}, new byte[300]));

        final byte[] message = "chainmesh fuzz seed".getBytes(StandardCharsets.UTF_8);
        final String signature = BitcoinMessage.sign(CodecFuzzTest.KEY, message);
        final String address = BitcoinAddress.p2pkh(CodecFuzzTest.KEY.publicKey());
        write(root, "bitcoinMessage", "signed", CodecFuzzTest.Cursor.of(ascii(signature), ascii(address), message));
        write(root, "bitcoinMessage", "signed-empty-message", CodecFuzzTest.Cursor.of(
            ascii(BitcoinMessage.sign(CodecFuzzTest.KEY, new byte[0])), ascii(address), new byte[0]));

        write(root, "publicKey", "compressed", CodecFuzzTest.KEY.publicKey().toBytes());
        write(root, "publicKey", "compressed-hex", ascii(CodecFuzzTest.KEY.publicKey().toHex()));
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] batch(final int entries)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
        final BatchEncoder encoder = new BatchEncoder().wrap(buffer, 0, buffer.capacity());
        encoder.begin(0x075fce99a18c5a94L, 42, 1_700_000_000_000L);
        for (int i = 0; i < entries; i++)
        {
            final byte[] payload = ("entry " + i).getBytes(StandardCharsets.US_ASCII);
            encoder.tryAppend(i, new UnsafeBuffer(payload), 0, payload.length);
        }
        final int length = encoder.sign(new BatchSigner(CodecFuzzTest.KEY));
        return Arrays.copyOf(buffer.byteArray(), length);
    }

    private static byte[] direct(final byte[] payload)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64 + payload.length]);
        final int length = new DirectEncoder().encode(buffer, 0, 0x0102030405060708L, 0x1112131415161718L, 8,
            new UnsafeBuffer(payload), 0, payload.length);
        return Arrays.copyOf(buffer.byteArray(), length);
    }

    private static byte[] ping(final int type)
    {
        return pingWithId(type, 77);
    }

    private static byte[] pingWithId(final int type, final long pingId)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final int length = new PingEncoder().encode(buffer, 0, type, pingId);
        return Arrays.copyOf(buffer.byteArray(), length);
    }

    private static Hello hello()
    {
        final byte[] nonce = new byte[32];
        Arrays.fill(nonce, (byte)3);
        final byte[] ephemeral = new byte[32];
        Arrays.fill(ephemeral, (byte)9);
        return Hello.newBuilder().setProtocolVersion(1)
            .setPublicKey(ByteString.copyFrom(CodecFuzzTest.KEY.publicKey().toBytes()))
            .setMember(ByteString.copyFrom(new byte[ControlCodec.MEMBER_LENGTH]))
            .setNonce(ByteString.copyFrom(nonce)).setEphemeralKey(ByteString.copyFrom(ephemeral))
            .setDirectoryHeight(1000).setCapabilities(Capabilities.of(RecordAead.AES_256_GCM)).build();
    }

    private static Auth auth()
    {
        final byte[] signature = new byte[64];
        Arrays.fill(signature, (byte)1);
        return Auth.newBuilder().setSignature(ByteString.copyFrom(signature)).build();
    }

    private static Digest digest()
    {
        return Digest.newBuilder()
            .addOrigins(OriginProgress.newBuilder().setOriginId(7).setContiguousSeq(3).setHighestSeq(5))
            .addOrigins(OriginProgress.newBuilder().setOriginId(8).setContiguousSeq(1).setHighestSeq(1)).build();
    }

    private static byte[] control(final int type, final MessageLite message)
    {
        final ByteBuf frame = Frames.encodeControl(UnpooledByteBufAllocator.DEFAULT, type, message);
        try
        {
            return ByteBufUtil.getBytes(frame);
        }
        finally
        {
            frame.release();
        }
    }

    /** Mode byte (AEAD bit, open mode) then three records sealed in sequence, the second with a key update. */
    private static byte[] records(final RecordAead aead, final int modeByte)
    {
        final RecordCipher sealer = new RecordCipher(aead, true, CodecFuzzTest.TRAFFIC_SECRET);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(modeByte);
        for (int i = 0; i < 3; i++)
        {
            final byte[] plaintext = ("record " + i).getBytes(StandardCharsets.US_ASCII);
            final ByteBuf record = Unpooled.buffer(plaintext.length + RecordDescriptor.OVERHEAD);
            record.setBytes(RecordDescriptor.CIPHERTEXT_OFFSET, plaintext);
            final int length = sealer.seal(record, 0, plaintext.length, i == 1);
            final byte[] bytes = new byte[length];
            record.getBytes(0, bytes);
            record.release();
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static void write(final Path root, final String target, final String name, final byte[] bytes) throws IOException
    {
        final Path dir = root.resolve(target);
        Files.createDirectories(dir);
        Files.write(dir.resolve("seed-" + name), bytes);
    }
}
