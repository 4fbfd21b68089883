package io.chainmesh.node;

import com.fasterxml.jackson.databind.JsonNode;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One {@code devnet-member} process of {@code chainmesh devnet --processes}: the process, the reader thread of its
 * stdout, and the latest of what it reported. A member restarted by a fault plan is a new {@code MemberProcess}
 * with the next incarnation.
 * <p>
 * The report fields are guarded by {@code this}: written by the reader thread, read by the run thread.
 */
final class MemberProcess
{
    private static final int LOG_TAIL_BYTES = 2_048;

    final int index;
    final int incarnation;
    final Process process;
    final Path log;
    final long spawnedNs;
    private final OutputStream stdin;
    private final Thread reader;

    // Guarded by this.
    private boolean ready;
    private long readyNs;
    int port;
    String http;
    long published;
    long backPressured;
    long delivered;
    long repairs;
    int links;
    private long[][] distinct = new long[0][];
    private long[][] historyAt = new long[0][];
    private long[][] lowest = new long[0][];
    final Histogram interval = new Histogram(3);
    boolean stopped;
    private JsonNode finalReport;
    private Histogram finalLatency;
    private String error;
    private long otherLines;
    private String lastOtherLine;
    private boolean eof;

    // Run thread only: what has been counted into the progress and phase tallies, and how it ended.
    long countedPublished;
    long countedDelivered;
    long countedRepairs;
    /** (time, published) at every collect: when each of its messages was published, to a second or so. */
    final java.util.ArrayList<long[]> timeline = new java.util.ArrayList<>();
    boolean started;
    String endedBy;
    long endedNs;
    long caughtUpNs;
    long[][] catchUpTarget;
    private volatile boolean expectedExit;

    MemberProcess(final int index, final int incarnation, final Process process, final Path log)
    {
        this.index = index;
        this.incarnation = incarnation;
        this.process = process;
        this.log = log;
        this.spawnedNs = System.nanoTime();
        this.stdin = process.getOutputStream();
        this.reader = new Thread(this::read, "chainmesh-devnet-member-" + index + "." + incarnation);
        reader.setDaemon(true);
    }

    void startReading()
    {
        reader.start();
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

    /**
     * Takes in one report line of the member (its reader thread; tests call it directly).
     *
     * @param line a JSON report.
     * @throws IOException if it is not a report this parent understands.
     */
    void onLine(final String line) throws IOException
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
                    readyNs = System.nanoTime();
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
                    distinct = perOriginAndIncarnation(m.path("distinct"));
                    historyAt = perOriginAndIncarnation(m.path("historyAt"));
                    lowest = perOriginAndIncarnation(m.path("lowest"));
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
                    historyAt = perOriginAndIncarnation(m.path("historyAt"));
                }
                case "error" -> error = "failed %s: " + m.path("message").asText("(no message)");
                default -> throw new IOException("unknown report type '" + type + "'");
            }
        }
    }

    /**
     * {@code distinct}, {@code historyAt} or {@code lowest}: per origin, a value for each incarnation (bounded: it is
     * input; absent is empty).
     */
    private static long[][] perOriginAndIncarnation(final JsonNode d)
    {
        final long[][] counts = new long[Math.min(d.size(), 256)][];
        for (int o = 0; o < counts.length; o++)
        {
            final JsonNode perIncarnation = d.get(o);
            counts[o] = new long[Math.min(perIncarnation.size(), DevnetMemberCommand.MAX_INCARNATIONS)];
            for (int k = 0; k < counts[o].length; k++)
            {
                counts[o][k] = perIncarnation.get(k).asLong();
            }
        }
        return counts;
    }

    synchronized boolean ready()
    {
        return ready;
    }

    synchronized long readyNs()
    {
        return readyNs;
    }

    synchronized int port()
    {
        return port;
    }

    synchronized String http()
    {
        return http;
    }

    synchronized int links()
    {
        return links;
    }

    synchronized boolean stopped()
    {
        return stopped;
    }

    synchronized long published()
    {
        return published;
    }

    synchronized long backPressured()
    {
        return backPressured;
    }

    /**
     * @param origin      the origin member index.
     * @param incarnation its incarnation.
     * @return distinct messages of that incarnation received, as last reported.
     */
    synchronized long distinct(final int origin, final int incarnation)
    {
        return origin < distinct.length && incarnation < distinct[origin].length ? distinct[origin][incarnation] : 0;
    }

    /**
     * @param origin      the origin member index.
     * @param incarnation its incarnation.
     * @return when the lowest sequence of that incarnation this member holds arrived ({@link System#nanoTime()} of the
     *         member, comparable with this process's on one machine), as last reported; 0 if not reported.
     */
    synchronized long historyAtNs(final int origin, final int incarnation)
    {
        return origin < historyAt.length && incarnation < historyAt[origin].length ? historyAt[origin][incarnation] : 0;
    }

    /**
     * @param origin      the origin member index.
     * @param incarnation its incarnation.
     * @return the lowest sequence of that incarnation this member holds, as last reported; 0 if not reported.
     */
    synchronized long lowestHeld(final int origin, final int incarnation)
    {
        return origin < lowest.length && incarnation < lowest[origin].length ? lowest[origin][incarnation] : 0;
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

    /** The fault plan ends this process: its exit is not a failure. */
    void expectExit(final String how, final long nowNs)
    {
        expectedExit = true;
        endedBy = how;
        endedNs = nowNs;
    }

    boolean ended()
    {
        return expectedExit;
    }

    /**
     * @param phase what the run was doing, e.g. "while starting".
     * @return why this member failed, or null while it is fine (or was ended by the fault plan).
     */
    String failure(final String phase)
    {
        if (expectedExit)
        {
            return null;
        }
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
            if (expectedExit)
            {
                return null;
            }
            final String other;
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
                other = otherLines == 0 ? "" : " (after " + otherLines + " non-report lines on stdout, the last: " +
                    lastOtherLine + ")";
            }
            return (process.isAlive() ? "closed its output " : "exited with code " + process.exitValue() + " ") + phase +
                other;
        }
        return null;
    }

    /**
     * @return "member 2 (pid 12345)", with the incarnation when it was restarted.
     */
    String describe()
    {
        return "member " + index + (incarnation > 0 ? " incarnation " + incarnation : "") + " (pid " + process.pid() + ")";
    }

    String logTail()
    {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r"))
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
            return "; its log (" + log.getFileName() + ") ends:\n" + new String(bytes, StandardCharsets.UTF_8).strip();
        }
        catch (final IOException ex)
        {
            return "";
        }
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

    /**
     * Sends a signal the JDK has no method for (SIGSTOP, SIGCONT) with {@code kill}.
     *
     * @param signal {@code STOP} or {@code CONT}.
     * @throws IllegalStateException if {@code kill} fails.
     */
    void signal(final String signal) throws InterruptedException
    {
        try
        {
            final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
            final String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (kill.waitFor() != 0)
            {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed: " + out);
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + ": " + ex.getMessage(), ex);
        }
    }
}
