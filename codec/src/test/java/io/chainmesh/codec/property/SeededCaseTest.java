package io.chainmesh.codec.property;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class SeededCaseTest
{
    @Test
    void shouldDrawTheSameValuesForTheSameTestAndIndex()
    {
        assertThat(draws("a", 50)).isEqualTo(draws("a", 50));
        assertThat(draws("a", 50)).isNotEqualTo(draws("b", 50));
    }

    @Test
    void shouldPinMinimumsInCaseZeroAndMaximumsInCaseOne()
    {
        final List<SeededCase> cases = SeededCase.cases("edges", 2).collect(Collectors.toList());
        final SeededCase minimums = cases.get(0);
        assertThat(minimums.bytes(3, 70)).containsExactly(0, 0, 0);
        assertThat(minimums.intBetween(-5, 400)).isEqualTo(-5);
        assertThat(minimums.anyLong()).isEqualTo(Long.MIN_VALUE);
        assertThat(minimums.text(10)).isEmpty();
        assertThat(minimums.listOf(40, () -> 1)).isEmpty();
        assertThat(minimums.oneOf("first", "last")).isEqualTo("first");

        final SeededCase maximums = cases.get(1);
        assertThat(maximums.bytes(70)).hasSize(70).containsOnly((byte)0xFF);
        assertThat(maximums.intBetween(-5, 400)).isEqualTo(400);
        assertThat(maximums.anyLong()).isEqualTo(Long.MAX_VALUE);
        assertThat(maximums.text(10)).hasSize(10);
        assertThat(maximums.listOf(40, () -> 1)).hasSize(40);
        assertThat(maximums.oneOf("first", "last")).isEqualTo("last");
    }

    @Test
    void shouldStayInBoundsAndStillReachTheEdgesAtRandom()
    {
        final List<SeededCase> cases = SeededCase.cases("bounds", 300).skip(2).collect(Collectors.toList());
        final List<Integer> lengths = cases.stream().map(c -> c.bytes(1, 80).length).collect(Collectors.toList());
        assertThat(lengths).allMatch(n -> n >= 1 && n <= 80).contains(1, 2, 80);
        final List<Long> longs = cases.stream().map(SeededCase::anyLong).collect(Collectors.toList());
        assertThat(longs).contains(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L, 1L);
        final List<Integer> ints = cases.stream().map(c -> c.intBetween(27, 34)).collect(Collectors.toList());
        assertThat(ints).allMatch(n -> n >= 27 && n <= 34).contains(27, 34);
    }

    @Test
    void shouldDrawWellFormedTextUnlessRawTextIsAskedFor()
    {
        final List<SeededCase> cases = SeededCase.cases("text", 300).collect(Collectors.toList());
        final List<String> texts = cases.stream().map(c -> c.text(120)).collect(Collectors.toList());
        assertThat(texts).allMatch(t -> t.length() <= 120 && !hasLoneSurrogate(t))
            .anyMatch(t -> t.chars().anyMatch(c -> c > 0x7F))
            .anyMatch(t -> t.codePoints().anyMatch(Character::isSupplementaryCodePoint));
        final List<String> raw = cases.stream().map(c -> c.rawText(1, 120)).collect(Collectors.toList());
        assertThat(raw).allMatch(t -> !t.isEmpty() && t.length() <= 120).anyMatch(SeededCaseTest::hasLoneSurrogate);
    }

    @Test
    void shouldDescribeTheCaseAndWhatItDrew()
    {
        final SeededCase sample = SeededCase.cases("describe", 3).skip(2).findFirst().orElseThrow();
        sample.intBetween(0, 9);
        assertThat(sample.describe()).startsWith("case 3/3 seed=0x").contains("describe", "base seed 0x", "int ");
    }

    private static List<String> draws(final String test, final int count)
    {
        return SeededCase.cases(test, count).map(c -> c.anyLong() + " " + c.text(20) + " " + c.bytes(9).length)
            .collect(Collectors.toList());
    }

    private static boolean hasLoneSurrogate(final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1)))
            {
                i++;
            }
            else if (Character.isSurrogate(c))
            {
                return true;
            }
        }
        return false;
    }
}
