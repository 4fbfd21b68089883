package io.chainmesh.codec.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.Hex;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.Base64;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BitcoinMessageTest
{
    // Published vectors from bitcoinjs-message's test/fixtures.json (private key d = 1).
    private static final NodeKey KEY_ONE = NodeKey.fromHex("00".repeat(31) + "01");
    private static final String VIRES = "vires is numeris";
    private static final String UNCOMPRESSED_ADDRESS = "16UwLL9Risc3QfPqBUvKofHmBQ7wMtjvM";
    private static final String COMPRESSED_ADDRESS = "1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs";
    private static final String UNCOMPRESSED_SIGNATURE =
        "G8JawPtQOrybrSP1WHQnQPr67B9S3qrxBrl1mlzoTJOSHEpmnF7D3+t+LX0Xei9J20B5AIdPbeL3AaTBZ4N3bY0=";
    private static final String COMPRESSED_SIGNATURE =
        "H8JawPtQOrybrSP1WHQnQPr67B9S3qrxBrl1mlzoTJOSHEpmnF7D3+t+LX0Xei9J20B5AIdPbeL3AaTBZ4N3bY0=";

    private static byte[] utf8(final String text)
    {
        return text.getBytes(UTF_8);
    }

    @Test
    void shouldComputePublishedMagicHashes()
    {
        assertThat(Hex.encode(BitcoinMessage.magicHash(new byte[0])))
            .isEqualTo("80e795d4a4caadd7047af389d9f7f220562feb6196032e2131e10563352c4bcc");
        assertThat(Hex.encode(BitcoinMessage.magicHash(utf8("Vires is Numeris"))))
            .isEqualTo("f8a5affbef4a3241b19067aa694562f64f513310817297089a8929a930f4f933");
    }

    @Test
    void shouldProducePublishedSignatureForKeyOne()
    {
        assertThat(BitcoinMessage.sign(KEY_ONE, utf8(VIRES)))
            .isEqualTo("IF8nHqFr3K2UKYahhX3soVeoW8W1ECNbr0wfck7lzyXjCS5Q16Ek45zyBuy1Fiy9sTPKVgsqqOuPvbycuVSSVl8=");
    }

    @Test
    void shouldVerifyPublishedSignaturesAgainstAddresses()
    {
        assertThat(BitcoinMessage.verifyAddress(UNCOMPRESSED_ADDRESS, utf8(VIRES), UNCOMPRESSED_SIGNATURE)).isTrue();
        assertThat(BitcoinMessage.verifyAddress(COMPRESSED_ADDRESS, utf8(VIRES), COMPRESSED_SIGNATURE)).isTrue();
    }

    @Test
    void shouldRejectPublishedInvalidCases()
    {
        assertThat(BitcoinMessage.verifyAddress(UNCOMPRESSED_ADDRESS, utf8("foobar"), UNCOMPRESSED_SIGNATURE)).isFalse();
        assertThat(BitcoinMessage.verifyAddress("1111111111111111111114oLvT2", utf8(VIRES), COMPRESSED_SIGNATURE))
            .isFalse();
        assertThat(BitcoinMessage.verifyAddress(UNCOMPRESSED_ADDRESS, utf8(VIRES), COMPRESSED_SIGNATURE)).isFalse();
        assertThat(BitcoinMessage.verifyAddress(COMPRESSED_ADDRESS, utf8(VIRES), UNCOMPRESSED_SIGNATURE)).isFalse();
    }

    @Test
    void shouldRejectMalformedSignatures()
    {
        final String headerOutOfRange = base64FromHex("2b987ceade6a304fc5823ab38f99fc3c5f772a2d3e89ea05931e2726105fc53b" +
            "9e601fc3231f35962c714fcbce5c95b427496edc7ae8b3d12e93791d7629795b62");
        assertThatThrownBy(() -> BitcoinMessage.verify(KEY_ONE.publicKey(), utf8(VIRES), headerOutOfRange))
            .isInstanceOf(CodecException.class).hasMessage("signature header 43 must be in [27, 34]");
        final String tooLong = base64FromHex("1c987ceade6a304fc5823ab38f99fc3c5f772a2d3e89ea05931e2726105fc53b" +
            "9e601fc3231f35962c714fcbce5c95b427496edc7ae8b3d12e93791d7629795b62000000");
        assertThatThrownBy(() -> BitcoinMessage.verify(KEY_ONE.publicKey(), utf8(VIRES), tooLong))
            .isInstanceOf(CodecException.class).hasMessage("signature length 68 must be 65");
        final String tooShort = base64FromHex("1c987ceade6a304fc5823ab38f99fc3c5f772a2d3e89ea05931e2726105fc53b" +
            "9e601fc3231f35962c714fcbce5c95b427496edc7ae8b3d12e9379");
        assertThatThrownBy(() -> BitcoinMessage.recover(utf8(VIRES), tooShort))
            .isInstanceOf(CodecException.class).hasMessage("signature length 59 must be 65");
        assertThatThrownBy(() -> BitcoinMessage.verify(KEY_ONE.publicKey(), utf8(VIRES), "not*base64!"))
            .isInstanceOf(CodecException.class).hasMessageStartingWith("signature is not valid base64");
        assertThatThrownBy(() -> BitcoinMessage.verify(KEY_ONE.publicKey(), utf8(VIRES), "A".repeat(10_000)))
            .isInstanceOf(CodecException.class).hasMessage("signature base64 length 10000 exceeds limit 100");
        assertThatThrownBy(() -> BitcoinMessage.verify(KEY_ONE.publicKey(), utf8(VIRES), null))
            .isInstanceOf(CodecException.class).hasMessage("signature is missing");
    }

    @Test
    void shouldReturnFalseOrThrowWhenNoKeyRecovers()
    {
        final byte[] zeroR = new byte[65];
        zeroR[0] = 31;
        zeroR[64] = 1;
        final String signature = Base64.getEncoder().encodeToString(zeroR);
        assertThat(BitcoinMessage.verify(KEY_ONE.publicKey(), utf8(VIRES), signature)).isFalse();
        assertThat(BitcoinMessage.verifyAddress(COMPRESSED_ADDRESS, utf8(VIRES), signature)).isFalse();
        assertThatThrownBy(() -> BitcoinMessage.recover(utf8(VIRES), signature))
            .isInstanceOf(CodecException.class).hasMessageStartingWith("no public key recovers");

        final byte[] notOnCurve = Base64.getDecoder().decode(COMPRESSED_SIGNATURE);
        // x = 5 is not the abscissa of any secp256k1 point.
        java.util.Arrays.fill(notOnCurve, 1, 33, (byte)0);
        notOnCurve[32] = 5;
        assertThatThrownBy(() -> BitcoinMessage.recover(utf8(VIRES), Base64.getEncoder().encodeToString(notOnCurve)))
            .isInstanceOf(CodecException.class);
    }

    @Test
    void shouldRecoverSignerAndRejectOtherKeys()
    {
        final NodeKey key = NodeKey.generate(new SecureRandom());
        final byte[] message = utf8("recover me");
        final String signature = BitcoinMessage.sign(key, message);

        assertThat(BitcoinMessage.recover(message, signature)).isEqualTo(key.publicKey());
        assertThat(BitcoinMessage.verify(key.publicKey(), message, signature)).isTrue();
        assertThat(BitcoinMessage.verify(KEY_ONE.publicKey(), message, signature)).isFalse();
        assertThat(BitcoinMessage.verify(key.publicKey(), utf8("recover me!"), signature)).isFalse();
        assertThat(BitcoinMessage.verifyAddress(BitcoinAddress.p2pkh(key.publicKey()), message, signature)).isTrue();
        final int header = Base64.getDecoder().decode(signature)[0];
        assertThat(header).isBetween(31, 34);
    }

    @Test
    void shouldUseSameRAndSAsPlainEcdsaAndTheRightRecoveryId()
    {
        final SecureRandom random = new SecureRandom();
        for (int i = 0; i < 40; i++)
        {
            final NodeKey key = NodeKey.generate(random);
            final byte[] message = new byte[i];
            random.nextBytes(message);
            final byte[] compact = Base64.getDecoder().decode(BitcoinMessage.sign(key, message));
            final byte[] plain = key.sign(BitcoinMessage.magicHash(message));

            assertThat(java.util.Arrays.copyOfRange(compact, 1, 65)).isEqualTo(plain);
            assertThat(BitcoinMessage.recover(message, Base64.getEncoder().encodeToString(compact)))
                .isEqualTo(key.publicKey());
        }
    }

    @Test
    void shouldSignAndVerifyEdgeCaseMessages()
    {
        final NodeKey key = NodeKey.fromHex("33".repeat(32));
        final byte[][] messages = {
            new byte[0], new byte[252], new byte[253], new byte[65535], new byte[65536], new byte[70_000],
            utf8("Grüße, 世界 🚀"), {(byte)0xFF, 0x00, (byte)0xC3},
        };
        for (final byte[] message : messages)
        {
            final String signature = BitcoinMessage.sign(key, message);
            assertThat(BitcoinMessage.verify(key.publicKey(), message, signature)).as("length %d", message.length).isTrue();
            assertThat(BitcoinMessage.recover(message, signature)).isEqualTo(key.publicKey());
        }
    }

    @Test
    void shouldEncodeCompactSizeAtBoundaries()
    {
        assertThat(BitcoinMessage.compactSize(0)).containsExactly(0);
        assertThat(BitcoinMessage.compactSize(252)).containsExactly(0xFC);
        assertThat(BitcoinMessage.compactSize(253)).containsExactly(0xFD, 0xFD, 0x00);
        assertThat(BitcoinMessage.compactSize(65535)).containsExactly(0xFD, 0xFF, 0xFF);
        assertThat(BitcoinMessage.compactSize(65536)).containsExactly(0xFE, 0x00, 0x00, 0x01, 0x00);
    }

    @Test
    void shouldMatchBitcoinjsMessageVectorsByteForByte() throws IOException
    {
        final JsonNode root;
        try (InputStream in = BitcoinMessageTest.class.getResourceAsStream("/bitcoinjs-message-vectors.json"))
        {
            assertThat(in).as("bitcoinjs-message-vectors.json on the test classpath").isNotNull();
            root = new ObjectMapper().readTree(in);
        }
        int compressedCount = 0;
        int uncompressedCount = 0;
        for (final JsonNode vector : root.get("vectors"))
        {
            final String name = vector.get("name").asText();
            final NodeKey key = NodeKey.fromHex(vector.get("privateKeyHex").asText());
            final byte[] message = utf8(vector.get("message").asText());
            final String signature = vector.get("signatureBase64").asText();
            final String address = vector.get("address").asText();
            assertThat(message).as(name).hasSize(vector.get("messageUtf8Length").asInt());
            if (vector.get("compressed").asBoolean())
            {
                assertThat(key.publicKey().toHex()).as(name).isEqualTo(vector.get("publicKeyHex").asText());
                assertThat(BitcoinMessage.sign(key, message)).as(name).isEqualTo(signature);
                assertThat(BitcoinAddress.p2pkh(key.publicKey())).as(name).isEqualTo(address);
                assertThat(BitcoinMessage.verify(key.publicKey(), message, signature)).as(name).isTrue();
                compressedCount++;
            }
            else
            {
                final byte[] uncompressed = Hex.decode("public key", vector.get("publicKeyHex").asText(), 65);
                assertThat(BitcoinAddress.p2pkh((byte)0, uncompressed)).as(name).isEqualTo(address);
                uncompressedCount++;
            }
            assertThat(BitcoinMessage.verifyAddress(address, message, signature)).as(name).isTrue();
            assertThat(BitcoinMessage.recover(message, signature)).as(name).isEqualTo(key.publicKey());
        }
        assertThat(compressedCount).isGreaterThanOrEqualTo(30);
        assertThat(uncompressedCount).isGreaterThanOrEqualTo(4);
    }

    private static String base64FromHex(final String hex)
    {
        return Base64.getEncoder().encodeToString(Hex.decode("signature", hex, 100));
    }
}
