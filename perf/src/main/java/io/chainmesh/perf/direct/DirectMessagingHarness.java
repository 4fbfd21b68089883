package io.chainmesh.perf.direct;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.InMemoryDirectorySource;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.crypto.NodeId;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.Status;
import io.chainmesh.engine.Transport;
import io.netty.buffer.ByteBuf;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct messaging between two ChainmeshNodes on one loopback link, side by side in the same run with a
 * raw Netty client/server using the same framing ({@link RawNettyBaseline}).
 * <ul>
 *   <li>Throughput: one caller thread sends 64-byte payloads as fast as {@code send} accepts them
 *   (spinning on BACK_PRESSURED); the receiver counts deliveries. Raw Netty is measured twice: with the
 *   producer on the event loop (the ceiling) and with a caller thread writing and flushing every 32
 *   frames (how an application would use Netty directly).</li>
 *   <li>RTT: one message in flight; the receiver echoes it back through {@code send}; the caller
 *   records the round trip in an HdrHistogram.</li>
 * </ul>
 * Usage: {@code DirectMessagingHarness [warmupSeconds=5] [measureSeconds=10] [resultsDir=perf/results]}.
 */
public final class DirectMessagingHarness
{
    private static final int PAYLOAD = 64;

    private DirectMessagingHarness()
    {
    }

