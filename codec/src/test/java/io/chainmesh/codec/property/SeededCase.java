package io.chainmesh.codec.property;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * One case of a seeded property test ({@link SeededTest}): a {@link SplittableRandom} and the generators the
 * property tests draw their inputs from.
 * <p>
 * Cases are reproducible: the seed of case {@code i} follows from the base seed, the test's name and {@code i}
 * alone, so a rerun draws the same values. Two cases pin the edges whatever the seed: case 1 draws every size
 * and number at its minimum (empty arrays, lists and strings, {@code Long.MIN_VALUE}, the first choice, all-zero
 * bytes), case 2 at its maximum (maximum lengths, {@code Long.MAX_VALUE}, the last choice, all-0xFF bytes). The
 * other cases draw at random and take one draw in eight from the edges (0, ±1, min, min + 1, max - 1, max;
 * lengths min, min + 1 and max; constant-byte arrays), because that is where codecs break. Cases are numbered
 * from 1, as JUnit numbers the invocations.
 * <p>
 * Not thread-safe; one instance per test invocation.
 */
public final class SeededCase
{
    /** System property that replaces the base seed ({@code -Dchainmesh.seed=0x...}) to explore other cases. */
    public static final String SEED_PROPERTY = "chainmesh.seed";

    /** The base seed the default run uses, so every run tests the same cases. */
    public static final long DEFAULT_BASE_SEED = 0x5EEDC0DEC0FFEE01L;

    private static final int EDGE_ONE_IN = 8;
    private static final int DRAWN_LIMIT = 1500;
    private static final byte[] EDGE_BYTES = { 0, 1, -1, Byte.MAX_VALUE, Byte.MIN_VALUE };
    private static final double[] EDGE_DOUBLES = { 0.0, -0.0, 1.0, -1.0, Double.MIN_VALUE, Double.MAX_VALUE,
        -Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY };
    // Code points where UTF-8 and UTF-16 encodings change length, plus BOM and replacement character.
    private static final int[] EDGE_CODE_POINTS = { 0x0, 0x7F, 0x80, 0x7FF, 0x800, 0xFEFF, 0xFFFD, 0xFFFF, 0x10000,
        0x10FFFF };
    private static final String NUMERIC_CHARS = "0123456789abcdefABCDEF.:[]-+x";

    private enum Mode
    {
        MINIMUM, MAXIMUM, RANDOM
    }

    private final String test;
    private final int index;
    private final int count;
    private final long baseSeed;
    private final long seed;
    private final Mode mode;
    private final SplittableRandom random;
    private final StringBuilder drawn = new StringBuilder();

    private SeededCase(final String test, final int index, final int count, final long baseSeed, final long seed)
    {
        this.test = test;
        this.index = index;
        this.count = count;
        this.baseSeed = baseSeed;
        this.seed = seed;
        this.mode = index == 0 ? Mode.MINIMUM : index == 1 ? Mode.MAXIMUM : Mode.RANDOM;
        this.random = new SplittableRandom(seed);
    }

    /**
     * @param test  name of the test, so that different tests draw different values.
     * @param count number of cases.
     * @return the cases of one run, from the base seed ({@link #SEED_PROPERTY} or {@link #DEFAULT_BASE_SEED}).
     */
    public static Stream<SeededCase> cases(final String test, final int count)
    {
        if (count < 1)
        {
            throw new IllegalArgumentException("cases=" + count + " must be at least 1");
        }
        final long baseSeed = baseSeed();
        final SplittableRandom seeds = new SplittableRandom(baseSeed ^ test.hashCode());
        final long[] caseSeeds = seeds.longs(count).toArray();
        return IntStream.range(0, count).mapToObj(i -> new SeededCase(test, i, count, baseSeed, caseSeeds[i]));
    }

    private static long baseSeed()
    {
        final String value = System.getProperty(SEED_PROPERTY);
        if (value == null || value.isBlank())
        {
            return DEFAULT_BASE_SEED;
        }
        final String trimmed = value.trim();
        try
        {
            return trimmed.startsWith("0x") ? Long.parseUnsignedLong(trimmed.substring(2), 16) : Long.parseLong(trimmed);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(SEED_PROPERTY + "=" + value + " is not a decimal or 0x-hex long", ex);
        }
    }

    /**
     * @param min smallest value, inclusive.
     * @param max largest value, inclusive.
     * @return an int in {@code [min, max]}.
     */
    public int intBetween(final int min, final int max)
    {
        return (int)between(min, max, "int");
    }

