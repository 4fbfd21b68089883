package io.chainmesh.perf.direct;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.chain.MemberId;
import io.chainmesh.engine.ChannelCipher;
import io.chainmesh.engine.Status;
import io.netty.buffer.ByteBuf;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct messaging between two ChainmeshNodes on one loopback link, side by side in the same run with a
 * raw Netty client/server using the same framing ({@link RawNettyBaseline}).
 * <ul>
 *   <li>Throughput, two producer placements, each against the raw Netty producer with the same placement:
 *   (b) on the sending link's event loop (a task on {@code linkExecutor}, no hand-off) against the raw
 *   event-loop producer (the ceiling), and (a) one caller thread calling {@code send} (yielding on
 *   BACK_PRESSURED) against a raw caller thread writing and flushing every 32 frames (how an application
 *   would use Netty directly). A second ceiling has its receiver decode in place as chainmesh does. The
 *   receiver counts deliveries.</li>
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
        final java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        root.put("loadAverageAtStart", os.getSystemLoadAverage());

        // Optional 4th argument: comma-separated subset of ertt, rrtt, rloop, eloop, rloopinplace, etp, rcaller.
        final java.util.Set<String> only = java.util.Set.of((args.length > 3 ? args[3] : "all").split(","));
        final int rounds = Integer.getInteger("rounds", 3);
        // RTT: the two sides alternate in rounds too (the box's load swings within seconds), each side's
        // histogram accumulating over its rounds; per-round p99s in the JSON for the spread.
        final int rttRounds = Integer.getInteger("rttRounds", rounds);
        final long rttWarmup = Math.max(1, warmupSeconds / 2);
        final long rttMeasure = Math.max(1, measureSeconds / 2);
        final Histogram engineRtt = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final Histogram rawRtt = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final double[] engineRttP99 = new double[rttRounds];
        final double[] rawRttP99 = new double[rttRounds];
        for (int r = 0; r < rttRounds; r++)
        {
            if (runs(only, "ertt"))
            {
                final Histogram round = engineRtt(PAYLOAD, rttWarmup, rttMeasure);
                engineRttP99[r] = round.getValueAtPercentile(99) / 1000.0;
                engineRtt.add(round);
            }
            if (runs(only, "rrtt"))
            {
                final Histogram round = rawRtt(PAYLOAD, rttWarmup, rttMeasure);
                rawRttP99[r] = round.getValueAtPercentile(99) / 1000.0;
                rawRtt.add(round);
            }
        }
        root.put("rttRounds", rttRounds);
        root.put("rttRoundWarmupSeconds", rttWarmup);
        root.put("rttRoundMeasureSeconds", rttMeasure);
        // Throughput: the box is shared and noisy, so the producers alternate over several rounds (each
        // round: fresh connection, short warm-up, measurement; the two sides of each comparison run back to
        // back) and the median round is reported, with the per-round ratios for the spread.
        final long roundWarmup = Math.max(1, warmupSeconds / 2);
        final long roundMeasure = Math.max(1, measureSeconds / 2);
        final ObjectNode cpuPerRound = root.putObject("cpuNsPerMessagePerRound");
        final double[] loopRounds = new double[rounds];
        final double[] engineLoopRounds = new double[rounds];
        final double[] loopInPlaceRounds = new double[rounds];
        final double[] engineRounds = new double[rounds];
        final double[] callerRounds = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            if (runs(only, "rloop"))
            {
                loopRounds[r] = rawEventLoopThroughput(PAYLOAD, roundWarmup, roundMeasure, false);
                recordCpu(mapper, cpuPerRound, "rawNettyEventLoopProducer");
            }
            if (runs(only, "eloop"))
            {
                engineLoopRounds[r] = engineEventLoopThroughput(PAYLOAD, roundWarmup, roundMeasure);
                recordCpu(mapper, cpuPerRound, "chainmeshEventLoopProducer");
            }
            if (runs(only, "rloopinplace"))
            {
                loopInPlaceRounds[r] = rawEventLoopThroughput(PAYLOAD, roundWarmup, roundMeasure, true);
                recordCpu(mapper, cpuPerRound, "rawNettyEventLoopProducerInPlaceReceive");
            }
            if (runs(only, "etp"))
            {
                engineRounds[r] = engineThroughput(PAYLOAD, roundWarmup, roundMeasure);
                recordCpu(mapper, cpuPerRound, "chainmesh");
            }
            if (runs(only, "rcaller"))
            {
                callerRounds[r] = rawCallerThroughput(PAYLOAD, roundWarmup, roundMeasure);
                recordCpu(mapper, cpuPerRound, "rawNettyCallerThread");
            }
        }
        final double engine = median(engineRounds);
        final double engineLoop = median(engineLoopRounds);
        final double rawLoop = median(loopRounds);
        final double rawLoopInPlace = median(loopInPlaceRounds);
        final double rawCaller = median(callerRounds);
        root.put("throughputRounds", rounds);
        root.put("throughputRoundWarmupSeconds", roundWarmup);
        root.put("throughputRoundMeasureSeconds", roundMeasure);
        final ObjectNode perRound = root.putObject("throughputPerRound");
        perRound.set("chainmesh", mapper.valueToTree(engineRounds));
        perRound.set("chainmeshEventLoopProducer", mapper.valueToTree(engineLoopRounds));
        perRound.set("rawNettyEventLoopProducer", mapper.valueToTree(loopRounds));
        perRound.set("rawNettyEventLoopProducerInPlaceReceive", mapper.valueToTree(loopInPlaceRounds));
        perRound.set("rawNettyCallerThread", mapper.valueToTree(callerRounds));

        // "chainmesh" keeps its meaning from earlier runs: send() from a caller thread.
        final ObjectNode throughput = root.putObject("throughputMsgsPerSec");
        throughput.put("chainmesh", Math.round(engine));
        throughput.put("chainmeshEventLoopProducer", Math.round(engineLoop));
        throughput.put("rawNettyEventLoopProducer", Math.round(rawLoop));
        throughput.put("rawNettyEventLoopProducerInPlaceReceive", Math.round(rawLoopInPlace));
        throughput.put("rawNettyCallerThread", Math.round(rawCaller));
        throughput.put("ratioVsEventLoopProducer", round(engine / rawLoop));
        throughput.put("ratioVsCallerThread", round(engine / rawCaller));
        throughput.put("eventLoopRatioVsEventLoopProducer", round(engineLoop / rawLoop));
        throughput.put("eventLoopRatioVsEventLoopProducerInPlaceReceive", round(engineLoop / rawLoopInPlace));

        // Each comparison: both sides with the same producer placement, medians and per-round ratios.
        final ObjectNode comparisons = root.putObject("comparisons");
        comparison(mapper, comparisons, cpuPerRound, "headline",
            "(b) producer on the link's event loop: chainmesh send from a task on linkExecutor() vs raw Netty " +
            "event-loop producer (ceiling)", "chainmeshEventLoopProducer", engineLoopRounds, "rawNettyEventLoopProducer", loopRounds);
        comparison(mapper, comparisons, cpuPerRound, "eventLoopVsInPlaceCeiling",
            "(b') chainmesh send on the event loop vs raw Netty event-loop producer whose receiver also decodes " +
            "in place (stricter ceiling)", "chainmeshEventLoopProducer", engineLoopRounds,
            "rawNettyEventLoopProducerInPlaceReceive", loopInPlaceRounds);
        comparison(mapper, comparisons, cpuPerRound, "callerThread",
            "(a) producer on a caller thread: chainmesh send (ring + IO-thread drain) vs raw Netty caller-thread " +
            "write + flush every 32", "chainmesh", engineRounds, "rawNettyCallerThread", callerRounds);
        comparison(mapper, comparisons, cpuPerRound, "callerThreadVsCeiling",
            "(a) chainmesh send from a caller thread vs the raw event-loop ceiling (different placement)",
            "chainmesh", engineRounds, "rawNettyEventLoopProducer", loopRounds);
        final ObjectNode rtt = root.putObject("rttMicros");
        rtt.set("chainmesh", percentiles(mapper, engineRtt));
        rtt.set("rawNetty", percentiles(mapper, rawRtt));
        rtt.put("p99Ratio", round((double)engineRtt.getValueAtPercentile(99) / rawRtt.getValueAtPercentile(99)));
        rtt.put("p50Ratio", round((double)engineRtt.getValueAtPercentile(50) / rawRtt.getValueAtPercentile(50)));
        rtt.set("chainmeshP99PerRound", mapper.valueToTree(engineRttP99));
        rtt.set("rawNettyP99PerRound", mapper.valueToTree(rawRttP99));
        final double[] p99Ratios = new double[rttRounds];
        for (int i = 0; i < rttRounds; i++)
        {
            p99Ratios[i] = rawRttP99[i] > 0 ? round(engineRttP99[i] / rawRttP99[i]) : 0;
        }
        rtt.set("p99RatioPerRound", mapper.valueToTree(p99Ratios));
        rtt.put("medianRoundP99Ratio", median(p99Ratios));
        // The target compares the same producer placement on both sides: (b) against the raw ceiling.
        root.put("targetThroughputMet", engineLoop / rawLoop >= 0.8);
        root.put("targetThroughputCompares", "chainmeshEventLoopProducer / rawNettyEventLoopProducer >= 0.8");
        root.put("targetRttP99Met", engineRtt.getValueAtPercentile(99) <= 1.5 * rawRtt.getValueAtPercentile(99));

        root.put("loadAverageAtEnd", os.getSystemLoadAverage());
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
     * One point-to-point measurement at a payload size, for the suite ({@code io.chainmesh.perf.suite}): the same
     * runs as {@link #main} (RTT rounds, then throughput rounds alternating the producers), medians reported.
     *
     * @param payloadBytes   payload bytes per message (at least 8: the RTT stamp).
     * @param warmupSeconds  warm-up of each RTT round; each throughput round warms up for half of it (0 allowed).
     * @param measureSeconds measurement of each RTT round; each throughput round measures for half of it (at least 1 s).
     * @param rounds         RTT and throughput rounds.
     * @return the figures, RTT histograms in nanoseconds.
     * @throws InterruptedException if interrupted.
     */
    public static DirectResult measure(
        final int payloadBytes, final long warmupSeconds, final long measureSeconds, final int rounds)
        throws InterruptedException
    {
        final Histogram engineRtt = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final Histogram rawRtt = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        for (int r = 0; r < rounds; r++)
        {
            engineRtt.add(engineRtt(payloadBytes, warmupSeconds, measureSeconds));
            rawRtt.add(rawRtt(payloadBytes, warmupSeconds, measureSeconds));
        }
        final long roundWarmup = warmupSeconds / 2;
        final long roundMeasure = Math.max(1, measureSeconds / 2);
        final double[] engineRounds = new double[rounds];
        final double[] engineLoopRounds = new double[rounds];
        final double[] loopRounds = new double[rounds];
        final double[] loopInPlaceRounds = new double[rounds];
        final double[] callerRounds = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            loopRounds[r] = rawEventLoopThroughput(payloadBytes, roundWarmup, roundMeasure, false);
            engineLoopRounds[r] = engineEventLoopThroughput(payloadBytes, roundWarmup, roundMeasure);
            loopInPlaceRounds[r] = rawEventLoopThroughput(payloadBytes, roundWarmup, roundMeasure, true);
            engineRounds[r] = engineThroughput(payloadBytes, roundWarmup, roundMeasure);
            callerRounds[r] = rawCallerThroughput(payloadBytes, roundWarmup, roundMeasure);
        }
        return new DirectResult(payloadBytes, median(engineLoopRounds), median(engineRounds), median(loopRounds),
            median(loopInPlaceRounds), median(callerRounds), engineRtt, rawRtt);
    }

    private static void recordCpu(final ObjectMapper mapper, final ObjectNode cpuPerRound, final String name)
    {
        final com.fasterxml.jackson.databind.node.ArrayNode rounds = cpuPerRound.has(name) ?
            (com.fasterxml.jackson.databind.node.ArrayNode)cpuPerRound.get(name) : cpuPerRound.putArray(name);
        rounds.add(mapper.valueToTree(lastCpu));
    }

    private static double medianCpu(final com.fasterxml.jackson.databind.JsonNode rounds, final String field)
    {
        if (null == rounds)
        {
            return 0;
        }
        final double[] values = new double[rounds.size()];
        for (int i = 0; i < values.length; i++)
        {
            values[i] = rounds.get(i).get(field).asDouble();
        }
        return median(values);
    }

    private static boolean runs(final java.util.Set<String> only, final String what)
    {
        return only.contains("all") || only.contains(what);
    }

    private static void comparison(
        final ObjectMapper mapper,
        final ObjectNode parent,
        final ObjectNode cpu,
        final String name,
        final String what,
        final String chainmeshKey,
        final double[] chainmesh,
        final String rawKey,
        final double[] raw)
    {
        final ObjectNode node = parent.putObject(name);
        node.put("compares", what);
        node.put("chainmeshKey", chainmeshKey);
        node.put("rawKey", rawKey);
        final double chainmeshCpu = medianCpu(cpu.get(chainmeshKey), "totalNsPerMessage");
        final double rawCpu = medianCpu(cpu.get(rawKey), "totalNsPerMessage");
        node.put("chainmeshCpuNsPerMessage", chainmeshCpu);
        node.put("rawCpuNsPerMessage", rawCpu);
        node.put("cpuPerMessageRatio", round(chainmeshCpu / rawCpu));
        node.put("chainmeshBusiestThreadNsPerMessage", medianCpu(cpu.get(chainmeshKey), "busiestThreadNsPerMessage"));
        node.put("rawBusiestThreadNsPerMessage", medianCpu(cpu.get(rawKey), "busiestThreadNsPerMessage"));
        node.put("chainmeshMedian", Math.round(median(chainmesh)));
        node.put("rawMedian", Math.round(median(raw)));
        node.put("ratioOfMedians", round(median(chainmesh) / median(raw)));
        // A round where either side delivered nothing (starved by the box's load) has no ratio.
        final com.fasterxml.jackson.databind.node.ArrayNode perRound = node.putArray("perRoundRatios");
        final java.util.List<Double> valid = new java.util.ArrayList<>();
        for (int i = 0; i < chainmesh.length; i++)
        {
            if (chainmesh[i] > 0 && raw[i] > 0)
            {
                final double ratio = round(chainmesh[i] / raw[i]);
                valid.add(ratio);
                perRound.add(ratio);
            }
            else
            {
                perRound.addNull();
            }
        }
        final double[] ratios = valid.stream().mapToDouble(Double::doubleValue).toArray();
        node.put("medianRoundRatio", median(ratios));
        final double[] sorted = ratios.clone();
        java.util.Arrays.sort(sorted);
        node.put("minRoundRatio", sorted.length == 0 ? 0 : sorted[0]);
        node.put("maxRoundRatio", sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
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
        final var r = root.get("rttMicros");
        final var c = root.get("comparisons");
        return "# Direct messaging, one loopback link, " + PAYLOAD + "-byte payloads\n\n" +
            "Command: `ROUNDS=" + root.get("throughputRounds") + " perf/direct.sh " + root.get("warmupSeconds") + " " +
            root.get("measureSeconds") + "` (builds perf with -am, runs `io.chainmesh.perf.direct.DirectMessagingHarness " +
            root.get("warmupSeconds") + " " + root.get("measureSeconds") + "` with `-Drounds=" +
            root.get("throughputRounds") + "`); " + root.get("cpus") +
            " CPUs shared with other work (1-minute load average " + root.get("loadAverageAtStart") + " at start, " +
            root.get("loadAverageAtEnd") + " at end), Java " + root.get("java").asText() + ", NIO transport.\n\n" +
            "Throughput: " + root.get("throughputRounds") + " rounds, the five producers alternating within each (" +
            root.get("throughputRoundWarmupSeconds") + " s warm-up + " + root.get("throughputRoundMeasureSeconds") +
            " s each, fresh connection; the two sides of each comparison back to back); medians of rounds, and " +
            "the ratio of each round's pair for the spread. CPU ns/msg: CPU time the JVM's threads spent during a " +
            "measured window (ThreadMXBean, all threads but the sleeping measurer) per delivered message, median of " +
            "rounds; busiest thread: the one thread with most CPU per message, which bounds the rate on dedicated " +
            "cores. On a shared box these are steadier than rates. RTT: one message in flight, " +
            root.get("rttRounds") + " rounds alternating chainmesh and raw (" + root.get("rttRoundWarmupSeconds") +
            " s warm-up + " + root.get("rttRoundMeasureSeconds") + " s each, fresh connection), each side's " +
            "histogram over all its rounds.\n\n" +
            "| comparison (same producer placement on both sides unless said) | chainmesh msgs/s | raw msgs/s | " +
            "ratio of medians | per-round ratios (min-max) | CPU ns/msg chainmesh / raw (ratio) | busiest thread " +
            "ns/msg chainmesh / raw |\n|---|---:|---:|---:|---|---:|---:|\n" +
            comparisonRow(c.get("headline")) + comparisonRow(c.get("eventLoopVsInPlaceCeiling")) +
            comparisonRow(c.get("callerThread")) + comparisonRow(c.get("callerThreadVsCeiling")) + "\n" +
            "| one-hop RTT (us) | p50 | p99 | p99.9 | max | samples |\n|---|---:|---:|---:|---:|---:|\n" +
            row("chainmesh", r.get("chainmesh")) + row("raw Netty", r.get("rawNetty")) +
            "\nRTT p99 ratio chainmesh/raw: " + r.get("p99Ratio") + " (per round: " + r.get("p99RatioPerRound") +
            ", median " + r.get("medianRoundP99Ratio") + "; target <= 1.5: " + root.get("targetRttP99Met") +
            "). Throughput target (" + root.get("targetThroughputCompares").asText() + "): " +
            root.get("targetThroughputMet") + ".\n\n" +
            "Producers: (b) chainmesh: a task on `node.linkExecutor(destination)` (the link's IO thread) calls " +
            "`send` for up to 256 KiB and re-submits itself, or on BACK_PRESSURED returns and resumes from " +
            "`node.whenWritable(destination, task)`; frames are encoded straight into the " +
            "link's outbound buffer and flushed when the task returns. Raw ceiling: a task on the client's event " +
            "loop fills 16 KiB buffers while writable (up to 256 KiB), flushes, re-submits, and resumes on " +
            "writability. (a) chainmesh: one caller thread calls `send` (ring + IO-thread drain, three busy " +
            "threads on two cores), yielding when BACK_PRESSURED; raw: one caller thread writes each frame and " +
            "flushes every 32 (each write is a task for the event loop). Receivers: chainmesh decodes DIRECT " +
            "frames in place from the decoder's input; the raw ceiling's server takes a retained slice per frame " +
            "(what a plain Netty application does), the stricter ceiling's server decodes in place like " +
            "chainmesh. Both sides run with `-Dio.netty.leakDetection.level=disabled`, pooled direct buffers, " +
            "TCP_NODELAY and the same write-buffer watermarks (128/256 KiB). The box is shared with other " +
            "builds: see the per-round values in the JSON.\n";
    }

    private static String comparisonRow(final com.fasterxml.jackson.databind.JsonNode n)
    {
        return "| " + n.get("compares").asText() + " | " + n.get("chainmeshMedian") + " | " + n.get("rawMedian") +
            " | " + n.get("ratioOfMedians") + " | " + n.get("perRoundRatios") + " (" + n.get("minRoundRatio") + "-" +
            n.get("maxRoundRatio") + ") | " + n.get("chainmeshCpuNsPerMessage") + " / " + n.get("rawCpuNsPerMessage") +
            " (" + n.get("cpuPerMessageRatio") + ") | " + n.get("chainmeshBusiestThreadNsPerMessage") + " / " +
            n.get("rawBusiestThreadNsPerMessage") + " |\n";
    }

    private static String row(final String name, final com.fasterxml.jackson.databind.JsonNode n)
    {
        return "| " + name + " | " + n.get("p50") + " | " + n.get("p99") + " | " + n.get("p999") + " | " +
            n.get("max") + " | " + n.get("count") + " |\n";
    }

    // ------------------------------------------------------------------ raw Netty

    private static double rawEventLoopThroughput(final int payloadLength, final long warmup, final long measure, final boolean inPlaceReceive)
        throws InterruptedException
    {
        try (RawNettyBaseline raw = new RawNettyBaseline(false, payloadLength, inPlaceReceive))
        {
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + measure);
            raw.startEventLoopProducer(() -> System.nanoTime() - end < 0);
            final double rate = measureRate(raw.serverReceived, warmup, measure);
            log(inPlaceReceive ? "raw netty event-loop, in-place receive" : "raw netty event-loop producer", rate);
            return rate;
        }
    }

    private static double rawCallerThroughput(final int payloadLength, final long warmup, final long measure) throws InterruptedException
    {
        try (RawNettyBaseline raw = new RawNettyBaseline(false, payloadLength))
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

    private static Histogram rawRtt(final int payloadLength, final long warmup, final long measure)
    {
        try (RawNettyBaseline raw = new RawNettyBaseline(true, payloadLength))
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

    private static double engineThroughput(final int payloadLength, final long warmup, final long measure) throws InterruptedException
    {
        final AtomicLong received = new AtomicLong();
        try (NodePair pair = new NodePair(ChannelCipher.PLAINTEXT, false, received, new long[1], new AtomicLong()))
        {
            final MemberId destination = pair.b.member();
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

    /**
     * (b): the producer runs on the sending link's IO thread, as the raw ceiling's does: bursts of sends until
     * BACK_PRESSURED or 256 KiB, then it re-submits itself so the event loop flushes, reads and writes.
     */
    private static double engineEventLoopThroughput(final int payloadLength, final long warmup, final long measure) throws InterruptedException
    {
        final AtomicLong received = new AtomicLong();
        try (NodePair pair = new NodePair(ChannelCipher.PLAINTEXT, false, received, new long[1], new AtomicLong()))
        {
            final MemberId destination = pair.b.member();
            final java.util.concurrent.ScheduledExecutorService loop = pair.a.linkExecutor(destination);
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + measure);
            final long[] backPressured = new long[1];
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
            final int burst = 256 * 1024 / io.chainmesh.codec.direct.DirectDescriptor.frameLength(payloadLength);
            final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
            final Runnable producer = new Runnable()
            {
                @Override
                public void run()
                {
                    if (System.nanoTime() - end > 0)
                    {
                        done.countDown();
                        return;
                    }
                    for (int i = 0; i < burst; i++)
                    {
                        if (pair.a.send(destination, payload, 0, payloadLength) != Status.OK)
                        {
                            // Return to the loop so it flushes and polls IO, and resume on writability (as the
                            // raw producer does); re-submitting at once would starve the socket.
                            backPressured[0]++;
                            if (!pair.a.whenWritable(destination, this))
                            {
                                loop.schedule(this, 50, TimeUnit.MICROSECONDS);
                            }
                            return;
                        }
                    }
                    loop.execute(this);
                }
            };
            loop.execute(producer);
            final double rate = measureRate(received, warmup, measure);
            done.await(10, TimeUnit.SECONDS);
            log("chainmesh send on the event loop", rate);
            log("  send refused (back-pressured) calls", backPressured[0]);
            return rate;
        }
    }

    private static Histogram engineRtt(final int payloadLength, final long warmup, final long measure)
    {
        try (NodePair pair = new NodePair(ChannelCipher.PLAINTEXT, true, new AtomicLong(), new long[1], new AtomicLong()))
        {
            final Histogram histogram = pair.roundTrips(payloadLength, warmup, measure);
            log("chainmesh rtt p99 us", histogram.getValueAtPercentile(99) / 1000.0);
            return histogram;
        }
    }

    // ------------------------------------------------------------------ common

    private static double measureRate(final AtomicLong counter, final long warmup, final long measure)
        throws InterruptedException
    {
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
        final java.util.Map<Long, Long> cpuBefore = threadCpu();
        final long startCount = counter.get();
        final long start = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(measure));
        final long count = counter.get() - startCount;
        final long elapsed = System.nanoTime() - start;
        lastCpu = CpuCost.of(cpuBefore, threadCpu(), count);
        return count * 1e9 / elapsed;
    }

    /** CPU time of the last measurement window, per message: load-independent where throughput is not. */
    private static CpuCost lastCpu;

    private static java.util.Map<Long, Long> threadCpu()
    {
        final java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
        final java.util.Map<Long, Long> cpu = new java.util.HashMap<>();
        for (final long id : bean.getAllThreadIds())
        {
            final long nanos = bean.getThreadCpuTime(id);
            if (nanos >= 0)
            {
                cpu.put(id, nanos);
            }
        }
        return cpu;
    }

    /**
     * CPU nanoseconds per delivered message over a measurement window: the sum over the threads that did
     * the work (everything but this measuring thread, which sleeps) and the busiest thread's share, which
     * bounds throughput on dedicated cores. Thread CPU time counts only time on a core, so other processes
     * competing for the cores inflate it far less than they deflate throughput.
     */
    record CpuCost(double totalNsPerMessage, double busiestThreadNsPerMessage, String busiestThread)
    {
        static CpuCost of(final java.util.Map<Long, Long> before, final java.util.Map<Long, Long> after, final long count)
        {
            final java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
            long total = 0;
            long busiest = 0;
            String busiestName = "";
            for (final java.util.Map.Entry<Long, Long> e : after.entrySet())
            {
                if (e.getKey() == Thread.currentThread().getId())
                {
                    continue;
                }
                final long delta = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                total += delta;
                if (delta > busiest)
                {
                    busiest = delta;
                    final java.lang.management.ThreadInfo info = bean.getThreadInfo(e.getKey());
                    busiestName = null == info ? "?" : info.getThreadName();
                }
            }
            final double n = Math.max(1, count);
            return new CpuCost(Math.round(total / n * 10) / 10.0, Math.round(busiest / n * 10) / 10.0, busiestName);
        }
    }

    private static void log(final String what, final double value)
    {
        System.out.printf("%-36s %,.1f%n", what, value);
    }

}
