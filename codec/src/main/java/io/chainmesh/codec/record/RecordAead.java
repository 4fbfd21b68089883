package io.chainmesh.codec.record;

/**
 * The AEADs a record may be sealed with, both from the JDK, with the id that names them in
 * {@code Hello.capabilities} (see {@link io.chainmesh.codec.control.Capabilities}). Each side seals with
 * its own choice and opens with the one its peer advertised in its signed HELLO.
 */
public enum RecordAead
{
    /** AES-256 in Galois/Counter Mode (AES-NI and carry-less multiply where the CPU has them). */
    AES_256_GCM(1, "AES/GCM/NoPadding", "AES"),
    /** ChaCha20-Poly1305 (RFC 8439): fast in software, constant time without AES instructions. */
    CHACHA20_POLY1305(2, "ChaCha20-Poly1305", "ChaCha20");

    private final int id;
    private final String transformation;
    private final String keyAlgorithm;

    RecordAead(final int id, final String transformation, final String keyAlgorithm)
    {
        this.id = id;
        this.transformation = transformation;
        this.keyAlgorithm = keyAlgorithm;
    }

    /**
     * @return wire id, 1..255.
     */
    public int id()
    {
        return id;
    }

    /**
     * @return JCA transformation.
     */
    public String transformation()
    {
        return transformation;
    }

    /**
     * @return JCA key algorithm.
     */
    public String keyAlgorithm()
    {
        return keyAlgorithm;
    }

    /**
     * @param id a wire id.
     * @return the AEAD, or null if this version does not know it.
     */
    public static RecordAead fromId(final int id)
    {
        for (final RecordAead aead : values())
        {
            if (aead.id == id)
            {
                return aead;
            }
        }
        return null;
    }
}
