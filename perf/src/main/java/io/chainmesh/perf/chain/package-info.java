/**
 * Benchmarks of the chain adapter: parsing, validating and ordering the deterministic node list.
 */
package io.chainmesh.perf.chain;
