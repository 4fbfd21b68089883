/**
 * Point-to-point direct messaging harness: ChainmeshNode against a raw Netty baseline with the same framing.
 */
package io.chainmesh.perf.direct;
