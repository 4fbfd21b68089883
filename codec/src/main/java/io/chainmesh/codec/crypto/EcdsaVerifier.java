package io.chainmesh.codec.crypto;

/**
 * Checks low-S secp256k1 ECDSA signatures ({@code r || s}, 64 bytes) over 32-byte hashes, the rule of
 * {@link Ecdsa#verify}. Two providers give the same answer for every input: {@link #bouncyCastle()}
 * (pure Java) and {@link Libsecp256k1#verifier()} (Bitcoin Core's libsecp256k1 through a JNI binding,
 * several times faster); {@link #preferred()} picks the native one when its library loaded.
 * <p>
 * An instance belongs to one thread (a provider may keep scratch buffers); make one per verifying thread.
 */
public interface EcdsaVerifier
{
    /**
     * @param signer    claimed signer.
     * @param hash32    32-byte hash.
     * @param signature buffer holding the 64-byte signature.
     * @param offset    where the signature starts.
     * @return true if valid and low-S; false for any invalid or malformed input (never throws for bad input).
     */
    boolean verify(PublicKey signer, byte[] hash32, byte[] signature, int offset);

    /**
     * @return the provider's name for reports: {@code bouncycastle} or {@code libsecp256k1}.
     */
    String provider();

    /**
     * @return a verifier on Bouncy Castle ({@link Ecdsa#verify}); stateless, so shareable.
     */
    static EcdsaVerifier bouncyCastle()
    {
        return BouncyCastleVerifier.INSTANCE;
    }

    /**
     * @return libsecp256k1 when it loaded on this machine (see {@link Libsecp256k1#loadFailure()}), else
     *         Bouncy Castle. One instance per thread.
     */
    static EcdsaVerifier preferred()
    {
        return Libsecp256k1.isAvailable() ? Libsecp256k1.verifier() : bouncyCastle();
    }

    /** The Bouncy Castle provider: {@link Ecdsa#verify}. */
    final class BouncyCastleVerifier implements EcdsaVerifier
    {
        static final BouncyCastleVerifier INSTANCE = new BouncyCastleVerifier();

        private BouncyCastleVerifier()
        {
        }

        @Override
        public boolean verify(final PublicKey signer, final byte[] hash32, final byte[] signature, final int offset)
        {
            return null != signer && Ecdsa.verify(signer, hash32, signature, offset);
        }

        @Override
        public String provider()
        {
            return "bouncycastle";
        }
    }
}
