package io.chainmesh.perf.codec;

import io.chainmesh.codec.crypto.Ecdsa;
import io.chainmesh.codec.crypto.EcdsaVerifier;
import io.chainmesh.codec.crypto.Libsecp256k1;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.codec.crypto.NodeKey;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * secp256k1 ECDSA verify throughput per provider on one thread, over the same vectors: 16 signers
 * (the members of a 16-node broadcast), each with a 64-byte low-S {@code r || s} over a 32-byte hash.
 * {@code provider}: {@code bouncycastle} (what the codec used alone), {@code libsecp256k1-uncompressed}
 * (the native provider as the codec runs it: 65-byte keys, decoded once per signer) and
 * {@code libsecp256k1-compressed} (33-byte keys, decompressed by the library on every check). Setup checks
 * every provider accepts every vector and rejects it with one bit changed, so a provider that
 * answers fast and wrong fails before it is measured.
 * <pre>
 * perf/jmh.sh ecdsa-verify EcdsaVerifyBenchmark -f 1 -wi 3 -i 5 -w 1s -r 2s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
public class EcdsaVerifyBenchmark
{
    private static final int SIGNERS = 16;

    /** Which provider verifies. */
    @Param({"bouncycastle", "libsecp256k1-uncompressed", "libsecp256k1-compressed"})
    public String provider;

    private final PublicKey[] signers = new PublicKey[SIGNERS];
    private final byte[][] hashes = new byte[SIGNERS][];
    private final byte[][] signatures = new byte[SIGNERS][];
    private EcdsaVerifier verifier;
    private int next;

    /**
     * Deterministic keys and signatures; checks the provider on them.
     *
     * @throws NoSuchAlgorithmException never (SHA-256 is always present).
     */
    @Setup
    public void setup() throws NoSuchAlgorithmException
    {
        verifier = switch (provider)
        {
            case "bouncycastle" -> EcdsaVerifier.bouncyCastle();
            case "libsecp256k1-uncompressed" -> Libsecp256k1.verifier(true);
            case "libsecp256k1-compressed" -> Libsecp256k1.verifier(false);
            default -> throw new IllegalArgumentException("provider=" + provider);
        };
        final MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < SIGNERS; i++)
        {
            final NodeKey key = NodeKey.fromHex(String.format("%064x", BigInteger.valueOf(1_000_003L * (i + 1))));
            signers[i] = key.publicKey();
            hashes[i] = sha256.digest(("batch " + i).getBytes(UTF_8));
            signatures[i] = new byte[64];
            Ecdsa.sign(key.privateKeyParameters(), hashes[i], signatures[i], 0);
            if (!verifier.verify(signers[i], hashes[i], signatures[i], 0))
            {
                throw new IllegalStateException(provider + " rejects valid vector " + i);
            }
            hashes[i][0] ^= 1;
            if (verifier.verify(signers[i], hashes[i], signatures[i], 0))
            {
                throw new IllegalStateException(provider + " accepts a changed hash, vector " + i);
            }
            hashes[i][0] ^= 1;
        }
    }

    /**
     * @return the verdict (always true), so the check is not dead code.
     */
    @Benchmark
    public boolean verify()
    {
        final int i = next;
        next = (i + 1) & (SIGNERS - 1);
        return verifier.verify(signers[i], hashes[i], signatures[i], 0);
    }
}
