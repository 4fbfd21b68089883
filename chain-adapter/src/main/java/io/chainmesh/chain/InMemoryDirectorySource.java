package io.chainmesh.chain;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A directory source fed by the caller: for embedding with a list the application already has,
 * and for tests. {@link #publish(DirectorySnapshot)} notifies listeners on the calling thread.
 */
public final class InMemoryDirectorySource implements DirectorySource
{
    private final CopyOnWriteArrayList<DirectoryListener> listeners = new CopyOnWriteArrayList<>();
    private volatile DirectorySnapshot current;
    private volatile boolean closed;

    /**
     * @param initial the first snapshot.
     */
    public InMemoryDirectorySource(final DirectorySnapshot initial)
    {
        this.current = initial;
    }

    @Override
    public DirectorySnapshot current()
    {
        return current;
    }

    /**
     * Replaces the current snapshot and notifies listeners.
     *
     * @param snapshot the new snapshot; its height must not be lower than the current one.
     * @throws IllegalArgumentException if the height goes backwards.
     * @throws IllegalStateException    if closed.
     */
    public synchronized void publish(final DirectorySnapshot snapshot)
    {
        if (closed)
        {
            throw new IllegalStateException("source is closed");
        }
        final DirectorySnapshot previous = current;
        if (snapshot.height() < previous.height())
        {
            throw new IllegalArgumentException(
                "snapshot height " + snapshot.height() + " is below current height " + previous.height());
        }
        current = snapshot;
        final DirectoryDiff diff = snapshot.diff(previous);
        for (final DirectoryListener listener : listeners)
        {
            listener.onSnapshot(snapshot, diff);
        }
    }

    @Override
    public AutoCloseable subscribe(final DirectoryListener listener)
    {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void close()
    {
        closed = true;
        listeners.clear();
    }
}
