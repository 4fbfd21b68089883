package io.chainmesh.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs the local measurements (CPU, memory, disk) in order and derives the tier. Network figures
 * come from the engine and are added with {@link NodeMeasurements#withNetwork}.
 * <p>
 * Every measurement is bounded by the {@link Context}'s durations and sizes;
 * {@link Context#quick()} gives a run of well under a second for tests.
 */
public final class BenchmarkRunner
{
    /** Receives progress as each step starts; called on the running thread. */
    @FunctionalInterface
    public interface ProgressListener
    {
        /**
         * @param step      name of the step about to run.
         * @param index     its position, from 0.
         * @param stepCount number of steps.
         */
        void onStep(String step, int index, int stepCount);
    }

    /** Configuration of a run; validated by {@link #conclude()}. */
    public static final class Context
    {
        private long cpuDurationNanos = TimeUnit.SECONDS.toNanos(5);
        private long memoryDurationNanos = TimeUnit.SECONDS.toNanos(2);
        private int memoryBufferBytes = 64 << 20;
        private long diskBytes = 256L << 20;
        private Path diskDirectory = Path.of(System.getProperty("java.io.tmpdir"));
        private int threads = Runtime.getRuntime().availableProcessors();
        private TierRequirement[] requirements = TierRequirement.FLUX_DEFAULTS;
        private ProgressListener progress = (step, index, count) -> {};

        /**
         * @return a context sized for tests: about 0.5 s in all.
         */
        public static Context quick()
        {
            return new Context()
                .cpuDuration(100, TimeUnit.MILLISECONDS)
                .memoryDuration(100, TimeUnit.MILLISECONDS)
                .memoryBufferBytes(4 << 20)
                .diskBytes(8L << 20);
        }

        /**
         * @param duration how long the single- and multi-threaded CPU runs each last.
         * @param unit     its unit.
         * @return this.
         */
        public Context cpuDuration(final long duration, final TimeUnit unit)
        {
            this.cpuDurationNanos = unit.toNanos(duration);
            return this;
        }

        /**
         * @param duration how long the memory copy runs.
         * @param unit     its unit.
         * @return this.
         */
        public Context memoryDuration(final long duration, final TimeUnit unit)
        {
            this.memoryDurationNanos = unit.toNanos(duration);
            return this;
        }

        /**
         * @param bytes size of each memory copy buffer.
         * @return this.
         */
        public Context memoryBufferBytes(final int bytes)
        {
            this.memoryBufferBytes = bytes;
            return this;
        }

        /**
         * @param bytes how much the disk test writes.
         * @return this.
         */
        public Context diskBytes(final long bytes)
        {
            this.diskBytes = bytes;
            return this;
        }

        /**
         * @param directory where the disk test writes its temporary file.
         * @return this.
         */
        public Context diskDirectory(final Path directory)
        {
            this.diskDirectory = directory;
            return this;
        }

        /**
         * @param threads threads of the multi-threaded CPU run.
         * @return this.
         */
        public Context threads(final int threads)
        {
            this.threads = threads;
            return this;
        }

        /**
         * @param requirements tier minimums, lowest tier first.
         * @return this.
         */
        public Context requirements(final TierRequirement[] requirements)
        {
            this.requirements = requirements.clone();
            return this;
        }

        /**
         * @param progress receives each step as it starts.
         * @return this.
         */
        public Context progress(final ProgressListener progress)
        {
            this.progress = progress;
            return this;
        }

        /**
         * Validates the settings.
         *
         * @return this.
         * @throws IllegalArgumentException naming the first invalid setting.
         */
        public Context conclude()
        {
            check(cpuDurationNanos >= TimeUnit.MILLISECONDS.toNanos(10) && cpuDurationNanos <= TimeUnit.MINUTES.toNanos(10),
                "cpuDuration=" + cpuDurationNanos + "ns must be in [10 ms, 10 min]");
            check(memoryDurationNanos >= TimeUnit.MILLISECONDS.toNanos(10) &&
                memoryDurationNanos <= TimeUnit.MINUTES.toNanos(10),
                "memoryDuration=" + memoryDurationNanos + "ns must be in [10 ms, 10 min]");
            check(memoryBufferBytes >= (1 << 20) && memoryBufferBytes <= (1 << 30),
                "memoryBufferBytes=" + memoryBufferBytes + " must be in [1 MiB, 1 GiB]");
            check(diskBytes >= DiskBenchmark.BLOCK_BYTES && diskBytes <= (64L << 30),
                "diskBytes=" + diskBytes + " must be in [1 MiB, 64 GiB]");
            check(threads >= 1 && threads <= 1024, "threads=" + threads + " must be in [1, 1024]");
            Objects.requireNonNull(diskDirectory, "diskDirectory");
            check(Files.isDirectory(diskDirectory) && Files.isWritable(diskDirectory),
                "diskDirectory=" + diskDirectory + " must be a writable directory");
            check(requirements.length > 0, "requirements must not be empty");
            Objects.requireNonNull(progress, "progress");
            return this;
        }

        private static void check(final boolean condition, final String message)
        {
            if (!condition)
            {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /** Names of the steps, in order. */
    public static final String[] STEPS = {"cpu single-thread", "cpu multi-thread", "memory", "disk write"};

    private final Context ctx;

    /**
     * @param ctx configuration; {@link Context#conclude()} is called here.
     */
    public BenchmarkRunner(final Context ctx)
    {
        this.ctx = ctx.conclude();
    }

    /**
     * Runs every local measurement; network figures are NaN.
     *
     * @return the measurements.
     * @throws IOException          if the disk test cannot write its directory.
     * @throws InterruptedException if interrupted.
     */
    public NodeMeasurements measureLocal() throws IOException, InterruptedException
    {
        ctx.progress.onStep(STEPS[0], 0, STEPS.length);
        final double epsSingle = CpuBenchmark.eventsPerSecond(1, ctx.cpuDurationNanos);
        ctx.progress.onStep(STEPS[1], 1, STEPS.length);
        final double epsMulti = CpuBenchmark.eventsPerSecond(ctx.threads, ctx.cpuDurationNanos);
        ctx.progress.onStep(STEPS[2], 2, STEPS.length);
        final double memoryBandwidth = MemoryBenchmark.bandwidthMegabytesPerSecond(ctx.memoryBufferBytes, ctx.memoryDurationNanos);
        ctx.progress.onStep(STEPS[3], 3, STEPS.length);
        final double diskWrite = DiskBenchmark.writeMegabytesPerSecond(ctx.diskDirectory, ctx.diskBytes);
        return new NodeMeasurements(
            Runtime.getRuntime().availableProcessors(),
            MemoryBenchmark.totalMemoryBytes(),
            DiskBenchmark.totalStorageBytes(ctx.diskDirectory),
            epsSingle,
            epsMulti,
            memoryBandwidth,
            diskWrite,
            Double.NaN,
            Double.NaN);
    }

    /**
     * @param m measurements.
     * @return the tier they earn under this runner's requirements.
     */
    public TierVerdict tierOf(final NodeMeasurements m)
    {
        return TierVerdict.derive(m, ctx.requirements);
    }
}
