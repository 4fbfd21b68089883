package io.chainmesh.sim;

import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.engine.broadcast.BatchSignatures;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The simulator's signature scheme: a keyed 64-bit hash of the signed region in place of ECDSA, checked by
 * the engine's real verify stage through {@link BatchSignatures}. Only the simulator's publishers know the
 * key (a run secret mixed with the origin's public key), so a batch whose bytes or origin were changed, or
 * one a byzantine member made up, fails verification exactly as a forgery fails ECDSA. What ECDSA costs is
 * charged as simulated CPU time per check instead ({@code SimConfig.cpu}), which is what makes 13,000
 * members in one thread possible: a real check is ~56 µs of CPU, and a run makes hundreds of millions.
 */
final class SimSignatures implements BatchSignatures
{
    private final long secret;

    SimSignatures(final long seed)
    {
        this.secret = mix(seed ^ 0x5DEECE66DL);
    }

    /**
     * Finishes and signs a batch on behalf of an origin.
     *
     * @param encoder the batch, entries appended.
     * @param origin  the origin's key.
     * @return the whole frame length.
     */
    int sign(final BatchEncoder encoder, final MutableDirectBuffer buffer, final PublicKey origin)
    {
        final int length = encoder.finish();
        final int signatureOffset = BatchDescriptor.signatureOffset(length);
        buffer.setMemory(signatureOffset, BatchDescriptor.SIGNATURE_LENGTH, (byte)0);
        buffer.putLong(signatureOffset, tag(origin, buffer, length), ByteOrder.BIG_ENDIAN);
        return length;
    }

    @Override
    public Signer signer(final NodeKey key)
    {
        throw new UnsupportedOperationException("the simulator signs with sign(encoder, buffer, origin)");
    }

    @Override
    public Verifier verifier()
    {
        return (signer, buffer, offset, length) -> length >= BatchDescriptor.MIN_FRAME_LENGTH && offset == 0 &&
            buffer.getLong(BatchDescriptor.signatureOffset(length), ByteOrder.BIG_ENDIAN) == tag(signer, buffer, length);
    }

    private long tag(final PublicKey origin, final DirectBuffer frame, final int length)
    {
        long h = secret ^ origin.hashCode();
        final int end = BatchDescriptor.signatureOffset(length);
        int i = BatchDescriptor.SIGNED_OFFSET;
        for (; i + 8 <= end; i += 8)
        {
            h = mix(h ^ frame.getLong(i));
        }
        for (; i < end; i++)
        {
            h = mix(h ^ frame.getByte(i));
        }
        return mix(h ^ length);
    }

    static long mix(final long value)
    {
        long h = value * 0x9E3779B97F4A7C15L;
        h ^= h >>> 32;
        h *= 0xD6E8FEB86659FD93L;
        return h ^ (h >>> 32);
    }
}
