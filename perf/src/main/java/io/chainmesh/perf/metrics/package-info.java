/**
 * JMH benchmarks of recording metrics: the engine's histograms against the Prometheus Java client's.
 */
package io.chainmesh.perf.metrics;
