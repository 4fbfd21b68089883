package io.chainmesh.node;

import io.chainmesh.engine.EngineCounters;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.io.File;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * A node's counters in a memory-mapped file, so {@code chainmesh stat} can read them from another process.
 * <p>
 * Layout (all integers little-endian, as Agrona writes them):
 * <pre>
 *   0                   4                   8                  12                  16
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | magic 'CMCT'      | version (1)       | metadata length   | values length     |
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | reserved up to HEADER_LENGTH (128)                                            |
 *   +-------------------------------------------------------------------------------+
 *   | metadata region: Agrona CountersReader metadata (4x values length)            |
 *   +-------------------------------------------------------------------------------+
 *   | values region: one 128-byte slot per counter                                  |
 *   +-------------------------------------------------------------------------------+
 * </pre>
 * With the default {@link EngineCounters#DEFAULT_VALUES_LENGTH} (256 counters) the file is
 * 128 + 131072 + 32768 = 163968 bytes. The magic is written last (ordered) so a reader that sees it sees
 * the lengths.
 */
public final class CountersFile implements AutoCloseable
{
    /** Header bytes before the metadata region. */
    public static final int HEADER_LENGTH = 128;
    /** Magic at offset 0: "CMCT". */
    public static final int MAGIC = 0x54434D43;
    /** Layout version. */
    public static final int VERSION = 1;
    /** Offset of the magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the metadata length. */
    public static final int METADATA_LENGTH_OFFSET = 8;
    /** Offset of the values length. */
    public static final int VALUES_LENGTH_OFFSET = 12;
    /** Largest values region a reader accepts (hostile file guard). */
    public static final int MAX_VALUES_LENGTH = 64 * 1024 * CountersReader.COUNTER_LENGTH;

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final AtomicBuffer metaData;
    private final AtomicBuffer values;
    private boolean closed;

    private CountersFile(final MappedByteBuffer mapped, final int metaLength, final int valuesLength)
    {
        this.mapped = mapped;
        this.header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        this.metaData = new UnsafeBuffer(mapped, HEADER_LENGTH, metaLength);
        this.values = new UnsafeBuffer(mapped, HEADER_LENGTH + metaLength, valuesLength);
    }

    /**
     * Creates (or replaces) the file with room for {@link EngineCounters#DEFAULT_VALUES_LENGTH} of values.
     *
     * @param path the file.
     * @return the mapped file; pass {@link #metaDataBuffer()} and {@link #valuesBuffer()} to the node.
     */
    public static CountersFile create(final Path path)
    {
        final int valuesLength = EngineCounters.DEFAULT_VALUES_LENGTH;
        final int metaLength = valuesLength * (CountersReader.METADATA_LENGTH / CountersReader.COUNTER_LENGTH);
        final File file = path.toFile();
        IoUtil.deleteIfExists(file);
        final MappedByteBuffer mapped = IoUtil.mapNewFile(file, HEADER_LENGTH + (long)metaLength + valuesLength);
        final CountersFile countersFile = new CountersFile(mapped, metaLength, valuesLength);
        countersFile.header.putInt(VERSION_OFFSET, VERSION);
        countersFile.header.putInt(METADATA_LENGTH_OFFSET, metaLength);
        countersFile.header.putInt(VALUES_LENGTH_OFFSET, valuesLength);
        countersFile.header.putIntOrdered(MAGIC_OFFSET, MAGIC);
        return countersFile;
    }

    /**
     * Maps an existing counters file written by a node, validating its header.
     *
     * @param path the file.
     * @return the mapped file.
     * @throws IllegalArgumentException naming the header field that is wrong.
     */
    public static CountersFile open(final Path path)
    {
        final File file = path.toFile();
        if (!file.isFile())
        {
            throw new IllegalArgumentException("counters file " + path + " does not exist");
        }
        final long fileLength = file.length();
        if (fileLength < HEADER_LENGTH)
        {
            throw new IllegalArgumentException("counters file length " + fileLength + " is below header " + HEADER_LENGTH);
        }
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(file, "counters");
        final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        try
        {
            final int magic = header.getIntVolatile(MAGIC_OFFSET);
            if (magic != MAGIC)
            {
                throw new IllegalArgumentException("counters file magic 0x" + Integer.toHexString(magic) +
                    " is not 0x" + Integer.toHexString(MAGIC));
            }
            final int version = header.getInt(VERSION_OFFSET);
            if (version != VERSION)
            {
                throw new IllegalArgumentException("counters file version " + version + " is not " + VERSION);
            }
            final int valuesLength = header.getInt(VALUES_LENGTH_OFFSET);
            if (valuesLength <= 0 || valuesLength > MAX_VALUES_LENGTH ||
                valuesLength % CountersReader.COUNTER_LENGTH != 0)
            {
                throw new IllegalArgumentException("counters file values length " + valuesLength +
                    " must be a positive multiple of " + CountersReader.COUNTER_LENGTH + " up to " + MAX_VALUES_LENGTH);
            }
            final int metaLength = header.getInt(METADATA_LENGTH_OFFSET);
            final int expectedMeta = valuesLength * (CountersReader.METADATA_LENGTH / CountersReader.COUNTER_LENGTH);
            if (metaLength != expectedMeta)
            {
                throw new IllegalArgumentException("counters file metadata length " + metaLength + " is not " +
                    expectedMeta);
            }
            if (HEADER_LENGTH + (long)metaLength + valuesLength > fileLength)
            {
                throw new IllegalArgumentException("counters file length " + fileLength + " is below " +
                    (HEADER_LENGTH + (long)metaLength + valuesLength));
            }
            return new CountersFile(mapped, metaLength, valuesLength);
        }
        catch (final IllegalArgumentException ex)
        {
            IoUtil.unmap(mapped);
            throw ex;
        }
    }

    /** @return the metadata region. */
    public AtomicBuffer metaDataBuffer()
    {
        return metaData;
    }

    /** @return the values region. */
    public AtomicBuffer valuesBuffer()
    {
        return values;
    }

    /** @return a reader over the file's counters. */
    public CountersReader reader()
    {
        return new CountersReader(metaData, values);
    }

    /** Unmaps the file (the file stays). Idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            IoUtil.unmap(mapped);
        }
    }
}
