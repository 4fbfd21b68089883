package io.chainmesh.node.flux;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code JSON.stringify(JSON.parse(text))} as JavaScript computes it, for the value Jackson parsed from that text:
 * FluxOS signs {@code version + JSON.stringify(data) + timestamp}, so checking its signatures needs the same
 * characters, not merely equivalent JSON.
 * <p>
 * What JavaScript does and this reproduces: object keys that are array indices (canonical decimal integers below
 * 2^32 - 1) come first in ascending order, the others in the order first seen (a repeated key keeps its first
 * position and its last value); numbers are IEEE doubles printed by {@code Number.prototype.toString} (shortest
 * digits that read back as the same double; plain notation from 1e-7 up to below 1e21, exponent notation
 * outside); strings escape only {@code "}, {@code \}, control characters ({@code \b \f \n \r \t}, others as
 * {@code \}{@code u00xx}) and lone surrogates; no whitespace.
 * <p>
 * Parse with {@link com.fasterxml.jackson.databind.DeserializationFeature#USE_BIG_DECIMAL_FOR_FLOATS} off and
 * integers as Jackson reads them (int, long or BigInteger): every number is converted to a double here, as
 * JavaScript does. Jackson's default for duplicate keys (last value wins, first position) matches JavaScript.
 */
public final class JsJson
{
    private static final long MAX_ARRAY_INDEX = 0xFFFF_FFFEL;

    private JsJson()
    {
    }

    /**
     * @param value a parsed JSON value.
     * @return its JavaScript {@code JSON.stringify}.
     */
    public static String stringify(final JsonNode value)
    {
        final StringBuilder out = new StringBuilder();
        append(out, value);
        return out.toString();
    }

    private static void append(final StringBuilder out, final JsonNode value)
    {
        switch (value.getNodeType())
        {
            case OBJECT -> appendObject(out, value);
            case ARRAY ->
            {
                out.append('[');
                for (int i = 0; i < value.size(); i++)
                {
                    if (i > 0)
                    {
                        out.append(',');
                    }
                    append(out, value.get(i));
                }
                out.append(']');
            }
            case STRING -> appendString(out, value.textValue());
            case NUMBER -> out.append(number(value.doubleValue()));
            case BOOLEAN -> out.append(value.booleanValue());
            case NULL -> out.append("null");
            default -> throw new IllegalArgumentException("not a JSON value: " + value.getNodeType());
        }
    }

    private static void appendObject(final StringBuilder out, final JsonNode object)
    {
        final List<Map.Entry<String, JsonNode>> indices = new ArrayList<>();
        final List<Map.Entry<String, JsonNode>> others = new ArrayList<>();
        for (final Map.Entry<String, JsonNode> field : object.properties())
        {
            (isArrayIndex(field.getKey()) ? indices : others).add(field);
        }
        indices.sort((a, b) -> Long.compare(Long.parseLong(a.getKey()), Long.parseLong(b.getKey())));
        out.append('{');
        boolean first = true;
        for (final List<Map.Entry<String, JsonNode>> group : List.of(indices, others))
        {
            for (final Map.Entry<String, JsonNode> field : group)
            {
                if (!first)
                {
                    out.append(',');
                }
                first = false;
                appendString(out, field.getKey());
                out.append(':');
                append(out, field.getValue());
            }
        }
        out.append('}');
    }

    static boolean isArrayIndex(final String key)
    {
        if (key.isEmpty() || key.length() > 10 || (key.length() > 1 && key.charAt(0) == '0'))
        {
            return false;
        }
        for (int i = 0; i < key.length(); i++)
        {
            if (key.charAt(i) < '0' || key.charAt(i) > '9')
            {
                return false;
            }
        }
        return Long.parseLong(key) <= MAX_ARRAY_INDEX;
    }

    static void appendString(final StringBuilder out, final String text)
    {
        out.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default ->
                {
                    final boolean loneSurrogate = Character.isHighSurrogate(c) ?
                        i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1)) :
                        Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
                    if (c < 0x20 || loneSurrogate)
                    {
                        out.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * @param value a finite double.
     * @return {@code String(value)} in JavaScript.
     */
    static String number(final double value)
    {
        if (Double.isNaN(value) || Double.isInfinite(value))
        {
            return "null";
        }
        if (value == 0)
        {
            return "0";
        }
        if (value < 0)
        {
            return "-" + number(-value);
        }
        // The shortest decimal that reads back as this double (ECMAScript Number::toString, step 5): correctly
        // rounded exact values at growing precision; the first that round-trips is the shortest, and the closest.
        final BigDecimal exact = new BigDecimal(value);
        BigDecimal shortest = exact;
        for (int precision = 1; precision <= 17; precision++)
        {
            final BigDecimal rounded = exact.round(new MathContext(precision, java.math.RoundingMode.HALF_EVEN));
            if (rounded.doubleValue() == value)
            {
                shortest = rounded;
                break;
            }
        }
        final String digits = shortest.unscaledValue().toString().replaceFirst("0+$", "");
        final int k = digits.length();
        // value = digits x 10^(n - k)
        final int n = shortest.precision() - shortest.scale();
        return format(digits, k, n);
    }

    private static String format(final String digits, final int k, final int n)
    {
        if (k <= n && n <= 21)
        {
            return digits + "0".repeat(n - k);
        }
        if (0 < n && n <= 21)
        {
            return digits.substring(0, n) + "." + digits.substring(n);
        }
        if (-6 < n && n <= 0)
        {
            return "0." + "0".repeat(-n) + digits;
        }
        final int exponent = n - 1;
        final String sign = exponent < 0 ? "-" : "+";
        final String mantissa = k == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return mantissa + "e" + sign + Math.abs(exponent);
    }
}
