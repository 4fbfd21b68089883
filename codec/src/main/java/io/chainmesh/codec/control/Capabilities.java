package io.chainmesh.codec.control;

import io.chainmesh.codec.record.RecordAead;

/**
 * Layout of {@code Hello.capabilities} (u64 bit set). Bits this version does not define are ignored, so
 * later versions can add capabilities without breaking older peers.
 * <pre>
 *   bit  0      ENCRYPTED_RECORDS: after its AUTH the sender seals every frame in records and requires
 *               the peer to do the same
 *   bits 8..15  the AEAD id the sender seals with ({@link RecordAead#id()}), 0 when not encrypted
 * </pre>
 * Both ends sign the transcript that contains these bits, so they cannot be downgraded in transit.
 */
public final class Capabilities
{
    /** The sender seals every frame after its AUTH in records and accepts nothing else. */
    public static final long ENCRYPTED_RECORDS = 1L;
    /** Shift of the sender's AEAD id. */
    public static final int RECORD_AEAD_SHIFT = 8;
    /** Mask of the sender's AEAD id (after shifting). */
    public static final int RECORD_AEAD_MASK = 0xFF;

    private Capabilities()
    {
    }

    /**
     * @param aead the AEAD this node seals with, or null for plaintext.
     * @return the capability bits to advertise.
     */
    public static long of(final RecordAead aead)
    {
        return null == aead ? 0 : ENCRYPTED_RECORDS | ((long)aead.id() << RECORD_AEAD_SHIFT);
    }

    /**
     * @param capabilities a peer's capability bits.
     * @return true if the peer sends encrypted records.
     */
    public static boolean encrypted(final long capabilities)
    {
        return (capabilities & ENCRYPTED_RECORDS) != 0;
    }

    /**
     * @param capabilities a peer's capability bits.
     * @return the id of the AEAD the peer seals with (0 if none).
     */
    public static int recordAeadId(final long capabilities)
    {
        return (int)(capabilities >>> RECORD_AEAD_SHIFT) & RECORD_AEAD_MASK;
    }
}
