package io.chainmesh.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.Status;
import io.chainmesh.engine.broadcast.BroadcastCounters;
import io.chainmesh.engine.broadcast.BroadcastStrategy;
import io.chainmesh.engine.broadcast.MessageHandler;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * {@code chainmesh devnet-member} (hidden): one member of {@code chainmesh devnet --processes}, started by the
 * parent, never by hand. Runs a {@link NodeRunner} from {@code --config} (directory from the parent's devnet RPC
 * endpoint, HTTP {@code /status} on a loopback port), publishes the workload when told and reports over
 * {@link MemberChannel}.
 * <p>
 * Each message carries {@code origin index << 40 | sequence} and its send time ({@link System#nanoTime()}: a
 * machine-wide monotonic clock on Linux, macOS and Windows, so latency is comparable across processes on one
 * machine). What arrives is recorded per origin in a bit set, on the node's commit thread (the only writer);
 * the counts the reporter reads are in an {@link AtomicLongArray}.
 * <p>
 * The child never outlives its parent: the end of stdin (the parent's pipe closed) or the parent's exit stops
 * it, and a watchdog halts the JVM if the orderly close takes longer than {@link #ABORT_GRACE_MS}.
 */
@Command(name = "devnet-member", hidden = true, description = "One process of chainmesh devnet --processes (internal).")
final class DevnetMemberCommand implements Callable<Integer>
{
    /** Exit code when the parent went away. */
    static final int EXIT_ORPHANED = 4;
    private static final long ABORT_GRACE_MS = 5_000;
    /** Highest sequence tracked per origin; larger ones are counted as invalid rather than grow a bit set. */
    static final long MAX_SEQUENCE = 1L << 28;
    static final int ORIGIN_SHIFT = 40;
    /** A restarted member publishes under a new incarnation: {@code origin << 40 | incarnation << 32 | sequence}. */
    static final int INCARNATION_SHIFT = 32;
    /** Incarnations tracked per origin (a fault plan restarts a member at most this many times less one). */
    static final int MAX_INCARNATIONS = 16;
    /** Runs of received sequences listed per (origin, incarnation) in the final report. */
    static final int MAX_RUNS = 64;

    @Option(names = "--config", required = true)
    Path config;

    @Option(names = "--index", required = true)
    int index;

    @Option(names = "--nodes", required = true)
    int nodes;

    @Option(names = "--rate", defaultValue = "0", description = "Messages per second from this member; 0 = ack-paced.")
    double rate;

    @Option(names = "--publish", defaultValue = "true", arity = "1")
    boolean publish;

    @Option(names = "--size", defaultValue = "128")
    int size;

    @Option(names = "--strategy", defaultValue = "TREE")
    BroadcastStrategy strategy;

    @Option(names = "--linger-us", defaultValue = "20000")
    long lingerMicros;

    @Option(names = "--incarnation", defaultValue = "0", description = "How many times this member was restarted.")
    int incarnation;

    @Option(names = "--link-faults", description = "Inject link faults (test only: needs -D" +
        io.chainmesh.engine.transport.LinkFaults.ENABLED_PROPERTY + "=true).")
    boolean linkFaults;

    @Option(names = "--link-latency-min-us", defaultValue = "0")
    long linkLatencyMinMicros;

    @Option(names = "--link-latency-max-us", defaultValue = "0")
    long linkLatencyMaxMicros;

    @Option(names = "--link-jitter-us", defaultValue = "0")
    long linkJitterMicros;

    @Option(names = "--link-seed", defaultValue = "1")
    long linkSeed;

    @Option(names = "--members-file", description = "Lines 'index member' naming every member (for partitions).")
    Path membersFile;

    private enum Phase { WAITING, PUBLISHING, STOPPED, FINISHING, ABORTED }

    // Stdout is the report channel, flushed per line; nothing else in the member writes to it.
    private final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    private volatile Phase phase = Phase.WAITING;
    private volatile long acked;
    private volatile long window = 1_000;
    private volatile String abortReason;
    private volatile io.chainmesh.engine.transport.LinkFaults faults;
    private volatile io.chainmesh.chain.MemberId[] memberIds;

    @Override
    public Integer call() throws InterruptedException
    {
        if (nodes < 2 || nodes > 256 || index < 0 || index >= nodes)
        {
            return fail("index=" + index + " nodes=" + nodes + ": index must be in [0, nodes), nodes in [2, 256]",
                ChainmeshCli.EXIT_USAGE);
        }
        if (size < 16 || size > 16 * 1024 || !(rate >= 0 && rate <= 10_000_000) || lingerMicros < 0 || lingerMicros > 1_000_000)
        {
            return fail("size=" + size + " rate=" + rate + " linger-us=" + lingerMicros + " out of range", ChainmeshCli.EXIT_USAGE);
        }
        if (incarnation < 0 || incarnation >= MAX_INCARNATIONS)
        {
            return fail("incarnation=" + incarnation + " must be in [0, " + MAX_INCARNATIONS + ")", ChainmeshCli.EXIT_USAGE);
        }
        if (linkFaults)
        {
            try
            {
                memberIds = readMembers();
                faults = new io.chainmesh.engine.transport.LinkFaults(new io.chainmesh.engine.transport.LinkFaults.Context()
                    .latencyNs(linkLatencyMinMicros * 1000, linkLatencyMaxMicros * 1000).jitterNs(linkJitterMicros * 1000)
                    .seed(linkSeed * 1_000_003L + index * 31L + incarnation));
            }
            catch (final IOException | RuntimeException ex)
            {
                return fail("link faults: " + ex.getMessage(), ChainmeshCli.EXIT_USAGE);
            }
        }
        watchParent();
        final NodeConfig nodeConfig;
        try
        {
            nodeConfig = NodeConfig.load(config);
        }
        catch (final IllegalArgumentException ex)
        {
            return fail("bad config: " + ex.getMessage(), ChainmeshCli.EXIT_USAGE);
        }
        // Subscribed before the node links: a restarted member joins a running stream and must see all of it.
        final Receiver receiver = new Receiver(nodes);
        final NodeRunner runner;
        try
        {
            runner = NodeRunner.launch(nodeConfig, ctx ->
            {
                ctx.reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(50)).backoffMinNs(TimeUnit.MILLISECONDS.toNanos(50))
                    .linkFaults(faults).subscribe(DevnetRunner.TOPIC, receiver);
                ctx.broadcast().strategy(strategy).batchLingerNanos(TimeUnit.MICROSECONDS.toNanos(lingerMicros))
                    .maxMessageLength(Math.max(1024, size));
            });
        }
        catch (final Exception ex)
        {
            return fail("failed to start (listen.address=" + nodeConfig.listenAddress() + "): " + ex, ChainmeshCli.EXIT_FAILURE);
        }
        // SIGTERM (a fault plan's term): close the node, so its peers see an orderly close.
        final Thread closeOnTerm = new Thread(runner::close, "chainmesh-member-term");
        Runtime.getRuntime().addShutdownHook(closeOnTerm);
        try
        {
            final Map<String, Object> ready = message("ready");
            ready.put("pid", ProcessHandle.current().pid());
            ready.put("port", runner.node().localAddress().getPort());
            ready.put("http", "127.0.0.1:" + runner.httpAddress().getPort());
            ready.put("counters", nodeConfig.countersFile().toString());
            emit(ready);
            final long published = runWorkload(runner.node(), receiver);
            if (phase == Phase.ABORTED)
            {
                return EXIT_ORPHANED;
            }
            emitFinal(runner, receiver, published);
            return 0;
        }
        finally
        {
            runner.close();
            out.flush();
        }
    }

    private long runWorkload(final ChainmeshNode node, final Receiver receiver)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[size]);
        final long originBits = (long)index << ORIGIN_SHIFT | (long)incarnation << INCARNATION_SHIFT;
        final double intervalNanos = rate > 0 ? 1e9 / rate : 0;
        final long reportNanos = TimeUnit.MILLISECONDS.toNanos(MemberChannel.REPORT_INTERVAL_MS);
        long nextReport = System.nanoTime();
        long published = 0;
        long backPressured = 0;
        long start = 0;
        boolean started = false;
        boolean stoppedSent = false;
        while (true)
        {
            final Phase now = phase;
            if (now == Phase.FINISHING || now == Phase.ABORTED)
            {
                return published;
            }
            long t = System.nanoTime();
            if (t - nextReport >= 0)
            {
                emit(progress("progress", node, receiver, published, backPressured));
                nextReport = t + reportNanos;
            }
            if (now == Phase.STOPPED && !stoppedSent)
            {
                // Sent by the publishing thread after its last offer: the count in it is final.
                stoppedSent = true;
                emit(progress("stopped", node, receiver, published, backPressured));
            }
            if (now != Phase.PUBLISHING || !publish)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                continue;
            }
            if (!started)
            {
                started = true;
                start = t;
            }
            if (intervalNanos > 0)
            {
                final long due = start + (long)(published * intervalNanos);
                if (t - due < 0)
                {
                    LockSupport.parkNanos(Math.min(due - t, Math.min(reportNanos, 1_000_000)));
                    continue;
                }
            }
            else if (published - acked >= window)
            {
                LockSupport.parkNanos(100_000);
                continue;
            }
            payload.putLong(0, originBits | published);
            payload.putLong(8, System.nanoTime());
            final long status = node.offer(DevnetRunner.TOPIC, payload, 0, size);
            if (status >= 0)
            {
                published++;
            }
            else if (status == Status.BACK_PRESSURED || status == Status.NOT_CONNECTED)
            {
                backPressured++;
                // Members share the machine's few cores with each other: yield them rather than spin.
                LockSupport.parkNanos(50_000);
            }
            else
            {
                throw new IllegalStateException("offer failed on member " + index + ": " + Status.name(status));
            }
        }
    }

    /** The first {@code incarnations} values of an origin in an array indexed {@code origin * MAX_INCARNATIONS + k}. */
    private static long[] perIncarnation(final AtomicLongArray values, final int origin, final int incarnations)
    {
        final long[] out = new long[incarnations];
        for (int k = 0; k < incarnations; k++)
        {
            out[k] = values.get(origin * MAX_INCARNATIONS + k);
        }
        return out;
    }

    private Map<String, Object> progress(
        final String type, final ChainmeshNode node, final Receiver receiver, final long published, final long backPressured)
    {
        final Map<String, Object> m = message(type);
        m.put("published", published);
        m.put("backPressured", backPressured);
        m.put("delivered", receiver.delivered.get());
        m.put("duplicates", receiver.duplicates.get());
        m.put("invalid", receiver.invalid.get());
        m.put("links", node.peers().size());
        final BroadcastCounters counters = node.broadcastCounters();
        m.put("repairs", null == counters ? 0 : counters.repairFramesSent());
        final List<long[]> distinct = new ArrayList<>(nodes);
        final List<long[]> historyAt = new ArrayList<>(nodes);
        final List<long[]> lowest = new ArrayList<>(nodes);
        for (int o = 0; o < nodes; o++)
        {
            int incarnations = 1;
            for (int k = 0; k < MAX_INCARNATIONS; k++)
            {
                if (receiver.distinct.get(o * MAX_INCARNATIONS + k) > 0)
                {
                    incarnations = k + 1;
                }
            }
            distinct.add(perIncarnation(receiver.distinct, o, incarnations));
            historyAt.add(perIncarnation(receiver.lowestArrivedAt, o, incarnations));
            lowest.add(perIncarnation(receiver.lowestHeld, o, incarnations));
        }
        m.put("distinct", distinct);
        m.put("historyAt", historyAt);
        m.put("lowest", lowest);
        final Histogram interval = receiver.latency.getIntervalHistogram();
        receiver.total.add(interval);
        m.put("latency", MemberChannel.encode(interval));
        return m;
    }

    private void emitFinal(final NodeRunner runner, final Receiver receiver, final long published)
    {
        final ChainmeshNode node = runner.node();
        final Map<String, Object> m = message("final");
        m.put("published", published);
        m.put("links", node.peers().size());
        final BroadcastCounters counters = node.broadcastCounters();
        m.put("batchesPublished", null == counters ? 0 : counters.batchesPublished());
        m.put("batchesForwarded", null == counters ? 0 : counters.batchesForwarded());
        m.put("repairs", null == counters ? 0 : counters.repairFramesSent());
        m.put("lostBeyondRetention", null == counters ? 0 : counters.lostBeyondRetention());
        m.put("batchSizes", node.batchSizeHistogram());
        m.put("bytesOut", node.counters().bytesOut().get());
        // Closed before the bit sets are read: the commit thread, their only writer, has stopped.
        runner.close();
        receiver.total.add(receiver.latency.getIntervalHistogram());
        m.put("latency", MemberChannel.encode(receiver.total));
        m.put("delivered", receiver.delivered.get());
        m.put("duplicates", receiver.duplicates.get());
        m.put("invalid", receiver.invalid.get());
        final List<List<long[]>> origins = new ArrayList<>();
        final List<long[]> historyAt = new ArrayList<>();
        for (int o = 0; o < nodes; o++)
        {
            final List<long[]> incarnations = new ArrayList<>();
            int last = 0;
            for (int k = 0; k < MAX_INCARNATIONS; k++)
            {
                if (null != receiver.seen[o][k] && !receiver.seen[o][k].isEmpty())
                {
                    last = k;
                }
            }
            for (int k = 0; k <= last; k++)
            {
                incarnations.add(summary(receiver.seen[o][k]));
            }
            origins.add(incarnations);
            historyAt.add(perIncarnation(receiver.lowestArrivedAt, o, last + 1));
        }
        m.put("origins", origins);
        m.put("historyAt", historyAt);
        emit(m);
    }

    /**
     * @param seen the sequences received from one incarnation of an origin, or null.
     * @return {@code [distinct, first missing, highest + 1, runs listed, from, to, from, to, ...]}: up to
     *         {@link #MAX_RUNS} runs of received sequences {@code [from, to)}, lowest first.
     */
    static long[] summary(final BitSet seen)
    {
        if (null == seen)
        {
            return new long[] {0, 0, 0, 0};
        }
        final List<Long> runs = new ArrayList<>();
        for (int from = seen.nextSetBit(0); from >= 0 && runs.size() < 2 * MAX_RUNS; from = seen.nextSetBit(from))
        {
            final int to = seen.nextClearBit(from);
            runs.add((long)from);
            runs.add((long)to);
            from = to;
        }
        final long[] summary = new long[4 + runs.size()];
        summary[0] = seen.cardinality();
        summary[1] = seen.nextClearBit(0);
        summary[2] = seen.length();
        summary[3] = runs.size() / 2;
        for (int i = 0; i < runs.size(); i++)
        {
            summary[4 + i] = runs.get(i);
        }
        return summary;
    }

    private io.chainmesh.chain.MemberId[] readMembers() throws IOException
    {
        if (null == membersFile)
        {
            throw new IllegalArgumentException("--link-faults needs --members-file");
        }
        final List<String> lines = java.nio.file.Files.readAllLines(membersFile, StandardCharsets.UTF_8);
        if (lines.size() != nodes)
        {
            throw new IllegalArgumentException(membersFile + " has " + lines.size() + " lines, expected " + nodes);
        }
        final io.chainmesh.chain.MemberId[] ids = new io.chainmesh.chain.MemberId[nodes];
        for (final String line : lines)
        {
            final String[] fields = line.trim().split(" ");
            if (fields.length != 2 || !fields[0].matches("\\d{1,3}") || Integer.parseInt(fields[0]) >= nodes)
            {
                throw new IllegalArgumentException(membersFile + ": '" + line + "' is not 'index txhash:outidx'");
            }
            ids[Integer.parseInt(fields[0])] = io.chainmesh.chain.MemberId.parse(fields[1]);
        }
        return ids;
    }

    private void partition(final String spec)
    {
        final io.chainmesh.engine.transport.LinkFaults f = faults;
        if (null == f)
        {
            throw new IllegalArgumentException("partition without --link-faults");
        }
        final int[] groups = FaultPlan.parseGroups("partition " + spec + ": ", spec, nodes);
        final List<io.chainmesh.chain.MemberId> unreachable = new ArrayList<>();
        for (int m = 0; m < nodes; m++)
        {
            if (groups[m] != groups[index])
            {
                unreachable.add(memberIds[m]);
            }
        }
        f.partition(unreachable);
        System.err.println("member " + index + " partitioned from " + unreachable.size() + " members (" + spec + ")");
    }

    private Map<String, Object> message(final String type)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("index", index);
        return m;
    }

    private synchronized void emit(final Map<String, Object> message)
    {
        try
        {
            out.println(MemberChannel.JSON.writeValueAsString(message));
            out.flush();
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException("cannot render " + message.get("type"), ex);
        }
    }

    private int fail(final String why, final int code)
    {
        final Map<String, Object> m = message("error");
        m.put("message", why);
        emit(m);
        System.err.println("error: member " + index + ": " + why);
        return code;
    }

    /** Stdin commands, and the parent's death, drive {@link #phase}. */
    private void watchParent()
    {
        final Thread reader = new Thread(() ->
        {
            final InputStream in = System.in;
            try
            {
                String line;
                while (null != (line = MemberChannel.readLine(in, MemberChannel.MAX_PARENT_LINE)))
                {
                    command(line.trim());
                }
                abort("stdin closed: the parent is gone");
            }
            catch (final IOException | RuntimeException ex)
            {
                abort("bad command from the parent: " + ex.getMessage());
            }
        }, "chainmesh-member-stdin");
        reader.setDaemon(true);
        reader.start();
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> abort("the parent exited")));
    }

    private void command(final String line)
    {
        final String[] words = line.split(" ");
        switch (words[0])
        {
            case "start" -> phase = Phase.PUBLISHING;
            case "stop" -> phase = Phase.STOPPED;
            case "finish" -> phase = Phase.FINISHING;
            case "partition" ->
            {
                if (words.length != 2)
                {
                    throw new IllegalArgumentException("'" + line + "' is not 'partition <groups>'");
                }
                partition(words[1]);
            }
            case "heal" ->
            {
                if (null == faults)
                {
                    throw new IllegalArgumentException("heal without --link-faults");
                }
                faults.heal();
                System.err.println("member " + index + " healed");
            }
            case "ack" ->
            {
                if (words.length != 3)
                {
                    throw new IllegalArgumentException("'" + line + "' is not 'ack <delivered> <window>'");
                }
                acked = Long.parseLong(words[1]);
                window = Math.max(1, Long.parseLong(words[2]));
            }
            default -> throw new IllegalArgumentException("unknown command '" + line + "'");
        }
    }

    private void abort(final String why)
    {
        if (phase == Phase.FINISHING)
        {
            return;
        }
        abortReason = why;
        phase = Phase.ABORTED;
        System.err.println("member " + index + " stopping: " + abortReason);
        final Thread watchdog = new Thread(() ->
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ABORT_GRACE_MS));
            Runtime.getRuntime().halt(EXIT_ORPHANED);
        }, "chainmesh-member-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** Per-origin deliveries; written only by the node's commit thread. */
    static final class Receiver implements MessageHandler
    {
        final Recorder latency = new Recorder(3);
        final Histogram total = new Histogram(3);
        final BitSet[][] seen;
        /**
         * Per origin and incarnation ({@code origin * MAX_INCARNATIONS + incarnation}), when the lowest sequence held
         * arrived (its clock; 0: nothing yet). For a restarted member that is when its oldest history came: the peers
         * had answered where what they retain starts by then. Written on the commit thread only, read by the progress
         * reports.
         */
        final AtomicLongArray lowestArrivedAt;
        /** Per origin and incarnation, the lowest sequence held (meaningful once one is held). Commit thread only writes. */
        final AtomicLongArray lowestHeld;
        final AtomicLongArray distinct;
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong invalid = new AtomicLong();
        private final LongSupplier clock;

        Receiver(final int nodes)
        {
            this(nodes, System::nanoTime);
        }

        /**
         * @param nodes members.
         * @param clock {@link System#nanoTime()} but in tests.
         */
        Receiver(final int nodes, final LongSupplier clock)
        {
            seen = new BitSet[nodes][MAX_INCARNATIONS];
            lowestArrivedAt = new AtomicLongArray(nodes * MAX_INCARNATIONS);
            lowestHeld = new AtomicLongArray(nodes * MAX_INCARNATIONS);
            distinct = new AtomicLongArray(nodes * MAX_INCARNATIONS);
            this.clock = clock;
        }

        @Override
        public void onMessage(final long originId, final int topic, final DirectBuffer buffer, final int offset, final int length)
        {
            final long now = clock.getAsLong();
            delivered.lazySet(delivered.get() + 1);
            if (length < 16)
            {
                invalid.lazySet(invalid.get() + 1);
                return;
            }
            final long tag = buffer.getLong(offset);
            final long origin = tag >>> ORIGIN_SHIFT;
            final int incarnation = (int)((tag >>> INCARNATION_SHIFT) & 0xFF);
            final long seq = tag & ((1L << INCARNATION_SHIFT) - 1);
            if (origin >= seen.length || incarnation >= MAX_INCARNATIONS || seq >= MAX_SEQUENCE)
            {
                invalid.lazySet(invalid.get() + 1);
                return;
            }
            latency.recordValue(Math.max(0, now - buffer.getLong(offset + 8)));
            BitSet bits = seen[(int)origin][incarnation];
            if (null == bits)
            {
                bits = new BitSet();
                seen[(int)origin][incarnation] = bits;
            }
            final int counter = (int)origin * MAX_INCARNATIONS + incarnation;
            if (bits.get((int)seq))
            {
                duplicates.lazySet(duplicates.get() + 1);
            }
            else
            {
                if (bits.isEmpty() || seq < lowestHeld.get(counter))
                {
                    lowestHeld.lazySet(counter, seq);
                    lowestArrivedAt.lazySet(counter, now);
                }
                bits.set((int)seq);
                distinct.lazySet(counter, distinct.get(counter) + 1);
            }
        }
    }
}
