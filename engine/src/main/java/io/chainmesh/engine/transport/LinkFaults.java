package io.chainmesh.engine.transport;

import io.chainmesh.chain.MemberId;
import io.netty.channel.ChannelHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Faults injected into one node's links, <b>for tests only</b>: added latency and jitter, a bandwidth cap, stalls,
 * resets and dropped links (partitions), where the kernel offers no netem. Each link gets a
 * {@link LinkFaultHandler} at the head of its pipeline, which holds the bytes this node receives until they are due
 * and drops what travels to or from a member this node is cut off from.
 * <p>
 * Off unless the JVM runs with {@code -D}{@value #ENABLED_PROPERTY}{@code =true}: the constructor refuses otherwise,
 * and logs a WARN when it succeeds, so a production node cannot carry it by accident.
 * <p>
 * Thread safety: the settings are immutable; partitions, stalls and resets may be changed from any thread (the
 * handlers read volatile state and are told on their own event loop); each handler is confined to its channel's
 * event loop.
 */
public final class LinkFaults
{
    /** The system property that must be {@code true} for link faults to be created. */
    public static final String ENABLED_PROPERTY = "chainmesh.test.link.faults.enabled";
    /** Bytes a link may hold back before it is reset instead (bounds memory when a cap is far below the load). */
    public static final int DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(LinkFaults.class);

    private final Context ctx;
    private final AtomicLong links = new AtomicLong();
    private final Set<LinkFaultHandler> handlers = ConcurrentHashMap.newKeySet();
    private volatile Set<MemberId> unreachable = Set.of();
    private volatile long stalledUntilNs;
    private volatile boolean stalled;
    final AtomicLong bytesDropped = new AtomicLong();
    final AtomicLong bytesDelayed = new AtomicLong();
    final AtomicLong linksRefused = new AtomicLong();
    final AtomicLong linksReset = new AtomicLong();

    /**
     * Settings of the faults. Latency is drawn per link, uniformly in {@code [latencyMin, latencyMax]}, when the
     * link is created; jitter is drawn per read in {@code [0, jitter]} without reordering bytes.
     */
    public static final class Context
    {
        private long latencyMinNs;
        private long latencyMaxNs;
        private long jitterNs;
        private long bytesPerSecond;
        private long seed = 1;
        private int maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
        private NanoClock nanoClock = SystemNanoClock.INSTANCE;

        /**
         * @param minNs least one-way latency added to what this node receives.
         * @param maxNs most one-way latency added.
         * @return this.
         */
        public Context latencyNs(final long minNs, final long maxNs)
        {
            this.latencyMinNs = minNs;
            this.latencyMaxNs = maxNs;
            return this;
        }

        /**
         * @param jitterNs most extra latency drawn per read.
         * @return this.
         */
        public Context jitterNs(final long jitterNs)
        {
            this.jitterNs = jitterNs;
            return this;
        }

        /**
         * @param bytesPerSecond received bytes a link passes per second; 0 = no cap.
         * @return this.
         */
        public Context bytesPerSecond(final long bytesPerSecond)
        {
            this.bytesPerSecond = bytesPerSecond;
            return this;
        }

        /**
         * @param seed seed of every random draw (link latencies, jitter).
         * @return this.
         */
        public Context seed(final long seed)
        {
            this.seed = seed;
            return this;
        }

        /**
         * @param bytes bytes a link may hold back before it is reset.
         * @return this.
         */
        public Context maxQueuedBytes(final int bytes)
        {
            this.maxQueuedBytes = bytes;
            return this;
        }

        /**
         * @param clock the clock the handlers schedule by (tests advance it with the event loop's time).
         * @return this.
         */
        public Context nanoClock(final NanoClock clock)
        {
            this.nanoClock = clock;
            return this;
        }

        long latencyMinNs()
        {
            return latencyMinNs;
        }

        long latencyMaxNs()
        {
            return latencyMaxNs;
        }

        long jitterNs()
        {
            return jitterNs;
        }

        long bytesPerSecond()
        {
            return bytesPerSecond;
        }

        long seed()
        {
            return seed;
        }

        int maxQueuedBytes()
        {
            return maxQueuedBytes;
        }

        NanoClock nanoClock()
        {
            return nanoClock;
        }

        void conclude()
        {
            final long limit = TimeUnit.MINUTES.toNanos(1);
            check(latencyMinNs >= 0 && latencyMinNs <= latencyMaxNs && latencyMaxNs <= limit,
                "latency=" + latencyMinNs + ".." + latencyMaxNs + "ns must satisfy 0 <= min <= max <= 1 min");
            check(jitterNs >= 0 && jitterNs <= limit, "jitterNs=" + jitterNs + " must be in [0, 1 min]");
            check(bytesPerSecond >= 0, "bytesPerSecond=" + bytesPerSecond + " must be >= 0");
            check(bytesPerSecond == 0 || bytesPerSecond >= 1024, "bytesPerSecond=" + bytesPerSecond + " must be 0 or >= 1024");
            check(maxQueuedBytes >= 64 * 1024, "maxQueuedBytes=" + maxQueuedBytes + " must be >= 65536");
            if (null == nanoClock)
            {
                throw new IllegalArgumentException("nanoClock must be set");
            }
        }

        private static void check(final boolean condition, final String message)
        {
            if (!condition)
            {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /**
     * @param ctx the settings; checked here.
     * @throws IllegalStateException    unless {@value #ENABLED_PROPERTY} is {@code true}.
     * @throws IllegalArgumentException naming a setting that is out of range.
     */
    public LinkFaults(final Context ctx)
    {
        if (!enabled())
        {
            throw new IllegalStateException("link faults are for tests only: start the JVM with -D" + ENABLED_PROPERTY +
                "=true to inject them");
        }
        ctx.conclude();
        this.ctx = ctx;
        LOG.warn("TEST ONLY: link faults are injected into this node's links (latency {}..{} ms, jitter {} ms, cap {} B/s)",
            ctx.latencyMinNs / 1_000_000.0, ctx.latencyMaxNs / 1_000_000.0, ctx.jitterNs / 1_000_000.0, ctx.bytesPerSecond);
    }

    /**
     * @return true if {@value #ENABLED_PROPERTY} is {@code true} in this JVM.
     */
    public static boolean enabled()
    {
        return Boolean.getBoolean(ENABLED_PROPERTY);
    }

    /**
     * Cuts this node off from {@code members}: what its links to them carry is dropped both ways (the heartbeat then
     * closes them) and a new connection to one of them is closed as soon as it is up. Replaces any earlier partition.
     *
     * @param members the members this node cannot reach.
     */
    public void partition(final Collection<MemberId> members)
    {
        unreachable = Set.copyOf(members);
        tellHandlers();
    }

    /** Ends any partition: links to every member may form again. */
    public void heal()
    {
        unreachable = Set.of();
        tellHandlers();
    }

    /**
     * Holds everything every link receives for a while (the peers see a node that stops reading).
     *
     * @param durationNs how long.
     */
    public void stall(final long durationNs)
    {
        stalledUntilNs = ctx.nanoClock.nanoTime() + durationNs;
        stalled = true;
        tellHandlers();
    }

    /**
     * Closes the connection of every link to {@code member} (every link when null); they reconnect as usual.
     *
     * @param member the peer, or null for all.
     */
    public void reset(final MemberId member)
    {
        for (final LinkFaultHandler handler : handlers)
        {
            handler.resetIfPeer(member);
        }
    }

    /**
     * @return bytes dropped by partitions.
     */
    public long bytesDropped()
    {
        return bytesDropped.get();
    }

    /**
     * @return received bytes that were held back (latency, cap or stall).
     */
    public long bytesDelayed()
    {
        return bytesDelayed.get();
    }

    /**
     * @return new connections closed because their peer was cut off.
     */
    public long linksRefused()
    {
        return linksRefused.get();
    }

    /**
     * @return connections closed by {@link #reset} or because their queue overflowed.
     */
    public long linksReset()
    {
        return linksReset.get();
    }

    /**
     * @param expectedPeer the member dialled, or null for an inbound connection (its peer is known once it is
     *                     authenticated).
     * @return a new handler for one connection, to go first in its pipeline.
     */
    public ChannelHandler newHandler(final MemberId expectedPeer)
    {
        final long n = links.incrementAndGet();
        return new LinkFaultHandler(this, expectedPeer, new java.util.SplittableRandom(ctx.seed * 0x9E3779B97F4A7C15L + n));
    }

    Context context()
    {
        return ctx;
    }

    boolean unreachable(final MemberId member)
    {
        return null != member && unreachable.contains(member);
    }

    /**
     * @param nowNs the clock now.
     * @return when the current stall ends, or {@code nowNs} or earlier when there is none.
     */
    long stalledUntil(final long nowNs)
    {
        final long until = stalledUntilNs;
        return stalled && until - nowNs > 0 ? until : nowNs;
    }

    void register(final LinkFaultHandler handler)
    {
        handlers.add(handler);
    }

    void unregister(final LinkFaultHandler handler)
    {
        handlers.remove(handler);
    }

    private void tellHandlers()
    {
        for (final LinkFaultHandler handler : handlers)
        {
            handler.faultsChanged();
        }
    }
}
