package io.chainmesh.node;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The member report channel: bounded lines, histograms that survive the trip or are refused. */
class MemberChannelTest
{
    private static InputStream in(final String text)
    {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldReadLinesDroppingCarriageReturnsAndTheLastUnterminatedOne() throws IOException
    {
        final InputStream in = in("{\"type\":\"ready\"}\r\nstart\nlast");

        assertThat(MemberChannel.readLine(in, 64)).isEqualTo("{\"type\":\"ready\"}");
        assertThat(MemberChannel.readLine(in, 64)).isEqualTo("start");
        assertThat(MemberChannel.readLine(in, 64)).isEqualTo("last");
        assertThat(MemberChannel.readLine(in, 64)).isNull();
    }

    @Test
    void shouldRefuseALineLongerThanTheLimitWithoutReadingItAll()
    {
        final InputStream in = in("x".repeat(1000) + "\n");

        assertThatThrownBy(() -> MemberChannel.readLine(in, 100)).isInstanceOf(IOException.class)
            .hasMessage("line longer than 100 bytes");
    }

    @Test
    void shouldCarryAHistogramIntact()
    {
        final Histogram histogram = new Histogram(3);
        for (long v = 1; v <= 10_000; v++)
        {
            histogram.recordValue(v * 1_000);
        }

        final Histogram decoded = MemberChannel.decode(MemberChannel.encode(histogram));

        assertThat(decoded.getTotalCount()).isEqualTo(10_000);
        assertThat(decoded.getValueAtPercentile(99)).isEqualTo(histogram.getValueAtPercentile(99));
    }

    @Test
    void shouldRefuseAMalformedHistogram()
    {
        final String garbage = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});

        assertThatThrownBy(() -> MemberChannel.decode(garbage)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("malformed histogram");
        assertThatThrownBy(() -> MemberChannel.decode("not base64!")).isInstanceOf(IllegalArgumentException.class);
    }
}
