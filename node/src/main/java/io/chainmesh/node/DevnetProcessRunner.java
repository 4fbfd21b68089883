package io.chainmesh.node;

import io.chainmesh.chain.DevnetChain;
import io.chainmesh.chain.DevnetRpcServer;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.engine.overlay.OverlayTopology;
import io.chainmesh.engine.transport.LinkFaults;
import org.agrona.CloseHelper;

import java.io.File;
import java.io.IOException;
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
 * ({@code devnet-member}, same java binary and class path; {@link MemberProcess}) that read the directory from it.
 * The children publish; this process paces them (start, stop, and for {@code --rate 0} an ack window), mines the
 * churn blocks, plays the {@link FaultPlan} (signals, restarts, partitions), and aggregates their
 * {@link MemberChannel} reports into the progress line, per-phase tallies and the {@link DevnetReport}
 * ({@link DevnetProcessReport}).
 * <p>
 * Children never outlive this process: a shutdown hook destroys them, each child exits when its stdin closes
 * or this process exits, and {@link #run()} destroys them in {@code finally}. A child that fails (exits early,
 * reports an error, writes a malformed or oversized line) ends the run with a {@link MemberFailure} naming it;
 * a child the fault plan kills does not.
 */
final class DevnetProcessRunner
{
    private static final long READY_TIMEOUT_MS = 120_000;
    /**
     * A restarted member starts one JVM while all the others run: on a small shared machine it gets a sliver of the
     * CPU (32 members at a 1-minute load of 145 on 2 cores: 0.25 s of CPU in its first 30 s).
     */
    private static final long RESTART_READY_TIMEOUT_MS = 300_000;
    private static final long OVERLAY_TIMEOUT_MS = 60_000;
    private static final long STOP_TIMEOUT_MS = 30_000;
    private static final long FINAL_TIMEOUT_MS = 60_000;
    /** With faults, the drain may wait for reconnect backoff (up to 10 s) and repair after a partition. */
    private static final long FAULT_DRAIN_MS = 60_000;
    private static final String WORK_DIR_PREFIX = "chainmesh-devnet-";
    private static final String PID_FILE = "parent.pid";
    private static final String MEMBERS_FILE = "members.txt";
    /** Set to {@code true} to keep the members' logs and counters after the run (to look into a failure). */
    static final String KEEP_WORK_DIR_PROPERTY = "chainmesh.devnet.keep.work.dir";

