package io.chainmesh.perf.capacity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CollapsedProfileTest
{
    @Test
    void shouldSayWhatShareOfTheSamplesEachKindOfWorkAndEachThreadGroupTook(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("p.collapsed");
        Files.writeString(file, String.join("\n",
            "[chainmesh-verify-0-1ba4349e tid=77];java/lang/Thread.run;Verifier.verify;secp256k1_fe_mul_inner 30",
            "[chainmesh-verify-0-1ba4349e tid=77];Verifier.verify;/tmp/chainmesh-libsecp256k1-12.so (deleted) 10",
            "[chainmesh-io-1 tid=78];Link.drain;RecordCipher.seal;counterMode_AESCrypt 20",
            "[chainmesh-io-2 tid=79];Link.flushOut;tcp_sendmsg_locked_[k] 10",
            "[chainmesh-commit-1ba4349e tid=80];Hashing.sha256;sha256_implCompressMB 10",
            "[chainmesh-commit-1ba4349e tid=80];CommitHandler.onBatch;jlong_disjoint_arraycopy 5",
            "[chainmesh-commit-1ba4349e tid=80];LockSupport.parkNanos;__futex_abstimed_wait_common 3",
            "[chainmesh-commit-1ba4349e tid=80];Unsafe.park;__x64_sys_futex_[k];schedule_[k] 2",
            "[C2 CompilerThread0 tid=9];PhaseChaitin::Split 6",
            "[GC Thread#1 tid=10];G1ParScanThreadState::trim_queue 2",
            "[chainmesh-commit-1ba4349e tid=80];CommitHandler.onBatch;SubscriberDelivery.deliver 2",
            ""));

        final ObjectNode summary = CollapsedProfile.summarize(file, new ObjectMapper());

        assertThat(summary.path("samples").asLong()).isEqualTo(100);
        assertThat(summary.path("kinds").path(CollapsedProfile.VERIFY).asDouble()).isCloseTo(0.40, within(1e-9));
        assertThat(summary.path("kinds").path(CollapsedProfile.AEAD).asDouble()).isCloseTo(0.20, within(1e-9));
        assertThat(summary.path("kinds").path(CollapsedProfile.KERNEL).asDouble()).isCloseTo(0.10, within(1e-9));
        assertThat(summary.path("kinds").path(CollapsedProfile.SHA).asDouble()).isCloseTo(0.10, within(1e-9));
        assertThat(summary.path("kinds").path(CollapsedProfile.COPY).asDouble()).isCloseTo(0.05, within(1e-9));
        assertThat(summary.path("kinds").path(CollapsedProfile.HANDOFF).asDouble()).isCloseTo(0.05, within(1e-9));
        assertThat(summary.path("kinds").path(CollapsedProfile.JIT).asDouble()).isCloseTo(0.06, within(1e-9));
        assertThat(summary.path("kinds").path(CollapsedProfile.GC).asDouble()).isCloseTo(0.02, within(1e-9));
        assertThat(summary.path("kinds").path(CollapsedProfile.OTHER).asDouble()).isCloseTo(0.02, within(1e-9));
        assertThat(summary.path("threads").path("chainmesh-verify").asDouble()).isCloseTo(0.40, within(1e-9));
        assertThat(summary.path("threads").path("chainmesh-io").asDouble()).isCloseTo(0.30, within(1e-9));
        assertThat(summary.path("threads").path("chainmesh-commit").asDouble()).isCloseTo(0.22, within(1e-9));
        assertThat(summary.path("threads").path("C2 CompilerThread").asDouble()).isCloseTo(0.06, within(1e-9));
        assertThat(summary.path("threads").path("GC Thread").asDouble()).isCloseTo(0.02, within(1e-9));
        assertThat(summary.path("top").fieldNames().next()).isEqualTo("secp256k1_fe_mul_inner");
        assertThat(CollapsedProfile.text(summary, 0.5)).contains("ECDSA verify (libsecp256k1)", "0.200");
    }

    @Test
    void shouldSkipLinesWithoutACount(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("p.collapsed");
        Files.writeString(file, "garbage\nnot a count\n[t tid=1];a;b 3\n");

        assertThat(CollapsedProfile.summarize(file, new ObjectMapper()).path("samples").asLong()).isEqualTo(3);
    }
}
