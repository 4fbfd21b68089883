package io.chainmesh.node;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chainmesh stat}: how many tables, and whether the screen is cleared between them. */
class StatCommandTest
{
    @TempDir
    Path dir;

    private record Result(int exitCode, String out, String err)
    {
    }

    private Result stat(final String... extra) throws Exception
    {
        final Path path = dir.resolve("counters.dat");
        try (CountersFile file = CountersFile.create(path))
        {
            final CountersManager manager = new CountersManager(file.metaDataBuffer(), file.valuesBuffer());
            final AtomicCounter counter = manager.newCounter("test frames");
            counter.set(1234);
            final String[] args = new String[3 + extra.length];
            args[0] = "stat";
            args[1] = "--counters";
            args[2] = path.toString();
            System.arraycopy(extra, 0, args, 3, extra.length);
            final StringWriter out = new StringWriter();
            final StringWriter err = new StringWriter();
            final int code = ChainmeshCli.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
            return new Result(code, out.toString(), err.toString());
        }
    }

    private static int tables(final String out)
    {
        return out.split("==== ", -1).length - 1;
    }

    @Test
    void shouldPrintTheHandshakeEndAdmissionAndLinkEndCountersOfANode() throws Exception
    {
        final Path path = dir.resolve("node-counters.dat");
        try (CountersFile file = CountersFile.create(path))
        {
            final io.chainmesh.engine.EngineCounters counters =
                new io.chainmesh.engine.EngineCounters(file.metaDataBuffer(), file.valuesBuffer());
            counters.handshakeEnds(io.chainmesh.engine.EngineCounters.HandshakeEnd.RESET).set(7);
            counters.admissionRefused(io.chainmesh.engine.EngineCounters.AdmissionRefusal.PER_SOURCE_LIMIT).set(9_968);
            counters.linksEnded(io.chainmesh.codec.control.CloseReason.HEARTBEAT_TIMEOUT).set(2);
            final StringWriter out = new StringWriter();
            final StringWriter err = new StringWriter();
            final int code = ChainmeshCli.commandLine(new PrintWriter(out), new PrintWriter(err))
                .execute("stat", "--counters", path.toString(), "--once");

            assertThat(code).as(err.toString()).isZero();
            assertThat(out.toString()).contains("7 - handshakes ended RESET", "0 - handshakes ended EOF",
                "9,968 - admission refused PER_SOURCE_LIMIT", "0 - admission refused TOTAL_LIMIT",
                "2 - links ended HEARTBEAT_TIMEOUT", "0 - links ended RESET");
        }
    }

    @Test
    void shouldPrintOneTableWithOnce() throws Exception
    {
        final Result result = stat("--once");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(tables(result.out())).isEqualTo(1);
        assertThat(result.out()).contains("1,234 - test frames").doesNotContain(StatCommand.CLEAR_SCREEN);
    }

    @Test
    void shouldRepeatPlainTablesWhenNotATerminal() throws Exception
    {
        final Result result = stat("--count", "3", "--interval", "0.01");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(tables(result.out())).isEqualTo(3);
        assertThat(result.out()).doesNotContain("\033");
    }

    @Test
    void shouldClearTheScreenBeforeEachTableWhenAsked() throws Exception
    {
        final Result result = stat("--count", "2", "--interval", "0.01", "--clear");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).startsWith(StatCommand.CLEAR_SCREEN + "==== ");
        assertThat(result.out().split("\033\\[H\033\\[2J", -1)).hasSize(3);
    }

    @Test
    void shouldRejectOnceWithACountAboveOne() throws Exception
    {
        final Result result = stat("--once", "--count", "2");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--once and --count=2");
    }
}
