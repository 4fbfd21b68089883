package io.chainmesh.codec.record;

import io.chainmesh.codec.crypto.Hkdf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The key schedule of an encrypted link, run once by each end after it has both HELLOs:
 * <pre>
 *   prk               = HKDF-Extract(salt = transcript hash, ikm = X25519(own ephemeral, peer ephemeral))
 *   dialler->acceptor = HKDF-Expand(prk, "chainmesh/record/v1 dialler->acceptor" || aead id, 32)
 *   acceptor->dialler = HKDF-Expand(prk, "chainmesh/record/v1 acceptor->dialler" || aead id, 32)
 * </pre>
 * Each output is that direction's traffic secret, from which {@link RecordCipher} derives its key and nonce
 * base (and, on rekey, the next secret). The transcript hash covers both HELLOs (both ephemeral
 * keys and both capability sets) and is what each chain key signs in AUTH, so a man in the middle who
 * substitutes an ephemeral key breaks the signatures, and the keys are bound to this handshake.
 * Separate keys per direction mean the two sequence counters can never produce the same key and nonce.
 */
public final class SessionKeys
{
    private static final byte[] DIALLER_TO_ACCEPTOR =
        "chainmesh/record/v1 dialler->acceptor".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ACCEPTOR_TO_DIALLER =
        "chainmesh/record/v1 acceptor->dialler".getBytes(StandardCharsets.US_ASCII);

    private final RecordCipher sealer;
    private final RecordCipher opener;

    private SessionKeys(final RecordCipher sealer, final RecordCipher opener)
    {
        this.sealer = sealer;
        this.opener = opener;
    }

    /**
     * Derives both directions. The inputs are not retained; the caller should drop the shared secret.
     *
     * @param sharedSecret   32-byte X25519 shared secret.
     * @param transcriptHash the handshake transcript hash (both HELLO bodies).
     * @param dialler        true on the end that connected.
     * @param sealAead       the AEAD this end seals with (its own HELLO's choice).
     * @param openAead       the AEAD the peer seals with (the peer's HELLO's choice).
     * @return this end's sealing and opening ciphers.
     */
    public static SessionKeys derive(
        final byte[] sharedSecret,
        final byte[] transcriptHash,
        final boolean dialler,
        final RecordAead sealAead,
        final RecordAead openAead)
    {
        final byte[] prk = Hkdf.extract(transcriptHash, sharedSecret);
        try
        {
            final RecordCipher sealer = cipher(prk, dialler ? DIALLER_TO_ACCEPTOR : ACCEPTOR_TO_DIALLER, sealAead, true);
            final RecordCipher opener = cipher(prk, dialler ? ACCEPTOR_TO_DIALLER : DIALLER_TO_ACCEPTOR, openAead, false);
            return new SessionKeys(sealer, opener);
        }
        finally
        {
            Arrays.fill(prk, (byte)0);
        }
    }

    private static RecordCipher cipher(final byte[] prk, final byte[] label, final RecordAead aead, final boolean sealing)
    {
        final byte[] info = Arrays.copyOf(label, label.length + 1);
        info[label.length] = (byte)aead.id();
        final byte[] trafficSecret = Hkdf.expand(prk, info, RecordCipher.SECRET_LENGTH);
        try
        {
            return new RecordCipher(aead, sealing, trafficSecret);
        }
        finally
        {
            Arrays.fill(trafficSecret, (byte)0);
        }
    }

    /**
     * @return the cipher for records this end sends.
     */
    public RecordCipher sealer()
    {
        return sealer;
    }

    /**
     * @return the cipher for records this end receives.
     */
    public RecordCipher opener()
    {
        return opener;
    }
}
