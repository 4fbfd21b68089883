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

    private enum Phase { WAITING, PUBLISHING, STOPPED, FINISHING, ABORTED }

    // Stdout is the report channel, flushed per line; nothing else in the member writes to it.
    private final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    private volatile Phase phase = Phase.WAITING;
    private volatile long acked;
    private volatile long window = 1_000;
    private volatile String abortReason;

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
        final NodeRunner runner;
        try
        {
            runner = NodeRunner.launch(nodeConfig, ctx ->
            {
                ctx.reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(50)).backoffMinNs(TimeUnit.MILLISECONDS.toNanos(50));
                ctx.broadcast().strategy(strategy).batchLingerNanos(TimeUnit.MICROSECONDS.toNanos(lingerMicros))
                    .maxMessageLength(Math.max(1024, size));
            });
        }
        catch (final Exception ex)
        {
            return fail("failed to start (listen.address=" + nodeConfig.listenAddress() + "): " + ex, ChainmeshCli.EXIT_FAILURE);
        }
        final Receiver receiver = new Receiver(nodes);
        try
        {
            runner.node().subscribe(DevnetRunner.TOPIC, receiver);
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
        final long originBits = (long)index << ORIGIN_SHIFT;
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
        final long[] distinct = new long[nodes];
        for (int o = 0; o < nodes; o++)
        {
            distinct[o] = receiver.distinct.get(o);
        }
        m.put("distinct", distinct);
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
        m.put("batchSizes", node.batchSizeHistogram());
        m.put("bytesOut", node.counters().bytesOut().get());
        // Closed before the bit sets are read: the commit thread, their only writer, has stopped.
        runner.close();
        receiver.total.add(receiver.latency.getIntervalHistogram());
        m.put("latency", MemberChannel.encode(receiver.total));
        m.put("delivered", receiver.delivered.get());
        m.put("duplicates", receiver.duplicates.get());
        m.put("invalid", receiver.invalid.get());
        final List<long[]> origins = new ArrayList<>();
        for (int o = 0; o < nodes; o++)
        {
            final BitSet seen = receiver.seen[o];
            origins.add(new long[] {seen.cardinality(), seen.nextClearBit(0)});
        }
        m.put("origins", origins);
        emit(m);
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
        final BitSet[] seen;
        final AtomicLongArray distinct;
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong invalid = new AtomicLong();

        Receiver(final int nodes)
        {
            seen = new BitSet[nodes];
            for (int i = 0; i < nodes; i++)
            {
                seen[i] = new BitSet();
            }
            distinct = new AtomicLongArray(nodes);
        }

        @Override
        public void onMessage(final long originId, final int topic, final DirectBuffer buffer, final int offset, final int length)
        {
            final long now = System.nanoTime();
            delivered.lazySet(delivered.get() + 1);
            if (length < 16)
            {
                invalid.lazySet(invalid.get() + 1);
                return;
            }
            final long tag = buffer.getLong(offset);
            final long origin = tag >>> ORIGIN_SHIFT;
            final long seq = tag & ((1L << ORIGIN_SHIFT) - 1);
            if (origin >= seen.length || seq >= MAX_SEQUENCE)
            {
                invalid.lazySet(invalid.get() + 1);
                return;
            }
            latency.recordValue(Math.max(0, now - buffer.getLong(offset + 8)));
            final BitSet bits = seen[(int)origin];
            if (bits.get((int)seq))
            {
                duplicates.lazySet(duplicates.get() + 1);
            }
            else
            {
                bits.set((int)seq);
                distinct.lazySet((int)origin, distinct.get((int)origin) + 1);
            }
        }
    }
}
