package io.chainmesh.perf.codec;

import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.batch.BatchSigner;
import io.chainmesh.codec.batch.BatchVerifier;
import io.chainmesh.codec.crypto.BitcoinMessage;
import io.chainmesh.codec.crypto.EcdsaSigner;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.codec.crypto.NodeKey;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * Cost of secp256k1 signatures: raw low-S ECDSA sign/verify over a hash (Bouncy Castle), the same signature from
 * each {@link EcdsaSigner} provider (Bouncy Castle, and libsecp256k1 where it loads), Bitcoin signed-message
 * sign/verify (FluxOS format, includes public-key recovery), and sign/verify of a whole 16x64 B batch (hash + ECDSA,
 * on the preferred providers).
 * <pre>
 * perf/jmh.sh crypto 'SignatureBenchmark' -f 1 -wi 2 -i 3 -w 1s -r 2s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
public class SignatureBenchmark
{
    private NodeKey key;
    private PublicKey nodeId;
    private byte[] hash;
    private byte[] signature;
    private byte[] message;
    private String messageSignature;
    private BatchSigner batchSigner;
    private EcdsaSigner bouncyCastleSigner;
    private EcdsaSigner preferredSigner;
    private final byte[] signed = new byte[64];
    private final BatchVerifier batchVerifier = new BatchVerifier();
    private final BatchEncoder encoder = new BatchEncoder();
    private final UnsafeBuffer batch = new UnsafeBuffer(new byte[2048]);
    private int batchLength;

    /**
     * Fresh random key; a signed hash, message and batch to verify.
     *
     * @throws NoSuchAlgorithmException never (SHA-256 is always present).
     */
    @Setup
    public void setup() throws NoSuchAlgorithmException
    {
        key = NodeKey.generate(new SecureRandom());
        nodeId = key.publicKey();
        hash = MessageDigest.getInstance("SHA-256").digest("benchmark".getBytes(UTF_8));
        signature = key.sign(hash);
        message = "1700000000000 chainmesh benchmark message".getBytes(UTF_8);
        messageSignature = BitcoinMessage.sign(key, message);
        batchSigner = new BatchSigner(key);
        bouncyCastleSigner = EcdsaSigner.bouncyCastle(key.privateKeyParameters());
        preferredSigner = EcdsaSigner.preferred(key.privateKeyParameters());
        encoder.wrap(batch, 0, batch.capacity()).begin(0x075fce99a18c5a94L, 1, 2);
        final UnsafeBuffer entry = new UnsafeBuffer(new byte[64]);
        for (int i = 0; i < 16; i++)
        {
            encoder.tryAppend(i, entry, 0, 64);
        }
        batchLength = encoder.sign(batchSigner);
    }

    /**
     * @return the signature.
     */
    @Benchmark
    public byte[] ecdsaSign()
    {
        return key.sign(hash);
    }

    /**
     * @return the signature.
     */
    @Benchmark
    public byte[] ecdsaSignBouncyCastle()
    {
        bouncyCastleSigner.sign(hash, signed, 0);
        return signed;
    }

    /**
     * @return the signature (libsecp256k1 where it loaded, else Bouncy Castle again).
     */
    @Benchmark
    public byte[] ecdsaSignPreferred()
    {
        preferredSigner.sign(hash, signed, 0);
        return signed;
    }

    /**
     * @return true.
     */
    @Benchmark
    public boolean ecdsaVerify()
    {
        return nodeId.verify(hash, signature);
    }

    /**
     * @return the base64 signature.
     */
    @Benchmark
    public String bitcoinMessageSign()
    {
        return BitcoinMessage.sign(key, message);
    }

    /**
     * @return true.
     */
    @Benchmark
    public boolean bitcoinMessageVerify()
    {
        return BitcoinMessage.verify(nodeId, message, messageSignature);
    }

    /**
     * @return the frame length.
     */
    @Benchmark
    public int batchSign()
    {
        return encoder.sign(batchSigner);
    }

    /**
     * @return true.
     */
    @Benchmark
    public boolean batchVerify()
    {
        return batchVerifier.verify(nodeId, batch, 0, batchLength);
    }
}
