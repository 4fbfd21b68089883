package io.chainmesh.codec.batch;

import org.agrona.DirectBuffer;
import org.bouncycastle.crypto.digests.SHA256Digest;

final class Hashing
{
    static final int SCRATCH_LENGTH = 4096;

    private Hashing()
    {
    }

    /**
     * SHA-256 of a buffer region into {@code hash32}, without allocating: array-backed buffers are
     * hashed in place, off-heap ones through {@code scratch}.
     */
    static void sha256(
        final SHA256Digest digest,
        final DirectBuffer src,
        final int offset,
        final int length,
        final byte[] scratch,
        final byte[] hash32)
    {
        digest.reset();
        final byte[] array = src.byteArray();
        if (null != array)
        {
            src.boundsCheck(offset, length);
            digest.update(array, src.wrapAdjustment() + offset, length);
        }
        else
        {
            int position = offset;
            int remaining = length;
            while (remaining > 0)
            {
                final int chunk = Math.min(remaining, scratch.length);
                src.getBytes(position, scratch, 0, chunk);
                digest.update(scratch, 0, chunk);
                position += chunk;
                remaining -= chunk;
            }
        }
        digest.doFinal(hash32, 0);
    }
}
