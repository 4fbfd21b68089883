package io.chainmesh.perf.aeron;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The low-latency messaging reference: Aeron UDP unicast on 127.0.0.1 with an embedded media driver, measured
 * with the same payload sizes and the same method as chainmesh's point-to-point harness.
 * <ul>
 *   <li>Throughput: one producer thread offers messages as fast as the publication accepts them (retrying on
 *   {@code BACK_PRESSURED} / {@code ADMIN_ACTION} after idling); a subscriber thread counts whole
 *   messages (fragments reassembled).</li>
 *   <li>RTT: ping-pong with one message in flight; the echo thread offers each ping back on a second stream;
 *   round trips go into an HdrHistogram in nanoseconds.</li>
 * </ul>
 * The driver runs {@link ThreadingMode#SHARED} (one conductor/sender/receiver thread). It and the application
 * threads idle by parking 1 µs ({@link #DEFAULT_IDLE}; about 55 µs in practice, the kernel's timer slack): on
 * this two-core machine shared with other work (load average 15-20 while it was tuned) every spinning or
 * yielding strategy tried (busy spin, yield, spin-yield-park backoffs) gave 3-30 ms median round trips and
 * swung between runs, because a polling thread that never sleeps loses the scheduler's wake-up preference,
 * while parking gave ~150 µs steadily. On dedicated cores Aeron would spin; {@link #launch(Supplier)} takes
 * any strategy.
 * Datagrams up to 8 KiB (a 16 KiB message is two fragments), 2 MiB socket buffers and receiver window. Its
 * files live in a temporary directory (under {@code /dev/shm} when present) that {@link #close()} deletes.
 */
public final class AeronBaseline implements AutoCloseable
{
    /** Datagram size: 8 KiB (loopback carries 64 KiB; TCP on loopback rides 64 KiB segments too). */
    private static final int MTU = 8192;
    private static final int THROUGHPUT_STREAM = 1001;
    private static final int PING_STREAM = 1002;
    private static final int PONG_STREAM = 1003;
    private static final int FRAGMENT_LIMIT = 256;
    /** Idle strategy of every thread unless {@link #launch(Supplier)} says otherwise. */
    public static final Supplier<IdleStrategy> DEFAULT_IDLE = () -> new SleepingIdleStrategy(TimeUnit.MICROSECONDS.toNanos(1));
    /** Socket buffers and receiver window: 2 MiB, so a descheduled receiver does not turn into loss at once. */
    private static final int SOCKET_BUFFER = 2 * 1024 * 1024;
    private static final long CONNECT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final long ECHO_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final Path directory;
    private final MediaDriver driver;
    private final Aeron aeron;
    private boolean closed;

    private final Supplier<IdleStrategy> idleStrategies;

    private AeronBaseline(
        final Path directory, final MediaDriver driver, final Aeron aeron, final Supplier<IdleStrategy> idleStrategies)
    {
        this.directory = directory;
        this.driver = driver;
        this.aeron = aeron;
        this.idleStrategies = idleStrategies;
    }

    /**
     * Starts an embedded media driver and connects a client to it, every thread idling with
     * {@link #DEFAULT_IDLE}.
     *
     * @return the baseline; close it to stop the driver and delete its files.
     */
    public static AeronBaseline launch()
    {
        return launch(DEFAULT_IDLE);
    }

    /**
     * Starts an embedded media driver and connects a client to it.
     *
     * @param idleStrategies a new idle strategy for the driver's thread and for each application thread.
     * @return the baseline; close it to stop the driver and delete its files.
     */
    public static AeronBaseline launch(final Supplier<IdleStrategy> idleStrategies)
    {
        final Path base = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        final Path directory;
        try
        {
            directory = Files.createTempDirectory(base, "chainmesh-perf-aeron-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create a temporary Aeron directory under " + base, ex);
        }
        MediaDriver driver = null;
        try
        {
            driver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(directory.resolve("driver").toString())
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(idleStrategies.get())
                .socketRcvbufLength(SOCKET_BUFFER)
                .socketSndbufLength(SOCKET_BUFFER)
                .initialWindowLength(SOCKET_BUFFER)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .termBufferSparseFile(true));
            final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
            return new AeronBaseline(directory, driver, aeron, idleStrategies);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            IoUtil.delete(directory.toFile(), true);
            throw ex;
        }
    }

    /**
     * Pipelined throughput on a fresh publication/subscription pair.
     *
     * @param payloadBytes  bytes per message.
     * @param warmupMillis  offered before counting starts.
     * @param measureMillis counting window.
     * @return whole messages received per second in the window.
     * @throws InterruptedException if interrupted.
     */
    public double throughput(final int payloadBytes, final long warmupMillis, final long measureMillis)
        throws InterruptedException
    {
        final String channel = channel(freeUdpPort());
        final AtomicLong received = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        try (Subscription subscription = aeron.addSubscription(channel, THROUGHPUT_STREAM);
            Publication publication = aeron.addPublication(channel, THROUGHPUT_STREAM))
        {
            awaitConnected(publication, subscription);
            final FragmentHandler counter = new FragmentAssembler(
                (buffer, offset, length, header) -> received.lazySet(received.get() + 1));
            final Thread receiver = new Thread(() ->
            {
                final IdleStrategy idle = idleStrategies.get();
                while (running.get())
                {
                    idle.idle(subscription.poll(counter, FRAGMENT_LIMIT));
                }
            }, "aeron-receiver");
            final Thread producer = new Thread(() ->
            {
                final IdleStrategy idle = idleStrategies.get();
                final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(payloadBytes));
                while (running.get())
                {
                    final long result = publication.offer(payload, 0, payloadBytes);
                    if (result < 0)
                    {
                        checkRetryable(result);
                        idle.idle();
                    }
                    else
                    {
                        idle.reset();
                    }
                }
            }, "aeron-producer");
            receiver.start();
            producer.start();
            try
            {
                Thread.sleep(warmupMillis);
                final long startCount = received.get();
                final long start = System.nanoTime();
                Thread.sleep(measureMillis);
                final long count = received.get() - startCount;
                return count * 1e9 / (System.nanoTime() - start);
            }
            finally
            {
                running.set(false);
                producer.join();
                receiver.join();
            }
        }
    }

    /**
     * Round trips with one message in flight on fresh ping and pong streams.
     *
     * @param payloadBytes  bytes per message, at least 8 (the send timestamp).
     * @param warmupMillis  round trips before recording starts.
     * @param measureMillis recording window.
     * @return round-trip times in nanoseconds.
     * @throws InterruptedException if interrupted.
     */
    public Histogram rtt(final int payloadBytes, final long warmupMillis, final long measureMillis)
        throws InterruptedException
    {
        if (payloadBytes < Long.BYTES)
        {
            throw new IllegalArgumentException("payloadBytes=" + payloadBytes + " must be >= 8 (the ping timestamp)");
        }
        final String pingChannel = channel(freeUdpPort());
        final String pongChannel = channel(freeUdpPort());
        final AtomicBoolean running = new AtomicBoolean(true);
        try (Subscription pingSubscription = aeron.addSubscription(pingChannel, PING_STREAM);
            Publication pingPublication = aeron.addPublication(pingChannel, PING_STREAM);
            Subscription pongSubscription = aeron.addSubscription(pongChannel, PONG_STREAM);
            Publication pongPublication = aeron.addPublication(pongChannel, PONG_STREAM))
        {
            awaitConnected(pingPublication, pingSubscription);
            awaitConnected(pongPublication, pongSubscription);
            final FragmentHandler echo = new FragmentAssembler((buffer, offset, length, header) -> offerUntilAccepted(
                pongPublication, buffer, offset, length));
            final Thread echoer = new Thread(() ->
            {
                final IdleStrategy idle = idleStrategies.get();
                while (running.get())
                {
                    idle.idle(pingSubscription.poll(echo, FRAGMENT_LIMIT));
                }
            }, "aeron-echo");
            echoer.start();
            try
            {
                return pingPong(payloadBytes, warmupMillis, measureMillis, pingPublication, pongSubscription, idleStrategies.get());
            }
            finally
            {
                running.set(false);
                echoer.join();
            }
        }
    }

    private static Histogram pingPong(
        final int payloadBytes, final long warmupMillis, final long measureMillis, final Publication ping,
        final Subscription pong, final IdleStrategy idle)
    {
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(payloadBytes));
        final long[] echoedStamp = new long[1];
        final long[] echoes = new long[1];
        final FragmentHandler onPong = new FragmentAssembler((buffer, offset, length, header) ->
        {
            echoedStamp[0] = buffer.getLong(offset);
            echoes[0]++;
        });
        final long warmEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmupMillis);
        final long end = warmEnd + TimeUnit.MILLISECONDS.toNanos(measureMillis);
        long expected = 0;
        while (true)
        {
            final long start = System.nanoTime();
            if (start - end > 0)
            {
                return histogram;
            }
            payload.putLong(0, start);
            offerUntilAccepted(ping, payload, 0, payloadBytes);
            expected++;
            final long stuck = start + ECHO_TIMEOUT_NS;
            while (echoes[0] < expected)
            {
                final int fragments = pong.poll(onPong, FRAGMENT_LIMIT);
                if (fragments == 0 && System.nanoTime() - stuck > 0)
                {
                    throw new IllegalStateException("aeron echo " + expected + " not received within 10 s");
                }
                idle.idle(fragments);
            }
            final long rtt = System.nanoTime() - echoedStamp[0];
            if (start - warmEnd > 0)
            {
                histogram.recordValue(Math.min(rtt, histogram.getHighestTrackableValue()));
            }
        }
    }

    private static void offerUntilAccepted(
        final Publication publication, final DirectBuffer buffer, final int offset, final int length)
    {
        long result;
        while ((result = publication.offer(buffer, offset, length)) < 0)
        {
            checkRetryable(result);
            Thread.onSpinWait();
        }
    }

    private static void checkRetryable(final long result)
    {
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
        {
            throw new IllegalStateException("aeron offer failed: " + Publication.errorString(result));
        }
    }

    private static void awaitConnected(final Publication publication, final Subscription subscription)
    {
        final long deadline = System.nanoTime() + CONNECT_TIMEOUT_NS;
        while (!publication.isConnected() || !subscription.isConnected())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("aeron " + publication.channel() + " stream " + publication.streamId() +
                    " did not connect within 30 s");
            }
            Thread.yield();
        }
    }

    private static String channel(final int port)
    {
        // linger=0: a closed publication's log is released at once instead of lingering 5 s per run.
        return "aeron:udp?endpoint=127.0.0.1:" + port + "|mtu=" + MTU + "|linger=0";
    }

    /** An ephemeral UDP port free on 127.0.0.1 right now (the driver binds it moments later). */
    private static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("no free UDP port on 127.0.0.1", ex);
        }
    }

    /**
     * @return the temporary directory holding the driver's files (gone after {@link #close()}).
     */
    Path directory()
    {
        return directory;
    }

    /** Closes the client, then the driver, then deletes the temporary directory; idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            CloseHelper.closeAll(aeron, driver);
            IoUtil.delete(directory.toFile(), true);
        }
    }
}
