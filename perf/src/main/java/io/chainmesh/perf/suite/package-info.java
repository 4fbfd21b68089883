/**
 * The one-command performance suite ({@code perf/run.sh}): runs each part (point to point against raw Netty and
 * Aeron, signed broadcast against flooding and the FluxOS-style baseline, scaling with N, JMH) in one run on one
 * machine, then writes the raw numbers as JSON, a Markdown report with the headline ratios and PNG charts.
 */
package io.chainmesh.perf.suite;
