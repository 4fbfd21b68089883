package io.chainmesh.node;

import java.util.Arrays;

/**
 * Per-second rates of a few monotonic totals over a sliding window, so {@code /status} reports the same
 * figure however often it is asked (a rate "since the previous call" is noise for a poller at 10 Hz and
 * stale for one at a minute).
 * <p>
 * {@link #sample(long, long[])} records the totals at most once per {@code sampleIntervalNs} into a ring that
 * spans the window; {@link #rates(long, long[])} divides the change since the oldest sample still inside the
 * window by the time elapsed (while the node is younger than the window, since its first sample).
 * Times come from the caller (an injected clock). Synchronized: a sampler thread writes, the HTTP thread reads;
 * neither is a hot path.
 */
final class RateWindow
{
    private final int width;
    private final long windowNs;
    private final long sampleIntervalNs;
    private final long[] times;
    private final long[][] values;
    private int count;
    private int newest = -1;

    /**
     * @param width            how many totals each sample holds.
     * @param windowNs         the window the rates are computed over.
     * @param sampleIntervalNs the spacing of the samples kept.
     * @param startNs          time of the zero sample (all totals 0).
     */
    RateWindow(final int width, final long windowNs, final long sampleIntervalNs, final long startNs)
    {
        if (width < 1 || sampleIntervalNs <= 0 || windowNs < sampleIntervalNs)
        {
            throw new IllegalArgumentException("width=" + width + " window=" + windowNs + "ns sampleInterval=" +
                sampleIntervalNs + "ns: need width >= 1 and window >= sampleInterval > 0");
        }
        this.width = width;
        this.windowNs = windowNs;
        this.sampleIntervalNs = sampleIntervalNs;
        final int slots = (int)Math.min(4096, windowNs / sampleIntervalNs + 2);
        this.times = new long[slots];
        this.values = new long[slots][width];
        record(startNs, new long[width]);
    }

    /** @return the window length in nanoseconds. */
    long windowNs()
    {
        return windowNs;
    }

    /**
     * Records the totals if the newest sample is at least a sample interval old.
     *
     * @param nowNs  the time.
     * @param totals monotonic totals, {@code width} of them.
     */
    synchronized void sample(final long nowNs, final long[] totals)
    {
        if (nowNs - times[newest] >= sampleIntervalNs)
        {
            record(nowNs, totals);
        }
    }

    /**
     * @param nowNs  the time of {@code totals}.
     * @param totals the current totals.
     * @return per-second rates over the window that ends now.
     */
    synchronized double[] rates(final long nowNs, final long[] totals)
    {
        check(totals);
        // Oldest sample within the window; if none is (sampling stalled), the newest one.
        int oldest = newest;
        for (int k = 1; k < count; k++)
        {
            final int slot = Math.floorMod(newest - k, times.length);
            if (nowNs - times[slot] > windowNs)
            {
                break;
            }
            oldest = slot;
        }
        final double seconds = Math.max(1e-3, (nowNs - times[oldest]) / 1e9);
        final double[] rates = new double[width];
        for (int i = 0; i < width; i++)
        {
            rates[i] = Math.max(0, totals[i] - values[oldest][i]) / seconds;
        }
        return rates;
    }

    private void record(final long nowNs, final long[] totals)
    {
        check(totals);
        newest = (newest + 1) % times.length;
        times[newest] = nowNs;
        System.arraycopy(totals, 0, values[newest], 0, width);
        count = Math.min(count + 1, times.length);
    }

    private void check(final long[] totals)
    {
        if (totals.length != width)
        {
            throw new IllegalArgumentException("totals " + Arrays.toString(totals) + " must have " + width + " values");
        }
    }
}
