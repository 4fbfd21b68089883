package io.chainmesh.codec.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.codec.batch.BatchDecoder;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.batch.BatchSigner;
import io.chainmesh.codec.batch.BatchVerifier;
import io.chainmesh.codec.control.Capabilities;
import io.chainmesh.codec.crypto.Ecdsa;
import io.chainmesh.codec.crypto.EphemeralKey;
import io.chainmesh.codec.crypto.Hkdf;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.ping.PingDescriptor;
import io.chainmesh.codec.record.RecordAead;
import io.chainmesh.codec.record.RecordCipher;
import io.chainmesh.codec.record.SessionKeys;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the codec against the published test vectors in {@code docs/vectors} (the ones {@code docs/PROTOCOL.md}
 * points a second implementation to): the signed BATCH and the record layer's key schedule and records (the session
 * that follows the handshake vector, whose frames {@code engine} checks). Each vector is checked twice: the codec
 * reproduces it, and a plain JDK computation that follows the spec's text (not the codec) does too, so the document,
 * the vectors and the code cannot drift apart. {@code engine}'s {@code ProtocolVectors} generates the files.
 */
class ProtocolVectorsTest
{
    private static final HexFormat HEX = HexFormat.of();

    /** The repository's root; surefire runs in the module's directory. */
    static Path repositoryRoot()
    {
        return Path.of(System.getProperty("chainmesh.repository.root", "..")).toAbsolutePath().normalize();
    }

    static JsonNode vector(final String name) throws IOException
    {
        final Path file = repositoryRoot().resolve("docs").resolve("vectors").resolve(name);
        assertThat(file).as("test vector file").isRegularFile();
        return new ObjectMapper().readTree(Files.readAllBytes(file));
    }

    private static byte[] hex(final JsonNode node, final String field)
    {
        assertThat(node.has(field)).as("vector field " + field).isTrue();
        return HEX.parseHex(node.get(field).asText());
    }

    /** Hands the JDK's X25519 key generator a fixed private key. */
    private static SecureRandom fixedRandom(final byte[] bytes)
    {
        return new SecureRandom()
        {
            private static final long serialVersionUID = 1L;

            @Override
            public void nextBytes(final byte[] out)
            {
                assertThat(out).as("requested private key length").hasSize(bytes.length);
                System.arraycopy(bytes, 0, out, 0, bytes.length);
            }
        };
    }

    @Test
    void shouldEncodeSignAndVerifyTheBatchVector() throws Exception
    {
        final JsonNode v = vector("batch.json");
        final NodeKey key = NodeKey.fromBytes(hex(v, "originPrivateKey"));
        assertThat(key.publicKey().toBytes()).isEqualTo(hex(v, "originNodeId"));
        final long originId = Long.parseUnsignedLong(v.get("originId").asText(), 16);
        final byte[] expectedFrame = hex(v, "frame");

        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
        final BatchEncoder encoder = new BatchEncoder().wrap(buffer, 0, 1024)
            .begin(originId, v.get("batchSeq").asLong(), v.get("timestampMillis").asLong());
        for (final JsonNode entry : v.get("entries"))
        {
            final byte[] bytes = hex(entry, "bytes");
            assertThat(encoder.tryAppend(entry.get("topic").asInt(), new UnsafeBuffer(bytes), 0, bytes.length)).isTrue();
        }
        final int frameLength = encoder.sign(new BatchSigner(key));
        final byte[] frame = new byte[frameLength];
        buffer.getBytes(0, frame);
        assertThat(HEX.formatHex(frame)).isEqualTo(HEX.formatHex(expectedFrame));

        final BatchDecoder decoder = new BatchDecoder().wrap(new UnsafeBuffer(expectedFrame), 0, expectedFrame.length);
        assertThat(decoder.originId()).isEqualTo(originId);
        assertThat(decoder.batchSeq()).isEqualTo(v.get("batchSeq").asLong());
        assertThat(decoder.timestampMillis()).isEqualTo(v.get("timestampMillis").asLong());
        assertThat(decoder.count()).isEqualTo(v.get("entries").size());
        for (final JsonNode entry : v.get("entries"))
        {
            assertThat(decoder.nextEntry()).isTrue();
            assertThat(decoder.entryTopic()).isEqualTo(entry.get("topic").asInt());
            final byte[] bytes = new byte[decoder.entryLength()];
            decoder.buffer().getBytes(decoder.entryOffset(), bytes);
            assertThat(bytes).isEqualTo(hex(entry, "bytes"));
        }
        assertThat(decoder.nextEntry()).isFalse();
        assertThat(new BatchVerifier().verify(key.publicKey(), new UnsafeBuffer(expectedFrame), 0, expectedFrame.length))
            .isTrue();

        // The spec's text: SHA-256 of [6, length - 64), then ECDSA; the header (flags included) is not signed.
        final int signedOffset = v.get("signedOffset").asInt();
        final int signedLength = v.get("signedLength").asInt();
        assertThat(signedOffset).isEqualTo(BatchDescriptor.SIGNED_OFFSET);
        assertThat(signedLength).isEqualTo(BatchDescriptor.signedLength(expectedFrame.length));
        final MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update(expectedFrame, signedOffset, signedLength);
        final byte[] hash = sha256.digest();
        assertThat(hash).isEqualTo(hex(v, "signedHash"));
        final byte[] signature = hex(v, "signature");
        assertThat(Arrays.copyOfRange(expectedFrame, expectedFrame.length - 64, expectedFrame.length)).isEqualTo(signature);
        assertThat(key.sign(hash)).as("RFC 6979 signatures are deterministic").isEqualTo(signature);
        assertThat(Ecdsa.verify(key.publicKey(), hash, signature, 0)).isTrue();
        final byte[] otherFlags = expectedFrame.clone();
        otherFlags[5] = (byte)0xFF;
        assertThat(new BatchVerifier().verify(key.publicKey(), new UnsafeBuffer(otherFlags), 0, otherFlags.length))
            .as("flags are outside the signed region").isTrue();
    }

