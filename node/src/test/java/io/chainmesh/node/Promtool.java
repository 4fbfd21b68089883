package io.chainmesh.node;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code promtool check metrics} (Prometheus' own linter: format, naming, units) on an exposition when
 * promtool is installed ({@code apt-get install prometheus} on Debian); {@link PrometheusParser} checks the format
 * whether it is or not.
 */
final class Promtool
{
    private static final Path[] CANDIDATES = {Path.of("/usr/bin/promtool"), Path.of("/usr/local/bin/promtool")};

    /** What promtool said, or null when it is not installed. */
    record Verdict(int exitCode, String output)
    {
    }

    private Promtool()
    {
    }

    static Verdict checkMetrics(final String exposition) throws IOException, InterruptedException
    {
        Path promtool = null;
        for (final Path candidate : CANDIDATES)
        {
            if (Files.isExecutable(candidate))
            {
                promtool = candidate;
                break;
            }
        }
        if (null == promtool)
        {
            System.out.println("promtool not installed (apt-get install prometheus): format checked by PrometheusParser only");
            return null;
        }
        final Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = process.getOutputStream())
        {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("promtool check metrics did not finish in 30 s");
        }
        return new Verdict(process.exitValue(), output);
    }
}
