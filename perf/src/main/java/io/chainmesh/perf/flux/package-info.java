/**
 * FluxOS messages bridged over the chainmesh overlay against the FluxOS-style flood, in the same run.
 */
package io.chainmesh.perf.flux;
