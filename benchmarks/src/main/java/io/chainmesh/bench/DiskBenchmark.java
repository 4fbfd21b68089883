package io.chainmesh.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sequential write speed with fsync, like FluxBench's {@code ddwrite} ({@code dd ... conv=fdatasync}):
 * writes {@code totalBytes} in 1 MiB blocks of incompressible data to a temporary file in the given
 * directory, forces it to the device, and deletes the file whatever happens.
 */
public final class DiskBenchmark
{
    /** Size of each write. */
    public static final int BLOCK_BYTES = 1 << 20;

    private DiskBenchmark()
    {
    }

    /**
     * @param directory  where to write; must exist and be writable.
     * @param totalBytes how much to write, in [1 MiB, 64 GiB].
     * @return megabytes (10^6 bytes) per second, including the final fsync.
     * @throws IOException if the directory cannot be written.
     */
    public static double writeMegabytesPerSecond(final Path directory, final long totalBytes) throws IOException
    {
        if (totalBytes < BLOCK_BYTES || totalBytes > (64L << 30))
        {
            throw new IllegalArgumentException("totalBytes=" + totalBytes + " must be in [1 MiB, 64 GiB]");
        }
        final byte[] random = new byte[BLOCK_BYTES];
        ThreadLocalRandom.current().nextBytes(random);
        final ByteBuffer block = ByteBuffer.allocateDirect(BLOCK_BYTES);
        block.put(random).flip();
        final Path file = Files.createTempFile(directory, "chainmesh-ddwrite-", ".tmp");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
        {
            final long start = System.nanoTime();
            long written = 0;
            while (written < totalBytes)
            {
                block.rewind();
                final int length = (int)Math.min(BLOCK_BYTES, totalBytes - written);
                block.limit(length);
                while (block.hasRemaining())
                {
                    written += channel.write(block);
                }
            }
            channel.force(false);
            final long elapsed = Math.max(1, System.nanoTime() - start);
            return written / 1e6 / (elapsed / 1e9);
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    /**
     * @param directory a path on the file system to measure.
     * @return total size in bytes of the file store holding it.
     * @throws IOException if it cannot be read.
     */
    public static long totalStorageBytes(final Path directory) throws IOException
    {
        final FileStore store = Files.getFileStore(directory);
        return store.getTotalSpace();
    }
}
