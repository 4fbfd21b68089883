package io.chainmesh.node;

import org.agrona.concurrent.status.CountersReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code chainmesh stat --counters <file>}: maps a running node's counters file read-only and prints a
 * table of every counter (id, value, label) every {@code --interval} seconds, like AeronStat.
 * {@code --count} bounds the number of tables (0 = until interrupted).
 */
@Command(name = "stat", mixinStandardHelpOptions = true,
    description = "Print a running node's counters from its counters file, refreshing.")
final class StatCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--counters", required = true, description = "The node's counters file (counters.file).")
    Path counters;

    @Option(names = "--interval", defaultValue = "1", description = "Seconds between tables (default ${DEFAULT-VALUE}).")
    double intervalSeconds;

    @Option(names = "--count", defaultValue = "0", description = "Number of tables, 0 = until interrupted.")
    long count;

    @Override
    public Integer call()
    {
        if (!(intervalSeconds >= 0.01 && intervalSeconds <= 3600))
        {
            throw new IllegalArgumentException("--interval=" + intervalSeconds + " must be in [0.01, 3600]");
        }
        if (count < 0)
        {
            throw new IllegalArgumentException("--count=" + count + " must be >= 0");
        }
        final PrintWriter out = spec.commandLine().getOut();
        final long intervalNs = (long)(intervalSeconds * TimeUnit.SECONDS.toNanos(1));
        try (CountersFile file = CountersFile.open(counters))
        {
            final CountersReader reader = file.reader();
            long printed = 0;
            long nextNs = System.nanoTime();
            while (count == 0 || printed < count)
            {
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
