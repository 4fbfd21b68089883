package io.chainmesh.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchmarkRunnerTest
{
    @TempDir
    Path dir;

    @Test
    void shouldReturnSaneBoundedFiguresInQuickMode() throws Exception
    {
        final List<String> steps = new ArrayList<>();
        final BenchmarkRunner runner = new BenchmarkRunner(BenchmarkRunner.Context.quick()
            .diskDirectory(dir).progress((step, index, count) -> steps.add(step)));

        final NodeMeasurements m = runner.measureLocal();

        assertThat(steps).containsExactly(BenchmarkRunner.STEPS);
        assertThat(m.cores()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(m.ramBytes()).isBetween(256L << 20, 1L << 50);
        assertThat(m.storageBytes()).isPositive();
        // One event is ~10k primality tests: any machine does between 1 and 1e6 per second per thread.
        assertThat(m.epsSingle()).isBetween(1.0, 1e6);
        assertThat(m.epsMulti()).isBetween(1.0, 1e6 * m.cores());
        assertThat(m.memoryBandwidthMBps()).isBetween(10.0, 1e7);
        assertThat(m.diskWriteMBps()).isBetween(0.1, 1e6);
        assertThat(m.networkRttMicros()).isNaN();
        try (Stream<Path> left = Files.list(dir))
        {
            assertThat(left).as("disk test cleans up its file").isEmpty();
        }
    }

    @Test
    void shouldRejectInvalidSettingsNamingThem()
    {
        assertThatThrownBy(() -> new BenchmarkRunner(BenchmarkRunner.Context.quick().diskDirectory(dir.resolve("missing"))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("diskDirectory=");
        assertThatThrownBy(() -> new BenchmarkRunner(BenchmarkRunner.Context.quick().diskBytes(10)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("diskBytes=10");
        assertThatThrownBy(() -> new BenchmarkRunner(BenchmarkRunner.Context.quick().threads(0)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads=0");
    }

    @Test
    void shouldCleanUpDiskFileWhenWriteFails() throws Exception
    {
        // A directory that exists but whose temp file cannot be created: the call fails without leftovers.
        final Path readOnly = Files.createDirectory(dir.resolve("ro"));
        assertThat(readOnly.toFile().setWritable(false)).isTrue();
        try
        {
            if (Files.isWritable(readOnly))
            {
                return; // running as root: permissions are not enforced, nothing to check here
            }
            assertThatThrownBy(() -> DiskBenchmark.writeMegabytesPerSecond(readOnly, 1 << 20))
                .isInstanceOf(java.io.IOException.class);
        }
        finally
        {
            assertThat(readOnly.toFile().setWritable(true)).isTrue();
        }
    }

    @Test
    void shouldCountPrimesBelowTenThousandInOneEvent()
    {
        // 1229 primes below 10,000; the event tests from 3, so 2 is not counted.
        assertThat(CpuBenchmark.oneEvent()).isEqualTo(1228);
    }
}
