package io.chainmesh.codec.crypto;

import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;

import java.math.BigInteger;

/**
 * The secp256k1 curve, using Bouncy Castle's custom implementation (GLV endomorphism), which
 * verifies several times faster than the generic Fp curve.
 */
public final class Secp256k1
{
    /** Curve parameters. */
    public static final X9ECParameters PARAMS = CustomNamedCurves.getByName("secp256k1");

    /** Domain parameters for Bouncy Castle's signers. */
    public static final ECDomainParameters DOMAIN =
        new ECDomainParameters(PARAMS.getCurve(), PARAMS.getG(), PARAMS.getN(), PARAMS.getH());

    /** Order of the group. */
    public static final BigInteger N = PARAMS.getN();

    /** N / 2: signatures with s above it are rejected (low-S rule, BIP 62/146). */
    public static final BigInteger HALF_N = N.shiftRight(1);

    /** Length of a compressed public key. */
    public static final int COMPRESSED_PUBLIC_KEY_LENGTH = 33;

    /** Length of a private key scalar. */
    public static final int PRIVATE_KEY_LENGTH = 32;

    /** Length of a compact {@code r || s} signature. */
    public static final int SIGNATURE_LENGTH = 64;

    private Secp256k1()
    {
    }
}
