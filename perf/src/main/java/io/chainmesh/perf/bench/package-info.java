/**
 * Harness measuring how fast an in-process network disseminates and aggregates signed bench reports.
 */
package io.chainmesh.perf.bench;
