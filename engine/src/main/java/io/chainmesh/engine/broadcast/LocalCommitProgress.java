package io.chainmesh.engine.broadcast;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How many of this node's own batches (and their bytes) the commit stage has taken: written by the
 * commit thread only (plain read, release store), read by the batcher (acquire), which bounds how much
 * of its own output waits in the ingress ring ahead of the commit stage.
 */
final class LocalCommitProgress
{
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();

    /**
     * Commit thread only.
     *
     * @param length the length of one of our batches just taken.
     */
    void committed(final int length)
    {
        bytes.setRelease(bytes.getPlain() + length);
        batches.setRelease(batches.getPlain() + 1);
    }

    /** @return bytes of our own batches taken so far; any thread. */
    long bytes()
    {
        return bytes.getAcquire();
    }

    /** @return our own batches taken so far; any thread. */
    long batches()
    {
        return batches.getAcquire();
    }
}
