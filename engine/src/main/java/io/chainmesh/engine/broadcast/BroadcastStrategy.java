package io.chainmesh.engine.broadcast;

/**
 * How a committed batch travels on.
 */
public enum BroadcastStrategy
{
    /** The deterministic per-origin tree ({@link BroadcastTree}): n - 1 transmissions per batch. */
    TREE,
    /** Every node relays every new batch to all its peers but the sender: for comparison in perf. */
    FLOOD
}
