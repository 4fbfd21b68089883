package io.chainmesh.node.http;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class NodeMetricsTest
{
    @Test
    void shouldRenderEveryCounterWithEscapedLabelsAndDistinctSeries() throws IOException
    {
        final CountersManager manager = manager();
        final AtomicCounter sent = manager.newCounter("closes sent NORMAL_SHUTDOWN");
        sent.set(7);
        manager.newCounter("broadcast forged batches: a\"b\\c");
        manager.newCounter("bytes in");
        manager.newCounter("bytes in");
        manager.newCounter("rtt max micros").set(42);
        manager.newCounter("!!!");

        final String text = render(NodeMetrics.counterSnapshots(manager));

        assertThat(text).contains(
            "# TYPE chainmesh_closes_sent_total counter\nchainmesh_closes_sent_total{reason=\"NORMAL_SHUTDOWN\"} 7.0\n",
            "chainmesh_broadcast_forged_batches_total{node=\"a\\\"b\\\\c\"} 0.0\n",
            "chainmesh_bytes_in_total 0.0\n",
            "chainmesh_bytes_in_total{counter_id=\"3\"} 0.0\n",
            "# TYPE chainmesh_rtt_max_micros gauge\nchainmesh_rtt_max_micros 42.0\n",
            "chainmesh_unnamed_total 0.0\n");
        assertThat(text.split("\n")).filteredOn(l -> l.startsWith("# TYPE chainmesh_bytes_in_total")).hasSize(1);
    }

    @Test
    void shouldCountOnlyFailuresAsHandshakeFailures() throws IOException
    {
        final CountersManager manager = manager();
        manager.newCounter("handshake failures NORMAL_SHUTDOWN").set(1);
        manager.newCounter("handshake failures DUPLICATE_CONNECTION").set(2);
        manager.newCounter("handshake failures BAD_SIGNATURE").set(3);
        manager.newCounter("handshake failures NOT_A_MEMBER").set(4);
        manager.newCounter("handshake failures HEARTBEAT_TIMEOUT");
        manager.newCounter("handshake failures SLOW_CONSUMER").set(5);
        manager.newCounter("handshake failures MEMBER_LEFT");

        final String text = render(NodeMetrics.counterSnapshots(manager));

        assertThat(text).contains(
            "chainmesh_handshake_failures_total{reason=\"BAD_SIGNATURE\"} 3.0\n",
            "chainmesh_handshake_failures_total{reason=\"NOT_A_MEMBER\"} 4.0\n",
            "chainmesh_handshakes_declined_total{reason=\"DUPLICATE_CONNECTION\"} 2.0\n",
            "chainmesh_handshakes_declined_total{reason=\"NORMAL_SHUTDOWN\"} 1.0\n",
            "chainmesh_handshake_failures_total{reason=\"SLOW_CONSUMER\"} 5.0\n");
        // Reasons for closing an established link, never for refusing a handshake: only once counted.
        assertThat(text).doesNotContain("HEARTBEAT_TIMEOUT", "MEMBER_LEFT");
        assertThat(text).doesNotContain("chainmesh_handshake_failures_total{reason=\"NORMAL_SHUTDOWN\"}",
            "chainmesh_handshake_failures_total{reason=\"DUPLICATE_CONNECTION\"}");
    }

    private static CountersManager manager()
    {
        final UnsafeBuffer values = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * CountersReader.COUNTER_LENGTH));
        final UnsafeBuffer meta = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * CountersReader.METADATA_LENGTH));
        return new CountersManager(meta, values);
    }

    private static String render(final MetricSnapshots snapshots) throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, snapshots, EscapingScheme.UNDERSCORE_ESCAPING);
        return out.toString(StandardCharsets.UTF_8);
    }
}
