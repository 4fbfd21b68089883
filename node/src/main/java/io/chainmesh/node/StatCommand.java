package io.chainmesh.node;

import org.agrona.concurrent.status.CountersReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code chainmesh stat --counters <file>}: maps a running node's counters file read-only and prints a
 * table of every counter (id, value, label) every {@code --interval} (default one second), like AeronStat.
 * {@code --count} bounds the number of tables (0 = until interrupted), {@code --once} is {@code --count 1}.
 * On a terminal each table replaces the previous one (the screen is cleared first); otherwise, or with
 * {@code --no-clear}, the tables follow each other so the output can be logged or piped.
 */
@Command(name = "stat", mixinStandardHelpOptions = true,
    description = "Print a running node's counters from its counters file, refreshing.")
final class StatCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--counters", required = true, description = "The node's counters file (counters.file).")
    Path counters;

    @Option(names = "--interval", defaultValue = "1s", converter = Durations.Seconds.class,
        description = "Time between tables: 500ms, 1s, 1m; a bare number is seconds (default ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--count", defaultValue = "0", description = "Number of tables, 0 = until interrupted.")
    long count;

    @Option(names = "--once", description = "Print one table and exit (same as --count 1).")
    boolean once;

    @Option(names = "--clear", negatable = true,
        description = "Clear the screen before each table (default: only when standard output is a terminal).")
    Boolean clear;

    /** Home the cursor and erase the screen (ANSI), so the refreshed table replaces the last one in place. */
    static final String CLEAR_SCREEN = "\033[H\033[2J";

    @Override
    public Integer call()
    {
        if (once)
        {
            if (count > 1)
            {
                throw new IllegalArgumentException("--once and --count=" + count + " contradict each other");
            }
            count = 1;
        }
        final boolean clearScreen = null != clear ? clear : ChainmeshCli.isTerminal() && count != 1;
        if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofHours(1)) > 0)
        {
            throw new IllegalArgumentException("--interval=" + Durations.human(interval.toNanos()) + " must be in [10ms, 1h]");
        }
        if (count < 0)
        {
            throw new IllegalArgumentException("--count=" + count + " must be >= 0");
        }
        final PrintWriter out = spec.commandLine().getOut();
        final long intervalNs = interval.toNanos();
        try (CountersFile file = CountersFile.open(counters))
        {
            final CountersReader reader = file.reader();
            long printed = 0;
            long nextNs = System.nanoTime();
            while (count == 0 || printed < count)
            {
                if (clearScreen)
                {
                    out.print(CLEAR_SCREEN);
                }
                printTable(out, reader);
                printed++;
                if (count != 0 && printed >= count)
                {
                    break;
                }
                nextNs += intervalNs;
                // Pacing the refresh of a human-facing table, not synchronising threads.
                long waitNs;
                while ((waitNs = nextNs - System.nanoTime()) > 0)
                {
                    LockSupport.parkNanos(waitNs);
                    if (Thread.currentThread().isInterrupted())
                    {
                        return 0;
                    }
                }
            }
        }
        return 0;
    }

    static void printTable(final PrintWriter out, final CountersReader reader)
    {
        out.println("==== " + Instant.now() + " ====");
        reader.forEach((value, counterId, label) -> out.printf("%3d: %,20d - %s%n", counterId, value, label));
        out.flush();
    }
}
