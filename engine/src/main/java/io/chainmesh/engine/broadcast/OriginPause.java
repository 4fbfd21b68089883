package io.chainmesh.engine.broadcast;

/**
 * Whether this node's own offers are refused because forwards are backed up (here or at a neighbour):
 * written by the commit thread only, read by any thread calling {@link BroadcastPipeline#offer}.
 */
final class OriginPause
{
    private volatile boolean paused;

    /**
     * Commit thread only.
     *
     * @param paused whether offers are refused.
     */
    void set(final boolean paused)
    {
        this.paused = paused;
    }

    /** @return true while offers are refused; any thread. */
    boolean isPaused()
    {
        return paused;
    }
}
