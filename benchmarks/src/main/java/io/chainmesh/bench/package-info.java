/**
 * Node benchmarks in the manner of FluxBench: CPU, memory, disk and network measurements, tier derivation, and signed reports gossiped over the engine.
 */
package io.chainmesh.bench;
