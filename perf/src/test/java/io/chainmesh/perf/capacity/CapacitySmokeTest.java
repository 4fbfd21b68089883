package io.chainmesh.perf.capacity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.engine.ChannelCipher;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wiring of the capacity harness, not a measurement: a node under test in its own JVM, 20 pre-signed batches of
 * 10 messages from 16 origins of a 64-member directory, through the generator's real handshakes, over AES-GCM records
 * and over plaintext links. Every message is delivered once and every forward the tree owes comes back to the
 * generator.
 */
class CapacitySmokeTest
{
    @ParameterizedTest
    @EnumSource(value = ChannelCipher.class, names = {"AES_GCM", "PLAINTEXT"})
    void shouldDeliverEveryPreSignedMessageAndReturnEveryForwardTheTreeOwes(
        final ChannelCipher cipher, @TempDir final Path dir) throws Exception
    {
        final Path profile = dir.resolve("node.collapsed");
        final CapacityGenerator.Settings settings = new CapacityGenerator.Settings(
            new CapacityShape(64, 16, 7, 2_005, 5), 16, 10, 64, 0, 20, 30, 7, 1, cipher, 8,
            CapacityGenerator.nodeJvm(List.of("-Xms64m", "-Xmx256m")), profile.toString(), line -> { });

        final ObjectNode result;
        try (CapacityGenerator generator = new CapacityGenerator(settings, new ObjectMapper()))
        {
            result = generator.run();
        }

        assertThat(result.path("batchesSent").asInt()).isEqualTo(20);
        assertThat(result.path("messagesSent").asLong()).isEqualTo(200);
        assertThat(result.path("messagesDelivered").asLong()).isEqualTo(200);
        assertThat(result.path("allDelivered").asBoolean()).isTrue();
        assertThat(result.path("forwardsExpected").asLong()).isPositive();
        assertThat(result.path("forwardedBatches").asLong()).isEqualTo(result.path("forwardsExpected").asLong());
        assertThat(result.path("verifier").asText()).isIn("libsecp256k1", "bouncycastle");
        assertThat(result.path("cipher").asText()).isEqualTo(cipher.name());
        assertThat(result.path("nodeCountersAtEnd").path("forged").asLong()).isZero();
        // The node profiles its measured window, or says why it could not.
        if (result.path("profileStart").has("profileFailure"))
        {
            assertThat(result.path("profileStart").path("profileFailure").asText()).isNotBlank();
        }
        else
        {
            assertThat(result.path("profileStop").path("profile").asText()).isNotBlank();
            assertThat(profile).exists();
        }
    }
}
