package io.chainmesh.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.chainmesh.chain.DevnetChain;
import io.chainmesh.chain.DevnetRpcServer;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.engine.overlay.OverlayTopology;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * {@code chainmesh devnet --processes}: the devnet with one JVM per member. This process runs the embedded
 * {@link DevnetChain} behind a {@link DevnetRpcServer} on 127.0.0.1 (port 0) and starts N children
 * ({@code devnet-member}, same java binary and class path) that read the directory from it. The children
 * publish; this process paces them (start, stop, and for {@code --rate 0} an ack window), mines the churn
 * blocks, aggregates their {@link MemberChannel} reports into the progress line and the {@link DevnetReport}.
 * <p>
 * Exactly-once is checked per (receiver, origin): at the end each child reports, for every origin, how many
 * distinct sequences it received and the first sequence it is missing; both must equal what the origin
 * published, with no duplicates and no invalid payloads.
 * <p>
 * Children never outlive this process: a shutdown hook destroys them, each child exits when its stdin closes
 * or this process exits, and {@link #run()} destroys them in {@code finally}. A child that fails (exits early,
 * reports an error, writes a malformed or oversized line) ends the run with a {@link MemberFailure} naming it.
 */
final class DevnetProcessRunner
{
    private static final long READY_TIMEOUT_MS = 120_000;
    private static final long OVERLAY_TIMEOUT_MS = 60_000;
    private static final long STOP_TIMEOUT_MS = 30_000;
    private static final long FINAL_TIMEOUT_MS = 60_000;
    private static final int LOG_TAIL_BYTES = 2_048;
    private static final int MAX_GAP_LINES = 10;
    private static final String WORK_DIR_PREFIX = "chainmesh-devnet-";
    private static final String PID_FILE = "parent.pid";

