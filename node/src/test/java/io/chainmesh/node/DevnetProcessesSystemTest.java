package io.chainmesh.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chainmesh devnet --processes} with real member JVMs on 127.0.0.1: delivery is checked across
 * processes, a failing member is named, and no member outlives its parent.
 */
class DevnetProcessesSystemTest
{
    private static final Pattern WORK_DIR = Pattern.compile("work dir (\\S+)\\)");

    @TempDir
    Path dir;

    private record Result(int exitCode, String out, String err)
    {
    }

    private static Result run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = ChainmeshCli.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void shouldDeliverEveryMessageAcrossMemberProcessesAndCleanUp() throws Exception
    {
        final Path report = dir.resolve("report.json");

        // C1 only: the members start about twice as fast, which is what this short run spends most of its time on.
        final Result result = run("devnet", "--processes", "--nodes", "3", "--duration", "2", "--rate", "600",
            "--linger-ms", "5", "--member-jvm-option=-XX:TieredStopAtLevel=1", "--report", report.toString());

        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
        assertThat(result.out()).contains("members started: 3 processes in ")
            .containsPattern("status page of member 0 \\(live while the devnet runs\\): http://127\\.0\\.0\\.1:[0-9]+/").contains("overlay formed: 3 nodes")
            .contains("PASSED");
        final JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertThat(json.get("passed").asBoolean()).isTrue();
        assertThat(json.get("published").asLong()).isGreaterThan(300);
        assertThat(json.get("delivered").asLong()).isEqualTo(json.get("expectedDeliveries").asLong())
            .isEqualTo(2 * json.get("published").asLong());
        assertThat(json.get("perNode").size()).isEqualTo(3);
        for (final JsonNode row : json.get("perNode"))
        {
            assertThat(row.get("published").asLong()).as("every member published").isPositive();
            assertThat(row.get("missing").asLong()).isZero();
        }
        assertThat(json.get("latencyMicros").get("count").asLong()).isEqualTo(json.get("delivered").asLong());
        final Matcher workDir = WORK_DIR.matcher(result.out());
        assertThat(workDir.find()).as(result.out()).isTrue();
        assertThat(Path.of(workDir.group(1))).as("work dir removed").doesNotExist();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count())
            .as("no member process left").isZero();
    }

    /**
     * A member killed with SIGKILL mid-run: the run goes on, the report has the survivors' figures and what the dead
     * member published up to its death, and the exit code says whether every promise held (0).
     */
    @Test
    void shouldSurviveAMemberKilledWithSigkillAndAccountForItsMessages() throws Exception
    {
        final Path report = dir.resolve("faults.json");

        final Result result = run("devnet", "--processes", "--nodes", "3", "--duration", "3", "--rate", "300",
            "--linger-ms", "5", "--member-jvm-option=-XX:TieredStopAtLevel=1", "--faults", "1500ms:kill9:2",
            "--report", report.toString());

        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
        assertThat(result.out()).containsPattern("fault: kill -9 member 2 \\(pid \\d+\\)").contains("PASSED");
        final JsonNode json = new ObjectMapper().readTree(report.toFile());
        final JsonNode faults = json.get("faults");
        assertThat(faults.get("plan").asText()).isEqualTo("1500ms:kill9:2");
        assertThat(faults.get("phases").size()).as("start, the kill, the drain").isEqualTo(3);
        assertThat(faults.get("phases").get(1).get("startedBy").asText()).isEqualTo("1500ms:kill9:2");
        assertThat(faults.get("phases").get(1).get("liveMembers").asInt()).isEqualTo(2);
        assertThat(faults.get("phases").get(1).get("delivered").asLong()).as("survivors kept delivering").isPositive();
        final JsonNode dead = faults.get("incarnations").get(2);
        assertThat(dead.get("endedBy").asText()).isEqualTo("kill9");
        assertThat(dead.get("owed").asLong()).as("what it published before its death").isPositive();
        assertThat(dead.get("deliveredToEveryLiveMember").asLong()).isEqualTo(dead.get("owed").asLong());
        for (final int survivor : new int[] {0, 1})
        {
            final JsonNode row = json.get("perNode").get(survivor);
            assertThat(row.get("missing").asLong()).isZero();
            assertThat(row.get("published").asLong()).isPositive();
            assertThat(faults.get("incarnations").get(survivor).get("endedSeconds").isNull()).isTrue();
        }
        assertThat(json.get("delivered").asLong()).isEqualTo(json.get("expectedDeliveries").asLong());
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count())
            .as("no member process left").isZero();
    }

    /**
     * A member killed with SIGKILL and restarted (same key and port) joins streams that are running: it gets every
     * message published after its return (its handler is registered before its node links) and its history. Slow-ish
     * (a JVM restarts mid-run): soak.
     */
    @Test
    @Tag("soak")
    void shouldDeliverToARestartedMemberEverythingPublishedAfterItReturned() throws Exception
    {
        final Path report = dir.resolve("restart.json");

        final Result result = run("devnet", "--processes", "--nodes", "3", "--duration", "8", "--rate", "300",
            "--linger-ms", "5", "--member-jvm-option=-XX:TieredStopAtLevel=1", "--faults", "2s:kill9:2,4s:restart:2",
            "--report", report.toString());

        assertThat(result.out()).contains("member 2 is back (incarnation 1)");
        final JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertThat(json.get("perNode").get(2).get("missing").asLong()).as(result.out()).isZero();
        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
    }

    @Test
    void shouldRefuseABadFaultPlanBeforeStartingAnything()
    {
        final Result result = run("devnet", "--processes", "--nodes", "3", "--duration", "3",
            "--faults", "1s:kill9:2,2s:restart:1", "--report", dir.resolve("r.json").toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--faults event 2 '2s:restart:1': member 1 is running; restart needs a member " +
            "that was killed (kill9 or term)");
        assertThat(result.out()).doesNotContain("members started");
    }

    /** Slow-ish (three JVMs start before one fails), so outside the default run. */
    @Test
    @Tag("soak")
    void shouldNameTheMemberThatCannotBindAndExitNonZero() throws Exception
    {
        try (ServerSocket taken = new ServerSocket())
        {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final int port = taken.getLocalPort();

            // Member 0 listens on the base port, which this test holds.
            final Result result = run("devnet", "--processes", "--nodes", "3", "--duration", "1",
                "--base-port", Integer.toString(port), "--report", dir.resolve("r.json").toString());

            assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(3);
            assertThat(result.err()).containsPattern("error: member 0 \\(pid \\d+\\) failed while starting: failed to start " +
                "\\(listen\\.address=/127\\.0\\.0\\.1:" + port + "\\)");
            assertThat(result.out()).doesNotContain("PASSED");
        }
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count())
            .as("the other members were stopped").isZero();
    }

    /** The parent's chain emits the leave and rejoin blocks; the members see them over RPC. Slow-ish: soak. */
    @Test
    @Tag("soak")
    void shouldRunChurnAcrossMemberProcesses() throws Exception
    {
        final Path report = dir.resolve("churn.json");

        final Result result = run("devnet", "--processes", "--nodes", "4", "--churn", "--duration", "3", "--rate", "600",
            "--linger-ms", "5", "--member-jvm-option=-XX:TieredStopAtLevel=1", "--report", report.toString());

        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
        assertThat(result.out()).contains("churn: member 2 left").contains("churn: member 2 rejoined");
        final JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertThat(json.get("churned").asInt()).isEqualTo(2);
        assertThat(json.get("perNode").get(2).get("published").asLong()).isZero();
        assertThat(json.get("missing").asLong()).isZero();
    }

    @Test
    void shouldReportAMemberJvmThatDiesAtStartWithItsExitCodeAndLog()
    {
        final Result result = run("devnet", "--processes", "--nodes", "2", "--duration", "1",
            "--member-jvm-option=-XX:+NoSuchChainmeshOption", "--report", dir.resolve("r.json").toString());

        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(3);
        assertThat(result.err()).containsPattern("error: member \\d \\(pid \\d+\\) exited with code 1 while starting")
            .contains("NoSuchChainmeshOption");
    }

    /** A parent JVM running a long devnet, its two members, its log and work dir. */
    private record Parent(Process process, Path log, List<ProcessHandle> members, Path workDir)
    {
    }

    private Parent startParent() throws Exception
    {
        final Path log = dir.resolve("parent.log");
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Process parent = new ProcessBuilder(List.of(java.toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            ChainmeshCli.class.getName(), "devnet", "--processes", "--nodes", "2", "--duration", "600", "--rate", "100",
            "--member-jvm-option=-XX:TieredStopAtLevel=1", "--report", dir.resolve("r.json").toString()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
        final List<ProcessHandle> members = new ArrayList<>();
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!readLog(log).contains("overlay formed") && parent.isAlive() && System.nanoTime() - deadline < 0)
            {
                // Three JVMs start on a possibly loaded machine: polling a log file, not synchronising threads.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            assertThat(readLog(log)).contains("overlay formed");
            assertThat(parent.isAlive()).as(readLog(log)).isTrue();
            parent.toHandle().children().forEach(members::add);
            assertThat(members).as("member processes").hasSize(2);
            final Matcher workDir = WORK_DIR.matcher(readLog(log));
            assertThat(workDir.find()).isTrue();
            return new Parent(parent, log, members, Path.of(workDir.group(1)));
        }
        catch (final Exception | AssertionError ex)
        {
            parent.destroyForcibly();
            members.forEach(ProcessHandle::destroyForcibly);
            throw ex;
        }
    }

    private static void awaitMembersGone(final List<ProcessHandle> members)
    {
        for (final ProcessHandle member : members)
        {
            NodeCommandSystemTest.await("member " + member.pid() + " exits after its parent", () -> !member.isAlive());
        }
    }

    /** Slow-ish (a parent JVM and its members start before it is killed), so outside the default run. */
    @Test
    @Tag("soak")
    void shouldNotLeaveMemberProcessesWhenTheParentIsKilled() throws Exception
    {
        final Parent parent = startParent();
        try
        {
            parent.process().destroyForcibly();

            assertThat(parent.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            awaitMembersGone(parent.members());
            // Nobody could remove the killed parent's work dir; the next run does.
            assertThat(parent.workDir()).exists();
            final Result next = run("devnet", "--processes", "--nodes", "2", "--duration", "0.1",
                "--member-jvm-option=-XX:+NoSuchChainmeshOption", "--report", dir.resolve("r2.json").toString());
            assertThat(next.out()).contains("removed the work dir of an earlier run that was killed: " + parent.workDir());
            assertThat(parent.workDir()).doesNotExist();
        }
        finally
        {
            parent.process().destroyForcibly();
            parent.members().forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** SIGTERM (as Ctrl-C): the shutdown hook stops the members and removes the work dir. Slow-ish: soak. */
    @Test
    @Tag("soak")
    void shouldStopMembersAndRemoveTheWorkDirOnSigterm() throws Exception
    {
        final Parent parent = startParent();
        try
        {
            parent.process().destroy();

            assertThat(parent.process().waitFor(30, TimeUnit.SECONDS)).as(readLog(parent.log())).isTrue();
            awaitMembersGone(parent.members());
            assertThat(parent.workDir()).as(readLog(parent.log())).doesNotExist();
        }
        finally
        {
            parent.process().destroyForcibly();
            parent.members().forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** An embedding thread interrupted mid-run: the runner stops its members before it returns. Slow-ish: soak. */
    @Test
    @Tag("soak")
    void shouldStopMembersWhenTheRunningThreadIsInterrupted() throws Exception
    {
        final java.util.concurrent.CountDownLatch formed = new java.util.concurrent.CountDownLatch(1);
        final DevnetProcessRunner runner = new DevnetProcessRunner(new DevnetRunner.Context().nodes(2).rate(100)
            .durationMillis(600_000).progress(line ->
            {
                if (line.startsWith("overlay formed"))
                {
                    formed.countDown();
                }
            }, false), List.of("-XX:TieredStopAtLevel=1"));
        final Throwable[] outcome = {null};
        final Thread thread = new Thread(() ->
        {
            try
            {
                runner.run();
            }
            catch (final Throwable ex)
            {
                outcome[0] = ex;
            }
        }, "devnet-processes-test");
        thread.start();
        try
        {
            assertThat(formed.await(120, TimeUnit.SECONDS)).as("overlay formed").isTrue();
            final List<ProcessHandle> members = ProcessHandle.current().children()
                .filter(p -> p.info().arguments().map(a -> java.util.Arrays.asList(a).contains("devnet-member")).orElse(false))
                .toList();
            assertThat(members).hasSize(2);

            thread.interrupt();

            thread.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(thread.isAlive()).isFalse();
            assertThat(outcome[0]).isInstanceOf(InterruptedException.class);
            assertThat(members).allSatisfy(member -> assertThat(member.isAlive()).isFalse());
        }
        finally
        {
            thread.interrupt();
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    private static String readLog(final Path log)
    {
        try
        {
            return Files.readString(log, StandardCharsets.UTF_8);
        }
        catch (final java.io.IOException ex)
        {
            return "";
        }
    }
}
