package io.chainmesh.chain;

/**
 * The port through which the engine receives the directory: the current snapshot, and a
 * notification for each newer one. Implementations: {@code FluxdRpcSource}, {@code JsonFileSource},
 * {@code DevnetChain}, {@link InMemoryDirectorySource}.
 * <p>
 * {@link #current()} is safe to call from any thread. Listeners run on the source's own thread
 * (or the publishing thread) and must not block; snapshots are published with rising heights.
 */
public interface DirectorySource extends AutoCloseable
{
    /**
     * @return the latest valid snapshot ({@link DirectorySnapshot#empty()} before the first one).
     */
    DirectorySnapshot current();

    /**
     * Registers a listener; it is not called for the current snapshot, only for newer ones.
     *
     * @param listener called with each newer snapshot.
     * @return a handle whose {@code close()} unregisters the listener.
     */
    AutoCloseable subscribe(DirectoryListener listener);

    /**
     * Stops polling or watching and releases resources. Idempotent.
     */
    @Override
    void close();

    /**
     * Receives new directory snapshots.
     */
    @FunctionalInterface
    interface DirectoryListener
    {
        /**
         * @param snapshot the new snapshot.
         * @param diff     what changed since the previously published one.
         */
        void onSnapshot(DirectorySnapshot snapshot, DirectoryDiff diff);
    }
}
