package io.chainmesh.codec;

/**
 * Strict lower-case hexadecimal encoding. Decoding accepts either case, rejects odd lengths and
 * non-hex characters with a {@link CodecException}, and refuses inputs longer than the caller's bound
 * before allocating.
 */
public final class Hex
{
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex()
    {
    }

    /**
     * @param bytes to encode.
     * @return lower-case hex, two characters per byte.
     */
    public static String encode(final byte[] bytes)
    {
        final char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++)
        {
            out[2 * i] = DIGITS[(bytes[i] >> 4) & 0xF];
            out[2 * i + 1] = DIGITS[bytes[i] & 0xF];
        }
        return new String(out);
    }

    /**
     * @param what     name of the field, used in error messages.
     * @param hex      text to decode.
     * @param maxBytes largest decoded length accepted.
     * @return the decoded bytes.
     * @throws CodecException if the text is null, too long, of odd length or not hex.
     */
    public static byte[] decode(final String what, final String hex, final int maxBytes)
    {
        if (null == hex)
        {
            throw new CodecException(what + " is missing");
        }
        if (hex.length() > 2L * maxBytes)
        {
            throw new CodecException(what + " hex length " + hex.length() + " exceeds limit " + (2L * maxBytes));
        }
        if ((hex.length() & 1) != 0)
        {
            throw new CodecException(what + " hex length " + hex.length() + " is odd");
        }
        final byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++)
        {
            final int hi = Character.digit(hex.charAt(2 * i), 16);
            final int lo = Character.digit(hex.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0)
            {
                throw new CodecException(what + " has a non-hex character at index " + (hi < 0 ? 2 * i : 2 * i + 1));
            }
            out[i] = (byte)((hi << 4) | lo);
        }
        return out;
    }
}
