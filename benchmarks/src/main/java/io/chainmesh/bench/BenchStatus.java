package io.chainmesh.bench;

import io.chainmesh.codec.control.BenchReport;

/**
 * What a node's benchmark daemon reports: the state of its run and its latest own report.
 *
 * @param benchmarking {@code "running"}, {@code "complete"} or {@code "failed"}, as fluxbenchd says it.
 * @param report       the latest own report, or null before the first run completes.
 * @param ipAddress    the node's public endpoint as the node list has it.
 * @param version      chainmesh version string.
 */
public record BenchStatus(String benchmarking, BenchReport report, String ipAddress, String version)
{
}
