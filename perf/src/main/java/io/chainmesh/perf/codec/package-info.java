/**
 * JMH benchmarks of the codec: batch encode/decode (allocation-free) and signature costs.
 */
package io.chainmesh.perf.codec;
