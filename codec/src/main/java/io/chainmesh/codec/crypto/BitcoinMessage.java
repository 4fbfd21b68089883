package io.chainmesh.codec.crypto;

import io.chainmesh.codec.CodecException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Base64;

/**
 * Bitcoin signed messages exactly as Bitcoin Core's {@code signmessage} and the npm package
 * {@code bitcoinjs-message} (used by FluxOS) produce them: double SHA-256 of
 * {@code "\x18Bitcoin Signed Message:\n" || CompactSize(len) || message}, signed with RFC 6979 low-S
 * ECDSA, sent as base64 of a 65-byte compact signature {@code header || r || s} where
 * {@code header = 27 + recoveryId (+ 4 if the key is compressed)}.
 * <p>
 * Verification recovers the public key (SEC 1 v2, 4.1.6) and compares it; like Bitcoin Core it
 * accepts high-S signatures from other signers. Stateless and thread-safe; not on the hot path.
 */
public final class BitcoinMessage
{
    /** Length of a decoded compact signature. */
    public static final int COMPACT_SIGNATURE_LENGTH = 65;
    /** Longest base64 text accepted (a 65-byte signature is 88 characters). */
    public static final int MAX_BASE64_LENGTH = 100;

    private static final byte[] MAGIC = "\u0018Bitcoin Signed Message:\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int HEADER_MIN = 27;
    private static final int HEADER_MAX = 34;
    private static final int COMPRESSED_FLAG = 4;

    private BitcoinMessage()
    {
    }

    /**
     * @param message the message bytes (UTF-8 for text).
     * @return SHA-256(SHA-256(magic prefix || CompactSize(length) || message)).
     */
    public static byte[] magicHash(final byte[] message)
    {
        final SHA256Digest digest = new SHA256Digest();
        digest.update(MAGIC, 0, MAGIC.length);
        final byte[] varint = compactSize(message.length);
        digest.update(varint, 0, varint.length);
        digest.update(message, 0, message.length);
        final byte[] hash = new byte[32];
        digest.doFinal(hash, 0);
        digest.update(hash, 0, hash.length);
        digest.doFinal(hash, 0);
        return hash;
    }

    /**
     * Signs a message with the compressed form of the key (what FluxOS and modern wallets produce).
     *
     * @param key     the signer.
     * @param message the message bytes (UTF-8 for text).
     * @return base64 of the 65-byte compact signature, header {@code 31 + recoveryId}.
     */
    public static String sign(final NodeKey key, final byte[] message)
    {
        final byte[] hash = magicHash(message);
        final BigInteger n = Secp256k1.N;
        final BigInteger d = key.privateKeyParameters().getD();
        // Same RFC 6979 nonce and arithmetic as Bouncy Castle's ECDSASigner (so r, s equal Ecdsa.sign),
        // done here because the recovery id needs R, which the signer does not expose.
        final HMacDSAKCalculator nonces = new HMacDSAKCalculator(new SHA256Digest());
        nonces.init(n, d, hash);
        final BigInteger e = new BigInteger(1, hash);
        final FixedPointCombMultiplier multiplier = new FixedPointCombMultiplier();
        while (true)
        {
            final BigInteger k = nonces.nextK();
            final ECPoint bigR = multiplier.multiply(Secp256k1.PARAMS.getG(), k).normalize();
            final BigInteger x = bigR.getAffineXCoord().toBigInteger();
            final BigInteger r = x.mod(n);
            if (r.signum() == 0)
            {
                continue;
            }
            BigInteger s = k.modInverse(n).multiply(e.add(d.multiply(r))).mod(n);
            if (s.signum() == 0)
            {
                continue;
            }
            int recoveryId = (bigR.getAffineYCoord().testBitZero() ? 1 : 0) | (x.compareTo(n) >= 0 ? 2 : 0);
            if (s.compareTo(Secp256k1.HALF_N) > 0)
            {
                s = n.subtract(s);
                recoveryId ^= 1; // -s pairs with -R, whose y has the other parity
            }
            final byte[] compact = new byte[COMPACT_SIGNATURE_LENGTH];
            compact[0] = (byte)(HEADER_MIN + COMPRESSED_FLAG + recoveryId);
            Ecdsa.writeUnsigned32(r, compact, 1);
            Ecdsa.writeUnsigned32(s, compact, 33);
            return Base64.getEncoder().encodeToString(compact);
        }
    }

    /**
     * @param expected          the claimed signer.
     * @param message           the message bytes.
     * @param base64Signature   the compact signature in base64.
     * @return true if the key recovered from the signature is {@code expected} (with either key-form
     *         flag); false if it does not verify.
     * @throws CodecException if the signature is malformed: missing, bad base64, decoded length not 65,
     *                        or header outside 27..34.
     */
    public static boolean verify(final PublicKey expected, final byte[] message, final String base64Signature)
    {
        final byte[] compact = decode(base64Signature);
        final ECPoint point = recover(magicHash(message), compact);
        return null != point && point.equals(expected.publicKeyParameters().getQ());
    }

    /**
     * @param message         the message bytes.
     * @param base64Signature the compact signature in base64.
     * @return the signer's identity.
     * @throws CodecException if the signature is malformed or no key recovers from it.
     */
    public static PublicKey recover(final byte[] message, final String base64Signature)
    {
        final byte[] compact = decode(base64Signature);
        final ECPoint point = recover(magicHash(message), compact);
        if (null == point)
        {
            throw new CodecException("no public key recovers from the signature (header " + (compact[0] & 0xFF) + ")");
        }
        return PublicKey.fromPoint(point);
    }

