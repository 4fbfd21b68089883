package io.chainmesh.engine.vectors;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed {@code docs/vectors} are what {@link ProtocolVectors} generates from the code now, byte for byte, so
 * a change to the wire format that leaves a vector stale fails the build. Run with {@code -Dvectors.write=true} to
 * rewrite the files instead (see {@code docs/PROTOCOL.md}, "Test vectors").
 */
class ProtocolVectorsFileTest
{
    private static Path vectorsDirectory()
    {
        final Path root = Path.of(System.getProperty("chainmesh.repository.root", "..")).toAbsolutePath().normalize();
        return root.resolve("docs").resolve("vectors");
    }

    @Test
    void committedVectorsAreWhatTheCodeGenerates() throws IOException
    {
        final Map<String, String> generated = ProtocolVectors.generate();
        assertThat(generated).containsOnlyKeys(ProtocolVectors.FILES);
        final Path directory = vectorsDirectory();
        assertThat(directory).as("vector directory").isDirectory();
        final boolean write = Boolean.getBoolean("vectors.write");
        for (final Map.Entry<String, String> file : generated.entrySet())
        {
            final Path path = directory.resolve(file.getKey());
            if (write)
            {
                Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
            }
            assertThat(path).as(file.getKey()).isRegularFile();
            assertThat(Files.readString(path, StandardCharsets.UTF_8))
                .as("docs/vectors/%s is stale: regenerate it with -Dvectors.write=true", file.getKey())
                .isEqualTo(file.getValue());
        }
    }

    @Test
    void generationIsDeterministic()
    {
        assertThat(ProtocolVectors.generate()).isEqualTo(ProtocolVectors.generate());
    }
}
