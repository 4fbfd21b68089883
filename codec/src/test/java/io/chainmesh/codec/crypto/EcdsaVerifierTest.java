package io.chainmesh.codec.crypto;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

class EcdsaVerifierTest
{
    private static final boolean LINUX_X86_64 =
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux") &&
        ("amd64".equals(System.getProperty("os.arch")) || "x86_64".equals(System.getProperty("os.arch")));

    private record Vector(String name, PublicKey signer, byte[] hash, byte[] signature, int offset, boolean valid)
    {
    }

    @Test
    void shouldLoadTheNativeLibraryOnLinuxX86()
    {
        if (LINUX_X86_64)
        {
            assertThat(Libsecp256k1.isAvailable()).as("load failure: %s", Libsecp256k1.loadFailure()).isTrue();
            assertThat(EcdsaVerifier.preferred().provider()).isEqualTo("libsecp256k1");
        }
        else
        {
            assertThat(EcdsaVerifier.preferred().provider())
                .isEqualTo(Libsecp256k1.isAvailable() ? "libsecp256k1" : "bouncycastle");
        }
    }

    @Test
    void shouldAgreeWithBouncyCastleOnValidAndInvalidSignatures() throws Exception
    {
        final List<Vector> vectors = vectors();
        final List<EcdsaVerifier> verifiers = new ArrayList<>();
        verifiers.add(EcdsaVerifier.bouncyCastle());
        if (Libsecp256k1.isAvailable())
        {
            verifiers.add(Libsecp256k1.verifier(true));
            verifiers.add(Libsecp256k1.verifier(false));
        }
        assertThat(vectors.stream().filter(Vector::valid).count()).isGreaterThanOrEqualTo(8);
        assertThat(vectors.stream().filter(v -> !v.valid()).count()).isGreaterThanOrEqualTo(20);
        for (final EcdsaVerifier verifier : verifiers)
        {
            for (final Vector vector : vectors)
            {
                assertThat(verifier.verify(vector.signer(), vector.hash(), vector.signature(), vector.offset()))
                    .as("%s on %s", verifier.provider(), vector.name())
                    .isEqualTo(vector.valid());
            }
        }
    }

    @Test
    void shouldGiveTheSameAnswerForRandomGarbage()
    {
        final Random random = new Random(20);
        final NodeKey key = NodeKey.fromHex("00000000000000000000000000000000000000000000000000000000000000aa");
        final EcdsaVerifier bc = EcdsaVerifier.bouncyCastle();
        final EcdsaVerifier preferred = EcdsaVerifier.preferred();
        final byte[] hash = new byte[32];
        final byte[] signature = new byte[64];
        for (int i = 0; i < 200; i++)
        {
            random.nextBytes(hash);
            random.nextBytes(signature);
            if (i % 2 == 0)
            {
                signature[32] &= 0x7f; // half of them low-S in range, so the curve check itself runs
            }
            final boolean expected = bc.verify(key.publicKey(), hash, signature, 0);
            assertThat(expected).isFalse();
            assertThat(preferred.verify(key.publicKey(), hash, signature, 0)).isEqualTo(expected);
        }
    }

    private static List<Vector> vectors() throws Exception
    {
        final List<Vector> vectors = new ArrayList<>();
        final MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        final NodeKey other = NodeKey.fromHex("0000000000000000000000000000000000000000000000000000000000000002");
        for (int k = 1; k <= 4; k++)
        {
            final NodeKey key = NodeKey.fromHex(String.format("%064x", BigInteger.valueOf(7919L * k * k + 13)));
            final PublicKey compressed = key.publicKey();
            final PublicKey uncompressed = PublicKey.fromBytes(compressed.publicKeyParameters().getQ().getEncoded(false));
            final byte[] hash = sha256.digest(("batch " + k).getBytes(UTF_8));
            final byte[] signature = key.sign(hash);
            vectors.add(new Vector("valid k=" + k, compressed, hash, signature, 0, true));
            vectors.add(new Vector("valid from uncompressed key k=" + k, uncompressed, hash, signature, 0, true));

            final byte[] shifted = new byte[70];
            System.arraycopy(signature, 0, shifted, 5, 64);
            vectors.add(new Vector("valid at offset 5 k=" + k, compressed, hash, shifted, 5, true));

            final byte[] highS = signature.clone();
            Ecdsa.writeUnsigned32(Secp256k1.N.subtract(new BigInteger(1, Arrays.copyOfRange(signature, 32, 64))), highS, 32);
            vectors.add(new Vector("high-S k=" + k, compressed, hash, highS, 0, false));
            vectors.add(new Vector("wrong key k=" + k, other.publicKey(), hash, signature, 0, false));
            final byte[] otherHash = hash.clone();
            otherHash[31] ^= 1;
            vectors.add(new Vector("other hash k=" + k, compressed, otherHash, signature, 0, false));
            final byte[] flipped = signature.clone();
            flipped[10] ^= 0x40;
            vectors.add(new Vector("changed r k=" + k, compressed, hash, flipped, 0, false));
            vectors.add(new Vector("truncated k=" + k, compressed, hash, Arrays.copyOf(signature, 63), 0, false));
            vectors.add(new Vector("offset past the end k=" + k, compressed, hash, shifted, 7, false));
        }
        final PublicKey signer = other.publicKey();
        final byte[] hash = sha256.digest("garbage".getBytes(UTF_8));
        final byte[] n = new byte[32];
        Ecdsa.writeUnsigned32(Secp256k1.N, n, 0);
        final byte[] halfNPlusOne = new byte[32];
        Ecdsa.writeUnsigned32(Secp256k1.HALF_N.add(BigInteger.ONE), halfNPlusOne, 0);
        vectors.add(new Vector("all zero", signer, hash, new byte[64], 0, false));
        final byte[] ones = new byte[64];
        Arrays.fill(ones, (byte)0xff);
        vectors.add(new Vector("all 0xff", signer, hash, ones, 0, false));
        vectors.add(new Vector("r = n", signer, hash, concat(n, one()), 0, false));
        vectors.add(new Vector("s = n/2 + 1", signer, hash, concat(one(), halfNPlusOne), 0, false));
        vectors.add(new Vector("r = 0", signer, hash, concat(new byte[32], one()), 0, false));
        vectors.add(new Vector("s = 0", signer, hash, concat(one(), new byte[32]), 0, false));
        vectors.add(new Vector("r = s = 1", signer, hash, concat(one(), one()), 0, false));
        vectors.add(new Vector("null signer", null, hash, ones, 0, false));
        vectors.add(new Vector("null signature", signer, hash, null, 0, false));
        vectors.add(new Vector("short hash", signer, new byte[31], ones, 0, false));
        vectors.add(new Vector("negative offset", signer, hash, ones, -1, false));
        return vectors;
    }

    private static byte[] one()
    {
        final byte[] one = new byte[32];
        one[31] = 1;
        return one;
    }

    private static byte[] concat(final byte[] r, final byte[] s)
    {
        final byte[] signature = new byte[64];
        System.arraycopy(r, 0, signature, 0, 32);
        System.arraycopy(s, 0, signature, 32, 32);
        return signature;
    }
}
