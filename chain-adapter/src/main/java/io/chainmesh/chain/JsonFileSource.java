package io.chainmesh.chain;

import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Reads the directory from a JSON file in {@code viewdeterministicfluxnodelist} shape (a bare array, or
 * an envelope object with a {@code result} array), e.g. a saved {@code flux-cli} output, and reloads it
 * when it changes.
 * <p>
 * Change detection polls the file's modification time and size every {@link Context#pollIntervalMs(long)}
 * (simpler and more robust than a WatchService across editors that replace files). A changed file is
 * read with a size cap and parsed; an unusable file (missing, too large, not JSON, not an array) keeps
 * the previous snapshot, records {@link #lastError()} and is retried when it changes again.
 * <p>
 * <b>Height rule:</b> if the envelope has a numeric {@code "height"} field, that is the snapshot height
 * (it must not go below the published height, else the reload is refused); otherwise the height is a
 * counter: 1 for the first successful load, +1 per successful reload.
 * <p>
 * Threads: {@link #launch()} loads once on the calling thread, then starts the
 * {@code chainmesh-json-file-watcher} daemon thread, which calls listeners. {@link #checkNow()} and
 * {@link #doWork()} are synchronized so tests can drive them without the thread.
 */
public final class JsonFileSource implements DirectorySource
{
    private static final Logger LOG = LoggerFactory.getLogger(JsonFileSource.class);

    private final Context ctx;
    private final CopyOnWriteArrayList<DirectoryListener> listeners = new CopyOnWriteArrayList<>();
    private final Object wakeup = new Object();

    // Owned by whoever holds this object's monitor.
    private final FluxdNodeListParser parser;
    private long seenModified = Long.MIN_VALUE;
    private long seenSize = -1;
    private long reloads;
    private long nextCheckMs;
    private ParseResult lastParse;
    private Thread watcher;

    private volatile String lastError = "";
    private volatile DirectorySnapshot current = DirectorySnapshot.empty();
    private volatile boolean closed;

    /**
     * Builds the source; reads nothing yet.
     *
     * @param ctx settings; {@link Context#conclude()} is called here.
     * @throws IllegalStateException if jackson-databind (an optional dependency of this module) is missing.
     */
    public JsonFileSource(final Context ctx)
    {
        OptionalDependencies.requireJackson("JsonFileSource");
        this.ctx = ctx.conclude();
        this.parser = new FluxdNodeListParser(new FluxdNodeListParser.Context().defaultPort(ctx.defaultPort()));
    }

    /**
     * Builds the source, loads the file once and starts watching it.
     *
     * @param ctx settings.
     * @return the running source.
     */
    public static JsonFileSource launch(final Context ctx)
    {
        return new JsonFileSource(ctx).launch();
    }

    /**
     * Loads the file once on the calling thread, then starts the {@code chainmesh-json-file-watcher} thread.
     * Idempotent.
     *
     * @return this.
     */
    public synchronized JsonFileSource launch()
    {
        if (closed)
        {
            throw new IllegalStateException("source is closed");
        }
        if (null == watcher)
        {
            checkNow();
            watcher = new Thread(this::run, "chainmesh-json-file-watcher");
            watcher.setDaemon(true);
            watcher.start();
        }
        return this;
    }

    private void run()
    {
        while (!closed)
        {
            try
            {
                doWork();
            }
            catch (final RuntimeException ex)
            {
                LOG.error("json file watcher failed unexpectedly; continuing", ex);
            }
            synchronized (wakeup)
            {
                try
                {
                    wakeup.wait(ctx.pollIntervalMs());
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }
    }

    /**
     * Checks the file if the poll interval has passed by the clock.
     *
     * @return 1 if a check ran, else 0.
     */
    public synchronized int doWork()
    {
        final long now = ctx.clock().time();
        if (closed || now - nextCheckMs < 0)
        {
            return 0;
        }
        nextCheckMs = now + ctx.pollIntervalMs();
        checkNow();
        return 1;
    }

    /**
     * Reloads the file now if its modification time or size changed since the last attempt.
     *
     * @return true if a new snapshot was published.
     */
    public synchronized boolean checkNow()
    {
        if (closed)
        {
            return false;
        }
        final BasicFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(ctx.path(), BasicFileAttributes.class);
        }
        catch (final IOException ex)
        {
            seenModified = Long.MIN_VALUE;
            seenSize = -1;
            fail("cannot stat " + ctx.path() + ": " + ex);
            return false;
        }
        final long modified = attributes.lastModifiedTime().toMillis();
        final long size = attributes.size();
        if (modified == seenModified && size == seenSize)
        {
            return false;
        }
        seenModified = modified;
        seenSize = size;
        try
        {
            final byte[] bytes = read(size);
            final ParseResult result = parser.parse(bytes, 0, bytes.length);
            final DirectorySnapshot previous = current;
            final long height = result.height() >= 0 ? result.height() : reloads + 1;
            if (height < previous.height())
            {
                throw new ChainDataException(ChainDataException.Kind.MALFORMED, "height " + height + " in " + ctx.path() +
                    " is below the published height " + previous.height());
            }
            final DirectorySnapshot snapshot = result.toSnapshot(height);
            reloads++;
            lastParse = result;
            if (!lastError.isEmpty())
            {
                LOG.info("{} is readable again", ctx.path());
            }
            lastError = "";
            if (result.rejectedCount() > 0)
            {
                LOG.info("{} at height {}: {} members accepted, {} entries rejected {}", ctx.path(), height,
                    result.members().size(), result.rejectedCount(), result.rejectionCounts());
            }
            current = snapshot;
            final DirectoryDiff diff = snapshot.diff(previous);
            for (final DirectoryListener listener : listeners)
            {
                try
                {
                    listener.onSnapshot(snapshot, diff);
                }
                catch (final RuntimeException ex)
                {
                    LOG.error("directory listener failed at height {}", height, ex);
                }
            }
            return true;
        }
        catch (final ChainDataException ex)
        {
            fail(ex.getMessage());
            return false;
        }
    }

    private byte[] read(final long size)
    {
        if (size > ctx.maxFileBytes())
        {
            throw new ChainDataException(ChainDataException.Kind.OVERSIZED,
                "file " + ctx.path() + " size " + size + " exceeds limit " + ctx.maxFileBytes() + " bytes");
        }
        try (InputStream in = Files.newInputStream(ctx.path()))
        {
            // The file may grow between stat and read: the cap is enforced on the bytes actually read.
            final byte[] bytes = in.readNBytes(ctx.maxFileBytes() + 1);
            if (bytes.length > ctx.maxFileBytes())
            {
                throw new ChainDataException(ChainDataException.Kind.OVERSIZED,
                    "file " + ctx.path() + " exceeds limit " + ctx.maxFileBytes() + " bytes");
            }
            return bytes;
        }
        catch (final IOException ex)
        {
            throw new ChainDataException(ChainDataException.Kind.IO, "cannot read " + ctx.path() + ": " + ex, ex);
        }
    }

    private void fail(final String message)
    {
        if (!message.equals(lastError))
        {
            LOG.warn("{}; keeping the snapshot at height {}", message, current.height());
        }
        lastError = message;
    }

    /**
     * @return the latest error text, empty after a successful load.
     */
    public String lastError()
    {
        return lastError;
    }

    /**
     * @return number of successful loads.
     */
    public synchronized long reloadCount()
    {
        return reloads;
    }

    /**
     * @return the latest successful parse (accepted and rejected counts), or null before the first.
     */
    public synchronized ParseResult lastParse()
    {
        return lastParse;
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
        if (closed)
        {
            return;
        }
        closed = true;
        synchronized (wakeup)
        {
            wakeup.notifyAll();
        }
        listeners.clear();
    }

    /**
     * Settings; fluent setters, validated by {@link #conclude()}.
     */
    public static final class Context
    {
        private Path path;
        private long pollIntervalMs = 1_000;
        private int maxFileBytes = 64 * 1024 * 1024;
        private int defaultPort = FluxdNodeListParser.DEFAULT_FLUXOS_PORT;
        private EpochClock clock = SystemEpochClock.INSTANCE;

        /**
         * @param path the JSON file (required).
         * @return this.
         */
        public Context path(final Path path)
        {
            this.path = path;
            return this;
        }

        /**
         * @return the JSON file.
         */
        public Path path()
        {
            return path;
        }

        /**
         * @param intervalMs how often the file's mtime and size are checked (default 1000).
         * @return this.
         */
        public Context pollIntervalMs(final long intervalMs)
        {
            this.pollIntervalMs = intervalMs;
            return this;
        }

        /**
         * @return check interval.
         */
        public long pollIntervalMs()
        {
            return pollIntervalMs;
        }

        /**
         * @param bytes largest file read (default 64 MiB).
         * @return this.
         */
        public Context maxFileBytes(final int bytes)
        {
            this.maxFileBytes = bytes;
            return this;
        }

        /**
         * @return largest file read.
         */
        public int maxFileBytes()
        {
            return maxFileBytes;
        }

        /**
         * @param port port for entries without one (default {@value FluxdNodeListParser#DEFAULT_FLUXOS_PORT}).
         * @return this.
         */
        public Context defaultPort(final int port)
        {
            this.defaultPort = port;
            return this;
        }

        /**
         * @return port for entries without one.
         */
        public int defaultPort()
        {
            return defaultPort;
        }

        /**
         * @param clock time source for the check schedule (default system clock).
         * @return this.
         */
        public Context clock(final EpochClock clock)
        {
            this.clock = clock;
            return this;
        }

        /**
         * @return time source.
         */
        public EpochClock clock()
        {
            return clock;
        }

        /**
         * Validates the settings.
         *
         * @return this.
         * @throws IllegalArgumentException naming the first invalid setting.
         */
        public Context conclude()
        {
            if (null == path)
            {
                throw new IllegalArgumentException("path must be set");
            }
            if (pollIntervalMs <= 0)
            {
                throw new IllegalArgumentException("pollIntervalMs=" + pollIntervalMs + " must be > 0");
            }
            if (maxFileBytes < 2)
            {
                throw new IllegalArgumentException("maxFileBytes=" + maxFileBytes + " must be >= 2");
            }
            if (defaultPort < 1 || defaultPort > 65535)
            {
                throw new IllegalArgumentException("defaultPort=" + defaultPort + " must be in [1, 65535]");
            }
            if (null == clock)
            {
                throw new IllegalArgumentException("clock must be set");
            }
            return this;
        }
    }
}
