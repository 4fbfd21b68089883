package io.chainmesh.node.flux;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memory of announced hashes already asked for, on times the test chooses: each hash asked for once, forgotten
 * past FluxOS's freshness window or when the capacity is reached, oldest first.
 */
class AskedHashesTest
{
    private static final long NOW = 1_765_015_200_000L;

    @Test
    void shouldAskForAHashOnceWhileItIsFresh()
    {
        final AskedHashes asked = new AskedHashes(new FluxBridge.Context());
        assertThat(asked.firstAsk(hash(1), NOW)).isTrue();
        assertThat(asked.firstAsk(hash(1), NOW + 1)).isFalse();
        assertThat(asked.firstAsk(hash(2), NOW + 1)).isTrue();
        assertThat(asked.firstAsk(hash(1), NOW + FluxEnvelope.MAX_AGE_MS - 1)).isFalse();
    }

    @Test
    void shouldForgetAHashPastTheFreshnessWindow()
    {
        final AskedHashes asked = new AskedHashes(new FluxBridge.Context());
        assertThat(asked.firstAsk(hash(1), NOW)).isTrue();
        assertThat(asked.firstAsk(hash(1), NOW + FluxEnvelope.MAX_AGE_MS)).isTrue();
    }

    @Test
    void shouldForgetTheOldestHashWhenFull()
    {
        final AskedHashes asked = new AskedHashes(new FluxBridge.Context().askedHashCapacity(2));
        assertThat(asked.firstAsk(hash(1), NOW)).isTrue();
        assertThat(asked.firstAsk(hash(2), NOW + 1)).isTrue();
        assertThat(asked.firstAsk(hash(3), NOW + 2)).as("full: hash 1 is forgotten to make room").isTrue();
        assertThat(asked.firstAsk(hash(2), NOW + 3)).as("full again: hash 2, now the oldest, is forgotten").isTrue();
        assertThat(asked.firstAsk(hash(2), NOW + 4)).as("hash 3 was forgotten, hash 2 kept").isFalse();
    }

    private static byte[] hash(final int n)
    {
        final byte[] hash = new byte[20];
        hash[19] = (byte)n;
        return hash;
    }
}