    /**
     * Verifies against a P2PKH address as Bitcoin Core's {@code verifymessage} does: the header's
     * compressed flag picks the key form whose HASH160 must match the address. Addresses with a 1-byte
     * (Bitcoin) or 2-byte (Zcash/Flux {@code t1}) version prefix are accepted.
     *
     * @param p2pkhAddress    Base58Check P2PKH address.
     * @param message         the message bytes.
     * @param base64Signature the compact signature in base64.
     * @return true if the recovered key hashes to the address.
     * @throws CodecException if the address or the signature is malformed.
     */
    public static boolean verifyAddress(final String p2pkhAddress, final byte[] message, final String base64Signature)
    {
        final byte[] payload = BitcoinAddress.decodeBase58Check(p2pkhAddress);
        if (payload.length != 1 + BitcoinAddress.HASH160_LENGTH && payload.length != 2 + BitcoinAddress.HASH160_LENGTH)
        {
            throw new CodecException("P2PKH address payload length " + payload.length + " must be 21 or 22");
        }
        final byte[] compact = decode(base64Signature);
        final ECPoint point = recover(magicHash(message), compact);
        if (null == point)
        {
            return false;
        }
        final boolean compressed = (compact[0] & 0xFF) - HEADER_MIN >= COMPRESSED_FLAG;
        final byte[] hash160 = new byte[BitcoinAddress.HASH160_LENGTH];
        BitcoinAddress.hash160(point.getEncoded(compressed), hash160, 0);
        final int hashOffset = payload.length - BitcoinAddress.HASH160_LENGTH;
        return Arrays.equals(hash160, 0, hash160.length, payload, hashOffset, payload.length);
    }

    static byte[] compactSize(final int length)
    {
        if (length < 0xFD)
        {
            return new byte[]{(byte)length};
        }
        if (length <= 0xFFFF)
        {
            return new byte[]{(byte)0xFD, (byte)length, (byte)(length >>> 8)};
        }
        return new byte[]{(byte)0xFE, (byte)length, (byte)(length >>> 8), (byte)(length >>> 16), (byte)(length >>> 24)};
    }

    private static byte[] decode(final String base64Signature)
    {
        if (null == base64Signature)
        {
            throw new CodecException("signature is missing");
        }
        if (base64Signature.length() > MAX_BASE64_LENGTH)
        {
            throw new CodecException("signature base64 length " + base64Signature.length() + " exceeds limit " +
                MAX_BASE64_LENGTH);
        }
        final byte[] compact;
        try
        {
            compact = Base64.getDecoder().decode(base64Signature);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CodecException("signature is not valid base64: " + ex.getMessage(), ex);
        }
        if (compact.length != COMPACT_SIGNATURE_LENGTH)
        {
            throw new CodecException("signature length " + compact.length + " must be " + COMPACT_SIGNATURE_LENGTH);
        }
        final int header = compact[0] & 0xFF;
        if (header < HEADER_MIN || header > HEADER_MAX)
        {
            throw new CodecException("signature header " + header + " must be in [27, 34]");
        }
        return compact;
    }

    private static ECPoint recover(final byte[] hash, final byte[] compact)
    {
        final int recoveryId = ((compact[0] & 0xFF) - HEADER_MIN) & 3;
        return recoverPoint(hash, Ecdsa.readUnsigned32(compact, 1), Ecdsa.readUnsigned32(compact, 33), recoveryId);
    }

    /**
     * SEC 1 v2, 4.1.6: the public key Q with {@code s*R = e*G + r*Q}, where R is the point whose x is
     * {@code r + (recoveryId / 2) * n} and whose y parity is {@code recoveryId & 1}.
     *
     * @return the normalized point, or null if r, s or the recovery id admit no valid key.
     */
    private static ECPoint recoverPoint(final byte[] hash, final BigInteger r, final BigInteger s, final int recoveryId)
    {
        final BigInteger n = Secp256k1.N;
        if (r.signum() <= 0 || r.compareTo(n) >= 0 || s.signum() <= 0 || s.compareTo(n) >= 0)
        {
            return null;
        }
        final BigInteger x = r.add(BigInteger.valueOf(recoveryId / 2).multiply(n));
        if (x.compareTo(Secp256k1.PARAMS.getCurve().getField().getCharacteristic()) >= 0)
        {
            return null;
        }
        final byte[] encoded = new byte[33];
        encoded[0] = (byte)((recoveryId & 1) == 0 ? 0x02 : 0x03);
        Ecdsa.writeUnsigned32(x, encoded, 1);
        final ECPoint bigR;
        try
        {
            bigR = Secp256k1.PARAMS.getCurve().decodePoint(encoded);
        }
        catch (final IllegalArgumentException ex)
        {
            return null; // x is not the abscissa of a curve point
        }
        // secp256k1 has cofactor 1, so every point on the curve has order n: no n*R check needed.
        final BigInteger e = new BigInteger(1, hash).mod(n);
        final BigInteger rInverse = r.modInverse(n);
        final BigInteger u1 = n.subtract(e).multiply(rInverse).mod(n);
        final BigInteger u2 = s.multiply(rInverse).mod(n);
        final ECPoint q = ECAlgorithms.sumOfTwoMultiplies(Secp256k1.PARAMS.getG(), u1, bigR, u2).normalize();
        return q.isInfinity() ? null : q;
    }
}
