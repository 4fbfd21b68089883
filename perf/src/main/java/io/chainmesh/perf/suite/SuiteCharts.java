package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.JsonNode;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * PNG charts of a suite result (JFreeChart, headless): point-to-point throughput bars, RTT percentile curves,
 * broadcast bars and scaling lines. Each chart is drawn only if its part is in the result.
 */
final class SuiteCharts
{
    private static final int WIDTH = 960;
    private static final int HEIGHT = 540;
    /** One colour per system, the same in every chart. */
    private static final Map<String, Color> COLOURS = Map.ofEntries(
        Map.entry("chainmesh", new Color(0x1f77b4)),
        Map.entry("chainmesh tree", new Color(0x1f77b4)),
        Map.entry("raw Netty (ceiling)", new Color(0x7f7f7f)),
        Map.entry("raw Netty caller thread", new Color(0xbcbd22)),
        Map.entry("Aeron UDP", new Color(0xd62728)),
        Map.entry("raw Netty", new Color(0x7f7f7f)),
        Map.entry("chainmesh flood", new Color(0xff7f0e)),
        Map.entry("chainmesh one signature per message", new Color(0x9467bd)),
        Map.entry("FluxOS-style", new Color(0x2ca02c)),
        Map.entry("gossipsub", new Color(0x8c564b)),
        Map.entry("raw fan-out ceiling", new Color(0x7f7f7f)),
        Map.entry("signed fan-out ceiling", new Color(0xc7c7c7)));

    private SuiteCharts()
    {
    }

    /**
     * @param root     the suite result.
     * @param chartDir where the PNGs go.
     * @param stem     file name prefix, e.g. {@code 2026-12-01-suite}.
     * @return the files written, in the order the report shows them.
     * @throws IOException if a file cannot be written.
     */
    static List<Path> write(final JsonNode root, final Path chartDir, final String stem) throws IOException
    {
        System.setProperty("java.awt.headless", "true");
        ChartFactory.setChartTheme(theme());
        Files.createDirectories(chartDir);
        final List<Path> files = new ArrayList<>();
        final JsonNode parts = root.path("parts");
        final JsonNode p2p = parts.path("pointToPoint");
        if (p2p.has("sizes"))
        {
            files.add(save(p2pThroughput(p2p, "msgsPerSec", "messages / s", true),
                chartDir.resolve(stem + "-p2p-msgs.png")));
            files.add(save(p2pThroughput(p2p, "megabytesPerSec", "payload MB / s", false),
                chartDir.resolve(stem + "-p2p-mbps.png")));
            for (final JsonNode size : p2p.path("sizes"))
            {
                final int bytes = size.path("payloadBytes").asInt();
                files.add(save(rttCurves(size), chartDir.resolve(stem + "-rtt-" + bytes + "b.png")));
            }
        }
        final JsonNode broadcast = parts.path("broadcast");
        if (broadcast.has("runs"))
        {
            files.add(save(broadcastBars(broadcast, "deliveredPerNodePerSecond", "delivered messages / s per node"),
                chartDir.resolve(stem + "-broadcast-rate.png")));
            files.add(save(broadcastBars(broadcast, "bytesOnWirePerDelivered", "bytes on the wire per delivered message"),
                chartDir.resolve(stem + "-broadcast-bytes.png")));
        }
        final JsonNode sideBySide = parts.path("sideBySide");
        if (sideBySide.has("runs"))
        {
            files.add(save(broadcastBars(sideBySide, "deliveredPerNodePerSecond", "delivered messages / s per node"),
                chartDir.resolve(stem + "-side-by-side-rate.png")));
            files.add(save(broadcastBars(sideBySide, "bytesOnWirePerDelivered", "bytes on the wire per delivered message"),
                chartDir.resolve(stem + "-side-by-side-bytes.png")));
            files.add(save(lightLoadBars(sideBySide), chartDir.resolve(stem + "-side-by-side-light-p99.png")));
        }
        final JsonNode scaling = parts.path("scaling");
        if (scaling.has("runs"))
        {
            files.add(save(scalingLines(scaling, "deliveredPerNodePerSecond", "delivered messages / s per node"),
                chartDir.resolve(stem + "-scaling-rate.png")));
            files.add(save(scalingLines(scaling, "bytesOnWirePerDelivered", "bytes on the wire per delivered message"),
                chartDir.resolve(stem + "-scaling-bytes.png")));
            files.add(save(scalingLines(scaling, "latencyP99Ms", "publish → deliver p99, ms"),
                chartDir.resolve(stem + "-scaling-p99.png")));
        }
        return files;
    }

