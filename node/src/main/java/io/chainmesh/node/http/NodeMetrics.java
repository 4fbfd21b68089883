package io.chainmesh.node.http;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.FixedBucketHistogram;
import io.chainmesh.engine.broadcast.BroadcastCounters;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import org.agrona.concurrent.status.CountersReader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The node's {@code /metrics}: a registry of the Prometheus Java client with the JVM and process metrics, the build
 * info, every engine counter, the directory, and histograms of heartbeat RTT, delivery latency and batch size,
 * rendered in the Prometheus text format 0.0.4.
 * <p>
 * The engine never calls the client: the client's default histogram allocates on each observation (a boxed
 * native-bucket index) and its classic-only one locks while a scrape collects it, which the hot path must not do
 * (perf {@code HistogramRecordBenchmark}). The engine keeps its counters and {@link FixedBucketHistogram}s instead,
 * and the collectors here turn them into snapshots when scraped, on the HTTP thread.
 * <p>
 * Counter naming: a label {@code "closes sent NORMAL_SHUTDOWN"} becomes
 * {@code chainmesh_closes_sent_total{reason="NORMAL_SHUTDOWN"}}, {@code "connections ACTIVE"} the gauge
 * {@code chainmesh_connections{state="ACTIVE"}}, {@code "broadcast forged batches: <id>"}
 * {@code chainmesh_broadcast_forged_batches_total{node="<id>"}}; other labels are sanitised into a name. Levels
 * (connections, rtt) are gauges. Handshakes refused for a reason that is not a failure (a link between the pair
 * already exists, a shutdown) are {@code chainmesh_handshakes_declined_total{reason}}, so
 * {@code chainmesh_handshake_failures_total} counts failures only; reasons a handshake is never refused for appear
 * only once counted. Two counters that would render the same series
 * get a {@code counter_id} label so no sample is lost.
 */
public final class NodeMetrics
{
    /** Content type of the exposition. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    /** Close reasons a handshake may end with that are not failures. */
    static final Set<String> DECLINED_REASONS = Set.of(
        CloseReason.CLOSE_REASON_UNSPECIFIED.name(), CloseReason.NORMAL_SHUTDOWN.name(),
        CloseReason.DUPLICATE_CONNECTION.name(), CloseReason.MEMBER_LEFT.name(),
        CloseReason.LINK_NO_LONGER_NEEDED.name());
    /**
     * Reasons a handshake is refused for, exported even while zero so the series exist from the start; the engine
     * counts every close reason, and the others (reasons for closing an established link) appear only if counted.
     */
    static final Set<String> HANDSHAKE_REASONS = Set.of(
        CloseReason.PROTOCOL_VIOLATION.name(), CloseReason.VERSION_MISMATCH.name(), CloseReason.NOT_A_MEMBER.name(),
        CloseReason.SELF_CONNECTION.name(), CloseReason.BAD_SIGNATURE.name(), CloseReason.HANDSHAKE_TIMEOUT.name(),
        CloseReason.NOT_AN_EXPECTED_LINK.name(), CloseReason.FRAME_TOO_LARGE.name(),
        CloseReason.CHANNEL_SECURITY_MISMATCH.name(), CloseReason.RECORD_AUTHENTICATION_FAILED.name(),
        CloseReason.RECORD_MALFORMED.name(), CloseReason.DUPLICATE_CONNECTION.name());

    private static final String[][] DIMENSIONS = {
        {"connections ", "state"},
        {"handshake failures ", "reason"},
        {"closes sent ", "reason"},
        {"closes received ", "reason"},
        {"direct refused ", "reason"},
        {"handshakes ended ", "cause"},
        {"admission refused ", "limit"},
        {"links ended ", "reason"},
    };

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    /**
     * @param node      the node.
     * @param directory the directory as the node sees it.
     * @param build     the running build.
     */
    public NodeMetrics(final ChainmeshNode node, final Supplier<DirectorySnapshot> directory, final BuildInfo build)
    {
        JvmMetrics.builder().register(registry);
        final MetricSnapshot buildInfo = InfoSnapshot.builder()
            .name("chainmesh_build")
            .help("chainmesh build running in this process")
            .dataPoint(new InfoSnapshot.InfoDataPointSnapshot(
                Labels.of("version", build.version(), "commit", build.commit())))
            .build();
        registry.register(() -> MetricSnapshots.of(buildInfo));
        registry.register((MultiCollector)() -> counterSnapshots(node.counters().reader()));
        registry.register((MultiCollector)() -> engineSnapshots(node, directory.get()));
    }

