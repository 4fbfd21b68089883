package io.chainmesh.codec.crypto;

import io.chainmesh.codec.CodecException;
import org.bouncycastle.crypto.digests.RIPEMD160Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;

import java.util.Arrays;

/**
 * Pay-to-public-key-hash addresses and Base58Check, as Bitcoin (and FluxOS's ZelID) use them.
 * Stateless and thread-safe; not on the hot path.
 */
public final class BitcoinAddress
{
    /** Version byte of Bitcoin mainnet P2PKH addresses. */
    public static final byte P2PKH_VERSION = 0x00;
    /** Longest Base58Check text accepted by {@link #decodeBase58Check(String)}. */
    public static final int MAX_BASE58_LENGTH = 128;
    /** Length of a HASH160 (RIPEMD-160 of SHA-256). */
    public static final int HASH160_LENGTH = 20;

    private static final String ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static final int[] INDEXES = new int[128];
    private static final int CHECKSUM_LENGTH = 4;

    static
    {
        Arrays.fill(INDEXES, -1);
        for (int i = 0; i < ALPHABET.length(); i++)
        {
            INDEXES[ALPHABET.charAt(i)] = i;
        }
    }

    private BitcoinAddress()
    {
    }

    /**
     * @param id a node's identity.
     * @return its Bitcoin mainnet P2PKH address (version 0x00, HASH160 of the compressed key).
     */
    public static String p2pkh(final PublicKey id)
    {
        return p2pkh(P2PKH_VERSION, id.toBytes());
    }

    /**
     * @param version          address version byte.
     * @param encodedPublicKey SEC1 public key, compressed (33 bytes) or uncompressed (65 bytes): the
     *                         form changes the address.
     * @return the Base58Check P2PKH address.
     * @throws CodecException if the key is not 33 or 65 bytes.
     */
    public static String p2pkh(final byte version, final byte[] encodedPublicKey)
    {
        if (null == encodedPublicKey || (encodedPublicKey.length != 33 && encodedPublicKey.length != 65))
        {
            throw new CodecException("public key length=" + (null == encodedPublicKey ? 0 : encodedPublicKey.length) +
                " must be 33 or 65");
        }
        final byte[] payload = new byte[1 + HASH160_LENGTH];
        payload[0] = version;
        hash160(encodedPublicKey, payload, 1);
        return encodeBase58Check(payload);
    }

    /**
     * Writes RIPEMD-160(SHA-256(data)).
     *
     * @param data   input.
     * @param dst    destination of the 20-byte hash.
     * @param offset where to write it.
     */
    public static void hash160(final byte[] data, final byte[] dst, final int offset)
    {
        final SHA256Digest sha256 = new SHA256Digest();
        sha256.update(data, 0, data.length);
        final byte[] sha = new byte[32];
        sha256.doFinal(sha, 0);
        final RIPEMD160Digest ripemd = new RIPEMD160Digest();
        ripemd.update(sha, 0, sha.length);
        ripemd.doFinal(dst, offset);
    }

    /**
     * @param payload bytes to encode (version and data).
     * @return Base58 of {@code payload || first 4 bytes of SHA-256(SHA-256(payload))}.
     */
    public static String encodeBase58Check(final byte[] payload)
    {
        final byte[] data = Arrays.copyOf(payload, payload.length + CHECKSUM_LENGTH);
        final byte[] checksum = doubleSha256(payload);
        System.arraycopy(checksum, 0, data, payload.length, CHECKSUM_LENGTH);
        return encodeBase58(data);
    }

    /**
     * @param text Base58Check text.
     * @return the payload without its 4-byte checksum.
     * @throws CodecException if the text is missing, longer than {@link #MAX_BASE58_LENGTH}, has a
     *                        character outside the Base58 alphabet, decodes to fewer than 5 bytes, or
     *                        its checksum does not match.
     */
    public static byte[] decodeBase58Check(final String text)
    {
        if (null == text)
        {
            throw new CodecException("base58check text is missing");
        }
        if (text.length() > MAX_BASE58_LENGTH)
        {
            throw new CodecException("base58check length " + text.length() + " exceeds limit " + MAX_BASE58_LENGTH);
        }
        final byte[] data = decodeBase58(text);
        if (data.length < CHECKSUM_LENGTH + 1)
        {
            throw new CodecException("base58check decoded length " + data.length + " is below minimum " +
                (CHECKSUM_LENGTH + 1));
        }
        final byte[] payload = Arrays.copyOf(data, data.length - CHECKSUM_LENGTH);
        final byte[] checksum = doubleSha256(payload);
        for (int i = 0; i < CHECKSUM_LENGTH; i++)
        {
            if (checksum[i] != data[payload.length + i])
            {
                throw new CodecException("base58check checksum mismatch for '" + text + "'");
            }
        }
        return payload;
    }

    static byte[] doubleSha256(final byte[] data)
    {
        final SHA256Digest digest = new SHA256Digest();
        final byte[] hash = new byte[32];
        digest.update(data, 0, data.length);
        digest.doFinal(hash, 0);
        digest.update(hash, 0, hash.length);
        digest.doFinal(hash, 0);
        return hash;
    }

    private static String encodeBase58(final byte[] input)
    {
        int zeros = 0;
        while (zeros < input.length && input[zeros] == 0)
        {
            zeros++;
        }
        // Base 256 to base 58, most significant digit first; each output digit costs one pass.
        final byte[] number = input.clone();
        final char[] out = new char[input.length * 2];
        int outStart = out.length;
        int start = zeros;
        while (start < number.length)
        {
            int remainder = 0;
            for (int i = start; i < number.length; i++)
            {
                final int value = (remainder << 8) | (number[i] & 0xFF);
                number[i] = (byte)(value / 58);
                remainder = value % 58;
            }
            out[--outStart] = ALPHABET.charAt(remainder);
            while (start < number.length && number[start] == 0)
            {
                start++;
            }
        }
        for (int i = 0; i < zeros; i++)
        {
            out[--outStart] = ALPHABET.charAt(0);
        }
        return new String(out, outStart, out.length - outStart);
    }

    private static byte[] decodeBase58(final String text)
    {
        final byte[] digits = new byte[text.length()];
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            final int digit = c < 128 ? INDEXES[c] : -1;
            if (digit < 0)
            {
                throw new CodecException("base58 character '" + c + "' at index " + i + " is not in the alphabet");
            }
            digits[i] = (byte)digit;
        }
        int zeros = 0;
        while (zeros < digits.length && digits[zeros] == 0)
        {
            zeros++;
        }
        final byte[] out = new byte[digits.length];
        int outStart = out.length;
        int start = zeros;
        while (start < digits.length)
        {
            int remainder = 0;
            for (int i = start; i < digits.length; i++)
            {
                final int value = remainder * 58 + digits[i];
                digits[i] = (byte)(value / 256);
                remainder = value % 256;
            }
            out[--outStart] = (byte)remainder;
            while (start < digits.length && digits[start] == 0)
            {
                start++;
            }
        }
        final byte[] result = new byte[zeros + out.length - outStart];
        System.arraycopy(out, outStart, result, zeros, out.length - outStart);
        return result;
    }
}
