/**
 * Signed batch broadcast: the deterministic per-origin tree ({@link io.chainmesh.engine.broadcast.BroadcastTree}),
 * per-origin anti-replay ({@link io.chainmesh.engine.broadcast.ReplayWindow}), retention and repair.
 */
package io.chainmesh.engine.broadcast;
