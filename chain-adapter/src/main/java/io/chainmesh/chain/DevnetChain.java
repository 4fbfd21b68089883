package io.chainmesh.chain;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.Hex;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.codec.crypto.NodeKey;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An embedded, deterministic stand-in for the Flux chain: the default directory for the devnet and
 * for tests. From a seed it derives, for each member index {@code [0, memberCount)}:
 * <ul>
 *   <li>an operator {@code index % operators} (with {@link Context#operators(int)} {@code > 0}; otherwise
 *   every member is its own operator) whose private key signs for it, like mainnet where operators list
 *   many nodes under one key: the first {@code SHA-256(seed || "chainmesh-devnet-key" || operator || attempt)}
 *   that is a valid secp256k1 scalar;</li>
 *   <li>a collateral txhash {@code SHA-256(seed || "chainmesh-devnet-tx" || index)}, output index 0;</li>
 *   <li>a mesh port (explicit ports, a base port, or free loopback ports) that its node binds, listed as
 *   {@code 127.0.0.1:(port - Member.MESH_PORT_OFFSET)} as a FluxOS API port would be;</li>
 *   <li>a tier from the configured mix (a repeating pattern over the index);</li>
 *   <li>a genesis added height {@code 1 + index / 3}: every three members share an added height, so the
 *   ring order's txhash tie-break is exercised.</li>
 * </ul>
 * The chain starts at {@link #genesisHeight()} with the first {@link Context#initiallyActive(int)}
 * members in the list. {@link #advance()} mines one block: queued {@link #join(int)}/{@link #leave(int)}
 * calls and the scripted events for that height take effect, a new snapshot is published and listeners
 * get the diff on the mining thread. A member that joins at height {@code h} is listed with
 * {@code addedHeight = h}. Two chains with the same seed, ports and script produce identical snapshots.
 * <p>
 * {@link #memberKey(int)} exposes private keys: <b>devnet only</b>, never for a real chain.
 * <p>
 * Thread-safety: mining and queueing are synchronized on this object; {@link #current()} reads a
 * volatile. With {@link Context#blockIntervalMs(long)} {@code > 0}, {@link #launch()} starts the
 * {@code chainmesh-devnet-miner} daemon thread; the constructor never starts threads.
 */
public final class DevnetChain implements DirectorySource
{
    private static final Logger LOG = LoggerFactory.getLogger(DevnetChain.class);
    private static final int MEMBERS_PER_GENESIS_HEIGHT = 3;

    private final Context ctx;
    private final NodeKey[] keys;
    private final String[] txHashes;
    private final Tier[] tiers;
    private final int[] ports;
    private final long genesisHeight;
    private final MemberId[] ids;
    private final Map<MemberId, Integer> indexById = new HashMap<>();
    private final CopyOnWriteArrayList<DirectoryListener> listeners = new CopyOnWriteArrayList<>();

    // Guarded by this.
    private final Member[] active;
    private final TreeMap<Long, List<int[]>> script = new TreeMap<>();
    private final List<int[]> pending = new ArrayList<>();
    private long height;
    private Thread miner;
    private boolean closed;

    private volatile DirectorySnapshot current;

    /** Event code for a join in the script. */
    private static final int JOIN = 1;
    /** Event code for a leave in the script. */
    private static final int LEAVE = 2;

    /**
     * Builds the chain at its genesis height; derives all keys (costly for thousands of members).
     *
     * @param ctx settings; {@link Context#conclude()} is called here.
     */
    public DevnetChain(final Context ctx)
    {
        this.ctx = ctx.conclude();
        final int count = ctx.memberCount();
        this.keys = new NodeKey[count];
        this.ids = new MemberId[count];
        this.txHashes = new String[count];
        this.tiers = new Tier[count];
        this.ports = ctx.resolvedPorts();
        this.active = new Member[count];
        final int operators = ctx.operators() > 0 ? Math.min(ctx.operators(), count) : count;
        for (int i = 0; i < count; i++)
        {
            keys[i] = i < operators ? deriveKey(ctx.seed(), i) : keys[i % operators];
            txHashes[i] = Hex.encode(sha256(ctx.seed(), "chainmesh-devnet-tx", i, -1));
            ids[i] = MemberId.of(txHashes[i], 0);
            tiers[i] = tierFor(i);
            if (null != indexById.putIfAbsent(ids[i], i))
            {
                throw new IllegalStateException("devnet collateral collision at index " + i);
            }
        }
        this.genesisHeight = Math.max(1, (long)count / MEMBERS_PER_GENESIS_HEIGHT + 1);
        this.height = genesisHeight;
        for (int i = 0; i < ctx.initiallyActive(); i++)
        {
            active[i] = memberAt(i, genesisAddedHeight(i));
        }
        for (final Context.ScriptedEvent event : ctx.script())
        {
            checkIndex(event.index());
            if (event.height() <= genesisHeight)
            {
                throw new IllegalArgumentException("scripted event height=" + event.height() +
                    " must be above the genesis height " + genesisHeight);
            }
            script.computeIfAbsent(event.height(), h -> new ArrayList<>())
                .add(new int[]{ event.join() ? JOIN : LEAVE, event.index() });
        }
        this.current = buildSnapshot();
    }

    /**
     * Builds the chain and, when a block interval is set, starts mining on its own thread.
     *
     * @param ctx settings.
     * @return the chain.
     */
    public static DevnetChain launch(final Context ctx)
    {
        final DevnetChain chain = new DevnetChain(ctx);
        chain.launch();
        return chain;
    }

    /**
     * Starts the {@code chainmesh-devnet-miner} thread if {@link Context#blockIntervalMs(long)} is positive;
     * otherwise does nothing (blocks are mined by {@link #advance()} only). Idempotent.
     *
     * @return this.
     */
    public synchronized DevnetChain launch()
    {
        if (closed)
        {
            throw new IllegalStateException("devnet chain is closed");
        }
        if (null == miner && ctx.blockIntervalMs() > 0)
        {
            miner = new Thread(this::mine, "chainmesh-devnet-miner");
            miner.setDaemon(true);
            miner.start();
        }
        return this;
    }

    private void mine()
    {
        final EpochClock clock = ctx.clock();
        long next = clock.time() + ctx.blockIntervalMs();
        while (!Thread.currentThread().isInterrupted())
        {
            final long wait = next - clock.time();
            if (wait > 0)
            {
                try
                {
                    TimeUnit.MILLISECONDS.sleep(Math.min(wait, 100));
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                continue;
            }
            next += ctx.blockIntervalMs();
            try
            {
                if (null == advance())
                {
                    return;
                }
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("devnet listener failed at height {}", height, ex);
            }
        }
    }

    /**
     * @return the settings.
     */
    public Context context()
    {
        return ctx;
    }

    /**
     * @return the height the chain starts at (every genesis member's added height is at or below it).
     */
    public long genesisHeight()
    {
        return genesisHeight;
    }

    /**
     * @return the current chain height.
     */
    public synchronized long height()
    {
        return height;
    }

    /**
     * @return number of potential members (active or not), i.e. valid indexes are {@code [0, memberCount)}.
     */
    public int memberCount()
    {
        return keys.length;
    }

    /**
     * <b>Devnet only</b>: hands out a member's private key so the devnet runner can start that node.
     *
     * @param index member index.
     * @return the key of its operator (shared with the operator's other members).
     */
    public NodeKey memberKey(final int index)
    {
        checkIndex(index);
        return keys[index];
    }

    /**
     * @param index member index.
     * @return its public key (its operator's).
     */
    public PublicKey publicKey(final int index)
    {
        checkIndex(index);
        return keys[index].publicKey();
    }

    /**
     * @param index member index.
     * @return its collateral.
     */
    public MemberId memberId(final int index)
    {
        checkIndex(index);
        return ids[index];
    }

    /**
     * @param index member index.
     * @return the endpoint its entry lists (the FluxOS-style API port, {@link Member#MESH_PORT_OFFSET} below
     *         the port its node binds).
     */
    public Endpoint endpoint(final int index)
    {
        checkIndex(index);
        return new Endpoint(ctx.host(), ports[index] - Member.MESH_PORT_OFFSET);
    }

    /**
     * @param index member index.
     * @return the mesh port its node binds.
     */
    public int portFor(final int index)
    {
        checkIndex(index);
        return ports[index];
    }

    /**
     * @param id a collateral.
     * @return its member index, or -1 if it is not a devnet member.
     */
    public int indexOf(final MemberId id)
    {
        final Integer index = indexById.get(id);
        return null == index ? -1 : index;
    }

    /**
     * @param index member index.
     * @return true if it is in the current list.
     */
    public synchronized boolean isActive(final int index)
    {
        checkIndex(index);
        return null != active[index];
    }

    /**
     * @param index member index.
     * @return its current entry, or null if it is not in the list.
     */
    public synchronized Member activeMember(final int index)
    {
        checkIndex(index);
        return active[index];
    }

    /**
     * Queues a join for the next mined block; a no-op if the member is already in the list then.
     *
     * @param index member index.
     */
    public synchronized void join(final int index)
    {
        checkIndex(index);
        pending.add(new int[]{ JOIN, index });
    }

    /**
     * Queues a leave for the next mined block; a no-op if the member is not in the list then.
     *
     * @param index member index.
     */
    public synchronized void leave(final int index)
    {
        checkIndex(index);
        pending.add(new int[]{ LEAVE, index });
    }

    /**
     * Mines one block: applies queued and scripted joins/leaves, publishes the new snapshot and notifies
     * listeners (on the calling thread) with the diff, even if nothing changed.
     *
     * @return the new snapshot, or null if the chain is closed.
     */
    public synchronized DirectorySnapshot advance()
    {
        if (closed)
        {
            return null;
        }
        height++;
        final List<int[]> events = new ArrayList<>(pending);
        pending.clear();
        final List<int[]> scripted = script.remove(height);
        if (null != scripted)
        {
            events.addAll(scripted);
        }
        for (final int[] event : events)
        {
            final int index = event[1];
            if (JOIN == event[0])
            {
                if (null == active[index])
                {
                    active[index] = memberAt(index, height);
                }
            }
            else
            {
                active[index] = null;
            }
        }
        final DirectorySnapshot previous = current;
        final DirectorySnapshot next = buildSnapshot();
        current = next;
        final DirectoryDiff diff = next.diff(previous);
        for (final DirectoryListener listener : listeners)
        {
            listener.onSnapshot(next, diff);
        }
        return next;
    }

    /**
     * Mines blocks until the chain reaches {@code target}.
     *
     * @param target height to reach.
     * @return the latest snapshot.
     */
    public synchronized DirectorySnapshot advanceTo(final long target)
    {
        while (height < target && !closed)
        {
            advance();
        }
        return current;
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
        final Thread thread;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            thread = miner;
        }
        if (null != thread)
        {
            thread.interrupt();
        }
        listeners.clear();
    }

    private DirectorySnapshot buildSnapshot()
    {
        final List<Member> members = new ArrayList<>(active.length);
        for (final Member member : active)
        {
            if (null != member)
            {
                members.add(member);
            }
        }
        return DirectorySnapshot.of(height, members);
    }

    private Member memberAt(final int index, final long addedHeight)
    {
        return new Member(ids[index], keys[index].publicKey(), endpoint(index), tiers[index],
            addedHeight, addedHeight, addedHeight, 0, "devnet-" + index, -1);
    }

    private static long genesisAddedHeight(final int index)
    {
        return 1 + index / MEMBERS_PER_GENESIS_HEIGHT;
    }

    private Tier tierFor(final int index)
    {
        final int cycle = ctx.cumulusWeight() + ctx.nimbusWeight() + ctx.stratusWeight();
        final int slot = index % cycle;
        if (slot < ctx.cumulusWeight())
        {
            return Tier.CUMULUS;
        }
        return slot < ctx.cumulusWeight() + ctx.nimbusWeight() ? Tier.NIMBUS : Tier.STRATUS;
    }

    private void checkIndex(final int index)
    {
        if (index < 0 || index >= keys.length)
        {
            throw new IllegalArgumentException("member index=" + index + " must be in [0, " + keys.length + ")");
        }
    }

    private static NodeKey deriveKey(final long seed, final int index)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return NodeKey.fromBytes(sha256(seed, "chainmesh-devnet-key", index, attempt));
            }
            catch (final CodecException ex)
            {
                // Out of [1, n-1]: astronomically rare, try the next attempt counter.
            }
        }
    }

    private static byte[] sha256(final long seed, final String label, final int index, final int attempt)
    {
        try
        {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            final ByteBuffer buffer = ByteBuffer.allocate(16);
            buffer.putLong(seed);
            digest.update(buffer.array(), 0, 8);
            digest.update(label.getBytes(StandardCharsets.US_ASCII));
            buffer.clear();
            buffer.putInt(index);
            buffer.putInt(attempt);
            digest.update(buffer.array(), 0, attempt < 0 ? 4 : 8);
            return digest.digest();
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 unavailable", ex);
        }
    }

    /**
     * Devnet chain settings; fluent setters, validated by {@link #conclude()}.
     */
    public static final class Context
    {
        private long seed = 1;
        private int memberCount = 8;
        private int operators = 0;
        private int initiallyActive = -1;
        private String host = "127.0.0.1";
        private int basePort = 0;
        private int[] ports;
        private int cumulusWeight = 6;
        private int nimbusWeight = 3;
        private int stratusWeight = 1;
        private long blockIntervalMs = 0;
        private EpochClock clock = SystemEpochClock.INSTANCE;
        private final List<ScriptedEvent> script = new ArrayList<>();
        private int[] resolvedPorts;
        private boolean concluded;

        /**
         * A scripted join or leave.
         *
         * @param height block at which it takes effect.
         * @param index  member index.
         * @param join   true for a join, false for a leave.
         */
        public record ScriptedEvent(long height, int index, boolean join)
        {
        }

        /**
         * @param operators how many operators hold the members' keys: member {@code i} signs with operator
         *                  {@code i % operators}'s key; 0 (default) gives every member a key of its own.
         * @return this.
         */
        public Context operators(final int operators)
        {
            this.operators = operators;
            return this;
        }

        /**
         * @return how many operators hold the keys (0: one per member).
         */
        public int operators()
        {
            return operators;
        }

        /**
         * @param seed seed all keys, hashes and heights derive from (default 1).
         * @return this.
         */
        public Context seed(final long seed)
        {
            this.seed = seed;
            return this;
        }

        /**
         * @return the seed.
         */
        public long seed()
        {
            return seed;
        }

        /**
         * @param count number of potential members, indexes {@code [0, count)} (default 8).
         * @return this.
         */
        public Context memberCount(final int count)
        {
            this.memberCount = count;
            return this;
        }

        /**
         * @return number of potential members.
         */
        public int memberCount()
        {
            return memberCount;
        }

        /**
         * @param count how many of the first members are in the genesis list (default: all).
         * @return this.
         */
        public Context initiallyActive(final int count)
        {
            this.initiallyActive = count;
            return this;
        }

        /**
         * @return how many of the first members are in the genesis list.
         */
        public int initiallyActive()
        {
            return initiallyActive < 0 ? memberCount : initiallyActive;
        }

        /**
         * @param host loopback literal members listen on (default 127.0.0.1).
         * @return this.
         */
        public Context host(final String host)
        {
            this.host = host;
            return this;
        }

        /**
         * @return the members' host.
         */
        public String host()
        {
            return host;
        }

        /**
         * @param port member {@code i} gets {@code port + i} (default 0: pick free loopback ports).
         * @return this.
         */
        public Context basePort(final int port)
        {
            this.basePort = port;
            return this;
        }

        /**
         * @param ports explicit port per member index (length must equal the member count), e.g. ports a
         *              runner already bound; takes precedence over {@link #basePort(int)}.
         * @return this.
         */
        public Context ports(final int... ports)
        {
            this.ports = ports.clone();
            return this;
        }

        /**
         * @param cumulus weight of CUMULUS in the repeating tier pattern (default 6).
         * @param nimbus  weight of NIMBUS (default 3).
         * @param stratus weight of STRATUS (default 1).
         * @return this.
         */
        public Context tierMix(final int cumulus, final int nimbus, final int stratus)
        {
            this.cumulusWeight = cumulus;
            this.nimbusWeight = nimbus;
            this.stratusWeight = stratus;
            return this;
        }

        int cumulusWeight()
        {
            return cumulusWeight;
        }

        int nimbusWeight()
        {
            return nimbusWeight;
        }

        int stratusWeight()
        {
            return stratusWeight;
        }

        /**
         * @param intervalMs block interval for the miner thread; 0 (default) mines only on {@link DevnetChain#advance()}.
         * @return this.
         */
        public Context blockIntervalMs(final long intervalMs)
        {
            this.blockIntervalMs = intervalMs;
            return this;
        }

        /**
         * @return block interval, 0 for on-demand only.
         */
        public long blockIntervalMs()
        {
            return blockIntervalMs;
        }

        /**
         * @param clock time source for the miner (default system clock).
         * @return this.
         */
        public Context clock(final EpochClock clock)
        {
            this.clock = clock;
            return this;
        }

        /**
         * @return the miner's clock.
         */
        public EpochClock clock()
        {
            return clock;
        }

        /**
         * @param height block at which the member joins.
         * @param index  member index.
         * @return this.
         */
        public Context joinAt(final long height, final int index)
        {
            script.add(new ScriptedEvent(height, index, true));
            return this;
        }

        /**
         * @param height block at which the member leaves.
         * @param index  member index.
         * @return this.
         */
        public Context leaveAt(final long height, final int index)
        {
            script.add(new ScriptedEvent(height, index, false));
            return this;
        }

        /**
         * @return the scripted events.
         */
        public List<ScriptedEvent> script()
        {
            return List.copyOf(script);
        }

        int[] resolvedPorts()
        {
            return resolvedPorts.clone();
        }

        /**
         * Validates the settings and assigns ports (picking free loopback ports when neither explicit
         * ports nor a base port are set). Idempotent.
         *
         * @return this.
         * @throws IllegalArgumentException naming the first invalid setting.
         */
        public Context conclude()
        {
            if (concluded)
            {
                return this;
            }
            if (memberCount < 1 || memberCount > 100_000)
            {
                throw new IllegalArgumentException("memberCount=" + memberCount + " must be in [1, 100000]");
            }
            if (operators < 0)
            {
                throw new IllegalArgumentException("operators=" + operators + " must be >= 0");
            }
            if (initiallyActive > memberCount)
            {
                throw new IllegalArgumentException("initiallyActive=" + initiallyActive + " must be <= memberCount=" + memberCount);
            }
            if (!EndpointParser.isIpv4(host) && !EndpointParser.isIpv6(host))
            {
                throw new IllegalArgumentException("host=" + host + " must be an IP literal");
            }
            if (cumulusWeight < 0 || nimbusWeight < 0 || stratusWeight < 0 || cumulusWeight + nimbusWeight + stratusWeight == 0)
            {
                throw new IllegalArgumentException("tierMix=" + cumulusWeight + "/" + nimbusWeight + "/" + stratusWeight +
                    " must be non-negative with a positive sum");
            }
            if (blockIntervalMs < 0)
            {
                throw new IllegalArgumentException("blockIntervalMs=" + blockIntervalMs + " must be >= 0");
            }
            if (null == clock)
            {
                throw new IllegalArgumentException("clock must be set");
            }
            if (null != ports)
            {
                if (ports.length != memberCount)
                {
                    throw new IllegalArgumentException("ports length=" + ports.length + " must equal memberCount=" + memberCount);
                }
                for (final int port : ports)
                {
                    if (port <= Member.MESH_PORT_OFFSET || port > 65535)
                    {
                        throw new IllegalArgumentException("ports contains " + port + ", must be in [" +
                            (Member.MESH_PORT_OFFSET + 1) + ", 65535]");
                    }
                }
                resolvedPorts = ports.clone();
            }
            else if (basePort != 0)
            {
                if (basePort <= Member.MESH_PORT_OFFSET || basePort + memberCount - 1 > 65535)
                {
                    throw new IllegalArgumentException("basePort=" + basePort + " with memberCount=" + memberCount +
                        " must stay in [" + (Member.MESH_PORT_OFFSET + 1) + ", 65535]");
                }
                resolvedPorts = new int[memberCount];
                Arrays.setAll(resolvedPorts, i -> basePort + i);
            }
            else
            {
                resolvedPorts = freePorts(host, memberCount);
            }
            concluded = true;
            return this;
        }

        private static int[] freePorts(final String host, final int count)
        {
            // Holding every socket open until all are picked keeps the ports distinct; another process can
            // still take one before the node binds it, which is acceptable for a devnet.
            final List<ServerSocket> sockets = new ArrayList<>(count);
            try
            {
                final int[] result = new int[count];
                for (int i = 0; i < count; i++)
                {
                    final ServerSocket socket = new ServerSocket();
                    sockets.add(socket);
                    socket.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
                    result[i] = socket.getLocalPort();
                }
                return result;
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("could not pick free ports on " + host, ex);
            }
            finally
            {
                for (final ServerSocket socket : sockets)
                {
                    try
                    {
                        socket.close();
                    }
                    catch (final IOException ignore)
                    {
                        // Best effort: the port number is what we needed.
                    }
                }
            }
        }
    }
}
