package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.batch.BatchSigner;
import io.chainmesh.codec.batch.BatchVerifier;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.codec.crypto.NodeKey;
import org.agrona.DirectBuffer;

/**
 * How the pipeline signs the batches it originates and checks those it receives. The default and the
 * only one a member should run is {@link #ECDSA} (low-S secp256k1 over SHA-256 of the signed region,
 * with the member's chain key). The seam exists so that a benchmark can take the cryptography out and
 * measure what the pipeline itself costs (see {@code perf}'s {@code PipelineBenchmark}): a scheme that
 * does not verify lets any peer forge any origin.
 */
public interface BatchSignatures
{
    /** Signs one thread's batches. */
    @FunctionalInterface
    interface Signer
    {
        /**
         * Finishes the encoder's batch and writes its signature.
         *
         * @param encoder the batch, entries appended.
         * @return the whole frame length.
         */
        int sign(BatchEncoder encoder);
    }

    /** Checks one thread's batches. */
    @FunctionalInterface
    interface Verifier
    {
        /**
         * @param signer the origin the batch claims.
         * @param buffer holding the frame.
         * @param offset where it starts.
         * @param length its length.
         * @return true if the signature is the origin's.
         */
        boolean verify(PublicKey signer, DirectBuffer buffer, int offset, int length);
    }

    /**
     * ECDSA secp256k1 with the node's chain key (the codec's {@link BatchSigner} and {@link BatchVerifier}); each
     * verifier checks on libsecp256k1 when its native library loaded, else on Bouncy Castle (same verdicts).
     */
    BatchSignatures ECDSA = new BatchSignatures()
    {
        @Override
        public Signer signer(final NodeKey key)
        {
            final BatchSigner signer = new BatchSigner(key);
            return encoder -> encoder.sign(signer);
        }

        @Override
        public Verifier verifier()
        {
            return new BatchVerifier()::verify;
        }
    };

    /**
     * @param key the node's chain key.
     * @return a signer for one thread.
     */
    Signer signer(NodeKey key);

    /**
     * @return a verifier for one thread.
     */
    Verifier verifier();
}
