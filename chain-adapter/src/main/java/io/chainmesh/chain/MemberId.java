package io.chainmesh.chain;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.Hex;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A member's identity: its collateral outpoint ({@code txhash}, {@code outidx}). A node of the list <em>is</em>
 * its collateral: one operator may list many members under one public key, so the key is a member's
 * credential, never its name. Peers, routes, trees, replay windows and counters key on this type.
 * <p>
 * On the wire (HELLO's {@code member} field) a member id is {@link #ENCODED_LENGTH} bytes:
 * <pre>
 *   0                   32        36
 *   +-------------------+---------+
 *   | txhash (32 bytes) | outidx  |   txhash as its 64 hex characters read left to right,
 *   +-------------------+---------+   outidx u32 big-endian
 * </pre>
 * The 8-byte {@link #originId()} that names the member in hot-path headers is the first 8 bytes of
 * SHA-256 of that encoding, big-endian, so two members of one operator are two origins.
 * <p>
 * Immutable and thread-safe.
 */
public final class MemberId implements Comparable<MemberId>
{
    /** Length of the wire encoding. */
    public static final int ENCODED_LENGTH = 36;
    /** Length of a transaction hash in bytes. */
    public static final int TX_HASH_LENGTH = 32;

    private final byte[] txHash;
    private final int outputIndex;
    private final long originId;
    private final int hashCode;

    private MemberId(final byte[] txHash, final int outputIndex)
    {
        this.txHash = txHash;
        this.outputIndex = outputIndex;
        this.originId = computeOriginId(encode(txHash, outputIndex));
        this.hashCode = 31 * Arrays.hashCode(txHash) + outputIndex;
    }

    /**
     * @param txHashHex   64 hex characters (either case).
     * @param outputIndex collateral output index, {@code >= 0}.
     * @return the member id.
     * @throws IllegalArgumentException if the hash is not 64 hex characters or the index is negative.
     */
    public static MemberId of(final String txHashHex, final int outputIndex)
    {
        if (null == txHashHex || txHashHex.length() != 2 * TX_HASH_LENGTH)
        {
            throw new IllegalArgumentException("txhash '" + bounded(txHashHex) + "' is not " + 2 * TX_HASH_LENGTH +
                " hex characters");
        }
        if (outputIndex < 0)
        {
            throw new IllegalArgumentException("outidx=" + outputIndex + " must be >= 0");
        }
        try
        {
            return new MemberId(Hex.decode("txhash", txHashHex, TX_HASH_LENGTH), outputIndex);
        }
        catch (final CodecException ex)
        {
            throw new IllegalArgumentException(ex.getMessage(), ex);
        }
    }

    /**
     * @param collateral {@code txhash:outidx}, as {@link #toString()} prints it.
     * @return the member id.
     * @throws IllegalArgumentException if the text is not of that form.
     */
    public static MemberId parse(final String collateral)
    {
        if (null == collateral || collateral.length() > 2 * TX_HASH_LENGTH + 11)
        {
            throw new IllegalArgumentException("collateral '" + bounded(collateral) + "' is not txhash:outidx");
        }
        final int colon = collateral.indexOf(':');
        if (colon != 2 * TX_HASH_LENGTH || colon == collateral.length() - 1)
        {
            throw new IllegalArgumentException("collateral '" + collateral + "' is not txhash:outidx");
        }
        final String index = collateral.substring(colon + 1);
        for (int i = 0; i < index.length(); i++)
        {
            if (index.charAt(i) < '0' || index.charAt(i) > '9')
            {
                throw new IllegalArgumentException("collateral '" + collateral + "' has a non-numeric outidx");
            }
        }
        final long value = Long.parseLong(index);
        if (value > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("collateral '" + collateral + "' outidx exceeds " + Integer.MAX_VALUE);
        }
        return of(collateral.substring(0, colon), (int)value);
    }

    /**
     * @param encoded {@link #ENCODED_LENGTH} bytes, as {@link #toBytes()} writes them.
     * @return the member id.
     * @throws CodecException if the length is wrong or the index is negative.
     */
    public static MemberId fromBytes(final byte[] encoded)
    {
        if (null == encoded || encoded.length != ENCODED_LENGTH)
        {
            throw new CodecException("member id length=" + (null == encoded ? "none" : encoded.length) + " must be " +
                ENCODED_LENGTH);
        }
        final int index = ((encoded[32] & 0xFF) << 24) | ((encoded[33] & 0xFF) << 16) | ((encoded[34] & 0xFF) << 8) |
            (encoded[35] & 0xFF);
        if (index < 0)
        {
            throw new CodecException("member id outidx=" + Integer.toUnsignedString(index) + " exceeds " +
                Integer.MAX_VALUE);
        }
        return new MemberId(Arrays.copyOf(encoded, TX_HASH_LENGTH), index);
    }

    /**
     * @return the {@link #ENCODED_LENGTH}-byte wire encoding.
     */
    public byte[] toBytes()
    {
        return encode(txHash, outputIndex);
    }

    /**
     * @return the collateral transaction hash, 64 lower-case hex characters.
     */
    public String txHash()
    {
        return Hex.encode(txHash);
    }

    /**
     * @return the collateral output index.
     */
    public int outputIndex()
    {
        return outputIndex;
    }

    /**
     * @return the 8-byte id that names this member in hot-path headers.
     */
    public long originId()
    {
        return originId;
    }

    /**
     * @param encoded the wire encoding.
     * @return the first 8 bytes of its SHA-256, big-endian.
     */
    static long computeOriginId(final byte[] encoded)
    {
        final byte[] hash;
        try
        {
            hash = MessageDigest.getInstance("SHA-256").digest(encoded);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 unavailable", ex);
        }
        long id = 0;
        for (int i = 0; i < 8; i++)
        {
            id = (id << 8) | (hash[i] & 0xFF);
        }
        return id;
    }

    private static byte[] encode(final byte[] txHash, final int outputIndex)
    {
        final byte[] encoded = Arrays.copyOf(txHash, ENCODED_LENGTH);
        encoded[32] = (byte)(outputIndex >>> 24);
        encoded[33] = (byte)(outputIndex >>> 16);
        encoded[34] = (byte)(outputIndex >>> 8);
        encoded[35] = (byte)outputIndex;
        return encoded;
    }

    private static String bounded(final String text)
    {
        return null == text ? "null" : text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }

    @Override
    public int compareTo(final MemberId other)
    {
        final int byHash = Arrays.compareUnsigned(txHash, other.txHash);
        return 0 != byHash ? byHash : Integer.compare(outputIndex, other.outputIndex);
    }

    @Override
    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        return o instanceof MemberId && outputIndex == ((MemberId)o).outputIndex &&
            Arrays.equals(txHash, ((MemberId)o).txHash);
    }

    @Override
    public int hashCode()
    {
        return hashCode;
    }

    /**
     * @return {@code txhash:outidx}.
     */
    @Override
    public String toString()
    {
        return txHash() + ":" + outputIndex;
    }

    /**
     * @return a short form for logs and thread names: the first 8 hex characters of the hash and the index.
     */
    public String shortName()
    {
        return txHash().substring(0, 8) + ":" + outputIndex;
    }
}
