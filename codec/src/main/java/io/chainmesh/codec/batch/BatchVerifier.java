package io.chainmesh.codec.batch;

import io.chainmesh.codec.crypto.EcdsaVerifier;
import io.chainmesh.codec.crypto.PublicKey;
import org.agrona.DirectBuffer;

import java.security.MessageDigest;
import java.util.Objects;

/**
 * Verifies batch signatures (see {@link BatchDescriptor}). The caller looks the signer up by the
 * batch's origin id and should have validated the structure with {@link BatchDecoder} first.
 * <p>
 * Not thread-safe: one instance per verifying thread. Hashing allocates nothing; the signature check is
 * the {@link EcdsaVerifier} given (by default {@link EcdsaVerifier#preferred()}: libsecp256k1 when it
 * loaded, allocation-free once a signer's key is cached, else Bouncy Castle, which allocates).
 */
public final class BatchVerifier
{
    private final EcdsaVerifier ecdsa;
    private final MessageDigest digest = Hashing.newSha256();
    private final byte[] hash = new byte[32];
    private final byte[] signature = new byte[BatchDescriptor.SIGNATURE_LENGTH];
    private final byte[] scratch = new byte[Hashing.SCRATCH_LENGTH];

    /** A verifier on the {@linkplain EcdsaVerifier#preferred() preferred} ECDSA provider. */
    public BatchVerifier()
    {
        this(EcdsaVerifier.preferred());
    }

    /**
     * @param ecdsa the signature check, owned by this verifier's thread.
     */
    public BatchVerifier(final EcdsaVerifier ecdsa)
    {
        this.ecdsa = Objects.requireNonNull(ecdsa, "ecdsa");
    }

    /**
     * @return the ECDSA provider's name ({@link EcdsaVerifier#provider()}).
     */
    public String provider()
    {
        return ecdsa.provider();
    }

    /**
     * @param signer      the origin's identity.
     * @param buffer      holding the frame.
     * @param frameOffset first byte of the frame.
     * @param frameLength whole frame length.
     * @return true if the signature is a valid low-S signature by {@code signer} over the signed region;
     *         false for any invalid signature or a region too short or outside the buffer (never throws
     *         for bad input).
     */
    public boolean verify(final PublicKey signer, final DirectBuffer buffer, final int frameOffset, final int frameLength)
    {
        if (null == signer || frameOffset < 0 || frameLength < BatchDescriptor.MIN_FRAME_LENGTH ||
            frameOffset > buffer.capacity() - frameLength)
        {
            return false;
        }
        Hashing.sha256(digest, buffer, frameOffset + BatchDescriptor.SIGNED_OFFSET,
            BatchDescriptor.signedLength(frameLength), scratch, hash);
        buffer.getBytes(frameOffset + BatchDescriptor.signatureOffset(frameLength), signature);
        return ecdsa.verify(signer, hash, signature, 0);
    }
}
