package io.chainmesh.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault plans at scale, with real member processes on 127.0.0.1: minutes each, so tagged {@code soak} (run with
 * {@code -Dsurefire.excludedGroups= -Dtest=DevnetFaultsSoakTest}). The figures of such runs are in
 * {@code perf/results/*-devnet-faults*.md}.
 */
@Tag("soak")
class DevnetFaultsSoakTest
{
    @TempDir
    Path dir;

    private static JsonNode run(final Path report, final String... args) throws Exception
    {
        return run(report, true, args);
    }

    private static JsonNode run(final Path report, final boolean mustPass, final String... args) throws Exception
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--report";
        all[args.length + 1] = report.toString();
        final int code = ChainmeshCli.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(all);
        assertThat(code).as(out + "\n" + err).isIn(mustPass ? new Integer[] {0} : new Integer[] {0, 1});
        return new ObjectMapper().readTree(report.toFile());
    }

    /** 16 members, 50-300 ms links, a SIGKILL, a restart and a 30 s partition between two halves. */
    @Test
    void shouldDeliverEveryOwedMessageToLiveMembersThroughAKillARestartAndAPartition() throws Exception
    {
        final JsonNode json = run(dir.resolve("soak16.json"), "devnet", "--processes", "--nodes", "16", "--duration", "80s",
            "--rate", "160", "--linger", "20ms", "--member-jvm-option=-Xmx192m",
            "--member-jvm-option=-XX:TieredStopAtLevel=1", "--link-latency", "50ms-300ms",
            "--faults", "10s:kill9:5,20s:restart:5,30s:partition:0-7|8-15,60s:heal");

        assertThat(json.get("missing").asLong()).isZero();
        assertThat(json.get("duplicates").asLong()).isZero();
        final JsonNode faults = json.get("faults");
        assertThat(faults.get("phases").size()).isEqualTo(6);
        assertThat(faults.get("phases").get(3).get("delivered").asLong()).as("deliveries during the partition").isPositive();
        final JsonNode restarted = faults.get("incarnations").get(16);
        assertThat(restarted.get("member").asInt()).isEqualTo(5);
        assertThat(restarted.get("incarnation").asInt()).isEqualTo(1);
        assertThat(restarted.get("missing").asLong()).isZero();
        for (final JsonNode incarnation : faults.get("incarnations"))
        {
            assertThat(incarnation.get("deliveredToEveryLiveMember").asLong()).isEqualTo(incarnation.get("owed").asLong());
        }
    }

    /**
     * 32 members (small heaps, serial GC) at light load: two kills (SIGKILL, SIGTERM) and two restarts. The members
     * that run throughout must get everything; on a 2-core machine a restarted JVM takes 1.5 min to start and may
     * then lack history at the edge of retention, so the restarted ones are not held to it here.
     */
    @Test
    void shouldRunThirtyTwoMemberProcessesThroughKillsAndRestarts() throws Exception
    {
        final JsonNode json = run(dir.resolve("soak32.json"), false, "devnet", "--processes", "--nodes", "32", "--duration", "60s",
            "--rate", "32", "--linger", "50ms", "--member-jvm-option=-Xmx96m", "--member-jvm-option=-Xss512k",
            "--member-jvm-option=-XX:TieredStopAtLevel=1", "--member-jvm-option=-XX:ReservedCodeCacheSize=32m",
            "--faults", "10s:kill9:7,20s:restart:7,30s:term:20,40s:restart-wiped:20");

        assertThat(json.get("perNode").size()).isEqualTo(32);
        for (final JsonNode row : json.get("perNode"))
        {
            if (row.get("index").asInt() != 7 && row.get("index").asInt() != 20)
            {
                assertThat(row.get("missing").asLong()).as("member " + row.get("index")).isZero();
            }
        }
        assertThat(json.get("faults").get("incarnations").size()).isEqualTo(34);
    }
}
