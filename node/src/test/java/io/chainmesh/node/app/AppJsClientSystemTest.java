package io.chainmesh.node.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JavaScript client ({@code clients/js}) against two real nodes: a Node.js program publishes through one and
 * receives through the other, and sends a direct message back. Needs {@code node} and {@code npm} on the PATH; without
 * them the test fails (it never skips), so a CI machine without Node.js is noticed.
 */
class AppJsClientSystemTest
{
    private static final Path CLIENT = Path.of("..", "clients", "js").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void shouldPublishThroughOneNodeAndReceiveThroughAnotherFromNodeJs() throws Exception
    {
        npmCi();
        try (AppTestNodes devnet = new AppTestNodes(2, dir, ctx -> {}))
        {
            final String out = run(List.of("node", "test/roundtrip.js", devnet.apis.get(0).url(), devnet.apis.get(1).url(),
                devnet.tokenFile.toString()), 60);
            assertThat(out).contains("\"received\":20", "\"duplicates\":0", "\"directIntact\":true");
            assertThat(devnet.apis.get(0).counters().get(AppCounters.Counter.PUBLISHED)).isEqualTo(20);
            assertThat(devnet.apis.get(1).counters().get(AppCounters.Counter.SENT)).isEqualTo(1);
        }
    }

    private void npmCi() throws Exception
    {
        // npm ci wipes and reinstalls; npm's hidden lockfile newer than ours means the last one installed exactly it.
        final Path installedLock = CLIENT.resolve("node_modules/.package-lock.json");
        if (!Files.isRegularFile(installedLock) || Files.getLastModifiedTime(installedLock).compareTo(
            Files.getLastModifiedTime(CLIENT.resolve("package-lock.json"))) < 0)
        {
            run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), 180);
        }
    }

    private String run(final List<String> command, final long timeoutSeconds) throws Exception
    {
        final Path output = Files.createTempFile(dir, "process-", ".out");
        final Process process;
        try
        {
            process = new ProcessBuilder(command).directory(CLIENT.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        }
        catch (final IOException ex)
        {
            throw new AssertionError(String.join(" ", command) + " cannot run (are node and npm installed?): " + ex, ex);
        }
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
        {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s: " +
                Files.readString(output, StandardCharsets.UTF_8));
        }
        final String out = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(String.join(" ", command) + " exit code; output:\n" + out).isZero();
        return out;
    }
}