    private static JFreeChart p2pThroughput(final JsonNode p2p, final String field, final String axis, final boolean log)
    {
        final DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (final JsonNode size : p2p.path("sizes"))
        {
            final String column = sizeLabel(size.path("payloadBytes").asInt());
            data.addValue(size.path("chainmesh").path(field).asDouble(), "chainmesh", column);
            data.addValue(size.path("rawNetty").path(field).asDouble(), "raw Netty (ceiling)", column);
            final double caller = size.path("rawNetty").path("callerThreadMsgsPerSec").asDouble();
            data.addValue("msgsPerSec".equals(field) ? caller : caller * size.path("payloadBytes").asInt() / 1e6,
                "raw Netty caller thread", column);
            data.addValue(size.path("aeron").path(field).asDouble(), "Aeron UDP", column);
        }
        final JFreeChart chart = ChartFactory.createBarChart("Point to point throughput, one link on 127.0.0.1",
            "payload", axis, data, PlotOrientation.VERTICAL, true, false, false);
        styleBars(chart, log, axis);
        return chart;
    }

    private static JFreeChart rttCurves(final JsonNode size)
    {
        final DefaultCategoryDataset data = new DefaultCategoryDataset();
        addCurve(data, "chainmesh", size.path("chainmesh").path("rttMicros").path("curve"));
        addCurve(data, "raw Netty", size.path("rawNetty").path("rttMicros").path("curve"));
        addCurve(data, "Aeron UDP", size.path("aeron").path("rttMicros").path("curve"));
        final JFreeChart chart = ChartFactory.createLineChart(
            "Round-trip time by percentile, " + sizeLabel(size.path("payloadBytes").asInt()) + " payload",
            "percentile", "RTT, µs", data, PlotOrientation.VERTICAL, true, false, false);
        final CategoryPlot plot = chart.getCategoryPlot();
        stylePlot(plot);
        plot.setRangeAxis(rangeAxis("RTT, µs", data));
        final LineAndShapeRenderer renderer = (LineAndShapeRenderer)plot.getRenderer();
        renderer.setDefaultShapesVisible(true);
        colour(data.getRowKeys(), (i, paint) ->
        {
            renderer.setSeriesPaint(i, paint);
            renderer.setSeriesStroke(i, new BasicStroke(2.5f));
        });
        return chart;
    }

    private static void addCurve(final DefaultCategoryDataset data, final String series, final JsonNode curve)
    {
        for (final JsonNode point : curve)
        {
            final double p = point.get(0).asDouble();
            final String label = p >= 100 ? "max" : "p" + (p == Math.rint(p) ? Long.toString((long)p) : Double.toString(p));
            data.addValue(Math.max(0.1, point.get(1).asDouble()), series, label);
        }
    }