    /**
     * @param args warm-up seconds, measurement seconds, results directory.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final long warmupSeconds = args.length > 0 ? Long.parseLong(args[0]) : 5;
        final long measureSeconds = args.length > 1 ? Long.parseLong(args[1]) : 10;
        final Path resultsDir = Path.of(args.length > 2 ? args[2] : "perf/results");

        final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        final ObjectNode root = mapper.createObjectNode();
        root.put("benchmark", "direct-messaging");
        root.put("payloadBytes", PAYLOAD);
        root.put("warmupSeconds", warmupSeconds);
        root.put("measureSeconds", measureSeconds);
        root.put("cpus", Runtime.getRuntime().availableProcessors());
        root.put("java", System.getProperty("java.version"));

        final String only = args.length > 3 ? args[3] : "all";
        final int rounds = Integer.getInteger("rounds", 3);
        final Histogram engineRtt = only.contains("all") || only.contains("ertt") ?
            engineRtt(PAYLOAD, warmupSeconds, measureSeconds) : new Histogram(3);
        final Histogram rawRtt = only.contains("all") || only.contains("rrtt") ?
            rawRtt(PAYLOAD, warmupSeconds, measureSeconds) : new Histogram(3);
        // Throughput: the box is shared and noisy, so the three producers alternate over several rounds
        // (each round: fresh connection, short warm-up, measurement) and the median round is reported.
        final long roundWarmup = Math.max(1, warmupSeconds / 2);
        final long roundMeasure = Math.max(1, measureSeconds / 2);
        final double[] engineRounds = new double[rounds];
        final double[] loopRounds = new double[rounds];
        final double[] callerRounds = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            if (only.contains("all") || only.contains("rloop"))
            {
                loopRounds[r] = rawEventLoopThroughput(PAYLOAD, roundWarmup, roundMeasure);
            }
            if (only.contains("all") || only.contains("etp"))
            {
                engineRounds[r] = engineThroughput(PAYLOAD, roundWarmup, roundMeasure);
            }
            if (only.contains("all") || only.contains("rcaller"))
            {
                callerRounds[r] = rawCallerThroughput(PAYLOAD, roundWarmup, roundMeasure);
            }
        }
        final double engine = median(engineRounds);
        final double rawLoop = median(loopRounds);
        final double rawCaller = median(callerRounds);
        root.put("throughputRounds", rounds);
        root.put("throughputRoundWarmupSeconds", roundWarmup);
        root.put("throughputRoundMeasureSeconds", roundMeasure);
        final ObjectNode perRound = root.putObject("throughputPerRound");
        perRound.set("chainmesh", mapper.valueToTree(engineRounds));
        perRound.set("rawNettyEventLoopProducer", mapper.valueToTree(loopRounds));
        perRound.set("rawNettyCallerThread", mapper.valueToTree(callerRounds));

        final ObjectNode throughput = root.putObject("throughputMsgsPerSec");
        throughput.put("chainmesh", Math.round(engine));
        throughput.put("rawNettyEventLoopProducer", Math.round(rawLoop));
        throughput.put("rawNettyCallerThread", Math.round(rawCaller));
        throughput.put("ratioVsEventLoopProducer", round(engine / rawLoop));
        throughput.put("ratioVsCallerThread", round(engine / rawCaller));
        final ObjectNode rtt = root.putObject("rttMicros");
        rtt.set("chainmesh", percentiles(mapper, engineRtt));
        rtt.set("rawNetty", percentiles(mapper, rawRtt));
        rtt.put("p99Ratio", round((double)engineRtt.getValueAtPercentile(99) / rawRtt.getValueAtPercentile(99)));
        rtt.put("p50Ratio", round((double)engineRtt.getValueAtPercentile(50) / rawRtt.getValueAtPercentile(50)));
        root.put("targetThroughputMet", engine / Math.max(rawLoop, rawCaller) >= 0.8);
        root.put("targetRttP99Met", engineRtt.getValueAtPercentile(99) <= 1.5 * rawRtt.getValueAtPercentile(99));

        Files.createDirectories(resultsDir);
        final String date = LocalDate.now(ZoneOffset.UTC).toString();
        final Path json = resultsDir.resolve(date + "-direct.json");
        final Path md = resultsDir.resolve(date + "-direct.md");
        mapper.writeValue(json.toFile(), root);
        Files.writeString(md, markdown(root, engineRtt, rawRtt), StandardCharsets.UTF_8);
        System.out.println(mapper.writeValueAsString(root));
        System.out.println("results: " + json + ", " + md);
    }

    /**
     * One point-to-point measurement at a payload size, for the suite ({@code io.chainmesh.perf.suite}): the
     * same runs as {@link #main}, in the same order (RTT first, then alternating throughput rounds).
     *
     * @param payloadBytes   payload bytes per message (at least 8: the RTT stamp).
     * @param warmupSeconds  RTT warm-up; each throughput round warms up for half of it (0 allowed).
     * @param measureSeconds RTT measurement; each throughput round measures for half of it (at least 1 s).
     * @param rounds         throughput rounds; the median is reported.
     * @return the figures, RTT histograms in nanoseconds.
     * @throws InterruptedException if interrupted.
     */
    public static DirectResult measure(
        final int payloadBytes, final long warmupSeconds, final long measureSeconds, final int rounds)
        throws InterruptedException
    {
        final Histogram engineRtt = engineRtt(payloadBytes, warmupSeconds, measureSeconds);
        final Histogram rawRtt = rawRtt(payloadBytes, warmupSeconds, measureSeconds);
        final long roundWarmup = warmupSeconds / 2;
        final long roundMeasure = Math.max(1, measureSeconds / 2);
        final double[] engineRounds = new double[rounds];
        final double[] loopRounds = new double[rounds];
        final double[] callerRounds = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            loopRounds[r] = rawEventLoopThroughput(payloadBytes, roundWarmup, roundMeasure);
            engineRounds[r] = engineThroughput(payloadBytes, roundWarmup, roundMeasure);
            callerRounds[r] = rawCallerThroughput(payloadBytes, roundWarmup, roundMeasure);
        }
        return new DirectResult(payloadBytes, median(engineRounds), median(loopRounds), median(callerRounds),
            engineRtt, rawRtt);
    }

    private static double median(final double[] values)
    {
        final double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
    }

    private static double round(final double value)
    {
        return Math.round(value * 1000.0) / 1000.0;
    }

    private static ObjectNode percentiles(final ObjectMapper mapper, final Histogram histogram)
    {
        final ObjectNode node = mapper.createObjectNode();
        node.put("count", histogram.getTotalCount());
        node.put("p50", histogram.getValueAtPercentile(50) / 1000.0);
        node.put("p99", histogram.getValueAtPercentile(99) / 1000.0);
        node.put("p999", histogram.getValueAtPercentile(99.9) / 1000.0);
        node.put("max", histogram.getMaxValue() / 1000.0);
        return node;
    }

    private static String markdown(final ObjectNode root, final Histogram engineRtt, final Histogram rawRtt)
    {
        final var t = root.get("throughputMsgsPerSec");
        final var r = root.get("rttMicros");
        return "# Direct messaging, one loopback link, " + PAYLOAD + "-byte payloads\n\n" +
            "Command: `perf/direct.sh` (builds perf with -am, runs `io.chainmesh.perf.direct.DirectMessagingHarness " +
            root.get("warmupSeconds") + " " + root.get("measureSeconds") + "`); " + root.get("cpus") +
            " CPUs shared with other work, Java " + root.get("java").asText() + ", NIO transport.\n\n" +
            "Throughput: median of " + root.get("throughputRounds") + " alternating rounds (" +
            root.get("throughputRoundWarmupSeconds") + " s warm-up + " + root.get("throughputRoundMeasureSeconds") +
            " s each; per-round values in the JSON). RTT: " + root.get("warmupSeconds") + " s warm-up + " +
            root.get("measureSeconds") + " s, one message in flight.\n\n" +
            "| throughput | msgs/s | chainmesh ratio |\n|---|---:|---:|\n" +
            "| chainmesh `send` (caller thread -> link ring -> IO thread) | " + t.get("chainmesh") + " | 1.0 |\n" +
            "| raw Netty, producer on the event loop (ceiling) | " + t.get("rawNettyEventLoopProducer") + " | " +
            t.get("ratioVsEventLoopProducer") + " |\n" +
            "| raw Netty, caller thread write + flush/32 | " + t.get("rawNettyCallerThread") + " | " +
            t.get("ratioVsCallerThread") + " |\n\n" +
            "| one-hop RTT (us) | p50 | p99 | p99.9 | max | samples |\n|---|---:|---:|---:|---:|---:|\n" +
            row("chainmesh", r.get("chainmesh")) + row("raw Netty", r.get("rawNetty")) +
            "\nRTT p99 ratio chainmesh/raw: " + r.get("p99Ratio") + " (target <= 1.5); throughput target >= 0.8x: " +
            root.get("targetThroughputMet") + "; RTT target: " + root.get("targetRttP99Met") + ".\n\n" +
            "Notes: the chainmesh throughput run keeps three threads busy (the caller thread that calls `send`, " +
            "the sender's IO thread draining the link queue, the receiver's IO thread) on 2 cores, while the " +
            "event-loop ceiling needs two (no hand-off at all); the caller-thread baseline is what an " +
            "application gets writing to a Netty channel from its own thread. Both sides run with " +
            "`-Dio.netty.leakDetection.level=disabled`, pooled direct buffers, TCP_NODELAY and the same " +
            "write-buffer watermarks (128/256 KiB). The box is shared with other builds: see the per-round spread " +
            "in the JSON.\n";
    }

    private static String row(final String name, final com.fasterxml.jackson.databind.JsonNode n)
    {
        return "| " + name + " | " + n.get("p50") + " | " + n.get("p99") + " | " + n.get("p999") + " | " +
            n.get("max") + " | " + n.get("count") + " |\n";
    }

    // ------------------------------------------------------------------ raw Netty

    private static double rawEventLoopThroughput(final int payload, final long warmup, final long measure)
        throws InterruptedException
    {
        try (RawNettyBaseline raw = new RawNettyBaseline(false, payload))
        {
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + measure);
            raw.startEventLoopProducer(() -> System.nanoTime() - end < 0);
            final double rate = measureRate(raw.serverReceived, warmup, measure);
            log("raw netty event-loop producer", rate);
            return rate;
        }
    }

    private static double rawCallerThroughput(final int payload, final long warmup, final long measure)
        throws InterruptedException
    {
        try (RawNettyBaseline raw = new RawNettyBaseline(false, payload))
        {
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + measure);
            final Thread producer = new Thread(() ->
            {
                int n = 0;
                while (System.nanoTime() - end < 0)
                {
                    if (raw.client.isWritable())
                    {
                        final ByteBuf out = raw.client.alloc().directBuffer(raw.frameLength());
                        raw.writeFrame(out, 0);
                        raw.client.write(out, raw.client.voidPromise());
                        if ((++n & 31) == 0)
                        {
                            raw.client.flush();
                        }
                    }
                    else
                    {
                        raw.client.flush();
                        Thread.onSpinWait();
                    }
                }
            }, "raw-producer");
            producer.start();
            final double rate = measureRate(raw.serverReceived, warmup, measure);
            producer.join();
            log("raw netty caller-thread producer", rate);
            return rate;
        }
    }

    private static Histogram rawRtt(final int payload, final long warmup, final long measure)
    {
        try (RawNettyBaseline raw = new RawNettyBaseline(true, payload))
        {
            final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            final long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
            final long end = warmEnd + TimeUnit.SECONDS.toNanos(measure);
            long expected = 0;
            while (true)
            {
                final long start = System.nanoTime();
                if (start - end > 0)
                {
                    break;
                }
                final ByteBuf out = raw.client.alloc().directBuffer(raw.frameLength());
                raw.writeFrame(out, start);
                expected++;
                raw.client.writeAndFlush(out, raw.client.voidPromise());
                while (raw.echoes < expected)
                {
                    Thread.onSpinWait();
                }
                final long rtt = System.nanoTime() - raw.lastEchoNanos;
                if (start - warmEnd > 0)
                {
                    histogram.recordValue(rtt);
                }
            }
            log("raw netty rtt p99 us", histogram.getValueAtPercentile(99) / 1000.0);
            return histogram;
        }
    }

    // ------------------------------------------------------------------ chainmesh

    private static final class Pair implements AutoCloseable
    {
        final InMemoryDirectorySource source = new InMemoryDirectorySource(DirectorySnapshot.empty());
        final ChainmeshNode a;
        final ChainmeshNode b;

        Pair(final boolean echo, final AtomicLong received, final long[] lastEcho, final AtomicLong echoes)
        {
            final SecureRandom random = new SecureRandom();
            final NodeKey keyA = NodeKey.generate(random);
            final NodeKey keyB = NodeKey.generate(random);
            final ChainmeshNode[] bRef = new ChainmeshNode[1];
            a = ChainmeshNode.launch(new ChainmeshNode.Context()
                .nodeKey(keyA).directorySource(source).transport(Transport.NIO)
                .directHandler((src, buffer, offset, length) ->
                {
                    lastEcho[0] = buffer.getLong(offset);
                    echoes.lazySet(echoes.get() + 1);
                }));
            b = ChainmeshNode.launch(new ChainmeshNode.Context()
                .nodeKey(keyB).directorySource(source).transport(Transport.NIO)
                .directHandler((src, buffer, offset, length) ->
                {
                    received.lazySet(received.get() + 1);
                    if (echo)
                    {
                        while (bRef[0].send(src, buffer, offset, length) == Status.BACK_PRESSURED)
                        {
                            Thread.onSpinWait();
                        }
                    }
                }));
            bRef[0] = b;
            source.publish(DirectorySnapshot.of(1, List.of(member(keyA, a, 0), member(keyB, b, 1))));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (a.peers().isEmpty() || b.peers().isEmpty())
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("link did not come up");
                }
                Thread.onSpinWait();
            }
        }

        private static Member member(final NodeKey key, final ChainmeshNode node, final int position)
        {
            return new Member(key.nodeId(), new Endpoint("127.0.0.1", node.localAddress().getPort()),
                String.format("%064x", position + 1), 0, Tier.CUMULUS, position, position, position, 0, "", position);
        }

        @Override
        public void close()
        {
            a.close();
            b.close();
        }
    }

    private static double engineThroughput(final int payloadLength, final long warmup, final long measure)
        throws InterruptedException
    {
        final AtomicLong received = new AtomicLong();
        try (Pair pair = new Pair(false, received, new long[1], new AtomicLong()))
        {
            final NodeId destination = pair.b.nodeId();
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + measure);
            final long[] backPressured = new long[1];
            final Thread producer = new Thread(() ->
            {
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
                while (System.nanoTime() - end < 0)
                {
                    if (pair.a.send(destination, payload, 0, payloadLength) != Status.OK)
                    {
                        // Back-pressured: yield the core to the IO threads (2 cores, 3 busy threads).
                        backPressured[0]++;
                        Thread.yield();
                    }
                }
            }, "engine-producer");
            producer.start();
            final double rate = measureRate(received, warmup, measure);
            producer.join();
            log("chainmesh send", rate);
            log("  send refused (back-pressured) calls", backPressured[0]);
            return rate;
        }
    }

    private static Histogram engineRtt(final int payloadLength, final long warmup, final long measure)
    {
        final long[] lastEcho = new long[1];
        final AtomicLong echoes = new AtomicLong();
        try (Pair pair = new Pair(true, new AtomicLong(), lastEcho, echoes))
        {
            final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
            final NodeId destination = pair.b.nodeId();
            final long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
            final long end = warmEnd + TimeUnit.SECONDS.toNanos(measure);
            long expected = 0;
            while (true)
            {
                final long start = System.nanoTime();
                if (start - end > 0)
                {
                    break;
                }
                payload.putLong(0, start);
                while (pair.a.send(destination, payload, 0, payloadLength) != Status.OK)
                {
                    Thread.onSpinWait();
                }
                expected++;
                final long stuck = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (echoes.get() < expected)
                {
                    if (System.nanoTime() - stuck > 0)
                    {
                        throw new IllegalStateException("echo " + expected + " lost: a " + describe(pair.a) +
                            " b " + describe(pair.b));
                    }
                    Thread.onSpinWait();
                }
                final long rtt = System.nanoTime() - lastEcho[0];
                if (start - warmEnd > 0)
                {
                    histogram.recordValue(rtt);
                }
            }
            log("chainmesh rtt p99 us", histogram.getValueAtPercentile(99) / 1000.0);
            return histogram;
        }
    }

    // ------------------------------------------------------------------ common

    private static String describe(final ChainmeshNode node)
    {
        final StringBuilder sb = new StringBuilder();
        node.counters().reader().forEach((id, type, key, label) ->
        {
            final long value = node.counters().reader().getCounterValue(id);
            if (value != 0)
            {
                sb.append(label).append('=').append(value).append(", ");
            }
        });
        return sb.append(node.peers()).toString();
    }

    private static double measureRate(final AtomicLong counter, final long warmup, final long measure)
        throws InterruptedException
    {
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
        final long startCount = counter.get();
        final long start = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(measure));
        final long count = counter.get() - startCount;
        final long elapsed = System.nanoTime() - start;
        return count * 1e9 / elapsed;
    }

    private static void log(final String what, final double value)
    {
        System.out.printf("%-36s %,.1f%n", what, value);
    }

}