    @Test
    void shouldDeriveTheRecordKeysAndSealTheRecordVectors() throws Exception
    {
        final JsonNode v = vector("record.json");
        final EphemeralKey dialler = EphemeralKey.generate(fixedRandom(hex(v, "diallerEphemeralPrivateKey")));
        final EphemeralKey acceptor = EphemeralKey.generate(fixedRandom(hex(v, "acceptorEphemeralPrivateKey")));
        assertThat(dialler.publicKey()).isEqualTo(hex(v, "diallerEphemeralKey"));
        assertThat(acceptor.publicKey()).isEqualTo(hex(v, "acceptorEphemeralKey"));
        final byte[] shared = dialler.agree(acceptor.publicKey());
        assertThat(shared).isEqualTo(hex(v, "sharedSecret")).isEqualTo(acceptor.agree(dialler.publicKey()));
        final byte[] transcriptHash = hex(v, "transcriptHash");
        final byte[] prk = Hkdf.extract(transcriptHash, shared);
        assertThat(prk).isEqualTo(hex(v, "prk"));

        final JsonNode toAcceptor = v.get("directions").get(0);
        final JsonNode toDialler = v.get("directions").get(1);
        assertThat(toAcceptor.get("name").asText()).isEqualTo("dialler->acceptor");
        assertThat(toDialler.get("name").asText()).isEqualTo("acceptor->dialler");
        final RecordAead diallerAead = RecordAead.valueOf(toAcceptor.get("aead").asText());
        final RecordAead acceptorAead = RecordAead.valueOf(toDialler.get("aead").asText());
        final SessionKeys diallerKeys = SessionKeys.derive(shared, transcriptHash, true, diallerAead, acceptorAead);
        final SessionKeys acceptorKeys = SessionKeys.derive(shared, transcriptHash, false, acceptorAead, diallerAead);

        checkDirection(prk, toAcceptor, diallerAead, diallerKeys.sealer(), acceptorKeys.opener());
        checkDirection(prk, toDialler, acceptorAead, acceptorKeys.sealer(), diallerKeys.opener());
    }