    private static JFreeChart broadcastBars(final JsonNode broadcast, final String field, final String axis)
    {
        final DefaultCategoryDataset data = new DefaultCategoryDataset();
        final JsonNode runs = broadcast.path("runs");
        final String column = broadcast.path("nodes").asInt() + " nodes, " + broadcast.path("payloadBytes").asInt() + " B";
        addBar(data, runs.path("tree"), field, "chainmesh tree", column);
        addBar(data, runs.path("flood"), field, "chainmesh flood", column);
        addBar(data, runs.path("perMessageSignature"), field, "chainmesh one signature per message", column);
        addBar(data, runs.path("fluxos"), field, "FluxOS-style", column);
        addBar(data, runs.path("gossipsub"), field, "gossipsub", column);
        addBar(data, runs.path("ceiling"), field, "raw fan-out ceiling", column);
        addBar(data, runs.path("signedCeiling"), field, "signed fan-out ceiling", column);
        final JFreeChart chart = ChartFactory.createBarChart("Signed broadcast, every node publishing at max rate",
            "", axis, data, PlotOrientation.VERTICAL, true, false, false);
        styleBars(chart, true, axis);
        return chart;
    }

    private static JFreeChart lightLoadBars(final JsonNode part)
    {
        final DefaultCategoryDataset data = new DefaultCategoryDataset();
        final JsonNode runs = part.path("runs");
        for (final String percentile : new String[] {"latencyP50Ms", "latencyP99Ms"})
        {
            final String column = ("latencyP50Ms".equals(percentile) ? "p50" : "p99") + ", " +
                part.path("lightRate").asInt() + " msgs/s offered";
            addBar(data, runs.path("treeLightLoad"), percentile, "chainmesh tree", column);
            addBar(data, runs.path("gossipsubLightLoad"), percentile, "gossipsub", column);
        }
        final JFreeChart chart = ChartFactory.createBarChart("Publish → deliver latency under light load, " +
            part.path("nodes").asInt() + " nodes", "", "ms", data, PlotOrientation.VERTICAL, true, false, false);
        styleBars(chart, true, "ms");
        return chart;
    }

    private static void addBar(
        final DefaultCategoryDataset data, final JsonNode run, final String field, final String series, final String column)
    {
        if (run.has(field))
        {
            data.addValue(run.path(field).asDouble(), series, column);
        }
    }

