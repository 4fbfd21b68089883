package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.JsonNode;
import io.chainmesh.engine.ChannelCipher;
import io.chainmesh.perf.record.EncryptionComparison;

/**
 * The record layer's cost: one loopback link carrying plaintext frames against the same link sealed with AES-GCM
 * (the default), 64 B and 16 KiB payloads, throughput and RTT in this run ({@link EncryptionComparison}). The
 * issue-10 goal is encrypted ≥ 0.7× plaintext throughput at 64 B. ChaCha20-Poly1305 is left to
 * {@code perf/encryption.sh}: on JDK 17 it has no intrinsics and is an order of magnitude slower.
 */
final class EncryptionPart implements SuitePart
{
    private static final int[] PAYLOADS = {64, 16 * 1024};
    private static final ChannelCipher[] CIPHERS = {ChannelCipher.PLAINTEXT, ChannelCipher.AES_GCM};

    @Override
    public String name()
    {
        return "encryption";
    }

    @Override
    public JsonNode run(final SuiteSettings settings) throws Exception
    {
        settings.log().accept("record layer: plaintext vs AES-GCM, 64 B and 16 KiB");
        return EncryptionComparison.measure(settings.mapper(), PAYLOADS, CIPHERS, settings.pick(2, 1),
            settings.pick(3, 1), (int)settings.pick(3, 1));
    }
}
