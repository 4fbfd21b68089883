package io.chainmesh.codec.crypto;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;

import java.math.BigInteger;

/**
 * secp256k1 ECDSA over a 32-byte hash with deterministic RFC 6979 nonces and the low-S rule.
 * Signatures travel as 64 bytes {@code r || s} (big-endian, 32 bytes each).
 * <p>
 * Stateless and thread-safe; each call builds its own signer (Bouncy Castle signers are not
 * thread-safe).
 */
public final class Ecdsa
{
    private Ecdsa()
    {
    }

    /**
     * Signs a hash.
     *
     * @param key    signer's private key.
     * @param hash32 32-byte hash (SHA-256 of the message).
     * @param dst    destination for the 64-byte signature.
     * @param offset where to write it.
     */
    public static void sign(final ECPrivateKeyParameters key, final byte[] hash32, final byte[] dst, final int offset)
    {
        final ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, key);
        final BigInteger[] rs = signer.generateSignature(hash32);
        BigInteger s = rs[1];
        if (s.compareTo(Secp256k1.HALF_N) > 0)
        {
            s = Secp256k1.N.subtract(s);
        }
        writeUnsigned32(rs[0], dst, offset);
        writeUnsigned32(s, dst, offset + 32);
    }

    /**
     * Verifies a signature. High-S signatures are rejected, so each message has one valid encoding.
     *
     * @param signer    claimed signer.
     * @param hash32    32-byte hash.
     * @param signature buffer holding the 64-byte signature.
     * @param offset    where the signature starts.
     * @return true if valid; false for any invalid or malformed signature (never throws for bad input).
     */
    public static boolean verify(final PublicKey signer, final byte[] hash32, final byte[] signature, final int offset)
    {
        if (null == signature || offset < 0 || signature.length - offset < Secp256k1.SIGNATURE_LENGTH ||
            null == hash32 || hash32.length != 32)
        {
            return false;
        }
        final BigInteger r = readUnsigned32(signature, offset);
        final BigInteger s = readUnsigned32(signature, offset + 32);
        if (r.signum() == 0 || s.signum() == 0 || r.compareTo(Secp256k1.N) >= 0 || s.compareTo(Secp256k1.HALF_N) > 0)
        {
            return false;
        }
        final ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, signer.publicKeyParameters());
        return verifier.verifySignature(hash32, r, s);
    }

    static BigInteger readUnsigned32(final byte[] src, final int offset)
    {
        final byte[] magnitude = new byte[32];
        System.arraycopy(src, offset, magnitude, 0, 32);
        return new BigInteger(1, magnitude);
    }

    static void writeUnsigned32(final BigInteger value, final byte[] dst, final int offset)
    {
        final byte[] bytes = value.toByteArray();
        final int start = bytes.length > 32 ? bytes.length - 32 : 0;
        final int length = bytes.length - start;
        final int pad = 32 - length;
        for (int i = 0; i < pad; i++)
        {
            dst[offset + i] = 0;
        }
        System.arraycopy(bytes, start, dst, offset + pad, length);
    }
}
