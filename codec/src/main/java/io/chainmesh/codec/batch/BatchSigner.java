package io.chainmesh.codec.batch;

import io.chainmesh.codec.crypto.EcdsaSigner;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.crypto.Secp256k1;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.security.MessageDigest;

/**
 * Signs batches with a node's chain key: low-S ECDSA (RFC 6979) over SHA-256 of the signed region.
 * <p>
 * Not thread-safe: one instance per signing thread. Hashing (the JDK's SHA-256) reuses a digest and scratch
 * arrays and allocates nothing; the ECDSA step is libsecp256k1's when it loaded, else Bouncy Castle's (the same
 * bytes, see {@link EcdsaSigner}), and allocates a little, which is fine since one signature covers a whole batch.
 */
public final class BatchSigner
{
    private final NodeKey key;
    private final EcdsaSigner ecdsa;
    private final MessageDigest digest = Hashing.newSha256();
    private final byte[] hash = new byte[32];
    private final byte[] signature = new byte[Secp256k1.SIGNATURE_LENGTH];
    private final byte[] scratch = new byte[Hashing.SCRATCH_LENGTH];

    /**
     * @param key the chain key to sign with.
     */
    public BatchSigner(final NodeKey key)
    {
        this.key = key;
        this.ecdsa = EcdsaSigner.preferred(key.privateKeyParameters());
    }

    /**
     * @return the key this signer uses.
     */
    public NodeKey key()
    {
        return key;
    }

    /**
     * Signs a region and writes the 64-byte {@code r || s} signature.
     *
     * @param src       holding the signed region.
     * @param offset    start of the region.
     * @param length    length of the region.
     * @param dst       where the signature goes.
     * @param dstOffset its offset in {@code dst}.
     */
    public void sign(
        final DirectBuffer src, final int offset, final int length, final MutableDirectBuffer dst, final int dstOffset)
    {
        Hashing.sha256(digest, src, offset, length, scratch, hash);
        ecdsa.sign(hash, signature, 0);
        dst.putBytes(dstOffset, signature);
    }
}
