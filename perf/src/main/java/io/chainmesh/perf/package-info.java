/**
 * Performance harnesses: JMH suites and end-to-end runs measured against a raw Netty ceiling, Aeron and a FluxOS-style baseline.
 */
package io.chainmesh.perf;
