package io.chainmesh.node;

import io.chainmesh.chain.ChainDataException;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.DirectorySource;
import io.chainmesh.chain.FluxdNodeListParser;
import io.chainmesh.chain.FluxdNodeListWriter;
import io.chainmesh.chain.ParseResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The last node list a node accepted, kept on disk so that a restart while the list's source is unusable (a
 * malformed file, fluxd still loading) starts from it instead of from nothing.
 * <p>
 * {@link #keep} writes every new non-empty snapshot of a source, atomically (a temporary file moved into place), in
 * the {@code viewdeterministicfluxnodelist} envelope the file source reads. {@link #read} loads it back. A source
 * wrapped by {@link #seeded} answers with the kept list until the real source has one of its own; the kept list
 * has height 0, so the engine takes the source's first list whatever its height.
 */
final class LastGoodDirectory
{
    private static final Logger LOG = LoggerFactory.getLogger(LastGoodDirectory.class);

    private LastGoodDirectory()
    {
    }

    /**
     * @param file where the last good list is kept.
     * @return the kept list (height 0), or null if there is none or it cannot be used (logged).
     */
    static DirectorySnapshot read(final Path file)
    {
        if (!Files.isRegularFile(file))
        {
            return null;
        }
        try
        {
            final byte[] json = Files.readAllBytes(file);
            final ParseResult result = new FluxdNodeListParser().parse(json, 0, json.length);
            return result.members().isEmpty() ? null : result.toSnapshot(0);
        }
        catch (final IOException | ChainDataException | IllegalArgumentException ex)
        {
            LOG.warn("last good node list {} cannot be used: {}", file, ex.toString());
            return null;
        }
    }

    /**
     * Writes the source's current list, if any, and every newer one.
     *
     * @param source the node's directory source.
     * @param file   where to keep the list.
     * @return the subscription; close it to stop keeping.
     */
    static AutoCloseable keep(final DirectorySource source, final Path file)
    {
        write(source.current(), file);
        return source.subscribe((snapshot, diff) -> write(snapshot, file));
    }

    private static void write(final DirectorySnapshot snapshot, final Path file)
    {
        if (0 == snapshot.size())
        {
            return;
        }
        final Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try
        {
            try (OutputStream out = Files.newOutputStream(temporary))
            {
                FluxdNodeListWriter.writeEnvelope(snapshot.height(), snapshot.members(), out);
            }
            try
            {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot keep the node list at height {} in {}: {}", snapshot.height(), file, ex.toString());
        }
    }

    /**
     * @param source the node's directory source, which has no list yet.
     * @param kept   the last good list.
     * @return a source that answers with {@code kept} until {@code source} publishes a list of its own.
     */
    static DirectorySource seeded(final DirectorySource source, final DirectorySnapshot kept)
    {
        return new DirectorySource()
        {
            @Override
            public DirectorySnapshot current()
            {
                final DirectorySnapshot own = source.current();
                return own.size() > 0 ? own : kept;
            }

            @Override
            public AutoCloseable subscribe(final DirectoryListener listener)
            {
                return source.subscribe(listener);
            }

            @Override
            public void close()
            {
                source.close();
            }
        };
    }
}
