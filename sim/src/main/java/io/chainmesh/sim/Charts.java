package io.chainmesh.sim;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A run's charts as SVG files next to its report: propagation (per delivery and to the last member, as CDFs), the
 * hop distribution, and bytes per second per member by kind (every member, busiest first).
 */
final class Charts
{
    private Charts()
    {
    }

    /**
     * @param prefix  the report's path without extension; charts are {@code PREFIX-<name>.svg}.
     * @param outcome the run.
     * @return the files written, in the order the report shows them.
     * @throws IOException if a file cannot be written.
     */
    static List<Path> write(final String prefix, final Outcome outcome) throws IOException
    {
        final List<Path> files = new ArrayList<>();
        final String title = outcome.figures.get("members") + " members, seed " + outcome.figures.get("seed") +
            (outcome.figures.get("faults").toString().isEmpty() ? "" : ", " + outcome.figures.get("faults"));
        files.add(write(prefix + "-propagation.svg", new SvgChart("Propagation: " + title,
            "milliseconds after publish", "% of deliveries / batches", false)
            .line("each delivery", cdf(outcome.perDelivery))
            .line("to the last member", cdf(outcome.toLastMember))
            .lines()));
        final long[] hops = outcome.hopCounts;
        int maxHop = 1;
        for (int h = 1; h < hops.length; h++)
        {
            maxHop = hops[h] > 0 ? h : maxHop;
        }
        final String[] labels = new String[maxHop];
        final double[] counts = new double[maxHop];
        for (int h = 1; h <= maxHop; h++)
        {
            labels[h - 1] = Integer.toString(h);
            counts[h - 1] = hops[h];
        }
        files.add(write(prefix + "-hops.svg",
            new SvgChart("Hops: " + title, "hops from the origin", "deliveries", false).bars(labels, counts)));
        final SvgChart traffic = new SvgChart("Bytes sent per member by kind: " + title,
            "members, busiest first (rank)", "bytes/s (log)", true);
        for (int kind = 0; kind < Traffic.NAMES.length; kind++)
        {
            final long[] perMember = outcome.bytesByKind[kind].clone();
            if (Arrays.stream(perMember).allMatch(b -> b == 0))
            {
                continue;
            }
            Arrays.sort(perMember);
            final double[][] points = new double[perMember.length][];
            for (int i = 0; i < perMember.length; i++)
            {
                points[i] = new double[]{i + 1, perMember[perMember.length - 1 - i] / outcome.seconds};
            }
            traffic.line(Traffic.NAMES[kind], points);
        }
        files.add(write(prefix + "-traffic.svg", traffic.lines()));
        return files;
    }

    private static Path write(final String file, final String svg) throws IOException
    {
        final Path path = Path.of(file);
        Files.writeString(path, svg);
        return path;
    }

    private static double[][] cdf(final Histogram histogram)
    {
        final List<double[]> points = new ArrayList<>();
        points.add(new double[]{0, 0});
        final long total = histogram.getTotalCount();
        if (total > 0)
        {
            for (final HistogramIterationValue v : histogram.percentiles(5))
            {
                points.add(new double[]{v.getValueIteratedTo() / 1e6, v.getPercentileLevelIteratedTo()});
            }
        }
        return points.toArray(new double[0][]);
    }
}
