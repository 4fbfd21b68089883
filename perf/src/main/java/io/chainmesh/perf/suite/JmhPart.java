package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * The JMH suites with {@code -prof gc}: codec (BATCH encode/decode), crypto (ECDSA, Bitcoin signed messages,
 * batch sign/verify) and pipeline (the broadcast pipeline end to end, in process). Short iterations keep the
 * part bounded; {@code perf/jmh.sh} runs any of them longer. Quick mode runs the codec suite only, one iteration.
 */
final class JmhPart implements SuitePart
{
    private record Suite(String name, String include, boolean quick)
    {
    }

    private static final Suite[] SUITES = {
        new Suite("codec", "io\\.chainmesh\\.perf\\.codec\\.BatchCodecBenchmark", true),
        new Suite("crypto", "io\\.chainmesh\\.perf\\.codec\\.SignatureBenchmark", false),
        new Suite("pipeline", "io\\.chainmesh\\.perf\\.pipeline\\..*Benchmark", false),
    };

    /** The file JMH locks so that two JMH runs do not measure at once. */
    private static final Path LOCK_FILE = Path.of(System.getProperty("java.io.tmpdir"), "jmh.lock");

    @Override
    public String name()
    {
        return "jmh";
    }

    @Override
    public JsonNode run(final SuiteSettings settings) throws Exception
    {
        final ObjectNode part = settings.mapper().createObjectNode();
        part.put("description", "JMH, 1 fork, -prof gc (allocation per operation)");
        part.put("warmupIterations", settings.pick(2, 0));
        part.put("measurementIterations", settings.pick(3, 1));
        part.put("iterationMillis", settings.pick(1000, 500));
        final boolean lockFree = awaitJmhLock(settings.pick(60, 10) * 1000);
        if (!lockFree)
        {
            // Another user's JMH run holds the machine-wide lock; this machine is shared anyway, and the suite
            // must not fail for it. Recorded, so a reader knows another benchmark ran alongside.
            settings.log().accept("jmh: another JMH run holds " + LOCK_FILE + "; running alongside it");
            System.setProperty("jmh.ignoreLock", "true");
        }
        part.put("ranAlongsideAnotherJmhRun", !lockFree);
        final ArrayNode benchmarks = part.putArray("benchmarks");
        for (final Suite suite : SUITES)
        {
            if (settings.quick() && !suite.quick)
            {
                continue;
            }
            settings.log().accept("jmh: " + suite.name);
            final ChainedOptionsBuilder options = new OptionsBuilder()
                .include(suite.include)
                .forks(1)
                .warmupIterations((int)settings.pick(2, 0))
                .warmupTime(TimeValue.milliseconds(settings.pick(1000, 500)))
                .measurementIterations((int)settings.pick(3, 1))
                .measurementTime(TimeValue.milliseconds(settings.pick(1000, 500)))
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true);
            final Collection<RunResult> results = new Runner(options.build()).run();
            for (final RunResult result : results)
            {
                benchmarks.add(row(settings, suite.name, result));
            }
        }
        return part;
    }

    /** Waits until no other JMH run holds {@link #LOCK_FILE}, up to {@code timeoutMillis}. */
    private static boolean awaitJmhLock(final long timeoutMillis) throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true)
        {
            try (FileChannel channel = FileChannel.open(LOCK_FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock())
            {
                if (null != lock)
                {
                    return true;
                }
            }
            catch (final OverlappingFileLockException ex)
            {
                // held within this JVM: treat as held
            }
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            Thread.sleep(1000);
        }
    }

    private static ObjectNode row(final SuiteSettings settings, final String suite, final RunResult result)
    {
        final ObjectNode row = settings.mapper().createObjectNode();
        final String benchmark = result.getParams().getBenchmark();
        row.put("suite", suite);
        row.put("benchmark", benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1));
        final StringBuilder params = new StringBuilder();
        for (final String key : result.getParams().getParamsKeys())
        {
            params.append(params.length() == 0 ? "" : ",").append(key).append('=').append(result.getParams().getParam(key));
        }
        row.put("params", params.toString());
        row.put("mode", result.getParams().getMode().shortLabel());
        final var primary = result.getPrimaryResult();
        row.put("score", primary.getScore());
        row.put("error", Double.isNaN(primary.getScoreError()) ? 0 : primary.getScoreError());
        row.put("unit", primary.getScoreUnit());
        result.getSecondaryResults().forEach((key, secondary) ->
        {
            if (key.endsWith("gc.alloc.rate.norm"))
            {
                row.put("allocBytesPerOp", secondary.getScore());
            }
        });
        return row;
    }
}