    /** A member process failed; the message names it and says why. */
    static final class MemberFailure extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        MemberFailure(final String message)
        {
            super(message);
        }
    }

    /**
     * Faults for a run: a plan and injected link latency; both optional.
     *
     * @param plan           the fault plan, or null.
     * @param latencyMinUs   least one-way link latency added, µs.
     * @param latencyMaxUs   most one-way link latency added, µs (0: none).
     * @param jitterUs       most jitter per read, µs.
     * @param latencyText    the latency as given, for the report.
     */
    record Faults(FaultPlan plan, long latencyMinUs, long latencyMaxUs, long jitterUs, String latencyText)
    {
        static final Faults NONE = new Faults(null, 0, 0, 0, "");

        boolean linkFaults()
        {
            return latencyMaxUs > 0 || jitterUs > 0 || (null != plan && plan.partitions());
        }

        boolean any()
        {
            return null != plan || linkFaults();
        }
    }

    private final DevnetRunner.Context ctx;
    private final int basePort;
    private final List<String> memberJavaOptions;
    private final Faults faults;
    /** Every process ever started, for cleanup. Guarded by itself. */
    private final List<MemberProcess> all = new ArrayList<>();
    /** The current process of each member index (run thread only after start). */
    private final List<MemberProcess> current = new ArrayList<>();
    private final DevnetProcessReport ledger;
    private volatile Path workDir;
    private DevnetChain chain;
    private DevnetRpcServer rpc;
    private String partition;

    /**
     * @param ctx               workload settings (ports, seed, rate, ...); concluded here.
     * @param memberJavaOptions extra JVM options for every child.
     */
    DevnetProcessRunner(final DevnetRunner.Context ctx, final List<String> memberJavaOptions)
    {
        this(ctx, memberJavaOptions, Faults.NONE);
    }

    /**
     * @param ctx               workload settings (ports, seed, rate, ...); concluded here.
     * @param memberJavaOptions extra JVM options for every child.
     * @param faults            the fault plan and link faults.
     */
    DevnetProcessRunner(final DevnetRunner.Context ctx, final List<String> memberJavaOptions, final Faults faults)
    {
        this.ctx = ctx.conclude();
        this.basePort = ctx.basePort();
        this.memberJavaOptions = List.copyOf(memberJavaOptions);
        this.faults = faults;
        this.ledger = new DevnetProcessReport(this.ctx, faults);
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
            final StringBuilder members = new StringBuilder();
            for (int i = 0; i < ctx.nodes(); i++)
            {
                members.append(i).append(' ').append(chain.memberId(i)).append('\n');
            }
            Files.writeString(workDir.resolve(MEMBERS_FILE), members, StandardCharsets.US_ASCII);
            for (int i = 0; i < ctx.nodes(); i++)
            {
                writeConfig(i);
                current.add(spawn(i, 0));
            }
            awaitReady();
            awaitOverlay();
            return runWorkload();
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

    private Path memberDir(final int i)
    {
        return workDir.resolve("member-" + i);
    }

    private void writeConfig(final int i) throws IOException
    {
        final Path dir = Files.createDirectories(memberDir(i));
        Files.writeString(dir.resolve("node.key"), chain.memberKey(i).privateKeyHex() + "\n", StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("node.properties"),
            "node.key.file=node.key\n" +
            "node.member=" + chain.memberId(i) + "\n" +
            "listen.address=127.0.0.1:" + chain.portFor(i) + "\n" +
            "directory.source=devnet\n" +
            "directory.rpc.url=" + rpc.uri() + "\n" +
            "directory.rpc.user=" + rpc.context().rpcUser() + "\n" +
            "directory.rpc.password=" + rpc.context().rpcPassword() + "\n" +
            // Every member polls the parent's RPC endpoint: fewer polls per member as members add up.
            "directory.poll.interval.ms=" + 50 * ((ctx.nodes() + 7) / 8) + "\n" +
            "http.address=127.0.0.1:0\n" +
            "counters.file=counters.dat\n", StandardCharsets.UTF_8);
    }

    private MemberProcess spawn(final int i, final int incarnation) throws IOException
    {
        final Path dir = memberDir(i);
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
        if (faults.linkFaults())
        {
            command.add("-D" + LinkFaults.ENABLED_PROPERTY + "=true");
        }
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
        command.add("--incarnation=" + incarnation);
        if (faults.linkFaults())
        {
            command.add("--link-faults");
            command.add("--members-file=" + workDir.resolve(MEMBERS_FILE));
            command.add("--link-latency-min-us=" + faults.latencyMinUs());
            command.add("--link-latency-max-us=" + faults.latencyMaxUs());
            command.add("--link-jitter-us=" + faults.jitterUs());
            command.add("--link-seed=" + ctx.seed());
        }
        final Path log = dir.resolve(incarnation == 0 ? "member.log" : "member." + incarnation + ".log");
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
        final MemberProcess member = new MemberProcess(i, incarnation, process, log);
        synchronized (all)
        {
            all.add(member);
        }
        member.startReading();
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
            MemberProcess firstNotReady = null;
            for (final MemberProcess m : current)
            {
                if (m.ready())
                {
                    ready++;
                }
                else if (null == firstNotReady)
                {
                    firstNotReady = m;
                }
            }
            if (null == firstNotReady)
            {
                ctx.progress().accept(String.format("members started: %d processes in %.1f s (work dir %s)", ready,
                    (System.nanoTime() - startNs) / 1e9, workDir));
                final String http = current.get(0).http();
                if (null != ctx.statusPage() && null != http)
                {
                    ctx.statusPage().accept("http://" + http + "/");
                }
                return;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new MemberFailure(ready + "/" + current.size() + " members were ready after " +
                    READY_TIMEOUT_MS / 1000 + " s; first not ready: " + firstNotReady.describe());
            }
            pause();
        }
    }

    private void awaitOverlay() throws InterruptedException
    {
        final DirectorySnapshot snapshot = chain.current();
        final OverlayTopology topology = OverlayTopology.of(snapshot, 2);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(OVERLAY_TIMEOUT_MS);
        while (true)
        {
            checkMembers("while linking");
            int formed = 0;
            int links = 0;
            for (final MemberProcess m : current)
            {
                final int links0 = m.links();
                links += links0;
                if (links0 >= topology.neighbours(snapshot.indexOf(chain.memberId(m.index))).length)
                {
                    formed++;
                }
            }
            if (formed == current.size())
            {
                ctx.progress().accept("overlay formed: " + current.size() + " nodes, " + links + " link ends");
                return;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new MemberFailure("overlay did not form within " + OVERLAY_TIMEOUT_MS / 1000 + " s: " + formed + "/" +
                    current.size() + " nodes linked");
            }
            pause();
        }
    }

    private DevnetReport runWorkload() throws InterruptedException, IOException
    {
        final int n = current.size();
        final int churned = churned();
        final List<FaultPlan.Event> events = null == faults.plan() ? List.of() : faults.plan().events();
        for (final MemberProcess m : current)
        {
            m.send("start");
            m.started = true;
        }
        final long start = System.nanoTime();
        ledger.begin(start, liveCount());
        final long end = start + TimeUnit.MILLISECONDS.toNanos(ctx.durationMillis());
        long nextProgress = start + TimeUnit.SECONDS.toNanos(1);
        long nextCatchUpCheck = start;
        long lastAckNs = start;
        final long[] lastAcked = new long[n];
        int nextEvent = 0;
        boolean left = false;
        boolean rejoined = false;
        for (long now = System.nanoTime(); now - end < 0; now = System.nanoTime())
        {
            checkMembers("while publishing");
            while (nextEvent < events.size() && now - start >= TimeUnit.MILLISECONDS.toNanos(events.get(nextEvent).atMillis()))
            {
                final FaultPlan.Event event = events.get(nextEvent++);
                ledger.collect(all());
                // The phase starts at the fault: deliveries while it is carried out (a restart spawns a JVM) count in it.
                ledger.nextPhase(event.text(), now, 0);
                apply(event, now, start);
                ledger.liveMembers(liveCount());
            }
            startRestarted(start);
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
            if (now - nextCatchUpCheck >= 0)
            {
                ledger.checkCatchUp(current, now);
                nextCatchUpCheck = now + TimeUnit.MILLISECONDS.toNanos(MemberChannel.REPORT_INTERVAL_MS);
            }
            if (now - nextProgress >= 0)
            {
                ledger.collect(all());
                progressLine(now - start, ledger.takeProgress());
                nextProgress += TimeUnit.SECONDS.toNanos(1);
            }
            pause();
        }
        awaitRestartedReady(start);
        final List<MemberProcess> live = live();
        for (final MemberProcess m : live)
        {
            m.send("stop");
        }
        awaitStopped(live);
        ledger.collect(all());
        ledger.nextPhase("drain", System.nanoTime(), live.size());
        drain(live, churned);
        ledger.collect(all());
        final long drained = System.nanoTime();
        final double seconds = (drained - start) / 1e9;
        for (final MemberProcess m : live)
        {
            m.send("finish");
        }
        awaitFinals(live);
        return ledger.report(all(), current, churned, seconds, drained);
    }

    private void apply(final FaultPlan.Event event, final long now, final long start) throws InterruptedException, IOException
    {
        final String at = String.format("%5.1fs  fault: ", (now - start) / 1e9);
        final int i = event.member();
        final MemberProcess m = i >= 0 ? current.get(i) : null;
        switch (event.action())
        {
            case KILL9 ->
            {
                m.expectExit("kill9", now);
                m.closeStdin();
                m.process.destroyForcibly();
                ctx.progress().accept(at + "kill -9 " + m.describe());
            }
            case TERM ->
            {
                m.expectExit("term", now);
                m.process.destroy();
                ctx.progress().accept(at + "kill -TERM " + m.describe());
            }
            case STOP ->
            {
                m.signal("STOP");
                ledger.stopped(i, true);
                ctx.progress().accept(at + "kill -STOP " + m.describe());
            }
            case CONT ->
            {
                m.signal("CONT");
                ledger.stopped(i, false);
                ctx.progress().accept(at + "kill -CONT " + m.describe());
            }
            case RESTART, RESTART_WIPED ->
            {
                awaitExit(m);
                final boolean wiped = event.action() == FaultPlan.Action.RESTART_WIPED;
                if (wiped)
                {
                    wipe(i);
                }
                final MemberProcess next = spawn(i, m.incarnation + 1);
                current.set(i, next);
                ctx.progress().accept(at + (wiped ? "restart with its state wiped: member " : "restart: member ") + i +
                    " (incarnation " + next.incarnation + ", pid " + next.process.pid() + ", same key and port)");
            }
            case PARTITION ->
            {
                partition = event.partition();
                for (final MemberProcess p : live())
                {
                    p.send("partition " + partition);
                }
                ctx.progress().accept(at + "partition " + partition + " (links between the groups dropped inside the nodes)");
            }
            case HEAL ->
            {
                partition = null;
                for (final MemberProcess p : live())
                {
                    p.send("heal");
                }
                ctx.progress().accept(at + "heal");
            }
            default -> throw new IllegalStateException(event.action().name());
        }
    }

    /** A restarted member takes the port of the one killed: wait until that one is gone (SIGTERM takes a moment). */
    private void awaitExit(final MemberProcess m) throws InterruptedException
    {
        if (!m.process.waitFor(10, TimeUnit.SECONDS))
        {
            m.process.destroyForcibly();
            m.process.waitFor(5, TimeUnit.SECONDS);
        }
        m.closeStdin();
    }

    /** Empties a member's directory but for its key and config (counters, last good list, logs of earlier starts). */
    private void wipe(final int i) throws IOException
    {
        try (Stream<Path> files = Files.list(memberDir(i)))
        {
            for (final Path f : files.toList())
            {
                final String name = f.getFileName().toString();
                if (!name.equals("node.key") && !name.equals("node.properties") && Files.isRegularFile(f))
                {
                    Files.delete(f);
                }
            }
        }
    }

    private void startRestarted(final long start)
    {
        for (final MemberProcess m : current)
        {
            if (!m.started && m.ready())
            {
                m.started = true;
                if (null != partition)
                {
                    m.send("partition " + partition);
                }
                m.send("start");
                ledger.restarted(m, current);
                ctx.progress().accept(String.format("%5.1fs  member %d is back (incarnation %d): ready %.1f s after its start",
                    (System.nanoTime() - start) / 1e9, m.index, m.incarnation, (m.readyNs() - m.spawnedNs) / 1e9));
            }
        }
    }

    private void awaitRestartedReady(final long start) throws InterruptedException
    {
        while (current.stream().anyMatch(m -> !m.ended() && !m.started))
        {
            checkMembers("while restarting");
            startRestarted(start);
            final long now = System.nanoTime();
            final MemberProcess late = current.stream()
                .filter(m -> !m.ended() && !m.started && now - m.spawnedNs > TimeUnit.MILLISECONDS.toNanos(RESTART_READY_TIMEOUT_MS))
                .findFirst().orElse(null);
            if (null != late)
            {
                throw new MemberFailure(late.describe() + " was not ready " + RESTART_READY_TIMEOUT_MS / 1000 +
                    " s after its restart" + late.logTail());
            }
            pause();
        }
    }

    private List<MemberProcess> all()
    {
        synchronized (all)
        {
            return List.copyOf(all);
        }
    }

    /** The processes alive now (not killed by the plan), one per member at most. */
    private List<MemberProcess> live()
    {
        return current.stream().filter(m -> !m.ended()).toList();
    }

    private int liveCount()
    {
        return (int)current.stream().filter(m -> !m.ended() && !ledger.isStopped(m.index)).count();
    }

    /** Closed-loop pacing for {@code --rate 0}: each origin may run ahead of its slowest steady receiver by a window. */
    private void sendAcks(final int churned, final long[] lastAcked, final double seconds)
    {
        final int n = current.size();
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
                    acked = Math.min(acked, current.get(r).distinct(o, 0));
                }
            }
            // Half a second of what this origin is getting through, so the ack round trip never starves it.
            final long rate = (long)((acked - lastAcked[o]) / Math.max(1e-3, seconds));
            final long window = Math.max(ctx.maxOutstanding(), rate / 2);
            lastAcked[o] = acked;
            current.get(o).send("ack " + acked + " " + window);
        }
    }

    private void awaitStopped(final List<MemberProcess> live) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_TIMEOUT_MS);
        while (true)
        {
            checkMembers("while stopping");
            final long stopped = live.stream().filter(MemberProcess::stopped).count();
            if (stopped == live.size())
            {
                return;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new MemberFailure(stopped + "/" + live.size() + " members confirmed the stop within " +
                    STOP_TIMEOUT_MS / 1000 + " s");
            }
            pause();
        }
    }

    private void drain(final List<MemberProcess> live, final int churned) throws InterruptedException
    {
        final long drainMs = faults.any() ? Math.max(ctx.drainMillis(), FAULT_DRAIN_MS) : ctx.drainMillis();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMs);
        final List<MemberProcess> processes = all();
        while (System.nanoTime() - deadline < 0)
        {
            checkMembers("while draining");
            if (ledger.owedNow(processes, live, churned) == 0)
            {
                return;
            }
            pause();
        }
    }

    private void awaitFinals(final List<MemberProcess> live) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FINAL_TIMEOUT_MS);
        for (final MemberProcess m : live)
        {
            while (!m.hasFinal())
            {
                checkMembers("while reporting");
                if (System.nanoTime() - deadline > 0)
                {
                    throw new MemberFailure(m.describe() + " sent no final report within " + FINAL_TIMEOUT_MS / 1000 + " s");
                }
                pause();
            }
        }
        for (final MemberProcess m : live)
        {
            final long remainingMs = Math.max(1_000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            if (!m.process.waitFor(remainingMs, TimeUnit.MILLISECONDS))
            {
                throw new MemberFailure(m.describe() + " did not exit after its final report");
            }
            if (m.process.exitValue() != 0)
            {
                throw new MemberFailure(m.describe() + " exited with code " + m.process.exitValue() +
                    " after its final report" + m.logTail());
            }
        }
    }

    private void progressLine(final long elapsedNanos, final DevnetProcessReport.Tally second)
    {
        final double elapsed = elapsedNanos / 1e9;
        int links = 0;
        long repairs = 0;
        for (final MemberProcess m : current)
        {
            if (!m.ended())
            {
                synchronized (m)
                {
                    links += m.links;
                    repairs += m.repairs;
                }
            }
        }
        final String line = String.format("%5.1fs  pub %,9d/s  deliv %,10d/s  %7.1f MB/s  p50 %9s  p99 %9s  links %d  repairs %d",
            elapsed, second.published, second.delivered, second.delivered * (double)ctx.messageSize() / 1e6,
            Durations.human(second.latency.getValueAtPercentile(50)), Durations.human(second.latency.getValueAtPercentile(99)),
            links, repairs);
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
        for (final MemberProcess m : current)
        {
            final String failure = m.failure(phase);
            if (null != failure)
            {
                throw new MemberFailure(m.describe() + " " + failure + m.logTail());
            }
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
        final List<MemberProcess> snapshot = all();
        for (final MemberProcess m : snapshot)
        {
            m.closeStdin();
            if (ledger.isStopped(m.index))
            {
                // A member stopped by the plan would not act on SIGTERM.
                m.process.destroyForcibly();
            }
            m.process.destroy();
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (final MemberProcess m : snapshot)
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
        if (Boolean.getBoolean(KEEP_WORK_DIR_PROPERTY))
        {
            ctx.progress().accept("work dir kept (-D" + KEEP_WORK_DIR_PROPERTY + "=true): " + workDir);
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
}