    private static void checkDirection(
        final byte[] prk, final JsonNode direction, final RecordAead aead, final RecordCipher sealer, final RecordCipher opener)
        throws Exception
    {
        final String name = direction.get("name").asText();
        assertThat(aead.id()).as(name).isEqualTo(direction.get("aeadId").asInt());
        final byte[] info = hex(direction, "info");
        assertThat(info).as(name).isEqualTo(
            concat(("chainmesh/record/v1 " + name).getBytes(StandardCharsets.US_ASCII), new byte[]{(byte)aead.id()}));
        final byte[] secret = Hkdf.expand(prk, info, 32);
        assertThat(secret).as(name).isEqualTo(hex(direction, "trafficSecret"));
        final byte[] keyAndIv = Hkdf.expand(secret, ascii("chainmesh/record/v1 key+iv"), 44);
        assertThat(Arrays.copyOf(keyAndIv, 32)).as(name).isEqualTo(hex(direction, "key"));
        assertThat(Arrays.copyOfRange(keyAndIv, 32, 44)).as(name).isEqualTo(hex(direction, "nonceBase"));
        final byte[] next = Hkdf.expand(secret, ascii("chainmesh/record/v1 next secret"), 32);
        assertThat(next).as(name).isEqualTo(hex(direction, "nextTrafficSecret"));
        final byte[] nextKeyAndIv = Hkdf.expand(next, ascii("chainmesh/record/v1 key+iv"), 44);
        assertThat(Arrays.copyOf(nextKeyAndIv, 32)).as(name).isEqualTo(hex(direction, "nextKey"));
        assertThat(Arrays.copyOfRange(nextKeyAndIv, 32, 44)).as(name).isEqualTo(hex(direction, "nextNonceBase"));

        for (final JsonNode record : direction.get("records"))
        {
            final byte[] plaintext = hex(record, "plaintext");
            assertThat(PingDescriptor.checkFrame(new UnsafeBuffer(plaintext), 0, plaintext.length))
                .as(name + ": the plaintext is a PING or PONG frame of this version")
                .isIn(FrameType.PING, FrameType.PONG);
            final byte[] expected = hex(record, "record");
            final long sequence = record.get("sequence").asLong();
            final boolean keyUpdate = record.get("keyUpdate").asBoolean();
            final int epoch = record.get("keyEpoch").asInt();
            assertThat(sealer.keyEpoch()).as(name).isEqualTo(epoch);
            assertThat(sealer.sequence()).as(name).isEqualTo(sequence);

            final ByteBuf sealed = Unpooled.buffer(plaintext.length + 64);
            sealed.setBytes(6, plaintext);
            final int length = sealer.seal(sealed, 0, plaintext.length, keyUpdate);
            assertThat(HEX.formatHex(ByteBufUtil.getBytes(sealed, 0, length))).as(name + " record " + sequence)
                .isEqualTo(HEX.formatHex(expected));
            final int opened = opener.open(sealed, 0, length);
            assertThat(ByteBufUtil.getBytes(sealed, 6, opened)).as(name).isEqualTo(plaintext);
            sealed.release();

            // The spec's text with the JDK alone: nonce = nonceBase XOR u64 sequence, AAD = the 6-byte header.
            final byte[] keyBytes = epoch == 0 ? hex(direction, "key") : hex(direction, "nextKey");
            final byte[] nonce = epoch == 0 ? hex(direction, "nonceBase") : hex(direction, "nextNonceBase");
            assertThat(epoch).isLessThanOrEqualTo(1);
            for (int i = 0; i < 8; i++)
            {
                nonce[11 - i] ^= (byte)(sequence >>> (8 * i));
            }
            final Cipher cipher = Cipher.getInstance(aead.transformation());
            final AlgorithmParameterSpec spec = aead == RecordAead.AES_256_GCM ?
                new GCMParameterSpec(128, nonce) : new IvParameterSpec(nonce);
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(keyBytes, aead.keyAlgorithm()), spec);
            cipher.updateAAD(expected, 0, 6);
            assertThat(cipher.doFinal(expected, 6, expected.length - 6)).as(name).isEqualTo(plaintext);
            assertThat(expected[4]).isEqualTo((byte)0x20);
            assertThat(expected[5]).isEqualTo((byte)(keyUpdate ? 1 : 0));
        }
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] result = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, result, a.length, b.length);
        return result;
    }

    @Test
    void shouldContinueTheHandshakeVectorInTheRecordVector() throws Exception
    {
        final JsonNode handshake = vector("handshake.json");
        final JsonNode record = vector("record.json");
        assertThat(record.get("transcriptHash")).isEqualTo(handshake.get("transcriptHash"));
        assertThat(record.get("diallerEphemeralKey")).isEqualTo(handshake.get("dialler").get("hello").get("ephemeralKey"));
        assertThat(record.get("acceptorEphemeralKey")).isEqualTo(handshake.get("acceptor").get("hello").get("ephemeralKey"));
        assertThat(record.get("directions").get(0).get("aeadId").asLong())
            .isEqualTo(Capabilities.recordAeadId(handshake.get("dialler").get("hello").get("capabilities").asLong()));
        assertThat(record.get("directions").get(1).get("aeadId").asLong())
            .isEqualTo(Capabilities.recordAeadId(handshake.get("acceptor").get("hello").get("capabilities").asLong()));
    }

    @Test
    void shouldDeriveOriginIdsAsTheFirstEightBytesOfTheMemberHash() throws Exception
    {
        final JsonNode v = vector("batch.json");
        final String[] collateral = v.get("originMember").asText().split(":");
        final byte[] member = ByteBuffer.allocate(36).put(HEX.parseHex(collateral[0])).putInt(Integer.parseInt(collateral[1]))
            .array();
        assertThat(member).isEqualTo(hex(v, "originMemberBytes"));
        final byte[] hash = MessageDigest.getInstance("SHA-256").digest(member);
        assertThat(HEX.formatHex(hash, 0, 8)).isEqualTo(v.get("originId").asText());
    }
}