    /** @return the exposition text. Runs on the caller's thread (the HTTP thread). */
    public String scrape()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try
        {
            writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static MetricSnapshots engineSnapshots(final ChainmeshNode node, final DirectorySnapshot directory)
    {
        final List<MetricSnapshot> list = new ArrayList<>();
        list.add(gauge("chainmesh_directory_height", "chain height of the directory snapshot in use",
            directory.height()));
        list.add(gauge("chainmesh_directory_members", "members in the directory snapshot in use", directory.size()));
        list.add(histogram("chainmesh_rtt_seconds", "heartbeat round-trip time of every link",
            node.counters().rttMicros(), 1e6));
        final BroadcastCounters broadcast = node.broadcastCounters();
        if (null != broadcast)
        {
            list.add(histogram("chainmesh_broadcast_delivery_latency_seconds",
                "age of each delivered message: this node's clock at delivery minus its batch's timestamp",
                broadcast.delivery().ageMillis(), 1e3));
            list.add(batchSizes(node.batchSizeHistogram(), broadcast.messagesPublished()));
        }
        return new MetricSnapshots(list);
    }

    private static MetricSnapshot gauge(final String name, final String help, final double value)
    {
        return GaugeSnapshot.builder().name(name).help(help)
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).build()).build();
    }

    private static MetricSnapshot histogram(
        final String name, final String help, final FixedBucketHistogram histogram, final double perSecond)
    {
        final int n = histogram.bucketCount();
        final double[] bounds = new double[n];
        final long[] counts = new long[n];
        for (int i = 0; i < n; i++)
        {
            // Divided, not multiplied by the inverse: 50 / 1e6 prints as 5.0E-5, 50 * 1e-6 does not.
            bounds[i] = i == n - 1 ? Double.POSITIVE_INFINITY : histogram.upperBound(i) / perSecond;
            counts[i] = histogram.count(i);
        }
        return HistogramSnapshot.builder().name(name).help(help).unit(Unit.SECONDS)
            .dataPoint(new HistogramSnapshot.HistogramDataPointSnapshot(ClassicHistogramBuckets.of(bounds, counts),
                histogram.sum() / perSecond, Labels.EMPTY, Exemplars.EMPTY, 0L))
            .build();
    }

    /** Bucket {@code i} of the engine's batch sizes counts batches of {@code [2^i, 2^(i+1))} messages. */
    private static MetricSnapshot batchSizes(final long[] log2Counts, final long messages)
    {
        final double[] bounds = new double[log2Counts.length + 1];
        final long[] counts = new long[log2Counts.length + 1];
        for (int i = 0; i < log2Counts.length; i++)
        {
            bounds[i] = (1L << (i + 1)) - 1;
            counts[i] = log2Counts[i];
        }
        bounds[log2Counts.length] = Double.POSITIVE_INFINITY;
        return HistogramSnapshot.builder().name("chainmesh_broadcast_batch_size_messages")
            .help("messages in each batch this node originated")
            .dataPoint(new HistogramSnapshot.HistogramDataPointSnapshot(ClassicHistogramBuckets.of(bounds, counts),
                messages, Labels.EMPTY, Exemplars.EMPTY, 0L))
            .build();
    }

    /**
     * @param reader counters.
     * @return one counter or gauge family per counter name, every allocated counter as one sample.
     */
    static MetricSnapshots counterSnapshots(final CountersReader reader)
    {
        final Map<String, Family> families = new LinkedHashMap<>();
        final Set<String> series = new HashSet<>();
        reader.forEach((value, counterId, label) ->
        {
            String base = label;
            String labelName = null;
            String labelValue = null;
            final int colon = label.indexOf(": ");
            if (colon > 0)
            {
                base = label.substring(0, colon);
                labelName = "node";
                labelValue = label.substring(colon + 2);
            }
            else
            {
                for (final String[] dimension : DIMENSIONS)
                {
                    if (label.startsWith(dimension[0]) && label.length() > dimension[0].length())
                    {
                        base = dimension[0].trim();
                        labelName = dimension[1];
                        labelValue = label.substring(dimension[0].length());
                        break;
                    }
                }
            }
            final boolean handshake = "handshake failures".equals(base);
            if (handshake && 0 == value && !HANDSHAKE_REASONS.contains(labelValue))
            {
                return;
            }
            final boolean declined = handshake && DECLINED_REASONS.contains(labelValue);
            final String help = declined ? "handshakes refused for a reason that is not a failure" : base;
            final boolean gauge = base.startsWith("connections") || base.startsWith("rtt ");
            final String name = "chainmesh_" + sanitise(declined ? "handshakes declined" : base);
            final Family family = families.computeIfAbsent(name, n -> new Family(n, "chainmesh " + help, gauge));
            Labels labels = null == labelName ? Labels.EMPTY : Labels.of(labelName, labelValue);
            if (!series.add(name + labels))
            {
                labels = labels.add("counter_id", Integer.toString(counterId));
            }
            family.labels.add(labels);
            family.values.add(value);
        });
        final List<MetricSnapshot> snapshots = new ArrayList<>(families.size());
        for (final Family family : families.values())
        {
            snapshots.add(family.snapshot());
        }
        return new MetricSnapshots(snapshots);
    }

    static String sanitise(final String text)
    {
        final StringBuilder sb = new StringBuilder(text.length());
        boolean underscore = false;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = Character.toLowerCase(text.charAt(i));
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            {
                sb.append(c);
                underscore = false;
            }
            else if (!underscore && sb.length() > 0)
            {
                sb.append('_');
                underscore = true;
            }
        }
        while (sb.length() > 0 && sb.charAt(sb.length() - 1) == '_')
        {
            sb.setLength(sb.length() - 1);
        }
        return sb.length() == 0 ? "unnamed" : sb.toString();
    }

    private static final class Family
    {
        final String name;
        final String help;
        final boolean gauge;
        final List<Labels> labels = new ArrayList<>();
        final List<Long> values = new ArrayList<>();

        Family(final String name, final String help, final boolean gauge)
        {
            this.name = name;
            this.help = help;
            this.gauge = gauge;
        }

        MetricSnapshot snapshot()
        {
            if (gauge)
            {
                final GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(name).help(help);
                for (int i = 0; i < values.size(); i++)
                {
                    builder.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(labels.get(i)).value(values.get(i)).build());
                }
                return builder.build();
            }
            final CounterSnapshot.Builder builder = CounterSnapshot.builder().name(name).help(help);
            for (int i = 0; i < values.size(); i++)
            {
                builder.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(labels.get(i)).value(values.get(i)).build());
            }
            return builder.build();
        }
    }
}
