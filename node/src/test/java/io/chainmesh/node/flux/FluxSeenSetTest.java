package io.chainmesh.node.flux;

import io.chainmesh.codec.crypto.NodeKey;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The relay's de-duplication memory on a clock the test moves: exact copies known, other signatures not, bounded by
 * capacity (counting fresh entries pushed out) and by FluxOS's freshness window.
 */
class FluxSeenSetTest
{
    private static final NodeKey KEY = NodeKey.fromHex("00000000000000000000000000000000000000000000000000000000000000a1");
    private static final long NOW = 1_765_015_200_000L;

    private long now = NOW;

    @Test
    void shouldKnowExactCopiesAndForgetMessagesPastTheFreshnessWindow() throws Exception
    {
        final FluxSeenSet seen = new FluxSeenSet(100, () -> now);
        final FluxEnvelope first = envelope("{\"type\":\"fluxappregister\",\"n\":1}", NOW);
        assertThat(seen.isExactCopy("k1", first)).isFalse();
        assertThat(seen.mark("k1", first)).isTrue();
        assertThat(seen.isExactCopy("k1", first)).isTrue();
        assertThat(seen.mark("k1", first)).isFalse();
        // Same key, another signature (FluxOS signs with fresh entropy): not an exact copy, must be verified first.
        final FluxEnvelope resigned = FluxEnvelope.parse(first.originalText().replace(first.signature(), "AAAA"));
        assertThat(seen.isExactCopy("k1", resigned)).isFalse();

        now = NOW + FluxEnvelope.MAX_AGE_MS + 1;
        assertThat(seen.mark("k2", envelope("{\"type\":\"fluxappregister\",\"n\":2}", now))).isTrue();
        assertThat(seen.size()).as("k1 left with its freshness window").isEqualTo(1);
        assertThat(seen.isExactCopy("k1", first)).isFalse();
        assertThat(seen.evictedFresh()).isZero();
    }

    @Test
    void shouldHoldAtMostItsCapacityAndCountFreshEntriesPushedOut() throws Exception
    {
        final FluxSeenSet seen = new FluxSeenSet(3, () -> now);
        for (int i = 0; i < 5; i++)
        {
            assertThat(seen.mark("k" + i, envelope("{\"type\":\"t\",\"n\":" + i + "}", NOW))).isTrue();
        }
        assertThat(seen.size()).isEqualTo(3);
        assertThat(seen.evictedFresh()).isEqualTo(2);
        seen.unmark("k4");
        assertThat(seen.size()).isEqualTo(2);
        assertThatThrownBy(() -> new FluxSeenSet(0, () -> now)).hasMessageContaining("seenCapacity=0");
    }

    private static FluxEnvelope envelope(final String data, final long timestamp) throws Exception
    {
        return FluxEnvelope.parse(FluxBridgeSystemTest.envelope(KEY, data, timestamp));
    }
}
