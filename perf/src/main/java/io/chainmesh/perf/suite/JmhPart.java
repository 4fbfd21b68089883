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

import java.util.Collection;

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
