package io.chainmesh.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chainmesh node} as a real process: serves {@code /status}, and SIGTERM ({@link Process#destroy()} on Linux)
 * runs the shutdown hook that closes everything, after which the process exits 0.
 */
class NodeProcessTest
{
    @TempDir
    Path dir;

    @Test
    void shouldServeStatusAndShutDownCleanlyOnSigterm() throws Exception
    {
        Files.writeString(dir.resolve("node.key"),
            "0000000000000000000000000000000000000000000000000000000000000002\n");
        Files.writeString(dir.resolve("nodes.json"), "[]");
        final Path config = dir.resolve("node.properties");
        Files.writeString(config,
            "node.key.file=node.key\n" +
            "listen.address=127.0.0.1:0\n" +
            "directory.source=file\n" +
            "directory.file.path=nodes.json\n" +
            "counters.file=counters.dat\n");
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Path log = dir.resolve("node.log");
        final Process process = new ProcessBuilder(List.of(java.toString(),
            // As the fat jar's manifest does (Add-Exports), for Agrona's Unsafe access.
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            ChainmeshCli.class.getName(), "node", "--config", config.toString()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
        try
        {
            final Pattern started = Pattern.compile("http on /127\\.0\\.0\\.1:(\\d+)");
            final Matcher[] matcher = {null};
            // A fresh JVM starting a node: seconds on an idle machine, far more on a loaded one.
            NodeCommandSystemTest.await("node prints its http address", 90_000, () ->
            {
                matcher[0] = started.matcher(readLog(log));
                return matcher[0].find() || !process.isAlive();
            });
            assertThat(process.isAlive()).as(readLog(log)).isTrue();
            final int port = Integer.parseInt(matcher[0].group(1));
            final HttpResponse<String> status = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
                    .timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(status.body()).contains("\"collateral\":\"");

            process.destroy();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
            assertThat(readLog(log)).as("exit " + process.exitValue())
                .contains("started").contains("node shutting down").contains("node stopped")
                .contains("shutdown complete, exit 0");
            assertThat(process.exitValue()).as("exit code after SIGTERM (not 128 + 15)\n" + readLog(log)).isZero();
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    private static String readLog(final Path log)
    {
        try
        {
            return Files.readString(log, StandardCharsets.UTF_8);
        }
        catch (final java.io.IOException ex)
        {
            return "";
        }
    }
}
