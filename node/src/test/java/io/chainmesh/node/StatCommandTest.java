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
