package io.chainmesh.perf.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.chain.MemberId;
import io.chainmesh.engine.ChannelCipher;
import io.chainmesh.engine.Status;
import io.chainmesh.perf.direct.NodePair;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Point-to-point cost of the record layer: two ChainmeshNodes on one loopback link, measured in the same
 * run with {@link ChannelCipher#PLAINTEXT}, {@link ChannelCipher#AES_GCM} and
 * {@link ChannelCipher#CHACHA20_POLY1305}, for 64 B and 16 KiB payloads.
 * <ul>
 *   <li>Throughput: one caller thread sends as fast as {@code send} accepts (yielding when back-pressured);
 *   the receiver counts deliveries. After one discarded round per cipher (JIT warm-up), the ciphers
 *   alternate over several rounds (fresh nodes each round) and the median round is reported, since the
 *   box is shared.</li>
 *   <li>RTT: one message in flight, echoed back by the receiver through {@code send}; HdrHistogram.</li>
 * </ul>
 * Usage: {@code perf/encryption.sh [warmupSeconds=3] [measureSeconds=4] [rounds=3]}; writes
 * {@code perf/results/<date>-encryption.json|md}.
 */
public final class EncryptionComparison
{
    // -Dpayloads=64 -Dciphers=AES_GCM narrow a run down, e.g. for a profile.
    private static final int[] PAYLOADS = Arrays.stream(System.getProperty("payloads", "64,16384").split(","))
        .mapToInt(Integer::parseInt).toArray();
    private static final ChannelCipher[] CIPHERS = Arrays.stream(
        System.getProperty("ciphers", "PLAINTEXT,AES_GCM,CHACHA20_POLY1305").split(","))
        .map(ChannelCipher::valueOf).toArray(ChannelCipher[]::new);

    private EncryptionComparison()
    {
    }

    /**
     * @param args warm-up seconds, measurement seconds, rounds, results directory.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final long warmup = args.length > 0 ? Long.parseLong(args[0]) : 3;
        final long measure = args.length > 1 ? Long.parseLong(args[1]) : 4;
        final int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        final Path resultsDir = Path.of(args.length > 3 ? args[3] : "perf/results");
        final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        final ObjectNode root = measure(mapper, PAYLOADS, CIPHERS, warmup, measure, rounds);

        Files.createDirectories(resultsDir);
        final String date = LocalDate.now(ZoneOffset.UTC).toString();
        final Path json = resultsDir.resolve(date + "-encryption.json");
        final Path md = resultsDir.resolve(date + "-encryption.md");
        mapper.writeValue(json.toFile(), root);
        Files.writeString(md, markdown(root), StandardCharsets.UTF_8);
        System.out.println(mapper.writeValueAsString(root));
        System.out.println("results: " + json + ", " + md);
    }

    /**
     * Throughput (alternating rounds after one discarded JIT round per cipher) and RTT of each cipher at each payload
     * size over one loopback link, in this run, with ratios to {@code PLAINTEXT} when it is among the ciphers. Used
     * by {@link #main} and by the perf suite.
     *
     * @param mapper   builds the result.
     * @param payloads payload sizes in bytes (at least 8: the RTT stamp).
     * @param ciphers  the record modes to compare.
     * @param warmup   warm-up seconds of each run.
     * @param measure  measured seconds of each run.
     * @param rounds   throughput rounds per cipher; the median is reported.
     * @return the figures.
     * @throws InterruptedException if interrupted.
     */
    public static ObjectNode measure(
        final ObjectMapper mapper, final int[] payloads, final ChannelCipher[] ciphers, final long warmup,
        final long measure, final int rounds) throws InterruptedException
    {
        final ObjectNode root = mapper.createObjectNode();
        root.put("benchmark", "encryption");
        root.put("warmupSeconds", warmup);
        root.put("measureSeconds", measure);
        root.put("rounds", rounds);
        root.put("cpus", Runtime.getRuntime().availableProcessors());
        root.put("java", System.getProperty("java.version"));
        root.put("loadAverageAtStart", loadAverage());
        final ObjectNode results = root.putObject("payloads");
        for (final int payload : payloads)
        {
            final ObjectNode byPayload = results.putObject(String.valueOf(payload));
            final double[][] perRound = new double[ciphers.length][rounds];
            // One discarded round first: the JIT compiles the cipher and record paths there.
            for (final ChannelCipher cipher : ciphers)
            {
                throughput(cipher, payload, warmup, measure);
            }
            for (int r = 0; r < rounds; r++)
            {
                for (int c = 0; c < ciphers.length; c++)
                {
                    perRound[c][r] = throughput(ciphers[c], payload, warmup, measure);
                }
            }
            for (int c = 0; c < ciphers.length; c++)
            {
                final Histogram rtt = rtt(ciphers[c], payload, warmup, measure);
                final ObjectNode node = byPayload.putObject(ciphers[c].name());
                final double median = median(perRound[c]);
                node.put("throughputMsgsPerSec", Math.round(median));
                node.put("throughputMiBPerSec", round(median * payload / (1024.0 * 1024.0)));
                node.set("throughputPerRound", mapper.valueToTree(perRound[c]));
                node.put("rttP50Micros", rtt.getValueAtPercentile(50) / 1000.0);
                node.put("rttP99Micros", rtt.getValueAtPercentile(99) / 1000.0);
                node.put("rttP999Micros", rtt.getValueAtPercentile(99.9) / 1000.0);
                node.put("rttSamples", rtt.getTotalCount());
            }
            if (null == byPayload.get("PLAINTEXT"))
            {
                continue;
            }
            final double plain = byPayload.get("PLAINTEXT").get("throughputMsgsPerSec").asDouble();
            final double plainP99 = byPayload.get("PLAINTEXT").get("rttP99Micros").asDouble();
            for (final ChannelCipher cipher : ciphers)
            {
                final ObjectNode node = (ObjectNode)byPayload.get(cipher.name());
                node.put("throughputRatioVsPlaintext", round(node.get("throughputMsgsPerSec").asDouble() / plain));
                node.put("rttP99RatioVsPlaintext", round(node.get("rttP99Micros").asDouble() / plainP99));
            }
        }
        final JsonNode aes64 = null == results.get("64") ? null : results.get("64").get("AES_GCM");
        final double ratio64 = null == aes64 || null == aes64.get("throughputRatioVsPlaintext") ? 0 :
            aes64.get("throughputRatioVsPlaintext").asDouble();
        root.put("defaultCipher", ChannelCipher.AES_GCM.name());
        root.put("targetEncrypted64BThroughputRatio", 0.7);
        root.put("targetMet", ratio64 >= 0.7);
        root.put("loadAverageAtEnd", loadAverage());

        return root;
    }

    private static String loadAverage()
    {
        try
        {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        }
        catch (final Exception ex)
        {
            return "unknown";
        }
    }

    private static String markdown(final ObjectNode root)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("# Record layer cost, one loopback link (encrypted vs plaintext, same run)\n\n")
            .append("Command: `perf/encryption.sh ").append(root.get("warmupSeconds")).append(' ')
            .append(root.get("measureSeconds")).append(' ').append(root.get("rounds"))
            .append("` (`io.chainmesh.perf.record.EncryptionComparison`); ").append(root.get("cpus"))
            .append(" CPUs shared with other work (load average ").append(root.get("loadAverageAtStart").asText())
            .append(" at start, ").append(root.get("loadAverageAtEnd").asText()).append(" at end), Java ")
            .append(root.get("java").asText()).append(", NIO. Throughput: median of ").append(root.get("rounds"))
            .append(" alternating rounds after one discarded JIT warm-up round (").append(root.get("warmupSeconds"))
            .append(" s warm-up + ")
            .append(root.get("measureSeconds")).append(" s), per-round values in the JSON. RTT: one message in ")
            .append("flight, echoed by the receiver.\n\n")
            .append("| payload | channel | msgs/s | MiB/s | vs plaintext | RTT p50 us | p99 us | p99.9 us | p99 vs plaintext |\n")
            .append("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        root.get("payloads").properties().forEach(entry ->
            entry.getValue().properties().forEach(cipher ->
            {
                final JsonNode n = cipher.getValue();
                sb.append("| ").append(entry.getKey()).append(" B | ").append(cipher.getKey()).append(" | ")
                    .append(n.get("throughputMsgsPerSec")).append(" | ").append(n.get("throughputMiBPerSec"))
                    .append(" | ").append(n.get("throughputRatioVsPlaintext")).append(" | ")
                    .append(n.get("rttP50Micros")).append(" | ").append(n.get("rttP99Micros")).append(" | ")
                    .append(n.get("rttP999Micros")).append(" | ").append(n.get("rttP99RatioVsPlaintext")).append(" |\n");
            }));
        sb.append("\nTarget: AES_GCM (the default) >= 0.7x plaintext throughput at 64 B: ")
            .append(root.get("targetMet")).append(".\n");
        return sb.toString();
    }

    private static double median(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
    }

    private static double round(final double value)
    {
        return Math.round(value * 1000.0) / 1000.0;
    }

    private static double throughput(final ChannelCipher cipher, final int payload, final long warmup, final long measure)
        throws InterruptedException
    {
        final AtomicLong received = new AtomicLong();
        try (NodePair pair = new NodePair(cipher, false, received, new long[1], new AtomicLong()))
        {
            final MemberId destination = pair.b.member();
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + measure);
            final Thread producer = new Thread(() ->
            {
                final UnsafeBuffer buffer = new UnsafeBuffer(new byte[payload]);
                while (System.nanoTime() - end < 0)
                {
                    if (pair.a.send(destination, buffer, 0, payload) != Status.OK)
                    {
                        Thread.yield();
                    }
                }
            }, "encryption-producer");
            producer.start();
            Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
            final long startCount = received.get();
            final long start = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(measure));
            final double rate = (received.get() - startCount) * 1e9 / (System.nanoTime() - start);
            producer.join();
            System.out.printf("%-18s %6d B throughput %,14.0f msgs/s%n", cipher, payload, rate);
            return rate;
        }
    }

    private static Histogram rtt(final ChannelCipher cipher, final int payload, final long warmup, final long measure)
    {
        try (NodePair pair = new NodePair(cipher, true, new AtomicLong(), new long[1], new AtomicLong()))
        {
            final Histogram histogram = pair.roundTrips(payload, warmup, measure);
            System.out.printf("%-18s %6d B rtt p50 %.1f us p99 %.1f us%n", cipher, payload,
                histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0);
            return histogram;
        }
    }
}
