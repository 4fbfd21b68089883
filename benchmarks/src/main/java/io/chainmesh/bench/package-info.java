/**
 * Node benchmarks in the manner of FluxBench: CPU events per second, memory, disk write speed and
 * network figures through the engine; the tier they earn; and signed {@code BenchReport}s that every
 * node aggregates into the network's table.
 */
package io.chainmesh.bench;