    /**
     * @param min smallest value, inclusive.
     * @param max largest value, inclusive.
     * @return a long in {@code [min, max]}.
     */
    public long longBetween(final long min, final long max)
    {
        return between(min, max, "long");
    }

    /**
     * @return any long.
     */
    public long anyLong()
    {
        return between(Long.MIN_VALUE, Long.MAX_VALUE, "long");
    }

    /**
     * @return any boolean; false in case 1, true in case 2.
     */
    public boolean anyBoolean()
    {
        final boolean value = mode == Mode.RANDOM ? random.nextBoolean() : mode == Mode.MAXIMUM;
        return record("boolean " + value, value);
    }

    /**
     * @return any double bit pattern, NaNs and infinities included.
     */
    public double anyDouble()
    {
        final double value;
        if (mode != Mode.RANDOM)
        {
            value = mode == Mode.MINIMUM ? -Double.MAX_VALUE : Double.MAX_VALUE;
        }
        else if (edge())
        {
            value = EDGE_DOUBLES[random.nextInt(EDGE_DOUBLES.length)];
        }
        else
        {
            value = Double.longBitsToDouble(random.nextLong());
        }
        return record("double " + value, value);
    }

    /**
     * @param maxLength largest length, inclusive.
     * @return bytes of length {@code [0, maxLength]}.
     */
    public byte[] bytes(final int maxLength)
    {
        return bytes(0, maxLength);
    }

    /**
     * @param minLength smallest length, inclusive.
     * @param maxLength largest length, inclusive.
     * @return bytes of length {@code [minLength, maxLength]}.
     */
    public byte[] bytes(final int minLength, final int maxLength)
    {
        final byte[] bytes = new byte[size(minLength, maxLength)];
        if (mode != Mode.RANDOM)
        {
            Arrays.fill(bytes, mode == Mode.MINIMUM ? 0 : (byte)0xFF);
        }
        else if (edge())
        {
            Arrays.fill(bytes, EDGE_BYTES[random.nextInt(EDGE_BYTES.length)]);
        }
        else
        {
            random.nextBytes(bytes);
        }
        return record(describe(bytes), bytes);
    }

    /**
     * @param maxLength largest length in UTF-16 chars, inclusive.
     * @return well-formed text (no lone surrogates) of ASCII, control, non-ASCII and supplementary characters.
     */
    public String text(final int maxLength)
    {
        return text(0, maxLength, false);
    }

    /**
     * @param minLength smallest length in UTF-16 chars, inclusive.
     * @param maxLength largest length in UTF-16 chars, inclusive.
     * @return like {@link #text(int)}, but lone surrogates may appear too: hostile text a parser must survive.
     */
    public String rawText(final int minLength, final int maxLength)
    {
        return text(minLength, maxLength, true);
    }

    /**
     * @param choices values to choose from.
     * @param <T>     type of the values.
     * @return one of the choices; the first in case 1, the last in case 2.
     */
    @SafeVarargs
    public final <T> T oneOf(final T... choices)
    {
        final int i = mode == Mode.MINIMUM ? 0 : mode == Mode.MAXIMUM ? choices.length - 1 : random.nextInt(choices.length);
        return record("choice " + i, choices[i]);
    }

