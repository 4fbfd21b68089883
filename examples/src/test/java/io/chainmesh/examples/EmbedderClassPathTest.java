package io.chainmesh.examples;

import io.chainmesh.chain.JsonFileSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * This module declares what an embedder declares (the engine), so its class path is an embedder's: the examples run
 * without Jackson, and a source that needs it says so when built.
 */
class EmbedderClassPathTest
{
    @Test
    void engineDoesNotBringJackson()
    {
        assertThatThrownBy(() -> Class.forName("com.fasterxml.jackson.databind.ObjectMapper"))
            .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void aSourceThatReadsJsonNamesTheMissingDependency()
    {
        assertThatThrownBy(() -> new JsonFileSource(new JsonFileSource.Context().path(Path.of("nodes.json"))))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("JsonFileSource reads JSON with com.fasterxml.jackson.core:jackson-databind")
            .hasMessageContaining("optional dependency of chainmesh-chain-adapter");
        assertThat(Path.of("nodes.json")).doesNotExist();
    }
}
