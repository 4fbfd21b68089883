package io.chainmesh.codec.crypto;

import org.bouncycastle.crypto.params.ECPrivateKeyParameters;

import java.util.Objects;

/**
 * Signs 32-byte hashes with one private key: secp256k1 ECDSA with RFC 6979 nonces and the low-S rule, 64 bytes
 * {@code r || s}, the rule of {@link Ecdsa#sign}. The nonce is deterministic, so both providers write the same
 * bytes for the same key and hash: {@link #bouncyCastle} (pure Java) and {@link Libsecp256k1#signer} (Bitcoin
 * Core's libsecp256k1 through its JNI binding, several times faster, allocating one array per signature);
 * {@link #preferred} picks the native one when its library loaded.
 * <p>
 * An instance belongs to one thread; make one per signing thread.
 */
public interface EcdsaSigner
{
    /**
     * @param hash32 32-byte hash.
     * @param dst    destination for the 64-byte signature.
     * @param offset where to write it.
     */
    void sign(byte[] hash32, byte[] dst, int offset);

    /**
     * @return the provider's name for reports: {@code bouncycastle} or {@code libsecp256k1}.
     */
    String provider();

    /**
     * @param key the private key.
     * @return a signer on Bouncy Castle ({@link Ecdsa#sign}).
     */
    static EcdsaSigner bouncyCastle(final ECPrivateKeyParameters key)
    {
        Objects.requireNonNull(key, "key");
        return new EcdsaSigner()
        {
            @Override
            public void sign(final byte[] hash32, final byte[] dst, final int offset)
            {
                Ecdsa.sign(key, hash32, dst, offset);
            }

            @Override
            public String provider()
            {
                return "bouncycastle";
            }
        };
    }

    /**
     * @param key the private key.
     * @return libsecp256k1 when it loaded on this machine (see {@link Libsecp256k1#loadFailure()}), else Bouncy
     *         Castle.
     */
    static EcdsaSigner preferred(final ECPrivateKeyParameters key)
    {
        return Libsecp256k1.isAvailable() ? Libsecp256k1.signer(key) : bouncyCastle(key);
    }
}