    /** A member process failed; the message names it and says why. */
    static final class MemberFailure extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        MemberFailure(final String message)
        {
            super(message);
        }
    }

    private final DevnetRunner.Context ctx;
    private final int basePort;
    private final List<String> memberJavaOptions;
    private final List<Member> members = new ArrayList<>();
    private volatile Path workDir;

    /**
     * @param ctx               workload settings (ports, seed, rate, ...); concluded here.
     * @param memberJavaOptions extra JVM options for every child.
     */
    DevnetProcessRunner(final DevnetRunner.Context ctx, final List<String> memberJavaOptions)
    {
        this.ctx = ctx.conclude();
        this.basePort = ctx.basePort();
        this.memberJavaOptions = List.copyOf(memberJavaOptions);
    }

    /**
     * Runs the devnet to the end; stops every child and removes the work directory whatever happens.
     *
     * @return the report.
     * @throws InterruptedException if interrupted (the children are destroyed).
     * @throws MemberFailure        if a child failed.
     */
    DevnetReport run() throws InterruptedException
    {
        final Thread hook = new Thread(() ->
        {
            destroyAll();
            deleteWorkDir();
        }, "chainmesh-devnet-children");
        Runtime.getRuntime().addShutdownHook(hook);
        DevnetChain chain = null;
        DevnetRpcServer rpc = null;
        try
        {
            final DevnetChain.Context chainCtx = new DevnetChain.Context().seed(ctx.seed()).memberCount(ctx.nodes())
                .operators(ctx.operators());
            if (basePort != 0)
            {
                chainCtx.basePort(basePort);
            }
            chain = DevnetChain.launch(chainCtx);
            rpc = DevnetRpcServer.launch(new DevnetRpcServer.Context().source(chain).threads(2));
            sweepStaleWorkDirs();
            workDir = Files.createTempDirectory(WORK_DIR_PREFIX);
            Files.writeString(workDir.resolve(PID_FILE), Long.toString(ProcessHandle.current().pid()), StandardCharsets.US_ASCII);
            for (int i = 0; i < ctx.nodes(); i++)
            {
                final Member member = start(chain, rpc, i);
                synchronized (members)
                {
                    members.add(member);
                }
            }
            awaitReady();
            awaitOverlay(chain);
            return runWorkload(chain);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("devnet --processes: " + ex.getMessage(), ex);
        }
        finally
        {
            destroyAll();
            CloseHelper.quietClose(rpc);
            CloseHelper.quietClose(chain);
            deleteWorkDir();
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ex)
            {
                // Already shutting down: the hook runs anyway and finds nothing left to do.
            }
        }
    }

    private Member start(final DevnetChain chain, final DevnetRpcServer rpc, final int i) throws IOException
    {
        final Path dir = Files.createDirectory(workDir.resolve("member-" + i));
        Files.writeString(dir.resolve("node.key"), chain.memberKey(i).privateKeyHex() + "\n", StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("node.properties"),
            "node.key.file=node.key\n" +
            "node.member=" + chain.memberId(i) + "\n" +
            "listen.address=127.0.0.1:" + chain.portFor(i) + "\n" +
            "directory.source=devnet\n" +
            "directory.rpc.url=" + rpc.uri() + "\n" +
            "directory.rpc.user=" + rpc.context().rpcUser() + "\n" +
            "directory.rpc.password=" + rpc.context().rpcPassword() + "\n" +
            "directory.poll.interval.ms=50\n" +
            "http.address=127.0.0.1:0\n" +
            "counters.file=counters.dat\n", StandardCharsets.UTF_8);
        final int churned = churned();
        final int publishers = churned >= 0 ? ctx.nodes() - 1 : ctx.nodes();
        final List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.add("--add-exports");
        command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        // Many JVMs share few cores: the serial collector adds no GC threads per child.
        command.add("-XX:+UseSerialGC");
        // Stdout is the report channel: VM warnings go to the member's log instead.
        command.add("-XX:+DisplayVMOutputToStderr");
        command.addAll(memberJavaOptions);
        command.add("-cp");
        command.add(classPath());
        command.add(ChainmeshCli.class.getName());
        command.add("devnet-member");
        command.add("--config=" + dir.resolve("node.properties"));
        command.add("--index=" + i);
        command.add("--nodes=" + ctx.nodes());
        command.add("--rate=" + (ctx.rate() == 0 ? 0.0 : ctx.rate() / (double)publishers));
        command.add("--publish=" + (i != churned));
        command.add("--size=" + ctx.messageSize());
        command.add("--strategy=" + ctx.strategy().name());
        command.add("--linger-us=" + ctx.lingerMicros());
        final Path log = dir.resolve("member.log");
        final Process process;
        try
        {
            process = new ProcessBuilder(command)
                .redirectError(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .start();
        }
        catch (final IOException ex)
        {
            throw new MemberFailure("member " + i + " could not be started (" + command.get(0) + "): " + ex.getMessage());
        }
        final Member member = new Member(i, process, log);
        member.reader.start();
        return member;
    }

    private static String javaBinary()
    {
        return ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static String classPath()
    {
        // Absolute, so a child started from another directory (or the jar named relatively) still resolves.
        final StringBuilder sb = new StringBuilder();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            if (!entry.isEmpty())
            {
                sb.append(sb.length() > 0 ? File.pathSeparator : "").append(Path.of(entry).toAbsolutePath());
            }
        }
        return sb.toString();
    }

    private int churned()
    {
        return ctx.churn() ? ctx.nodes() / 2 : -1;
    }

    private void awaitReady() throws InterruptedException
    {
        final long startNs = System.nanoTime();
        final long deadline = startNs + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
        while (true)
        {
            checkMembers("while starting");
            int ready = 0;
            for (final Member m : members)
            {
                ready += m.ready() ? 1 : 0;
            }
            if (ready == members.size())
            {
                ctx.progress().accept(String.format("members started: %d processes in %.1f s (work dir %s)", ready,
                    (System.nanoTime() - startNs) / 1e9, workDir));
                announceStatusPage(members.get(0));
                return;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new MemberFailure(ready + "/" + members.size() + " members were ready after " +
                    READY_TIMEOUT_MS / 1000 + " s; first not ready: " + describe(firstNotReady()));
            }
            pause();
        }
    }

    private Member firstNotReady()
    {
        for (final Member m : members)
        {
            if (!m.ready())
            {
                return m;
            }
        }
        return members.get(0);
    }

    private void awaitOverlay(final DevnetChain chain) throws InterruptedException
    {
        final DirectorySnapshot snapshot = chain.current();
        final OverlayTopology topology = OverlayTopology.of(snapshot, 2);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(OVERLAY_TIMEOUT_MS);
        while (true)
        {
            checkMembers("while linking");
            int formed = 0;
            int links = 0;
            for (final Member m : members)
            {
                final int links0 = m.links();
                links += links0;
                if (links0 >= topology.neighbours(snapshot.indexOf(chain.memberId(m.index))).length)
                {
                    formed++;
                }
            }
            if (formed == members.size())
            {
                ctx.progress().accept("overlay formed: " + members.size() + " nodes, " + links + " link ends");
                return;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new MemberFailure("overlay did not form within " + OVERLAY_TIMEOUT_MS / 1000 + " s: " + formed + "/" +
                    members.size() + " nodes linked");
            }
            pause();
        }
    }

    private DevnetReport runWorkload(final DevnetChain chain) throws InterruptedException
    {
        final int n = members.size();
        final int churned = churned();
        final Histogram interval = new Histogram(3);
        for (final Member m : members)
        {
            m.send("start");
        }
        final long start = System.nanoTime();
        final long end = start + TimeUnit.MILLISECONDS.toNanos(ctx.durationMillis());
        long nextProgress = start + TimeUnit.SECONDS.toNanos(1);
        long lastPublished = 0;
        long lastDelivered = 0;
        long lastAckNs = start;
        final long[] lastAcked = new long[n];
        boolean left = false;
        boolean rejoined = false;
        for (long now = System.nanoTime(); now - end < 0; now = System.nanoTime())
        {
            checkMembers("while publishing");
            if (churned >= 0 && !left && now - start > (end - start) / 3)
            {
                chain.leave(churned);
                chain.advance();
                left = true;
                ctx.progress().accept("churn: member " + churned + " left at height " + chain.height());
            }
            if (churned >= 0 && !rejoined && now - start > 2 * (end - start) / 3)
            {
                chain.join(churned);
                chain.advance();
                rejoined = true;
                ctx.progress().accept("churn: member " + churned + " rejoined at height " + chain.height());
            }
            if (ctx.rate() == 0 && now - lastAckNs >= TimeUnit.MILLISECONDS.toNanos(MemberChannel.REPORT_INTERVAL_MS))
            {
                sendAcks(churned, lastAcked, (now - lastAckNs) / 1e9);
                lastAckNs = now;
            }
            if (now - nextProgress >= 0)
            {
                long published = 0;
                long delivered = 0;
                long repairs = 0;
                int links = 0;
                interval.reset();
                for (final Member m : members)
                {
                    synchronized (m)
                    {
                        published += m.published;
                        delivered += m.delivered;
                        repairs += m.repairs;
                        links += m.links;
                        interval.add(m.interval);
                        m.interval.reset();
                    }
                }
                progressLine(now - start, published - lastPublished, delivered - lastDelivered, interval, links, repairs);
                lastPublished = published;
                lastDelivered = delivered;
                nextProgress += TimeUnit.SECONDS.toNanos(1);
            }
            pause();
        }
        for (final Member m : members)
        {
            m.send("stop");
        }
        final long[] published = awaitStopped();
        drain(published, churned);
        final double seconds = (System.nanoTime() - start) / 1e9;
        for (final Member m : members)
        {
            m.send("finish");
        }
        awaitFinals();
        return report(published, churned, seconds);
    }

    /** Closed-loop pacing for {@code --rate 0}: each origin may run ahead of its slowest steady receiver by a window. */
    private void sendAcks(final int churned, final long[] lastAcked, final double seconds)
    {
        final int n = members.size();
        for (int o = 0; o < n; o++)
        {
            if (o == churned)
            {
                continue;
            }
            long acked = Long.MAX_VALUE;
            for (int r = 0; r < n; r++)
            {
                if (r != o && r != churned)
                {
                    acked = Math.min(acked, members.get(r).distinct(o));
                }
            }
            // Half a second of what this origin is getting through, so the ack round trip never starves it.
            final long rate = (long)((acked - lastAcked[o]) / Math.max(1e-3, seconds));
            final long window = Math.max(ctx.maxOutstanding(), rate / 2);
            lastAcked[o] = acked;
            members.get(o).send("ack " + acked + " " + window);
        }
    }

    private long[] awaitStopped() throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_TIMEOUT_MS);
        final long[] published = new long[members.size()];
        while (true)
        {
            checkMembers("while stopping");
            int stopped = 0;
            for (final Member m : members)
            {
                synchronized (m)
                {
                    if (m.stopped)
                    {
                        stopped++;
                        published[m.index] = m.published;
                    }
                }
            }
            if (stopped == members.size())
            {
                return published;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new MemberFailure(stopped + "/" + members.size() + " members confirmed the stop within " +
                    STOP_TIMEOUT_MS / 1000 + " s");
            }
            pause();
        }
    }

    private void drain(final long[] published, final int churned) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ctx.drainMillis());
        while (System.nanoTime() - deadline < 0)
        {
            checkMembers("while draining");
            long missing = 0;
            for (final Member r : members)
            {
                if (r.index == churned)
                {
                    continue;
                }
                for (int o = 0; o < members.size(); o++)
                {
                    if (o != r.index)
                    {
                        missing += Math.max(0, published[o] - r.distinct(o));
                    }
                }
            }
            if (missing == 0)
            {
                return;
            }
            pause();
        }
    }

    private void awaitFinals() throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FINAL_TIMEOUT_MS);
        for (final Member m : members)
        {
            while (!m.hasFinal())
            {
                checkMembers("while reporting");
                if (System.nanoTime() - deadline > 0)
                {
                    throw new MemberFailure(describe(m) + " sent no final report within " + FINAL_TIMEOUT_MS / 1000 + " s");
                }
                pause();
            }
        }
        for (final Member m : members)
        {
            final long remainingMs = Math.max(1_000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            if (!m.process.waitFor(remainingMs, TimeUnit.MILLISECONDS))
            {
                throw new MemberFailure(describe(m) + " did not exit after its final report");
            }
            if (m.process.exitValue() != 0)
            {
                throw new MemberFailure(describe(m) + " exited with code " + m.process.exitValue() + " after its final report" +
                    logTail(m));
            }
        }
    }

    private DevnetReport report(final long[] published, final int churned, final double seconds)
    {
        final int n = members.size();
        final Histogram all = new Histogram(3);
        final List<DevnetReport.NodeRow> rows = new ArrayList<>();
        final long[] batchSizes = new long[17];
        long totalPublished = 0;
        long backPressured = 0;
        long expected = 0;
        long delivered = 0;
        long missing = 0;
        long duplicates = 0;
        long batchesPublished = 0;
        long batchesForwarded = 0;
        long repairs = 0;
        long bytesOut = 0;
        int gaps = 0;
        for (final Member m : members)
        {
            final JsonNode fin = m.finalReport();
            final int i = m.index;
            final Histogram latency = m.finalLatency();
            all.add(latency);
            batchesPublished += fin.path("batchesPublished").asLong();
            batchesForwarded += fin.path("batchesForwarded").asLong();
            repairs += fin.path("repairs").asLong();
            bytesOut += fin.path("bytesOut").asLong();
            final JsonNode sizes = fin.path("batchSizes");
            for (int b = 0; b < sizes.size() && b < batchSizes.length; b++)
            {
                batchSizes[b] += sizes.get(b).asLong();
            }
            totalPublished += published[i];
            synchronized (m)
            {
                backPressured += m.backPressured;
            }
            final long nodeDelivered = fin.path("delivered").asLong();
            // Duplicates and payloads that do not parse both break "exactly once".
            long nodeDuplicates = fin.path("duplicates").asLong() + fin.path("invalid").asLong();
            long owed = 0;
            long nodeMissing = 0;
            final JsonNode origins = fin.path("origins");
            for (int o = 0; o < n; o++)
            {
                if (o == i)
                {
                    continue;
                }
                owed += published[o];
                final JsonNode origin = origins.path(o);
                final long distinct = origin.path(0).asLong(-1);
                final long contiguous = origin.path(1).asLong(-1);
                // Distinct == contiguous == published: all of 0..published-1 arrived, and nothing beyond.
                final long shortfall = Math.max(0, published[o] - Math.min(distinct, contiguous)) +
                    (distinct == contiguous ? 0 : Math.abs(distinct - contiguous));
                nodeMissing += shortfall;
                // More distinct messages than the origin says it published: as wrong as a duplicate.
                nodeDuplicates += Math.max(0, distinct - published[o]);
                if (shortfall > 0 && i != churned && gaps++ < MAX_GAP_LINES)
                {
                    ctx.progress().accept("member " + i + " lacks " + shortfall + " of member " + o + "'s " + published[o] +
                        " messages (has " + distinct + " distinct, first missing #" + contiguous + ")");
                }
            }
            if (i != churned)
            {
                expected += owed;
                delivered += nodeDelivered;
                missing += nodeMissing;
                duplicates += nodeDuplicates;
            }
            rows.add(new DevnetReport.NodeRow(i, m.port(), published[i], nodeDelivered, nodeMissing, nodeDuplicates,
                fin.path("links").asInt(), latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0));
        }
        final DevnetReport.Latency latency = new DevnetReport.Latency(
            all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(90) / 1000.0,
            all.getValueAtPercentile(99) / 1000.0, all.getValueAtPercentile(99.9) / 1000.0,
            all.getMaxValue() / 1000.0, all.getTotalCount());
        final int steady = churned >= 0 ? n - 1 : n;
        return new DevnetReport(n, ctx.strategy().name(), ctx.messageSize(), ctx.rate(), seconds, totalPublished,
            backPressured, expected, delivered, missing, duplicates, delivered / (double)steady / seconds,
            delivered * (double)ctx.messageSize() / 1e6 / seconds, latency, batchSizes, batchesPublished, batchesForwarded,
            repairs, churned, rows, missing == 0 && duplicates == 0, bytesOut);
    }

    private void progressLine(
        final long elapsedNanos, final long published, final long delivered, final Histogram latency, final int links,
        final long repairs)
    {
        final double elapsed = elapsedNanos / 1e9;
        final String line = String.format("%5.1fs  pub %,9d/s  deliv %,10d/s  %7.1f MB/s  p50 %9s  p99 %9s  links %d  repairs %d",
            elapsed, published, delivered, delivered * (double)ctx.messageSize() / 1e6,
            Durations.human(latency.getValueAtPercentile(50)), Durations.human(latency.getValueAtPercentile(99)), links, repairs);
        if (ctx.redrawProgress())
        {
            final int width = 20;
            final int filled = (int)Math.min(width, Math.round(width * elapsed * 1000 / ctx.durationMillis()));
            ctx.progress().accept("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + line);
        }
        else
        {
            ctx.progress().accept(line);
        }
    }

    private void checkMembers(final String phase)
    {
        for (final Member m : members)
        {
            final String failure = m.failure(phase);
            if (null != failure)
            {
                throw new MemberFailure(describe(m) + " " + failure + logTail(m));
            }
        }
    }

    private void announceStatusPage(final Member first)
    {
        final String http;
        synchronized (first)
        {
            http = first.http;
        }
        if (null != ctx.statusPage() && null != http)
        {
            ctx.statusPage().accept("http://" + http + "/");
        }
    }

    private static String describe(final Member m)
    {
        return "member " + m.index + " (pid " + m.process.pid() + ")";
    }

    private static String logTail(final Member m)
    {
        try (RandomAccessFile file = new RandomAccessFile(m.log.toFile(), "r"))
        {
            final long length = file.length();
            final int size = (int)Math.min(LOG_TAIL_BYTES, length);
            if (size == 0)
            {
                return "";
            }
            final byte[] bytes = new byte[size];
            file.seek(length - size);
            file.readFully(bytes);
            return "; its log (" + m.log.getFileName() + ") ends:\n" + new String(bytes, StandardCharsets.UTF_8).strip();
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    private static void pause() throws InterruptedException
    {
        // The parent only polls reports the reader threads store; pacing a poll loop, not synchronising.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        if (Thread.interrupted())
        {
            throw new InterruptedException("devnet --processes interrupted");
        }
    }

    private void destroyAll()
    {
        final List<Member> snapshot;
        synchronized (members)
        {
            snapshot = List.copyOf(members);
        }
        for (final Member m : snapshot)
        {
            m.closeStdin();
            m.process.destroy();
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (final Member m : snapshot)
        {
            try
            {
                final long waitNs = Math.max(0, deadline - System.nanoTime());
                if (!m.process.waitFor(waitNs, TimeUnit.NANOSECONDS))
                {
                    m.process.destroyForcibly();
                }
            }
            catch (final InterruptedException ex)
            {
                m.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A parent killed with SIGKILL cannot remove its work directory (its members exit, but do not own it): the
     * next run removes every such directory whose {@value #PID_FILE} names a process that no longer exists.
     */
    private void sweepStaleWorkDirs()
    {
        final Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> dirs = Files.list(tmp))
        {
            for (final Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(WORK_DIR_PREFIX)).toList())
            {
                final Path pidFile = dir.resolve(PID_FILE);
                if (!Files.isRegularFile(pidFile) || Files.size(pidFile) > 20)
                {
                    continue;
                }
                final String pid = Files.readString(pidFile, StandardCharsets.US_ASCII).trim();
                if (pid.matches("\\d{1,18}") && ProcessHandle.of(Long.parseLong(pid)).isEmpty())
                {
                    delete(dir);
                    ctx.progress().accept("removed the work dir of an earlier run that was killed: " + dir);
                }
            }
        }
        catch (final IOException | UncheckedIOException ex)
        {
            // Best effort: a directory we cannot read or remove is someone else's business.
        }
    }

    private synchronized void deleteWorkDir()
    {
        if (null == workDir || !Files.exists(workDir))
        {
            return;
        }
        try
        {
            delete(workDir);
        }
        catch (final IOException | UncheckedIOException ex)
        {
            ctx.progress().accept("warning: could not remove " + workDir + ": " + ex.getMessage());
        }
    }

    private static void delete(final Path root) throws IOException
    {
        try (Stream<Path> paths = Files.walk(root))
        {
            for (final Path p : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
    }

    /** One child: its process, the reader thread of its stdout, and the latest of what it reported. */
    private static final class Member
    {
        final int index;
        final Process process;
        final Path log;
        final OutputStream stdin;
        final Thread reader;

        // Guarded by this: written by the reader thread, read by the run thread.
        boolean ready;
        int port;
        String http;
        String nodeIdHex;
        long published;
        long backPressured;
        long delivered;
        long repairs;
        int links;
        long[] distinct = new long[0];
        final Histogram interval = new Histogram(3);
        boolean stopped;
        JsonNode finalReport;
        Histogram finalLatency;
        String error;
        long otherLines;
        String lastOtherLine;
        boolean eof;

        Member(final int index, final Process process, final Path log)
        {
            this.index = index;
            this.process = process;
            this.log = log;
            this.stdin = process.getOutputStream();
            this.reader = new Thread(this::read, "chainmesh-devnet-member-" + index);
            reader.setDaemon(true);
        }

        private void read()
        {
            final InputStream in = process.getInputStream();
            try
            {
                String line;
                while (null != (line = MemberChannel.readLine(in, MemberChannel.MAX_CHILD_LINE)))
                {
                    if (line.startsWith("{"))
                    {
                        onLine(line);
                    }
                    else if (!line.isBlank())
                    {
                        // Not a report (a library printing to stdout): counted and kept for the failure message.
                        synchronized (this)
                        {
                            otherLines++;
                            lastOtherLine = line.length() > 200 ? line.substring(0, 200) + "..." : line;
                        }
                    }
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                synchronized (this)
                {
                    if (null == error)
                    {
                        error = "sent a bad report %s: " + ex.getMessage();
                    }
                }
                process.destroyForcibly();
            }
            finally
            {
                synchronized (this)
                {
                    eof = true;
                }
            }
        }

        private void onLine(final String line) throws IOException
        {
            final JsonNode m = MemberChannel.JSON.readTree(line);
            final String type = m.path("type").asText("");
            final Histogram latency = m.has("latency") ? MemberChannel.decode(m.path("latency").asText()) : null;
            synchronized (this)
            {
                switch (type)
                {
                    case "ready" ->
                    {
                        ready = true;
                        port = m.path("port").asInt();
                        http = m.path("http").asText(null);
                    }
                    case "progress", "stopped" ->
                    {
                        published = m.path("published").asLong();
                        backPressured = m.path("backPressured").asLong();
                        delivered = m.path("delivered").asLong();
                        repairs = m.path("repairs").asLong();
                        links = m.path("links").asInt();
                        final JsonNode d = m.path("distinct");
                        final long[] counts = new long[Math.min(d.size(), 256)];
                        for (int i = 0; i < counts.length; i++)
                        {
                            counts[i] = d.get(i).asLong();
                        }
                        distinct = counts;
                        if (null != latency)
                        {
                            interval.add(latency);
                        }
                        stopped |= "stopped".equals(type);
                    }
                    case "final" ->
                    {
                        if (null == latency || !m.path("origins").isArray())
                        {
                            throw new IOException("final report without latency or origins");
                        }
                        finalLatency = latency;
                        finalReport = m;
                    }
                    case "error" -> error = "failed %s: " + m.path("message").asText("(no message)");
                    default -> throw new IOException("unknown report type '" + type + "'");
                }
            }
        }

        synchronized boolean ready()
        {
            return ready;
        }

        synchronized int port()
        {
            return port;
        }

        synchronized int links()
        {
            return links;
        }

        synchronized long distinct(final int origin)
        {
            return origin < distinct.length ? distinct[origin] : 0;
        }

        synchronized boolean hasFinal()
        {
            return null != finalReport;
        }

        synchronized JsonNode finalReport()
        {
            return finalReport;
        }

        synchronized Histogram finalLatency()
        {
            return finalLatency;
        }

        /**
         * @param phase what the run was doing, e.g. "while starting".
         * @return why this member failed, or null while it is fine.
         */
        String failure(final String phase)
        {
            final boolean ended;
            synchronized (this)
            {
                if (null != error)
                {
                    return error.replace("%s", phase);
                }
                if (null != finalReport)
                {
                    return null;
                }
                ended = eof;
            }
            if (ended || !process.isAlive())
            {
                try
                {
                    // Its stdout reached EOF: let the exit code (and a last error line still in the pipe) arrive.
                    process.waitFor(2, TimeUnit.SECONDS);
                    reader.join(2_000);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                synchronized (this)
                {
                    if (null != error)
                    {
                        return error.replace("%s", phase);
                    }
                    if (null != finalReport)
                    {
                        return null;
                    }
                }
                final String other;
                synchronized (this)
                {
                    other = otherLines == 0 ? "" : " (after " + otherLines + " non-report lines on stdout, the last: " +
                        lastOtherLine + ")";
                }
                return (process.isAlive() ? "closed its output " : "exited with code " + process.exitValue() + " ") + phase +
                    other;
            }
            return null;
        }

        void send(final String command)
        {
            try
            {
                stdin.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
                stdin.flush();
            }
            catch (final IOException ex)
            {
                // A dead child: failure() reports it with its exit code on the next check.
            }
        }

        void closeStdin()
        {
            try
            {
                stdin.close();
            }
            catch (final IOException ex)
            {
                // Already closed or the child is gone.
            }
        }
    }
}