    private static JFreeChart scalingLines(final JsonNode scaling, final String field, final String axis)
    {
        final XYSeriesCollection data = new XYSeriesCollection();
        addLine(data, scaling.path("runs").path("tree"), field, "chainmesh tree");
        addLine(data, scaling.path("runs").path("flood"), field, "chainmesh flood");
        addLine(data, scaling.path("runs").path("fluxos"), field, "FluxOS-style");
        addLine(data, scaling.path("runs").path("gossipsub"), field, "gossipsub");
        final JFreeChart chart = ChartFactory.createXYLineChart("Signed broadcast by network size (one machine)",
            "nodes", axis, data, PlotOrientation.VERTICAL, true, false, false);
        final XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        // Nodes double from one point to the next: a base-2 axis spaces them evenly.
        final LogAxis nodes = new LogAxis("nodes");
        nodes.setBase(2);
        nodes.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        nodes.setNumberFormatOverride(new DecimalFormat("0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        nodes.setRange(3, 40);
        plot.setDomainAxis(nodes);
        double min = Double.MAX_VALUE;
        double max = 0;
        for (int i = 0; i < data.getSeriesCount(); i++)
        {
            min = Math.min(min, data.getSeries(i).getMinY());
            max = Math.max(max, data.getSeries(i).getMaxY());
        }
        plot.setRangeAxis(rangeAxis(axis, min, max));
        final XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        final List<String> keys = new ArrayList<>();
        for (int i = 0; i < data.getSeriesCount(); i++)
        {
            keys.add(data.getSeriesKey(i).toString());
        }
        colour(keys, (i, paint) ->
        {
            renderer.setSeriesPaint(i, paint);
            renderer.setSeriesStroke(i, new BasicStroke(2.5f));
        });
        plot.setRenderer(renderer);
        return chart;
    }

    private static void addLine(final XYSeriesCollection data, final JsonNode rows, final String field, final String series)
    {
        if (rows.isArray() && rows.size() > 0)
        {
            final XYSeries line = new XYSeries(series);
            for (final JsonNode row : rows)
            {
                line.add(row.path("nodes").asInt(), Math.max(0.01, row.path(field).asDouble()));
            }
            data.addSeries(line);
        }
    }

    private static void styleBars(final JFreeChart chart, final boolean log, final String axis)
    {
        final CategoryPlot plot = chart.getCategoryPlot();
        stylePlot(plot);
        final BarRenderer renderer = (BarRenderer)plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        final DefaultCategoryDataset data = (DefaultCategoryDataset)plot.getDataset();
        if (log)
        {
            final ValueAxis range = rangeAxis(axis, data);
            plot.setRangeAxis(range);
            if (range instanceof LogAxis)
            {
                // Bars grow from the power of ten below the smallest value, so their heights compare honestly.
                renderer.setBase(range.getLowerBound());
                renderer.setIncludeBaseInRange(false);
            }
        }
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}",
            new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT))));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font("DejaVu Sans", Font.PLAIN, 10));
        colour(data.getRowKeys(), renderer::setSeriesPaint);
    }

    private static void stylePlot(final CategoryPlot plot)
    {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        final CategoryAxis domain = plot.getDomainAxis();
        domain.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
    }

    private static ValueAxis rangeAxis(final String label, final DefaultCategoryDataset data)
    {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (int r = 0; r < data.getRowCount(); r++)
        {
            for (int c = 0; c < data.getColumnCount(); c++)
            {
                final Number value = data.getValue(r, c);
                if (null != value && value.doubleValue() > 0)
                {
                    min = Math.min(min, value.doubleValue());
                    max = Math.max(max, value.doubleValue());
                }
            }
        }
        return rangeAxis(label, min, max);
    }

    /**
     * Values spanning more than 20× get a base-10 log axis from the power of ten at or below {@code min} to a
     * little above {@code max}; closer values a linear axis from zero (a log axis would show one tick).
     */
    private static ValueAxis rangeAxis(final String label, final double min, final double max)
    {
        if (!(min > 0 && max >= min && min < Double.MAX_VALUE) || max / min <= 20)
        {
            final NumberAxis linear = new NumberAxis(label);
            linear.setAutoRangeIncludesZero(true);
            linear.setNumberFormatOverride(new DecimalFormat("#,##0.##", DecimalFormatSymbols.getInstance(Locale.ROOT)));
            return linear;
        }
        final LogAxis axis = new LogAxis(label + " (log scale)");
        axis.setRange(Math.pow(10, Math.floor(Math.log10(min))), Math.pow(10, Math.log10(max) + 0.15));
        axis.setBase(10);
        // Whole powers of ten, written out (1,000 rather than 10^3.0).
        axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        axis.setNumberFormatOverride(new DecimalFormat("#,##0.##", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        axis.setMinorTickMarksVisible(true);
        axis.setAutoRangeMinimumSize(1);
        return axis;
    }

    private interface SeriesPaint
    {
        void apply(int series, Paint paint);
    }

    private static void colour(final List<?> keys, final SeriesPaint paint)
    {
        for (int i = 0; i < keys.size(); i++)
        {
            final Color colour = COLOURS.get(keys.get(i).toString());
            if (null != colour)
            {
                paint.apply(i, colour);
            }
        }
    }

    private static StandardChartTheme theme()
    {
        final StandardChartTheme theme = (StandardChartTheme)StandardChartTheme.createJFreeTheme();
        theme.setExtraLargeFont(new Font("DejaVu Sans", Font.BOLD, 20));
        theme.setLargeFont(new Font("DejaVu Sans", Font.BOLD, 15));
        theme.setRegularFont(new Font("DejaVu Sans", Font.PLAIN, 13));
        theme.setSmallFont(new Font("DejaVu Sans", Font.PLAIN, 11));
        theme.setChartBackgroundPaint(Color.WHITE);
        theme.setPlotBackgroundPaint(Color.WHITE);
        return theme;
    }

    static String sizeLabel(final int bytes)
    {
        return bytes >= 1024 && bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " B";
    }

    private static Path save(final JFreeChart chart, final Path file) throws IOException
    {
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        return file;
    }
}
