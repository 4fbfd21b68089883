package io.chainmesh.bench;

import java.lang.management.ManagementFactory;

/**
 * Installed memory and an estimate of memory bandwidth (a large array copied repeatedly, counting
 * bytes read plus bytes written).
 */
public final class MemoryBenchmark
{
    private MemoryBenchmark()
    {
    }

    /**
     * @return physical memory of the machine in bytes, or 0 if the JVM cannot tell.
     */
    public static long totalMemoryBytes()
    {
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean)
        {
            return ((com.sun.management.OperatingSystemMXBean)os).getTotalMemorySize();
        }
        return 0;
    }

    /**
     * Copies a {@code bufferBytes} array back and forth for about {@code durationNanos}.
     *
     * @param bufferBytes   size of each of the two arrays, in [1 MiB, 1 GiB].
     * @param durationNanos how long to copy.
     * @return megabytes (10^6 bytes) moved per second, read plus write.
     */
    public static double bandwidthMegabytesPerSecond(final int bufferBytes, final long durationNanos)
    {
        if (bufferBytes < (1 << 20) || bufferBytes > (1 << 30))
        {
            throw new IllegalArgumentException("bufferBytes=" + bufferBytes + " must be in [1 MiB, 1 GiB]");
        }
        final byte[] a = new byte[bufferBytes];
        final byte[] b = new byte[bufferBytes];
        for (int i = 0; i < bufferBytes; i += 4096)
        {
            a[i] = (byte)i;
        }
        long copies = 0;
        final long start = System.nanoTime();
        long now;
        do
        {
            if ((copies & 1) == 0)
            {
                System.arraycopy(a, 0, b, 0, bufferBytes);
            }
            else
            {
                System.arraycopy(b, 0, a, 0, bufferBytes);
            }
            copies++;
            now = System.nanoTime();
        }
        while (now - start < durationNanos);
        return 2.0 * bufferBytes * copies / 1e6 / ((now - start) / 1e9);
    }
}