    /**
     * @param maxSize largest size, inclusive.
     * @param element draws one element (from this case).
     * @param <T>     type of the elements.
     * @return a list of size {@code [0, maxSize]}.
     */
    public <T> List<T> listOf(final int maxSize, final Supplier<T> element)
    {
        final int size = size(0, maxSize);
        record("list[" + size + "]", null);
        final List<T> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++)
        {
            list.add(element.get());
        }
        return list;
    }

    /**
     * @return what a failure report needs to find and rerun this case, and the values drawn so far.
     */
    public String describe()
    {
        return toString() + " of " + test + " (base seed 0x" + Long.toHexString(baseSeed) + "; the same base seed" +
            " draws the same values, -D" + SEED_PROPERTY + "=... draws others), drawn: " + drawn;
    }

    /**
     * @return the case's label in the test report.
     */
    @Override
    public String toString()
    {
        final String label = "case " + (index + 1) + "/" + count + " seed=0x" + Long.toHexString(seed);
        return mode == Mode.RANDOM ? label : label + " (" + mode.name().toLowerCase() + "s)";
    }

    private long between(final long min, final long max, final String kind)
    {
        if (min > max)
        {
            throw new IllegalArgumentException("min=" + min + " > max=" + max);
        }
        final long value;
        if (mode != Mode.RANDOM)
        {
            value = mode == Mode.MINIMUM ? min : max;
        }
        else if (edge())
        {
            value = edgeBetween(min, max);
        }
        else if (max < Long.MAX_VALUE)
        {
            value = random.nextLong(min, max + 1);
        }
        else if (min > Long.MIN_VALUE)
        {
            value = random.nextLong(min - 1, max) + 1;
        }
        else
        {
            value = random.nextLong();
        }
        return record(kind + " " + value, value);
    }

    private long edgeBetween(final long min, final long max)
    {
        final long[] candidates = { min, max, min + 1, max - 1, 0, 1, -1 };
        long value;
        do
        {
            value = candidates[random.nextInt(candidates.length)];
        }
        // min + 1 and max - 1 may overflow; the range check throws those out as well.
        while (value < min || value > max);
        return value;
    }

    private boolean edge()
    {
        return random.nextInt(EDGE_ONE_IN) == 0;
    }

    private int size(final int min, final int max)
    {
        if (min < 0 || min > max)
        {
            throw new IllegalArgumentException("size min=" + min + " max=" + max);
        }
        if (mode != Mode.RANDOM)
        {
            return mode == Mode.MINIMUM ? min : max;
        }
        if (edge())
        {
            final int pick = random.nextInt(3);
            return pick == 0 ? min : pick == 1 ? Math.min(min + 1, max) : max;
        }
        return random.nextInt(min, max + 1);
    }

    private String text(final int minLength, final int maxLength, final boolean loneSurrogates)
    {
        final int length = size(minLength, maxLength);
        final StringBuilder text = new StringBuilder(length);
        while (text.length() < length)
        {
            final int codePoint = codePoint(loneSurrogates);
            if (Character.charCount(codePoint) <= length - text.length())
            {
                text.appendCodePoint(codePoint);
            }
        }
        final String value = text.toString();
        return record(describe(value), value);
    }

    private int codePoint(final boolean loneSurrogates)
    {
        final int bucket = random.nextInt(16);
        if (bucket < 6)
        {
            return random.nextInt(0x20, 0x7F);
        }
        if (bucket < 8)
        {
            return NUMERIC_CHARS.charAt(random.nextInt(NUMERIC_CHARS.length()));
        }
        if (bucket == 8)
        {
            final int control = random.nextInt(0x21);
            return control == 0x20 ? 0x7F : control;
        }
        if (bucket < 11)
        {
            return random.nextInt(0x80, 0x250);
        }
        if (bucket < 13)
        {
            final int bmp = random.nextInt(0x250, 0xFFFE - 0x800);
            return bmp < Character.MIN_SURROGATE ? bmp : bmp + 0x800;
        }
        if (bucket == 13)
        {
            return loneSurrogates && random.nextBoolean() ?
                random.nextInt(Character.MIN_SURROGATE, Character.MAX_SURROGATE + 1) :
                EDGE_CODE_POINTS[random.nextInt(EDGE_CODE_POINTS.length)];
        }
        return random.nextInt(Character.MIN_SUPPLEMENTARY_CODE_POINT, Character.MAX_CODE_POINT + 1);
    }

    private <T> T record(final String description, final T value)
    {
        if (drawn.length() < DRAWN_LIMIT)
        {
            drawn.append(drawn.length() == 0 ? "" : ", ").append(description);
            if (drawn.length() >= DRAWN_LIMIT)
            {
                drawn.append(" ...");
            }
        }
        return value;
    }

    private static String describe(final byte[] bytes)
    {
        final StringBuilder text = new StringBuilder("bytes[").append(bytes.length).append(']');
        for (int i = 0; i < bytes.length && i < 16; i++)
        {
            text.append(i == 0 ? " " : "").append(String.format("%02x", bytes[i] & 0xFF));
        }
        return bytes.length > 16 ? text.append("...").toString() : text.toString();
    }

    private static String describe(final String value)
    {
        final StringBuilder text = new StringBuilder("text[").append(value.length()).append("] \"");
        for (int i = 0; i < value.length() && i < 32; i++)
        {
            final char c = value.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
            {
                text.append(c);
            }
            else
            {
                text.append(String.format("\\u%04x", (int)c));
            }
        }
        return text.append(value.length() > 32 ? "...\"" : "\"").toString();
    }
}
