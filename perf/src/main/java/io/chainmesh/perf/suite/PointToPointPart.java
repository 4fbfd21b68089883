package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.perf.aeron.AeronBaseline;
import io.chainmesh.perf.direct.DirectMessagingHarness;
import io.chainmesh.perf.direct.DirectResult;
import org.HdrHistogram.Histogram;

import java.util.Arrays;

/**
 * Point to point at 64 B, 1 KiB and 16 KiB: chainmesh {@code send} over one link, the raw Netty ceiling with
 * the same framing ({@link DirectMessagingHarness}) and Aeron UDP unicast ({@link AeronBaseline}), each size
 * measured for all three before moving to the next. Throughput in msgs/s and payload MB/s (median of
 * alternating rounds), RTT percentiles from HdrHistogram with one message in flight.
 */
final class PointToPointPart implements SuitePart
{
    /** Percentiles kept for the latency curves (100 = max). */
    static final double[] CURVE_PERCENTILES = {50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100};
    private static final int[] PAYLOADS = {64, 1024, 16 * 1024};

    @Override
    public String name()
    {
        return "pointToPoint";
    }

    @Override
    public JsonNode run(final SuiteSettings settings) throws Exception
    {
        final ObjectMapper mapper = settings.mapper();
        final long warmup = settings.pick(2, 0);
        final long measure = settings.pick(4, 1);
        final int rounds = (int)settings.pick(3, 1);
        final ObjectNode part = mapper.createObjectNode();
        part.put("description", "one link on 127.0.0.1: chainmesh send vs raw Netty (same framing) vs Aeron UDP unicast");
        part.put("rttWarmupSeconds", warmup);
        part.put("rttMeasureSeconds", measure);
        part.put("throughputRounds", rounds);
        part.put("throughputRoundWarmupSeconds", warmup / 2);
        part.put("throughputRoundMeasureSeconds", Math.max(1, measure / 2));
        final ArrayNode sizes = part.putArray("sizes");
        try (AeronBaseline aeron = AeronBaseline.launch())
        {
            for (final int payload : PAYLOADS)
            {
                settings.log().accept("point to point, " + payload + " B: chainmesh and raw Netty");
                final DirectResult direct = DirectMessagingHarness.measure(payload, warmup, measure, rounds);
                settings.log().accept("point to point, " + payload + " B: Aeron");
                final Histogram aeronRtt = aeron.rtt(payload, warmup * 1000, measure * 1000);
                final double[] aeronRounds = new double[rounds];
                for (int r = 0; r < rounds; r++)
                {
                    aeronRounds[r] = aeron.throughput(payload, warmup * 500, Math.max(1, measure / 2) * 1000);
                }
                final ObjectNode size = sizes.addObject();
                size.put("payloadBytes", payload);
                // msgsPerSec: both producers on the link's event loop (like for like); caller-thread figures beside.
                final ObjectNode engine = system(mapper, payload, direct.chainmeshEventLoopMsgsPerSec(), direct.chainmeshRttNanos());
                engine.put("callerThreadMsgsPerSec", Math.round(direct.chainmeshCallerThreadMsgsPerSec()));
                size.set("chainmesh", engine);
                final ObjectNode raw = system(mapper, payload, direct.rawEventLoopMsgsPerSec(), direct.rawRttNanos());
                raw.put("inPlaceReceiveMsgsPerSec", Math.round(direct.rawEventLoopInPlaceMsgsPerSec()));
                raw.put("callerThreadMsgsPerSec", Math.round(direct.rawCallerThreadMsgsPerSec()));
                size.set("rawNetty", raw);
                size.set("aeron", system(mapper, payload, median(aeronRounds), aeronRtt));
                settings.log().accept(size.toString());
            }
        }
        return part;
    }

    private static ObjectNode system(final ObjectMapper mapper, final int payload, final double msgsPerSec, final Histogram rtt)
    {
        final ObjectNode node = mapper.createObjectNode();
        node.put("msgsPerSec", Math.round(msgsPerSec));
        node.put("megabytesPerSec", Math.round(msgsPerSec * payload / 1e6 * 10) / 10.0);
        node.set("rttMicros", rtt(mapper, rtt));
        return node;
    }

    static ObjectNode rtt(final ObjectMapper mapper, final Histogram histogram)
    {
        final ObjectNode node = mapper.createObjectNode();
        node.put("count", histogram.getTotalCount());
        node.put("p50", micros(histogram, 50));
        node.put("p99", micros(histogram, 99));
        node.put("p999", micros(histogram, 99.9));
        node.put("max", histogram.getMaxValue() / 1000.0);
        final ArrayNode curve = node.putArray("curve");
        for (final double p : CURVE_PERCENTILES)
        {
            curve.addArray().add(p).add(p >= 100 ? histogram.getMaxValue() / 1000.0 : micros(histogram, p));
        }
        return node;
    }

    private static double micros(final Histogram histogram, final double percentile)
    {
        return histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    private static double median(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
