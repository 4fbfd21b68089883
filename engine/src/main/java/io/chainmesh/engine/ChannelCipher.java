package io.chainmesh.engine;

import io.chainmesh.codec.record.RecordAead;

/**
 * How a node protects its links after the handshake (engine README, "Record layer"). Each node seals
 * what it sends with its own AEAD and opens what it receives with the AEAD its peer advertised in its
 * signed HELLO, so two encrypted nodes always interoperate; an encrypted node and a plaintext node
 * refuse each other with CLOSE(CHANNEL_SECURITY_MISMATCH).
 */
public enum ChannelCipher
{
    /** AES-256-GCM records (the default: the fastest here with AES-NI, see perf/results). */
    AES_GCM(RecordAead.AES_256_GCM),
    /** ChaCha20-Poly1305 records (for CPUs without AES instructions). */
    CHACHA20_POLY1305(RecordAead.CHACHA20_POLY1305),
    /** No record layer: frames travel in the clear (benchmarking the cost; trusted networks only). */
    PLAINTEXT(null);

    private final RecordAead aead;

    ChannelCipher(final RecordAead aead)
    {
        this.aead = aead;
    }

    /**
     * @return the record AEAD, or null for {@link #PLAINTEXT}.
     */
    public RecordAead aead()
    {
        return aead;
    }
}
