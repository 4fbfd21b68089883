package io.chainmesh.codec.crypto;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.property.SeededCase;
import io.chainmesh.codec.property.SeededTest;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.security.SecureRandom;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeKeyTest
{
    // Private key 1 has the generator G as its public key.
    private static final String KEY_ONE = "0000000000000000000000000000000000000000000000000000000000000001";
    private static final String G_COMPRESSED = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

    @Test
    void shouldDeriveGeneratorFromPrivateKeyOne()
    {
        assertThat(NodeKey.fromHex(KEY_ONE).publicKey().toHex()).isEqualTo(G_COMPRESSED);
    }

    @Test
    void shouldSignLowSAndVerify() throws Exception
    {
        final NodeKey key = NodeKey.generate(new SecureRandom());
        final byte[] hash = MessageDigest.getInstance("SHA-256").digest("hello".getBytes(UTF_8));
        final byte[] signature = key.sign(hash);

        assertThat(key.publicKey().verify(hash, signature)).isTrue();
        assertThat(new java.math.BigInteger(1, java.util.Arrays.copyOfRange(signature, 32, 64)))
            .isLessThanOrEqualTo(Secp256k1.HALF_N);
        hash[0] ^= 1;
        assertThat(key.publicKey().verify(hash, signature)).isFalse();
    }

    @Test
    void shouldRejectHighSSignature() throws Exception
    {
        final NodeKey key = NodeKey.fromHex(KEY_ONE);
        final byte[] hash = MessageDigest.getInstance("SHA-256").digest(new byte[0]);
        final byte[] signature = key.sign(hash);
        final java.math.BigInteger s = new java.math.BigInteger(1, java.util.Arrays.copyOfRange(signature, 32, 64));
        Ecdsa.writeUnsigned32(Secp256k1.N.subtract(s), signature, 32);

        assertThat(key.publicKey().verify(hash, signature)).isFalse();
    }

    @Test
    void shouldRejectOutOfRangePrivateKeys()
    {
        assertThatThrownBy(() -> NodeKey.fromHex("00".repeat(32))).isInstanceOf(CodecException.class)
            .hasMessageContaining("out of range");
        assertThatThrownBy(() -> NodeKey.fromHex("ab")).isInstanceOf(CodecException.class)
            .hasMessageContaining("length=1");
        assertThatThrownBy(() -> NodeKey.fromHex("zz".repeat(32))).isInstanceOf(CodecException.class)
            .hasMessageContaining("non-hex");
    }

    @Test
    void shouldRejectPointNotOnCurve()
    {
        final String notOnCurve = "02" + "00".repeat(31) + "05";
        assertThatThrownBy(() -> PublicKey.fromHex(notOnCurve)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> PublicKey.fromHex("05" + G_COMPRESSED.substring(2))).isInstanceOf(CodecException.class)
            .hasMessageContaining("prefix=0x05");
    }

    @SeededTest(cases = 50)
    void shouldNeverThrowAnythingButCodecExceptionForRandomKeys(final SeededCase sample)
    {
        final byte[] bytes = sample.bytes(70);
        try
        {
            final PublicKey id = PublicKey.fromBytes(bytes);
            assertThat(id.toBytes()).hasSize(33);
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
