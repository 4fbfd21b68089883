package io.chainmesh.codec.crypto;

import io.chainmesh.codec.CodecException;

import javax.crypto.KeyAgreement;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * A one-connection X25519 key pair (RFC 7748) from the JDK, whose raw 32-byte public key travels in
 * {@code Hello.ephemeral_key}. The private key never leaves this object and the object is dropped after
 * {@link #agree(byte[])}, which is what gives the channel forward secrecy: the chain keys only sign the
 * transcript, they never encrypt. Single use, single thread.
 */
public final class EphemeralKey
{
    /** Length of a raw X25519 public key and of the shared secret. */
    public static final int LENGTH = 32;
    /** DER prefix of an X25519 SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID 1.3.101.110 }, BIT STRING }. */
    private static final byte[] X509_PREFIX = {
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00};
    private static final String ALGORITHM = "X25519";

    private final KeyPair keyPair;
    private final byte[] publicKey;
    private boolean used;

    private EphemeralKey(final KeyPair keyPair)
    {
        this.keyPair = keyPair;
        final byte[] encoded = keyPair.getPublic().getEncoded();
        if (encoded.length != X509_PREFIX.length + LENGTH ||
            !Arrays.equals(encoded, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length))
        {
            throw new IllegalStateException("unexpected X25519 public key encoding of length " + encoded.length);
        }
        this.publicKey = Arrays.copyOfRange(encoded, X509_PREFIX.length, encoded.length);
    }

    /**
     * @param random source of randomness.
     * @return a fresh key pair.
     */
    public static EphemeralKey generate(final SecureRandom random)
    {
        try
        {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance(ALGORITHM);
            generator.initialize(255, random);
            return new EphemeralKey(generator.generateKeyPair());
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ALGORITHM + " unavailable", ex);
        }
    }

    /**
     * @return the raw 32-byte public key (u-coordinate, little-endian), a copy.
     */
    public byte[] publicKey()
    {
        return publicKey.clone();
    }

    /**
     * Computes the shared secret with the peer's public key. Usable once.
     *
     * @param peerPublicKey the peer's raw 32-byte public key, from the wire.
     * @return the 32-byte shared secret.
     * @throws CodecException if the key is not 32 bytes, or the result is all zeros (a small-order point:
     *                        the peer would not contribute to the secret).
     */
    public byte[] agree(final byte[] peerPublicKey)
    {
        if (used)
        {
            throw new IllegalStateException("ephemeral key already used");
        }
        used = true;
        if (peerPublicKey.length != LENGTH)
        {
            throw new CodecException("ephemeral_key length " + peerPublicKey.length + " must be " + LENGTH);
        }
        final byte[] secret;
        try
        {
            final byte[] encoded = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + LENGTH);
            System.arraycopy(peerPublicKey, 0, encoded, X509_PREFIX.length, LENGTH);
            final java.security.PublicKey peer = KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(encoded));
            final KeyAgreement agreement = KeyAgreement.getInstance(ALGORITHM);
            agreement.init(keyPair.getPrivate());
            agreement.doPhase(peer, true);
            secret = agreement.generateSecret();
        }
        catch (final GeneralSecurityException ex)
        {
            // The JDK refuses small-order points itself ("Point has small order").
            throw new CodecException("ephemeral_key is not a usable X25519 public key: " + ex.getMessage(), ex);
        }
        int bits = 0;
        for (final byte b : secret)
        {
            bits |= b;
        }
        if (bits == 0 || secret.length != LENGTH)
        {
            throw new CodecException("ephemeral_key gives an all-zero X25519 shared secret (small-order point)");
        }
        return secret;
    }
}
