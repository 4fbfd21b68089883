package io.chainmesh.codec.crypto;

import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** libsecp256k1's signatures are Bouncy Castle's to the byte (RFC 6979, low-S), and verify with either provider. */
class EcdsaSignerTest
{
    private static final boolean LINUX_X86_64 =
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux") &&
        ("amd64".equals(System.getProperty("os.arch")) || "x86_64".equals(System.getProperty("os.arch")));

    private static ECPrivateKeyParameters key(final BigInteger d)
    {
        return new ECPrivateKeyParameters(d, Secp256k1.DOMAIN);
    }

    @Test
    void shouldSignOnTheNativeLibraryOnLinuxX86()
    {
        final ECPrivateKeyParameters key = key(BigInteger.valueOf(7));
        assertThat(EcdsaSigner.bouncyCastle(key).provider()).isEqualTo("bouncycastle");
        if (LINUX_X86_64)
        {
            assertThat(EcdsaSigner.preferred(key).provider()).as("load failure: %s", Libsecp256k1.loadFailure())
                .isEqualTo("libsecp256k1");
        }
        else
        {
            assertThat(EcdsaSigner.preferred(key).provider())
                .isEqualTo(Libsecp256k1.isAvailable() ? "libsecp256k1" : "bouncycastle");
        }
    }

    @Test
    void shouldWriteBouncyCastlesBytesForEveryKeyAndHash()
    {
        Assumptions.assumeTrue(Libsecp256k1.isAvailable(), "libsecp256k1 not loaded");
        final Random random = new Random(6979);
        final List<BigInteger> secrets = new ArrayList<>(List.of(BigInteger.ONE, BigInteger.TWO,
            Secp256k1.HALF_N, Secp256k1.N.subtract(BigInteger.ONE)));
        while (secrets.size() < 200)
        {
            final BigInteger d = new BigInteger(256, random);
            if (d.signum() > 0 && d.compareTo(Secp256k1.N) < 0)
            {
                secrets.add(d);
            }
        }
        final byte[] hash = new byte[32];
        final byte[] expected = new byte[Secp256k1.SIGNATURE_LENGTH + 3];
        final byte[] actual = new byte[Secp256k1.SIGNATURE_LENGTH + 3];
        for (final BigInteger d : secrets)
        {
            final ECPrivateKeyParameters key = key(d);
            final PublicKey signer = PublicKey.fromBytes(Secp256k1.PARAMS.getG().multiply(d).normalize().getEncoded(true));
            final EcdsaSigner bouncyCastle = EcdsaSigner.bouncyCastle(key);
            final EcdsaSigner libsecp256k1 = Libsecp256k1.signer(key);
            for (int i = 0; i < 3; i++)
            {
                random.nextBytes(hash);
                bouncyCastle.sign(hash, expected, 3);
                libsecp256k1.sign(hash, actual, 3);

                assertThat(actual).as("key %s, hash %d", d.toString(16), i).isEqualTo(expected);
                assertThat(Ecdsa.verify(signer, hash, actual, 3)).isTrue();
                assertThat(Libsecp256k1.verifier().verify(signer, hash, actual, 3)).isTrue();
            }
        }
    }
}
