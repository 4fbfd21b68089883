package io.chainmesh.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An embedder who forgets the JVM option Agrona needs is told which one, at launch, before anything starts.
 */
class MissingExportTest
{
    @Test
    @Timeout(60)
    void launchWithoutTheExportFailsAtOnceNamingTheExactOption() throws IOException, InterruptedException
    {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Process process = new ProcessBuilder(List.of(java.toString(), "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), PublishSubscribe.class.getName()))
            .redirectErrorStream(true)
            .start();
        process.getOutputStream().close();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isNotZero();
        assertThat(output)
            .contains("IllegalStateException: chainmesh needs the JVM option " +
                "'--add-exports java.base/jdk.internal.misc=ALL-UNNAMED'")
            .doesNotContain("IllegalAccessError");
    }
}
