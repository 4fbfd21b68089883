package io.chainmesh.codec.crypto;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * HKDF with HMAC-SHA256 (RFC 5869) over the JDK's {@code HmacSHA256}. Used once per handshake and once
 * per rekey, never per message, so it allocates freely.
 */
public final class Hkdf
{
    /** Output length of HMAC-SHA256 in bytes. */
    public static final int HASH_LENGTH = 32;
    /** Largest output of one {@link #expand}: 255 blocks (RFC 5869, section 2.3). */
    public static final int MAX_OUTPUT_LENGTH = 255 * HASH_LENGTH;

    private static final String HMAC = "HmacSHA256";

    private Hkdf()
    {
    }

    /**
     * HKDF-Extract.
     *
     * @param salt salt (an empty array means a string of {@link #HASH_LENGTH} zeros).
     * @param ikm  input keying material.
     * @return the 32-byte pseudorandom key.
     */
    public static byte[] extract(final byte[] salt, final byte[] ikm)
    {
        final Mac mac = mac(salt.length == 0 ? new byte[HASH_LENGTH] : salt);
        return mac.doFinal(ikm);
    }

    /**
     * HKDF-Expand.
     *
     * @param prk    pseudorandom key of at least {@link #HASH_LENGTH} bytes.
     * @param info   context and application specific information.
     * @param length output length in {@code [1, MAX_OUTPUT_LENGTH]}.
     * @return the output keying material.
     * @throws IllegalArgumentException if {@code length} or the key length is out of range.
     */
    public static byte[] expand(final byte[] prk, final byte[] info, final int length)
    {
        if (length < 1 || length > MAX_OUTPUT_LENGTH)
        {
            throw new IllegalArgumentException("HKDF length=" + length + " must be in [1, " + MAX_OUTPUT_LENGTH + "]");
        }
        if (prk.length < HASH_LENGTH)
        {
            throw new IllegalArgumentException("HKDF prk length=" + prk.length + " must be >= " + HASH_LENGTH);
        }
        final Mac mac = mac(prk);
        final byte[] okm = new byte[length];
        byte[] block = new byte[0];
        int written = 0;
        for (int counter = 1; written < length; counter++)
        {
            mac.update(block);
            mac.update(info);
            mac.update((byte)counter);
            block = mac.doFinal();
            final int n = Math.min(block.length, length - written);
            System.arraycopy(block, 0, okm, written, n);
            written += n;
        }
        Arrays.fill(block, (byte)0);
        return okm;
    }

    private static Mac mac(final byte[] key)
    {
        try
        {
            final Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(HMAC + " unavailable", ex);
        }
    }
}
