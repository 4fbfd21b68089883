package io.chainmesh.examples;

import io.chainmesh.chain.DirectoryDiff;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.DirectorySource;
import io.chainmesh.chain.Member;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A {@link DirectorySource} over an application's own membership list (a database, a registry, a config
 * service): it reads the list every interval and publishes a new snapshot, one height higher, when it changed.
 * <p>
 * The engine's contract: {@link #current()} from any thread; listeners called on the source's own thread with
 * rising heights, and they must not block. A list the snapshot refuses (two members with one key or collateral)
 * is counted and skipped: the previous snapshot stays.
 */
public final class PollingDirectorySource implements DirectorySource
{
    private final Supplier<List<Member>> membership;
    private final CopyOnWriteArrayList<DirectoryListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService poller;
    private final AtomicLong refusedLists = new AtomicLong();
    private volatile DirectorySnapshot current = DirectorySnapshot.empty();

    /**
     * @param membership returns the current members; called on the source's thread.
     * @param interval   how often to read it.
     */
    public PollingDirectorySource(final Supplier<List<Member>> membership, final Duration interval)
    {
        this.membership = membership;
        this.poller = Executors.newSingleThreadScheduledExecutor(task ->
        {
            final Thread thread = new Thread(task, "directory-poller");
            thread.setDaemon(true);
            return thread;
        });
        poller.scheduleWithFixedDelay(this::poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public DirectorySnapshot current()
    {
        return current;
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
        poller.shutdownNow();
        listeners.clear();
    }

    /**
     * @return how many lists were refused (and skipped) so far.
     */
    public long refusedLists()
    {
        return refusedLists.get();
    }

    // tag::poll[]
    private void poll()
    {
        final DirectorySnapshot previous = current;
        final DirectorySnapshot next;
        try
        {
            final List<Member> members = membership.get();
            if (new HashSet<>(members).equals(new HashSet<>(previous.members())))
            {
                return;
            }
            next = DirectorySnapshot.of(previous.height() + 1, members);
        }
        catch (final RuntimeException ex)
        {
            refusedLists.incrementAndGet();
            return;
        }
        current = next;
        final DirectoryDiff diff = next.diff(previous);
        for (final DirectoryListener listener : listeners)
        {
            listener.onSnapshot(next, diff);
        }
    }
    // end::poll[]
}
