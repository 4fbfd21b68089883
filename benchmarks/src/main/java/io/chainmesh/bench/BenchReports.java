package io.chainmesh.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.control.BenchReport;
import io.chainmesh.codec.control.BenchTier;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.crypto.Secp256k1;
import org.bouncycastle.crypto.digests.SHA256Digest;

import java.nio.charset.StandardCharsets;

/**
 * Builds, signs, parses and verifies {@link BenchReport}s.
 * <p>
 * The signature is low-S ECDSA by the node's chain key over
 * {@code SHA-256("chainmesh-bench-report-v1" || report serialized with an empty signature)}; the
 * domain prefix keeps a report signature from ever being valid as any other chainmesh signature.
 */
public final class BenchReports
{
    /** Version of the measurement definitions, carried in every report. */
    public static final String BENCH_VERSION = "chainmesh-bench/1";

    /** Broadcast topic reserved for signed bench reports. */
    public static final int TOPIC = 0xBE00;

    /** Largest serialized report accepted. */
    public static final int MAX_REPORT_BYTES = 4096;

    private static final byte[] DOMAIN = "chainmesh-bench-report-v1".getBytes(StandardCharsets.US_ASCII);

    private BenchReports()
    {
    }

    /**
     * Builds and signs a report.
     *
     * @param key             the node's chain key.
     * @param m               its measurements.
     * @param verdict         the tier they earn.
     * @param timestampMillis when the benchmarks finished (epoch ms).
     * @return the signed report.
     */
    public static BenchReport create(
        final NodeKey key, final NodeMeasurements m, final TierVerdict verdict, final long timestampMillis)
    {
        final BenchReport unsigned = BenchReport.newBuilder()
            .setNodeId(com.google.protobuf.ByteString.copyFrom(key.publicKey().toBytes()))
            .setTimestampMillis(timestampMillis)
            .setBenchVersion(BENCH_VERSION)
            .setTier(toBenchTier(verdict))
            .setTierReason(verdict.reason())
            .setCores(m.cores())
            .setRealCores(m.cores())
            .setRamBytes(m.ramBytes())
            .setStorageBytes(m.storageBytes())
            .setEpsSingle(m.epsSingle())
            .setEpsMulti(m.epsMulti())
            .setMemoryBandwidthMbps(m.memoryBandwidthMBps())
            .setDiskWriteMbps(m.diskWriteMBps())
            .setNetworkRttMicros(m.networkRttMicros())
            .setNetworkThroughputMbps(m.networkThroughputMbps())
            .setArchitecture(System.getProperty("os.arch", "unknown"))
            .build();
        return sign(unsigned, key);
    }

    /**
     * @param report a report whose signature field is ignored.
     * @param key    signer; must be the report's node.
     * @return the report with its signature set.
     */
    public static BenchReport sign(final BenchReport report, final NodeKey key)
    {
        final byte[] signature = key.sign(signedHash(report));
        return report.toBuilder().setSignature(com.google.protobuf.ByteString.copyFrom(signature)).build();
    }

    /**
     * Checks that a report is well formed and signed by the node it names.
     *
     * @param report the report.
     * @return the signer.
     * @throws CodecException if the node id is not a key, the signature has the wrong length or
     *                        does not verify.
     */
    public static PublicKey verify(final BenchReport report)
    {
        final PublicKey signer = PublicKey.fromBytes(report.getNodeId().toByteArray());
        final byte[] signature = report.getSignature().toByteArray();
        if (signature.length != Secp256k1.SIGNATURE_LENGTH)
        {
            throw new CodecException("bench report signature length=" + signature.length + " must be 64");
        }
        if (!signer.verify(signedHash(report), signature))
        {
            throw new CodecException("bench report signature does not verify for " + signer);
        }
        return signer;
    }

    /**
     * @param bytes  buffer.
     * @param offset start of the serialized report.
     * @param length its length, at most {@link #MAX_REPORT_BYTES}.
     * @return the parsed (not yet verified) report.
     * @throws CodecException if too long or not a valid report.
     */
    public static BenchReport parse(final byte[] bytes, final int offset, final int length)
    {
        if (length > MAX_REPORT_BYTES || length < 0)
        {
            throw new CodecException("bench report length " + length + " exceeds limit " + MAX_REPORT_BYTES);
        }
        try
        {
            return BenchReport.parser().parseFrom(bytes, offset, length);
        }
        catch (final InvalidProtocolBufferException ex)
        {
            throw new CodecException("bench report is not a valid BenchReport: " + ex.getMessage(), ex);
        }
    }

    private static byte[] signedHash(final BenchReport report)
    {
        final byte[] body = report.toBuilder().clearSignature().build().toByteArray();
        final SHA256Digest digest = new SHA256Digest();
        digest.update(DOMAIN, 0, DOMAIN.length);
        digest.update(body, 0, body.length);
        final byte[] hash = new byte[32];
        digest.doFinal(hash, 0);
        return hash;
    }

    private static BenchTier toBenchTier(final TierVerdict verdict)
    {
        if (!verdict.qualifies())
        {
            return BenchTier.BELOW_CUMULUS;
        }
        switch (verdict.tier())
        {
            case CUMULUS: return BenchTier.CUMULUS;
            case NIMBUS: return BenchTier.NIMBUS;
            default: return BenchTier.STRATUS;
        }
    }
}
