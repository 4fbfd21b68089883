package io.chainmesh.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small SVG chart: lines (x, y points per series) or bars (one value per label), linear axes or a log10 value
 * axis, a legend. Enough for a run's charts without a charting library in the simulator.
 */
final class SvgChart
{
    private static final int WIDTH = 960;
    private static final int HEIGHT = 540;
    private static final int LEFT = 90;
    private static final int RIGHT = 200;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#7f7f7f"};

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logY;
    private final List<String> names = new ArrayList<>();
    private final List<double[][]> series = new ArrayList<>();

    /**
     * @param title  the chart's title.
     * @param xLabel the x axis.
     * @param yLabel the y axis.
     * @param logY   a log10 y axis (values at or below 0 are left out).
     */
    SvgChart(final String title, final String xLabel, final String yLabel, final boolean logY)
    {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    /**
     * @param name   the legend's name.
     * @param points {x, y} pairs, x ascending.
     * @return this.
     */
    SvgChart line(final String name, final double[][] points)
    {
        names.add(name);
        series.add(points);
        return this;
    }

    /**
     * @param labels one per bar.
     * @param values one per bar.
     * @return the SVG text of a bar chart.
     */
    String bars(final String[] labels, final double[] values)
    {
        double max = 0;
        for (final double v : values)
        {
            max = Math.max(max, v);
        }
        max = niceCeiling(max);
        final StringBuilder svg = begin();
        final double plotW = WIDTH - LEFT - RIGHT;
        final double plotH = HEIGHT - TOP - BOTTOM;
        yTicks(svg, 0, max, false);
        final double slot = plotW / Math.max(1, labels.length);
        for (int i = 0; i < labels.length; i++)
        {
            final double h = max == 0 ? 0 : plotH * values[i] / max;
            final double x = LEFT + i * slot + slot * 0.15;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>%n",
                x, TOP + plotH - h, slot * 0.7, h, COLOURS[0]));
            text(svg, LEFT + i * slot + slot / 2, TOP + plotH + 18, labels[i], "middle", 12);
        }
        return end(svg);
    }

    /** @return the SVG text of the line chart. */
    String lines()
    {
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (final double[][] points : series)
        {
            for (final double[] p : points)
            {
                if (logY && p[1] <= 0)
                {
                    continue;
                }
                minX = Math.min(minX, p[0]);
                maxX = Math.max(maxX, p[0]);
                final double y = y(p[1]);
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y);
            }
        }
        if (minX > maxX)
        {
            minX = 0;
            maxX = 1;
            minY = 0;
            maxY = 1;
        }
        if (logY)
        {
            minY = Math.floor(minY);
            maxY = Math.max(minY + 1, Math.ceil(maxY));
        }
        else
        {
            minY = Math.min(0, minY);
            maxY = niceCeiling(maxY);
        }
        maxX = maxX <= minX ? minX + 1 : roundUp(maxX);
        final StringBuilder svg = begin();
        final double plotW = WIDTH - LEFT - RIGHT;
        final double plotH = HEIGHT - TOP - BOTTOM;
        yTicks(svg, minY, maxY, logY);
        for (int t = 0; t <= 5; t++)
        {
            final double value = minX + (maxX - minX) * t / 5;
            final double x = LEFT + plotW * t / 5;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n",
                x, TOP, x, TOP + (int)plotH));
            text(svg, x, TOP + plotH + 18, format(value), "middle", 12);
        }
        for (int s = 0; s < series.size(); s++)
        {
            final StringBuilder path = new StringBuilder();
            for (final double[] p : series.get(s))
            {
                if (logY && p[1] <= 0)
                {
                    continue;
                }
                final double x = LEFT + plotW * (p[0] - minX) / (maxX - minX);
                final double y = TOP + plotH - plotH * (y(p[1]) - minY) / (maxY - minY);
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
            }
            final String colour = COLOURS[s % COLOURS.length];
            svg.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(colour)
                .append("\" stroke-width=\"2\"/>\n");
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>%n",
                WIDTH - RIGHT + 15, TOP + 10 + s * 20, colour));
            text(svg, WIDTH - RIGHT + 35, TOP + 16 + s * 20, names.get(s), "start", 12);
        }
        return end(svg);
    }

    private double y(final double value)
    {
        return logY ? Math.log10(value) : value;
    }

    private StringBuilder begin()
    {
        final StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" " +
            "font-family=\"sans-serif\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        text(svg, WIDTH / 2.0, 28, title, "middle", 16);
        text(svg, LEFT + (WIDTH - LEFT - RIGHT) / 2.0, HEIGHT - 15, xLabel, "middle", 13);
        svg.append(String.format(Locale.ROOT, "<text x=\"20\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\" " +
            "transform=\"rotate(-90 20 %d)\">%s</text>%n", HEIGHT / 2, HEIGHT / 2, escape(yLabel)));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" " +
            "stroke=\"#333\"/>%n", LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM));
        return svg;
    }

    private static String end(final StringBuilder svg)
    {
        return svg.append("</svg>\n").toString();
    }

    private void yTicks(final StringBuilder svg, final double min, final double max, final boolean log)
    {
        final double plotH = HEIGHT - TOP - BOTTOM;
        final int ticks = log ? (int)Math.round(max - min) : 5;
        for (int t = 0; t <= ticks; t++)
        {
            final double value = min + (max - min) * t / ticks;
            final double y = TOP + plotH - plotH * t / ticks;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                LEFT, y, WIDTH - RIGHT, y));
            text(svg, LEFT - 8, y + 4, format(log ? Math.pow(10, value) : value), "end", 12);
        }
    }

    private static void text(final StringBuilder svg, final double x, final double y, final String text,
        final String anchor, final int size)
    {
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\">%s</text>%n",
            x, y, size, anchor, escape(text)));
    }

    private static String escape(final String text)
    {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String format(final double value)
    {
        if (value == Math.rint(value) && Math.abs(value) < 1e15)
        {
            return String.format(Locale.ROOT, "%,d", (long)value);
        }
        return String.format(Locale.ROOT, Math.abs(value) < 10 ? "%.2f" : "%,.0f", value);
    }

    /** @return the value rounded up to two significant digits (an axis that ends near the data). */
    static double roundUp(final double value)
    {
        if (value <= 0)
        {
            return 1;
        }
        final double unit = Math.pow(10, Math.floor(Math.log10(value)) - 1);
        return Math.ceil(value / unit) * unit;
    }

    /** @return the smallest of 1, 2, 2.5, 5 times a power of ten at or above the value. */
    static double niceCeiling(final double value)
    {
        if (value <= 0)
        {
            return 1;
        }
        final double power = Math.pow(10, Math.floor(Math.log10(value)));
        for (final double step : new double[]{1, 2, 2.5, 5, 10})
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }
        return 10 * power;
    }
}
