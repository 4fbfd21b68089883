package io.chainmesh.codec.crypto;

import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;

class NativeVerifierKeyCacheTest
{
    private static final byte[] HASH = new byte[32];

    static
    {
        HASH[0] = 7;
    }

    @Test
    void shouldKeepEveryDistinctSignerFarBeyondTheOldSixtyFourSlotsAndStillVerifyEachOne()
    {
        Assumptions.assumeTrue(Libsecp256k1.isAvailable(), "libsecp256k1 not loaded");
        final Libsecp256k1.NativeVerifier verifier = (Libsecp256k1.NativeVerifier)Libsecp256k1.verifier();
        final int keys = 1_024;
        final PublicKey[] signers = new PublicKey[keys];
        final byte[][] signatures = new byte[keys][];
        ECPoint point = Secp256k1.PARAMS.getG();
        for (int i = 0; i < keys; i++)
        {
            // Consecutive scalars: key i + 1 is point i plus G, far cheaper than a multiplication per key.
            signers[i] = PublicKey.fromBytes(point.normalize().getEncoded(true));
            point = point.add(Secp256k1.PARAMS.getG());
        }
        for (int i = 0; i < 64; i++)
        {
            signatures[i] = new byte[Secp256k1.SIGNATURE_LENGTH];
            Ecdsa.sign(new ECPrivateKeyParameters(BigInteger.valueOf(i + 1), Secp256k1.DOMAIN), HASH, signatures[i], 0);
        }
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < keys; i++)
            {
                final byte[] signature = signatures[i % 64];
                assertThat(verifier.verify(signers[i], HASH, signature, 0)).as("key %d round %d", i, round)
                    .isEqualTo(i < 64);
            }
        }
        assertThat(verifier.cachedKeys()).isEqualTo(keys);
    }

    @Test
    void shouldStayBoundedWhateverTheNumberOfSigners()
    {
        Assumptions.assumeTrue(Libsecp256k1.isAvailable(), "libsecp256k1 not loaded");
        final int cap = 128;
        final Libsecp256k1.NativeVerifier verifier = Libsecp256k1.verifierWithKeyCache(cap);
        final byte[] signature = new byte[Secp256k1.SIGNATURE_LENGTH];
        Ecdsa.sign(new ECPrivateKeyParameters(BigInteger.ONE, Secp256k1.DOMAIN), HASH, signature, 0);
        final PublicKey first = PublicKey.fromBytes(Secp256k1.PARAMS.getG().normalize().getEncoded(true));
        ECPoint point = Secp256k1.PARAMS.getG();
        for (int i = 0; i < 8 * cap; i++)
        {
            point = point.add(Secp256k1.PARAMS.getG());
            assertThat(verifier.verify(PublicKey.fromBytes(point.normalize().getEncoded(true)), HASH, signature, 0))
                .isFalse();
        }
        assertThat(verifier.cachedKeys()).isBetween(cap / 2, cap);
        assertThat(verifier.cacheSlots()).isLessThanOrEqualTo(2 * cap);
        // A key replaced or never cached is encoded again: the verdict does not depend on the cache.
        assertThat(verifier.verify(first, HASH, signature, 0)).isTrue();
    }
}
