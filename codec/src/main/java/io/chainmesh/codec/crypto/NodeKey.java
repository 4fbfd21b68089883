package io.chainmesh.codec.crypto;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.Hex;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * A node's chain key: a secp256k1 private key and its {@link PublicKey}. Immutable and thread-safe.
 * <p>
 * {@link #toString()} never prints the private key.
 */
public final class NodeKey
{
    private final ECPrivateKeyParameters privateKey;
    private final PublicKey nodeId;

    private NodeKey(final BigInteger d)
    {
        this.privateKey = new ECPrivateKeyParameters(d, Secp256k1.DOMAIN);
        this.nodeId = PublicKey.fromPoint(new FixedPointCombMultiplier().multiply(Secp256k1.DOMAIN.getG(), d));
    }

    /**
     * @param random source of randomness.
     * @return a new random key.
     */
    public static NodeKey generate(final SecureRandom random)
    {
        final byte[] bytes = new byte[Secp256k1.PRIVATE_KEY_LENGTH];
        while (true)
        {
            random.nextBytes(bytes);
            final BigInteger d = new BigInteger(1, bytes);
            if (d.signum() > 0 && d.compareTo(Secp256k1.N) < 0)
            {
                return new NodeKey(d);
            }
        }
    }

    /**
     * @param hex 32-byte private key in hex.
     * @return the key.
     * @throws CodecException if not 64 hex characters or not in {@code [1, n-1]}.
     */
    public static NodeKey fromHex(final String hex)
    {
        return fromBytes(Hex.decode("private key", hex, Secp256k1.PRIVATE_KEY_LENGTH));
    }

    /**
     * @param bytes 32-byte big-endian private key.
     * @return the key.
     * @throws CodecException if not 32 bytes or not in {@code [1, n-1]}.
     */
    public static NodeKey fromBytes(final byte[] bytes)
    {
        if (null == bytes || bytes.length != Secp256k1.PRIVATE_KEY_LENGTH)
        {
            throw new CodecException("private key length=" + (null == bytes ? 0 : bytes.length) + " must be 32");
        }
        final BigInteger d = new BigInteger(1, bytes);
        if (d.signum() == 0 || d.compareTo(Secp256k1.N) >= 0)
        {
            throw new CodecException("private key is out of range [1, n-1]");
        }
        return new NodeKey(d);
    }

    /**
     * @return this key's public identity.
     */
    public PublicKey publicKey()
    {
        return nodeId;
    }

    /**
     * @return the private key as Bouncy Castle parameters.
     */
    public ECPrivateKeyParameters privateKeyParameters()
    {
        return privateKey;
    }

    /**
     * @return the 32-byte private key, big-endian.
     */
    public byte[] privateKeyBytes()
    {
        final byte[] out = new byte[Secp256k1.PRIVATE_KEY_LENGTH];
        Ecdsa.writeUnsigned32(privateKey.getD(), out, 0);
        return out;
    }

    /**
     * @return the private key in hex; handle with care.
     */
    public String privateKeyHex()
    {
        return Hex.encode(privateKeyBytes());
    }

    /**
     * Signs a 32-byte hash with low-S ECDSA.
     *
     * @param hash32 the hash.
     * @return the 64-byte {@code r || s} signature.
     */
    public byte[] sign(final byte[] hash32)
    {
        final byte[] signature = new byte[Secp256k1.SIGNATURE_LENGTH];
        Ecdsa.sign(privateKey, hash32, signature, 0);
        return signature;
    }

    @Override
    public String toString()
    {
        return "NodeKey{nodeId=" + nodeId + "}";
    }
}
