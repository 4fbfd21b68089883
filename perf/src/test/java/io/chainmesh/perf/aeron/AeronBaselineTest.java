package io.chainmesh.perf.aeron;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/** Smoke check of the Aeron baseline: a short ping-pong and a short pipelined run really move messages. */
class AeronBaselineTest
{
    @Test
    void shouldRoundTripAndStreamThenDeleteItsDirectory() throws Exception
    {
        final AeronBaseline aeron = AeronBaseline.launch();
        try
        {
            assertThat(aeron.directory()).isDirectory();
            final Histogram rtt = aeron.rtt(64, 0, 300);
            assertThat(rtt.getTotalCount()).isPositive();
            assertThat(rtt.getValueAtPercentile(50)).isPositive();
            assertThat(aeron.throughput(16 * 1024, 0, 300)).isPositive();
        }
        finally
        {
            aeron.close();
        }
        assertThat(Files.exists(aeron.directory())).isFalse();
        aeron.close();
    }
}
