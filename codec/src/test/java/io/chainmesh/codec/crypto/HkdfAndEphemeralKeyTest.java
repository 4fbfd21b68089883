package io.chainmesh.codec.crypto;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.Hex;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HkdfAndEphemeralKeyTest
{
    private static byte[] hex(final String hex)
    {
        return Hex.decode("test vector", hex, 1024);
    }

    @Test
    void shouldMatchRfc5869TestCase1()
    {
        final byte[] ikm = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        final byte[] prk = Hkdf.extract(hex("000102030405060708090a0b0c"), ikm);
        assertThat(Hex.encode(prk)).isEqualTo("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        assertThat(Hex.encode(Hkdf.expand(prk, hex("f0f1f2f3f4f5f6f7f8f9"), 42))).isEqualTo(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    @Test
    void shouldMatchRfc5869TestCase3WithEmptySaltAndInfo()
    {
        final byte[] prk = Hkdf.extract(new byte[0], hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"));
        assertThat(Hex.encode(prk)).isEqualTo("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
        assertThat(Hex.encode(Hkdf.expand(prk, new byte[0], 42))).isEqualTo(
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    }

    @Test
    void shouldRefuseOutOfRangeExpandLength()
    {
        assertThatThrownBy(() -> Hkdf.expand(new byte[32], new byte[0], 255 * 32 + 1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length=8161");
    }

    @Test
    void shouldAgreeOnTheSameSecretFromBothEnds()
    {
        final SecureRandom random = new SecureRandom();
        final EphemeralKey a = EphemeralKey.generate(random);
        final EphemeralKey b = EphemeralKey.generate(random);
        assertThat(a.publicKey()).hasSize(EphemeralKey.LENGTH).isNotEqualTo(b.publicKey());
        final byte[] ab = a.agree(b.publicKey());
        final byte[] ba = b.agree(a.publicKey());
        assertThat(ab).hasSize(32).isEqualTo(ba);
    }

    @Test
    void shouldRefuseWrongLengthAndSmallOrderKeys()
    {
        final SecureRandom random = new SecureRandom();
        assertThatThrownBy(() -> EphemeralKey.generate(random).agree(new byte[31]))
            .isInstanceOf(CodecException.class).hasMessageContaining("length 31 must be 32");
        // u = 0 and u = 1 are points of small order: the shared secret would be all zeros.
        assertThatThrownBy(() -> EphemeralKey.generate(random).agree(new byte[32]))
            .isInstanceOf(CodecException.class).hasMessageContaining("ephemeral_key");
        final byte[] one = new byte[32];
        one[0] = 1;
        assertThatThrownBy(() -> EphemeralKey.generate(random).agree(one))
            .isInstanceOf(CodecException.class).hasMessageContaining("ephemeral_key");
    }

    @Test
    void shouldBeUsableOnce()
    {
        final SecureRandom random = new SecureRandom();
        final EphemeralKey a = EphemeralKey.generate(random);
        final byte[] peer = EphemeralKey.generate(random).publicKey();
        a.agree(peer);
        assertThatThrownBy(() -> a.agree(peer)).isInstanceOf(IllegalStateException.class);
    }
}
