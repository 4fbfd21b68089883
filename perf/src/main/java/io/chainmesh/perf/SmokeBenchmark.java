package io.chainmesh.perf;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Proves the JMH wiring of this module compiles and runs; real suites live beside it.
 */
@State(Scope.Benchmark)
public class SmokeBenchmark
{
    private long counter;

    /**
     * @return a value JMH consumes.
     */
    @Benchmark
    public long increment()
    {
        return ++counter;
    }
}
