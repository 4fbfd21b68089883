package io.chainmesh.codec;

/**
 * The one exception every chainmesh decoder and parser throws for hostile or malformed input: a
 * truncated frame, a length over its limit, an unknown type, a bad key or signature encoding.
 * <p>
 * The message names the input and the rule it broke, e.g.
 * {@code "frame length 2147483647 exceeds limit 1048576"}. Decoders never let an
 * {@link IndexOutOfBoundsException} or an allocation sized by an unchecked length escape.
 */
public class CodecException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was wrong with the input, naming the field and the value.
     */
    public CodecException(final String message)
    {
        super(message);
    }

    /**
     * @param message what was wrong with the input, naming the field and the value.
     * @param cause   the lower-level failure.
     */
    public CodecException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
