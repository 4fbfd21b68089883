package io.chainmesh.chain;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * One case of a seeded property test ({@link SeededTest}): a {@link SplittableRandom} and the few generators the
 * chain-adapter property tests need (a trimmed sibling of the codec's test-only {@code SeededCase}; sharing a
 * test jar for one class is not worth it).
 * <p>
 * The seed of case {@code i} follows from the base seed, the test's name and {@code i}, so a rerun draws the same
 * values. Case 1 draws every size and number at its minimum and the first choice, case 2 at its maximum and the
 * last choice; the others draw at random, one draw in eight from the edges (min, min + 1, max - 1, max, 0;
 * lengths min, min + 1 and max; constant-byte arrays). Cases are numbered from 1, as JUnit numbers invocations.
 */
final class SeededCase
{
    /** System property that replaces the base seed ({@code -Dchainmesh.seed=0x...}) to explore other cases. */
    static final String SEED_PROPERTY = "chainmesh.seed";

    /** The base seed the default run uses, so every run tests the same cases. */
    static final long DEFAULT_BASE_SEED = 0x5EEDC0DEC0FFEE01L;

    private static final int EDGE_ONE_IN = 8;
    private static final int DRAWN_LIMIT = 1500;
    private static final byte[] EDGE_BYTES = { 0, 1, -1, Byte.MAX_VALUE, Byte.MIN_VALUE, '"', '{', '[', '\\' };
    // Characters that mean something to endpoint and JSON parsers, drawn more often than chance would.
    private static final String SYNTAX_CHARS = "0123456789abcdefABCDEF.:[]-+%\"{},\\ ";
    private static final int[] EDGE_CODE_POINTS = { 0x0, 0x7F, 0x80, 0x7FF, 0x800, 0xFEFF, 0xFFFD, 0xFFFF, 0x10000,
        0x10FFFF };

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

    static Stream<SeededCase> cases(final String test, final int count)
    {
        if (count < 1)
        {
            throw new IllegalArgumentException("cases=" + count + " must be at least 1");
        }
        final long baseSeed = baseSeed();
        final long[] caseSeeds = new SplittableRandom(baseSeed ^ test.hashCode()).longs(count).toArray();
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

    /** An int in {@code [min, max]}. */
    int intBetween(final int min, final int max)
    {
        if (min > max)
        {
            throw new IllegalArgumentException("min=" + min + " > max=" + max);
        }
        final int value;
        if (mode != Mode.RANDOM)
        {
            value = mode == Mode.MINIMUM ? min : max;
        }
        else if (edge())
        {
            final int[] candidates = { min, max, min + 1, max - 1, 0 };
            int candidate;
            do
            {
                candidate = candidates[random.nextInt(candidates.length)];
            }
            while (candidate < min || candidate > max); // min + 1 and max - 1 may overflow
            value = candidate;
        }
        else
        {
            value = (int)random.nextLong(min, (long)max + 1);
        }
        return record("int " + value, value);
    }

    /** Bytes of length {@code [0, maxLength]}. */
    byte[] bytes(final int maxLength)
    {
        final byte[] bytes = new byte[size(0, maxLength)];
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
        final StringBuilder text = new StringBuilder("bytes[").append(bytes.length).append(']');
        for (int i = 0; i < bytes.length && i < 16; i++)
        {
            text.append(i == 0 ? " " : "").append(String.format("%02x", bytes[i] & 0xFF));
        }
        return record(bytes.length > 16 ? text + "..." : text.toString(), bytes);
    }

    /**
     * Hostile text of {@code [minLength, maxLength]} UTF-16 chars: ASCII, parser syntax, control, non-ASCII,
     * supplementary characters and lone surrogates.
     */
    String rawText(final int minLength, final int maxLength)
    {
        final int length = size(minLength, maxLength);
        final StringBuilder text = new StringBuilder(length);
        while (text.length() < length)
        {
            final int codePoint = codePoint();
            if (Character.charCount(codePoint) <= length - text.length())
            {
                text.appendCodePoint(codePoint);
            }
        }
        final String value = text.toString();
        final StringBuilder shown = new StringBuilder("text[").append(value.length()).append("] \"");
        for (int i = 0; i < value.length() && i < 32; i++)
        {
            final char c = value.charAt(i);
            final boolean plain = c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
            shown.append(plain ? String.valueOf(c) : String.format("\\u%04x", (int)c));
        }
        return record(shown.append(value.length() > 32 ? "...\"" : "\"").toString(), value);
    }

    /** One of the choices; the first in case 1, the last in case 2. */
    @SafeVarargs
    final <T> T oneOf(final T... choices)
    {
        final int i = mode == Mode.MINIMUM ? 0 : mode == Mode.MAXIMUM ? choices.length - 1 : random.nextInt(choices.length);
        return record("choice " + i, choices[i]);
    }

    /** What a failure report needs to find and rerun this case, and the values drawn so far. */
    String describe()
    {
        return toString() + " of " + test + " (base seed 0x" + Long.toHexString(baseSeed) + "; the same base seed" +
            " draws the same values, -D" + SEED_PROPERTY + "=... draws others), drawn: " + drawn;
    }

    @Override
    public String toString()
    {
        final String label = "case " + (index + 1) + "/" + count + " seed=0x" + Long.toHexString(seed);
        return mode == Mode.RANDOM ? label : label + " (" + mode.name().toLowerCase() + "s)";
    }

    private boolean edge()
    {
        return random.nextInt(EDGE_ONE_IN) == 0;
    }

    private int size(final int min, final int max)
    {
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

    private int codePoint()
    {
        final int bucket = random.nextInt(16);
        if (bucket < 6)
        {
            return random.nextInt(0x20, 0x7F);
        }
        if (bucket < 9)
        {
            return SYNTAX_CHARS.charAt(random.nextInt(SYNTAX_CHARS.length()));
        }
        if (bucket == 9)
        {
            final int control = random.nextInt(0x21);
            return control == 0x20 ? 0x7F : control;
        }
        if (bucket < 12)
        {
            return random.nextInt(0x80, 0xFFFE);
        }
        if (bucket == 12)
        {
            return random.nextInt(Character.MIN_SURROGATE, Character.MAX_SURROGATE + 1);
        }
        if (bucket == 13)
        {
            return EDGE_CODE_POINTS[random.nextInt(EDGE_CODE_POINTS.length)];
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
}
