package io.chainmesh.bench;

import io.chainmesh.codec.control.BenchReport;
import io.chainmesh.codec.crypto.NodeKey;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class BenchNetworkTest
{
    private static final int NODES = 16;
    private static final NodeMeasurements LOCAL =
        new NodeMeasurements(8, 64_000_000_000L, 1_000_000_000_000L, 500, 1600, 9000, 450, Double.NaN, Double.NaN);
    private static BenchDevnet devnet;

    @BeforeAll
    static void launch()
    {
        devnet = BenchDevnet.launch(NODES, 2, 42, ctx -> {});
    }

    @AfterAll
    static void close()
    {
        devnet.close();
    }

    @Test
    void shouldMeasureSaneBoundedNetworkFiguresOverLoopback()
    {
        final long start = System.nanoTime();
        final NetworkBenchmark.Result result = devnet.measureNetwork(0, NetworkBenchmark.Limits.quick());
        final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(result.pingsAnswered()).isEqualTo(30);
        assertThat(result.rttMicros()).isBetween(1.0, 1_000_000.0);
        assertThat(result.bytesAcked()).isPositive().isLessThanOrEqualTo(64L << 20);
        assertThat(result.throughputMbps()).isBetween(0.1, 1_000_000.0);
        assertThat(elapsedMs).as("bounded by limits").isLessThan(10_000);
    }

    @Test
    void shouldCountShortAndUnknownDirectMessagesAsIgnored()
    {
        final NetworkBenchmark target = devnet.network(0);
        final long before = target.ignoredMessages();
        final UnsafeBuffer shortMessage = new UnsafeBuffer(new byte[3]);
        final UnsafeBuffer unknownType = new UnsafeBuffer(new byte[NetworkBenchmark.HEADER_LENGTH]);
        unknownType.putByte(0, (byte)99);

        assertThat(devnet.node(1).send(devnet.node(0).member(), shortMessage, 0, 3)).isZero();
        assertThat(devnet.node(1).send(devnet.node(0).member(), unknownType, 0, unknownType.capacity())).isZero();

        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (target.ignoredMessages() < before + 2 && System.nanoTime() - deadline < 0)
        {
            Thread.onSpinWait();
        }
        assertThat(target.ignoredMessages()).isEqualTo(before + 2);
    }

    @Test
    void shouldGiveEveryNodeAllSixteenLatestReports()
    {
        final long now = System.currentTimeMillis();
        for (int i = 0; i < NODES; i++)
        {
            final NodeMeasurements m = LOCAL.withNetwork(100 + i, 900);
            assertThat(devnet.publishReport(i, m, TierVerdict.derive(m, TierRequirement.FLUX_DEFAULTS), now))
                .isGreaterThanOrEqualTo(0);
        }

        assertThat(devnet.awaitAllReports(NODES, TimeUnit.SECONDS.toNanos(20)))
            .as("min reports held = %d", devnet.minReports()).isTrue();
        for (int i = 0; i < NODES; i++)
        {
            final BenchReporter reporter = devnet.reporter(i);
            assertThat(reporter.latest()).hasSize(NODES);
            assertThat(reporter.latest().get(devnet.node(3).member()).getNetworkRttMicros()).isEqualTo(103.0);
        }
        assertThat(devnet.reporter(5).table().lines().count()).isEqualTo(NODES + 1);
    }

    @Test
    void shouldRejectReportPublishedByAnotherOriginAndGarbage()
    {
        // node 1 publishes node 2's correctly signed report: its batch origin is node 1, so receivers refuse it
        final NodeKey victim = devnet.chain().memberKey(2);
        final BenchReport foreign = BenchReports.create(victim, LOCAL,
            TierVerdict.derive(LOCAL, TierRequirement.FLUX_DEFAULTS), System.currentTimeMillis() + 1000);
        final byte[] bytes = foreign.toByteArray();
        final byte[] garbage = {(byte)0xFF, (byte)0xFF, (byte)0xFF};
        final long before = devnet.reporter(0).wrongOriginCount();
        final long malformedBefore = devnet.reporter(0).malformedCount();

        assertThat(devnet.node(1).publish(BenchReports.TOPIC, new UnsafeBuffer(bytes), 0, bytes.length, 5, TimeUnit.SECONDS))
            .isGreaterThanOrEqualTo(0);
        assertThat(devnet.node(1).publish(BenchReports.TOPIC, new UnsafeBuffer(garbage), 0, garbage.length, 5,
            TimeUnit.SECONDS)).isGreaterThanOrEqualTo(0);

        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((devnet.reporter(0).wrongOriginCount() == before || devnet.reporter(0).malformedCount() == malformedBefore) &&
            System.nanoTime() - deadline < 0)
        {
            Thread.onSpinWait();
        }
        assertThat(devnet.reporter(0).wrongOriginCount()).isEqualTo(before + 1);
        assertThat(devnet.reporter(0).malformedCount()).isEqualTo(malformedBefore + 1);
        final BenchReport held = devnet.reporter(0).latest().get(devnet.chain().memberId(2));
        assertThat(held == null || held.getTimestampMillis() != foreign.getTimestampMillis()).isTrue();
    }
}
