package io.chainmesh.perf.metrics;

import io.chainmesh.engine.FixedBucketHistogram;
import io.chainmesh.engine.broadcast.DeliveryStats;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Cost of recording one value: the engine's {@link FixedBucketHistogram} (as the commit thread records a delivery
 * age) against the Prometheus Java client's {@link Histogram#observe}, with its default classic and native buckets
 * and with classic buckets only (the same bounds). Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is what
 * decides whether a recorder may sit on the hot path, which must not allocate.
 * <pre>
 * perf/jmh.sh histogram-record 'HistogramRecordBenchmark' -prof gc -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
public class HistogramRecordBenchmark
{
    /** Ages in milliseconds spread over the buckets, walked in order so no branch predictor learns one value. */
    private static final int VALUES = 1024;

    private final long[] ages = new long[VALUES];
    private final double[] ageSeconds = new double[VALUES];
    private FixedBucketHistogram fixed;
    private Histogram clientDefault;
    private Histogram clientClassic;
    private int next;

    /** Builds the three recorders with the delivery-age bounds. */
    @Setup
    public void setup()
    {
        final long[] bounds = DeliveryStats.AGE_BOUNDS_MILLIS;
        final double[] boundSeconds = new double[bounds.length];
        for (int i = 0; i < bounds.length; i++)
        {
            boundSeconds[i] = bounds[i] / 1e3;
        }
        for (int i = 0; i < VALUES; i++)
        {
            ages[i] = (i * 37L) % 2_000;
            ageSeconds[i] = ages[i] / 1e3;
        }
        fixed = new FixedBucketHistogram(bounds);
        clientDefault = Histogram.builder().name("default_seconds").help("default buckets")
            .register(new PrometheusRegistry());
        clientClassic = Histogram.builder().name("classic_seconds").help("classic buckets only")
            .classicUpperBounds(boundSeconds).classicOnly().register(new PrometheusRegistry());
    }

    /** The engine's recorder. */
    @Benchmark
    public void fixedBucketHistogram()
    {
        fixed.record(ages[next++ & (VALUES - 1)]);
    }

    /** The client's histogram as built by default (classic and native buckets). */
    @Benchmark
    public void prometheusHistogramDefault()
    {
        clientDefault.observe(ageSeconds[next++ & (VALUES - 1)]);
    }

    /** The client's histogram with the same classic buckets only. */
    @Benchmark
    public void prometheusHistogramClassicOnly()
    {
        clientClassic.observe(ageSeconds[next++ & (VALUES - 1)]);
    }
}
