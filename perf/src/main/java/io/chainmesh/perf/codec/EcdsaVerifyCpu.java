package io.chainmesh.perf.codec;

import io.chainmesh.codec.crypto.Ecdsa;
import io.chainmesh.codec.crypto.EcdsaVerifier;
import io.chainmesh.codec.crypto.Libsecp256k1;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.codec.crypto.NodeKey;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The {@link EcdsaVerifyBenchmark} comparison made robust to a loaded machine: the providers take turns in
 * short rounds (so load swings hit both alike) and each round is timed in this thread's CPU time, which
 * other processes do not inflate. Prints, per provider, the median CPU microseconds per verify, the
 * equivalent verifies per CPU-second, and the ratio against Bouncy Castle.
 * <pre>
 * $JAVA io.chainmesh.perf.codec.EcdsaVerifyCpu [rounds=15] [verifiesPerRound=4000]
 * </pre>
 */
public final class EcdsaVerifyCpu
{
    private EcdsaVerifyCpu()
    {
    }

    /**
     * @param args rounds, verifies per round.
     * @throws Exception on a setup failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        final int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 4000;
        final int signerCount = 16;
        final PublicKey[] signers = new PublicKey[signerCount];
        final byte[][] hashes = new byte[signerCount][];
        final byte[][] signatures = new byte[signerCount][];
        final MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < signerCount; i++)
        {
            final NodeKey key = NodeKey.fromHex(String.format("%064x", BigInteger.valueOf(1_000_003L * (i + 1))));
            signers[i] = key.publicKey();
            hashes[i] = sha256.digest(("batch " + i).getBytes(UTF_8));
            signatures[i] = new byte[64];
            Ecdsa.sign(key.privateKeyParameters(), hashes[i], signatures[i], 0);
        }
        final Map<String, EcdsaVerifier> providers = new LinkedHashMap<>();
        providers.put("bouncycastle", EcdsaVerifier.bouncyCastle());
        if (Libsecp256k1.isAvailable())
        {
            providers.put("libsecp256k1-uncompressed", Libsecp256k1.verifier(true));
            providers.put("libsecp256k1-compressed", Libsecp256k1.verifier(false));
        }
        else
        {
            System.out.println("libsecp256k1 not available: " + Libsecp256k1.loadFailure());
        }
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final Map<String, double[]> cpuMicros = new LinkedHashMap<>();
        providers.keySet().forEach(name -> cpuMicros.put(name, new double[rounds]));
        for (int round = -3; round < rounds; round++) // three warm-up rounds
        {
            for (final Map.Entry<String, EcdsaVerifier> provider : providers.entrySet())
            {
                final EcdsaVerifier verifier = provider.getValue();
                final long cpuStart = threads.getCurrentThreadCpuTime();
                int valid = 0;
                for (int n = 0; n < perRound; n++)
                {
                    final int i = n & (signerCount - 1);
                    valid += verifier.verify(signers[i], hashes[i], signatures[i], 0) ? 1 : 0;
                }
                final long cpu = threads.getCurrentThreadCpuTime() - cpuStart;
                if (valid != perRound)
                {
                    throw new IllegalStateException(provider.getKey() + " rejected " + (perRound - valid) + " valid vectors");
                }
                if (round >= 0)
                {
                    cpuMicros.get(provider.getKey())[round] = cpu / 1000.0 / perRound;
                }
            }
        }
        final double bcMedian = median(cpuMicros.get("bouncycastle"));
        System.out.printf("%-28s %14s %16s %14s %s%n", "provider", "CPU us/verify", "verifies/CPU-s", "vs BC", "(min..max us)");
        for (final Map.Entry<String, double[]> entry : cpuMicros.entrySet())
        {
            final double[] values = entry.getValue().clone();
            Arrays.sort(values);
            final double median = median(values);
            System.out.printf("%-28s %14.1f %16.0f %13.2fx (%.1f..%.1f)%n", entry.getKey(), median, 1e6 / median,
                bcMedian / median, values[0], values[values.length - 1]);
        }
    }

    private static double median(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
