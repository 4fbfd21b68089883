package io.chainmesh.engine.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.engine.broadcast.BroadcastTree;
import io.chainmesh.engine.overlay.OverlayTopology;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the overlay and broadcast-tree worked example of {@code docs/PROTOCOL.md} ({@code docs/vectors/overlay.json})
 * against {@link OverlayTopology} and {@link BroadcastTree}.
 */
class OverlayVectorTest
{
    private static JsonNode vector() throws IOException
    {
        final Path root = Path.of(System.getProperty("chainmesh.repository.root", "..")).toAbsolutePath().normalize();
        final Path file = root.resolve("docs").resolve("vectors").resolve("overlay.json");
        assertThat(file).as("test vector file").isRegularFile();
        return new ObjectMapper().readTree(Files.readAllBytes(file));
    }

    private static int[] ints(final JsonNode array)
    {
        final int[] result = new int[array.size()];
        for (int i = 0; i < result.length; i++)
        {
            result[i] = array.get(i).asInt();
        }
        return result;
    }

    @Test
    void shouldComputeTheWorkedExampleTargetsTreeAndRanges() throws IOException
    {
        final JsonNode v = vector();
        final int n = v.get("n").asInt();
        final int successors = v.get("successors").asInt();
        assertThat(v.get("radix").asInt()).as("the vector's radix is the engine's").isEqualTo(BroadcastTree.RADIX);
        assertThat(v.get("targets").size()).isEqualTo(n);
        for (int i = 0; i < n; i++)
        {
            assertThat(OverlayTopology.computeTargets(i, n, successors)).as("targets of " + i)
                .containsExactly(ints(v.get("targets").get(i)));
        }

        assertThat(v.get("tree").size()).isEqualTo(n);
        int transmissions = 0;
        for (final JsonNode node : v.get("tree"))
        {
            final int offset = node.get("offset").asInt();
            final int range = BroadcastTree.rangeLength(offset, n);
            assertThat(range).as("range of offset " + offset).isEqualTo(node.get("range").asInt());
            final JsonNode children = node.get("children");
            assertThat(BroadcastTree.childCount(range)).as("children of offset " + offset).isEqualTo(children.size());
            for (int j = 0; j < children.size(); j++)
            {
                final int childOffset = offset + BroadcastTree.childDistance(j);
                final int childRange = BroadcastTree.childRangeLength(range, j);
                assertThat(new int[]{childOffset, childRange}).as("child " + j + " of offset " + offset)
                    .containsExactly(ints(children.get(j)));
                assertThat(BroadcastTree.rangeLength(childOffset, n)).as("a child's default is its given range")
                    .isEqualTo(childRange);
                transmissions++;
            }
        }
        assertThat(transmissions).as("n - 1 transmissions per batch").isEqualTo(n - 1);

        for (final JsonNode check : v.get("checkedRanges"))
        {
            assertThat(BroadcastTree.checkedRange(check.get("explicit").asInt(), check.get("offset").asInt(),
                check.get("n").asInt(), 127,
                check.get("fromOffset").asInt())).as(check.get("why").asText()).isEqualTo(check.get("covers").asInt());
        }
    }
}
