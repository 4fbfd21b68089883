package io.chainmesh.perf.capacity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The {@link CapacityNode} process of a capacity run, driven over its standard input and output: one command per
 * line in, one JSON object per line out ({@code stats}, {@code profile start}, {@code profile stop FILE},
 * {@code exit}), except {@code delivered}, answered with a bare number so the generator's load loop can poll it
 * cheaply. Its standard error goes to this process's. Used from one thread.
 */
final class NodeUnderTest implements AutoCloseable
{
    private static final long STALLED_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Process process;
    private final Writer in;
    private final BufferedReader out;
    private final ObjectMapper mapper;
    private final Consumer<String> log;
    private ObjectNode ready;

    private NodeUnderTest(final Process process, final ObjectMapper mapper, final Consumer<String> log)
    {
        this.process = process;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.mapper = mapper;
        this.log = log;
    }

    /**
     * Starts the node and waits for its first line, which must say it is ready.
     *
     * @param command the whole command line (JVM, options, main class and its arguments).
     * @param mapper  reads the node's JSON lines.
     * @param log     where progress goes.
     * @return the running node.
     * @throws IOException if it cannot start, or exits or says anything but ready first.
     */
    static NodeUnderTest start(final List<String> command, final ObjectMapper mapper, final Consumer<String> log)
        throws IOException
    {
        final Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final NodeUnderTest node = new NodeUnderTest(process, mapper, log);
        try
        {
            final ObjectNode ready = node.readLine();
            if (!ready.path("ready").asBoolean())
            {
                throw new IOException("node under test did not start: " + ready);
            }
            log.accept("capacity: node under test " + ready);
            node.ready = ready;
            return node;
        }
        catch (final IOException | RuntimeException ex)
        {
            node.close();
            throw ex;
        }
    }

    /**
     * @return the node's first line: its port, member, verifier and process id.
     */
    ObjectNode ready()
    {
        return ready;
    }

    /**
     * @return the node's counters and figures now.
     * @throws IOException if the node is gone.
     */
    ObjectNode stats() throws IOException
    {
        return command("stats");
    }

    /**
     * @param line a command other than {@code delivered}.
     * @return the node's answer.
     * @throws IOException if the node is gone.
     */
    ObjectNode command(final String line) throws IOException
    {
        in.write(line + "\n");
        in.flush();
        return readLine();
    }

    /**
     * @return messages the node has delivered since it started.
     * @throws IOException if the node is gone or answers anything but a number.
     */
    long delivered() throws IOException
    {
        in.write("delivered\n");
        in.flush();
        final String line = out.readLine();
        if (null == line)
        {
            throw new IOException("node under test exited: " + exitState());
        }
        try
        {
            return Long.parseLong(line.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IOException("node under test answered 'delivered' with '" + line + "'", ex);
        }
    }

    /**
     * Waits until the node has delivered {@code messages} more than at {@code from}, the timeout passes, or
     * deliveries stop moving for 5 s (said in the log).
     *
     * @param from         stats to count from.
     * @param messages     messages to wait for.
     * @param timeoutNanos patience.
     * @return the stats at the end of the wait.
     * @throws IOException if the node is gone.
     */
    ObjectNode awaitDelivered(final ObjectNode from, final long messages, final long timeoutNanos) throws IOException
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        long last = -1;
        long lastChange = System.nanoTime();
        while (true)
        {
            final ObjectNode s = stats();
            final long delivered = delivered(from, s);
            if (delivered >= messages || System.nanoTime() > deadline)
            {
                return s;
            }
            if (delivered != last)
            {
                last = delivered;
                lastChange = System.nanoTime();
            }
            else if (System.nanoTime() - lastChange > STALLED_NANOS)
            {
                log.accept("capacity: no delivery for 5 s at " + delivered + " of " + messages + ": " + s);
                return s;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /**
     * @param from stats at the start.
     * @param to   stats at the end.
     * @return messages delivered between them.
     */
    static long delivered(final ObjectNode from, final ObjectNode to)
    {
        return to.path("delivered").asLong() - from.path("delivered").asLong();
    }

    private ObjectNode readLine() throws IOException
    {
        String line;
        while (null != (line = out.readLine()))
        {
            if (line.startsWith("{"))
            {
                return (ObjectNode)mapper.readTree(line);
            }
        }
        throw new IOException("node under test exited: " + exitState());
    }

    private String exitState()
    {
        return process.isAlive() ? "running" : "exit " + process.exitValue();
    }

    /** Asks the node to exit, and ends it if it has not within 10 s. */
    @Override
    public void close()
    {
        try
        {
            in.write("exit\n");
            in.flush();
        }
        catch (final IOException ignored)
        {
            // It is gone already.
        }
        try
        {
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
