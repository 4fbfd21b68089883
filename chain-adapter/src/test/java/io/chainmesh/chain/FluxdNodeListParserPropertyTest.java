package io.chainmesh.chain;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input: whatever the bytes, the parser answers with a result or a {@link ChainDataException},
 * never another exception, and never accepts more members than the list has entries.
 */
class FluxdNodeListParserPropertyTest
{
    private static final byte[] VALID;
    private static final Character[] JSONISH =
        { '{', '}', '[', ']', '"', ',', ':', '-', '0', '9', 'a', 'x', ' ', '\\', '.' };
    private static final String[] VALUES = { "null", "true", "1e308", "-1", "\"\"", "[]", "{}", "\"::\"",
        "99999999999999999999999", "\"[::1]:0\"", "\"COutPoint(,)\"", "1.5", "\"\\u0000\"" };

    static
    {
        try (DevnetChain chain = new DevnetChain(new DevnetChain.Context().seed(3).memberCount(4).basePort(16000)))
        {
            VALID = FluxdNodeListWriter.toJsonArray(chain.current().members());
        }
    }

    private static void assertParsesOrFailsCleanly(final byte[] input)
    {
        try
        {
            final ParseResult result = new FluxdNodeListParser().parse(input, 0, input.length);
            assertThat(result.members().size() + result.rejectedCount()).isEqualTo(result.entryCount());
            assertThat(result.members().size()).isLessThanOrEqualTo(4);
        }
        catch (final ChainDataException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @SeededTest(cases = 300)
    void shouldNeverThrowAnythingButChainDataExceptionOnRandomBytes(final SeededCase sample)
    {
        assertParsesOrFailsCleanly(sample.bytes(512));
    }

    @SeededTest(cases = 300)
    void shouldSurviveTruncationAnywhere(final SeededCase sample)
    {
        final int cut = sample.intBetween(0, 10_000);
        final int length = cut % (VALID.length + 1);
        assertParsesOrFailsCleanly(java.util.Arrays.copyOf(VALID, length));
    }

    @SeededTest(cases = 300)
    void shouldSurviveCharacterMutations(final SeededCase sample)
    {
        final int position = sample.intBetween(0, 100_000);
        final char replacement = sample.oneOf(JSONISH);
        final byte[] input = VALID.clone();
        input[position % input.length] = (byte)replacement;
        assertParsesOrFailsCleanly(input);
    }

    @SeededTest(cases = 50)
    void shouldSurviveFieldValueSwaps(final SeededCase sample)
    {
        final String value = sample.oneOf(VALUES);
        final int field = sample.intBetween(0, 12);
        final String[] names = { "pubkey", "ip", "tier", "txhash", "outidx", "collateral", "added_height",
            "confirmed_height", "last_confirmed_height", "last_paid_height", "payment_address", "rank", "network" };
        final String text = new String(VALID, StandardCharsets.UTF_8)
            .replaceFirst("\"" + names[field] + "\":(\"[^\"]*\"|[-0-9]+)", "\"" + names[field] + "\":" + value);
        assertParsesOrFailsCleanly(text.getBytes(StandardCharsets.UTF_8));
    }
}
