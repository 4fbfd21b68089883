package io.chainmesh.chain;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input: whatever the bytes, the parser answers with a result or a {@link ChainDataException},
 * never another exception, and never accepts more members than the list has entries.
 */
class FluxdNodeListParserPropertyTest
{
    private static final byte[] VALID;

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

    @Property(tries = 300)
    void shouldNeverThrowAnythingButChainDataExceptionOnRandomBytes(@ForAll @Size(max = 512) final List<Byte> bytes)
    {
        final byte[] input = new byte[bytes.size()];
        for (int i = 0; i < input.length; i++)
        {
            input[i] = bytes.get(i);
        }
        assertParsesOrFailsCleanly(input);
    }

    @Property(tries = 300)
    void shouldSurviveTruncationAnywhere(@ForAll @IntRange(min = 0, max = 10_000) final int cut)
    {
        final int length = cut % (VALID.length + 1);
        assertParsesOrFailsCleanly(java.util.Arrays.copyOf(VALID, length));
    }

    @Property(tries = 300)
    void shouldSurviveCharacterMutations(
        @ForAll @IntRange(min = 0, max = 100_000) final int position,
        @ForAll("jsonish") final char replacement)
    {
        final byte[] input = VALID.clone();
        input[position % input.length] = (byte)replacement;
        assertParsesOrFailsCleanly(input);
    }

    @Provide
    Arbitrary<Character> jsonish()
    {
        return Arbitraries.of('{', '}', '[', ']', '"', ',', ':', '-', '0', '9', 'a', 'x', ' ', '\\', '.');
    }

    @Property(tries = 50)
    void shouldSurviveFieldValueSwaps(@ForAll("values") final String value, @ForAll @IntRange(min = 0, max = 12) final int field)
    {
        final String[] names = { "pubkey", "ip", "tier", "txhash", "outidx", "collateral", "added_height",
            "confirmed_height", "last_confirmed_height", "last_paid_height", "payment_address", "rank", "network" };
        final String text = new String(VALID, StandardCharsets.UTF_8)
            .replaceFirst("\"" + names[field] + "\":(\"[^\"]*\"|[-0-9]+)", "\"" + names[field] + "\":" + value);
        assertParsesOrFailsCleanly(text.getBytes(StandardCharsets.UTF_8));
    }

    @Provide
    Arbitrary<String> values()
    {
        return Arbitraries.of("null", "true", "1e308", "-1", "\"\"", "[]", "{}", "\"::\"", "99999999999999999999999",
            "\"[::1]:0\"", "\"COutPoint(,)\"", "1.5", "\"\\u0000\"");
    }
}
