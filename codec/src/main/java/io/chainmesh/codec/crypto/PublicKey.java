package io.chainmesh.codec.crypto;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.Hex;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.math.ec.ECPoint;

import java.util.Arrays;

/**
 * A public key: the compressed secp256k1 key (33 bytes) of the node list's {@code pubkey}.
 * <p>
 * Immutable and thread-safe. Parsing checks the encoding and that the point lies on the curve, and
 * keeps the decoded point so signature verification does not decompress it again. A key is a member's
 * credential, not its name: operators list many members (collaterals) under one key.
 */
public final class PublicKey implements Comparable<PublicKey>
{
    private final byte[] compressed;
    private final ECPublicKeyParameters publicKey;
    private final int hashCode;

    private PublicKey(final byte[] compressed, final ECPoint point)
    {
        this.compressed = compressed;
        this.publicKey = new ECPublicKeyParameters(point, Secp256k1.DOMAIN);
        this.hashCode = Arrays.hashCode(compressed);
    }

    /**
     * @param hex compressed (33 bytes) or uncompressed (65 bytes) public key in hex.
     * @return the node id.
     * @throws CodecException if the text is not hex, has the wrong length or is not a curve point.
     */
    public static PublicKey fromHex(final String hex)
    {
        return fromBytes(Hex.decode("public key", hex, 65));
    }

    /**
     * @param encoded SEC1 compressed (33 bytes) or uncompressed (65 bytes) public key.
     * @return the node id, always held in compressed form.
     * @throws CodecException if the length, prefix or point is invalid.
     */
    public static PublicKey fromBytes(final byte[] encoded)
    {
        if (null == encoded)
        {
            throw new CodecException("public key is missing");
        }
        final int length = encoded.length;
        final boolean compressedForm = length == Secp256k1.COMPRESSED_PUBLIC_KEY_LENGTH &&
            (encoded[0] == 0x02 || encoded[0] == 0x03);
        final boolean uncompressedForm = length == 65 && encoded[0] == 0x04;
        if (!compressedForm && !uncompressedForm)
        {
            throw new CodecException("public key length=" + length + " prefix=" +
                (length > 0 ? String.format("0x%02x", encoded[0]) : "none") +
                " is not a SEC1 compressed (33, 0x02/0x03) or uncompressed (65, 0x04) key");
        }
        final ECPoint point;
        try
        {
            point = Secp256k1.PARAMS.getCurve().decodePoint(encoded).normalize();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CodecException("public key is not a point on secp256k1: " + ex.getMessage(), ex);
        }
        if (point.isInfinity() || !point.isValid())
        {
            throw new CodecException("public key is not a valid point on secp256k1");
        }
        return new PublicKey(point.getEncoded(true), point);
    }

    static PublicKey fromPoint(final ECPoint point)
    {
        final ECPoint normalized = point.normalize();
        return new PublicKey(normalized.getEncoded(true), normalized);
    }

    /**
     * Copies the compressed key into {@code dst}.
     *
     * @param dst    destination.
     * @param offset where to start writing; 33 bytes are written.
     */
    public void getBytes(final byte[] dst, final int offset)
    {
        System.arraycopy(compressed, 0, dst, offset, compressed.length);
    }

    /**
     * @return a copy of the 33-byte compressed key.
     */
    public byte[] toBytes()
    {
        return compressed.clone();
    }

    /**
     * @return the compressed key in lower-case hex.
     */
    public String toHex()
    {
        return Hex.encode(compressed);
    }


    /**
     * @return the key as Bouncy Castle verification parameters (decoded once).
     */
    public ECPublicKeyParameters publicKeyParameters()
    {
        return publicKey;
    }

    /**
     * Verifies a low-S ECDSA signature made by this node.
     *
     * @param hash32    32-byte message hash.
     * @param signature 64-byte {@code r || s}.
     * @return true if the signature is valid and low-S.
     */
    public boolean verify(final byte[] hash32, final byte[] signature)
    {
        return Ecdsa.verify(this, hash32, signature, 0);
    }


    @Override
    public int compareTo(final PublicKey other)
    {
        return Arrays.compareUnsigned(compressed, other.compressed);
    }

    @Override
    public boolean equals(final Object o)
    {
        return this == o || (o instanceof PublicKey && Arrays.equals(compressed, ((PublicKey)o).compressed));
    }

    @Override
    public int hashCode()
    {
        return hashCode;
    }

    @Override
    public String toString()
    {
        return toHex();
    }
}
