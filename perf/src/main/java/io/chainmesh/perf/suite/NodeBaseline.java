package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Node.js baseline of {@code perf/baselines/} (the FluxOS-style network, or js-libp2p gossipsub) as a child
 * process: {@code npm ci} once (unless {@code node_modules} already holds what {@code package-lock.json} pins),
 * then {@code node run.js ...} per run, whose one JSON line on stdout is the result. Its stderr goes to ours.
 */
final class NodeBaseline
{
    private final Path directory;
    private final ObjectMapper mapper;
    private final long slackSeconds;
    private boolean installed;

    private NodeBaseline(final Path directory, final ObjectMapper mapper, final long slackSeconds)
    {
        this.directory = directory;
        this.mapper = mapper;
        this.slackSeconds = slackSeconds;
    }

    /** The FluxOS-style network: slack for start-up, linking and drain (its run.js watchdog is 60 s). */
    static NodeBaseline fluxos(final Path repository, final ObjectMapper mapper)
    {
        return new NodeBaseline(repository.resolve("perf/baselines/fluxos"), mapper, 90);
    }

    /** js-libp2p gossipsub: slack for start-up, Noise handshakes, mesh forming and drain (its watchdog: 110 s). */
    static NodeBaseline gossipsub(final Path repository, final ObjectMapper mapper)
    {
        return new NodeBaseline(repository.resolve("perf/baselines/gossipsub"), mapper, 120);
    }

    /**
     * @param nodes      Node.js processes.
     * @param seconds    publishing time.
     * @param size       payload bytes.
     * @param publishers nodes that publish (as fast as their links accept).
     * @return the result line of run.js.
     * @throws IOException          if node/npm cannot run or prints no result.
     * @throws InterruptedException if interrupted.
     */
    JsonNode run(final int nodes, final long seconds, final int size, final int publishers)
        throws IOException, InterruptedException
    {
        return run(nodes, seconds, size, publishers, 0);
    }

    /**
     * @param nodes      Node.js processes.
     * @param seconds    publishing time.
     * @param size       payload bytes.
     * @param publishers nodes that publish.
     * @param rate       messages per second per publisher, 0 for as fast as the baseline sustains.
     * @return the result line of run.js.
     * @throws IOException          if node/npm cannot run or prints no result.
     * @throws InterruptedException if interrupted.
     */
    JsonNode run(final int nodes, final long seconds, final int size, final int publishers, final double rate)
        throws IOException, InterruptedException
    {
        return script("run.js", List.of("--nodes", Integer.toString(nodes), "--duration", Long.toString(seconds), "--size",
            Integer.toString(size), "--publishers", Integer.toString(publishers), "--rate", Double.toString(rate)),
            seconds + slackSeconds);
    }

    /**
     * The FluxOS-style baseline's run after the same workload, unmeasured, for {@code warmupSeconds} (its nodes'
     * counters are then reset), as the chainmesh rows it is compared with run in a warmed JVM.
     *
     * @param nodes         Node.js processes.
     * @param seconds       publishing time.
     * @param size          payload bytes.
     * @param publishers    nodes that publish (as fast as their links accept).
     * @param warmupSeconds publishing time of the unmeasured run first.
     * @return the result line of run.js.
     * @throws IOException          if node/npm cannot run or prints no result.
     * @throws InterruptedException if interrupted.
     */
    JsonNode runAfterWarmUp(final int nodes, final long seconds, final int size, final int publishers, final long warmupSeconds)
        throws IOException, InterruptedException
    {
        return script("run.js", List.of("--nodes", Integer.toString(nodes), "--duration", Long.toString(seconds), "--size",
            Integer.toString(size), "--publishers", Integer.toString(publishers), "--warmup", Long.toString(warmupSeconds)),
            warmupSeconds + seconds + 2 * slackSeconds);
    }

    /**
     * @param script         a script of the baseline's directory that prints one JSON result line.
     * @param args           its arguments.
     * @param timeoutSeconds how long it may take.
     * @return its result line.
     * @throws IOException          if node/npm cannot run or prints no result.
     * @throws InterruptedException if interrupted.
     */
    JsonNode script(final String script, final List<String> args, final long timeoutSeconds)
        throws IOException, InterruptedException
    {
        install();
        final List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(args);
        final String out = execute(command, timeoutSeconds);
        final String[] lines = out.split("\n");
        for (int i = lines.length - 1; i >= 0; i--)
        {
            if (lines[i].startsWith("{"))
            {
                return mapper.readTree(lines[i]);
            }
        }
        throw new IOException("no JSON result line from " + String.join(" ", command) + " in " + directory + ": " + out);
    }

    private void install() throws IOException, InterruptedException
    {
        if (!installed)
        {
            if (!Files.isRegularFile(directory.resolve("package-lock.json")))
            {
                throw new IOException("no package-lock.json in " + directory);
            }
            // npm ci wipes and reinstalls (a native secp256k1 build: ~40 s on 2 busy cores); npm's hidden lockfile
            // newer than ours means the last npm ci installed exactly what the lockfile pins.
            final Path installedLock = directory.resolve("node_modules/.package-lock.json");
            if (!Files.isRegularFile(installedLock) || Files.getLastModifiedTime(installedLock).compareTo(
                Files.getLastModifiedTime(directory.resolve("package-lock.json"))) < 0)
            {
                execute(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), 300);
            }
            installed = true;
        }
    }

    private String execute(final List<String> command, final long timeoutSeconds) throws IOException, InterruptedException
    {
        final Path stdout = Files.createTempFile("chainmesh-perf-baseline-", ".out");
        try
        {
            final Process process = new ProcessBuilder(command).directory(directory.toFile())
                .redirectOutput(stdout.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
            }
            final String out = Files.readString(stdout, StandardCharsets.UTF_8);
            if (process.exitValue() != 0)
            {
                throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": " + out);
            }
            return out;
        }
        finally
        {
            Files.deleteIfExists(stdout);
        }
    }
}
