package io.chainmesh.node.flux;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DoubleNode;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets: text frames from FluxOS peers into {@link FluxEnvelope#parse}, and JSON values into
 * {@link JsJson#stringify} (the characters FluxOS signs).
 * <p>
 * Contract of {@code parse}: only {@link FluxEnvelope.FluxEnvelopeException}; an accepted envelope's signed text is
 * {@code version + JSON.stringify(data) + timestamp} as read independently here from the same text. Contract of
 * {@code stringify}: its output is JSON that reads back to a value it stringifies to again, character for character;
 * a number prints as JavaScript's {@code Number.prototype.toString} does (reads back as the same double, shortest
 * digits, plain notation from 1e-6 up to below 1e21).
 */
class FluxEnvelopeFuzzTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Input: a text frame, UTF-8.
     */
    @FuzzTest(maxDuration = "5m")
    void fluxEnvelope(final byte[] input)
    {
        final String text = new String(input, StandardCharsets.UTF_8);
        final FluxEnvelope envelope;
        try
        {
            envelope = FluxEnvelope.parse(text);
        }
        catch (final FluxEnvelope.FluxEnvelopeException ex)
        {
            assertThat(ex.getMessage()).isNotBlank();
            return;
        }
        assertThat(text.length()).isLessThanOrEqualTo(FluxEnvelope.MAX_LENGTH);
        final String body = text.startsWith("T") ? text.substring(text.indexOf('|') + 1) : text;
        final JsonNode root;
        try
        {
            root = JSON.readTree(body);
        }
        catch (final Exception ex)
        {
            throw new AssertionError("accepted an envelope that is not JSON: " + ex.getMessage(), ex);
        }
        final JsonNode data = root.get("data");
        assertThat(data.isObject()).isTrue();
        assertThat(envelope.signedText()).isEqualTo(root.get("version").longValue() + JsJson.stringify(data) +
            root.get("timestamp").longValue());
    }

    /**
     * Input: the first 8 bytes are a double (big-endian bits) printed as a number; all of it is read as JSON text.
     */
    @FuzzTest(maxDuration = "5m")
    void jsJson(final byte[] input)
    {
        if (input.length >= 8)
        {
            checkNumber(ByteBuffer.wrap(input, 0, 8).getDouble());
        }
        final JsonNode value;
        try
        {
            value = JSON.readTree(input);
        }
        catch (final Exception ex)
        {
            return;
        }
        if (null == value || value.isMissingNode())
        {
            return;
        }
        final String once = JsJson.stringify(value);
        final JsonNode again;
        try
        {
            again = JSON.readTree(once);
        }
        catch (final Exception ex)
        {
            throw new AssertionError("stringify wrote text that is not JSON: " + once, ex);
        }
        assertThat(JsJson.stringify(again)).as("stringify of what stringify wrote").isEqualTo(once);
        checkNumbers(value);
    }

    private static void checkNumbers(final JsonNode value)
    {
        if (value.isNumber())
        {
            checkNumber(value.doubleValue());
        }
        for (final JsonNode child : value)
        {
            checkNumbers(child);
        }
    }

    private static void checkNumber(final double value)
    {
        final String text = JsJson.stringify(DoubleNode.valueOf(value));
        if (Double.isNaN(value) || Double.isInfinite(value))
        {
            assertThat(text).isEqualTo("null");
            return;
        }
        assertThat(Double.parseDouble(text)).as("%s reads back", text).isEqualTo(value == 0 ? 0.0 : value);
        final double magnitude = Math.abs(value);
        assertThat(text.indexOf('e') >= 0).as("exponent notation of %s", text)
            .isEqualTo(magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21));
        if (value != 0)
        {
            // Shortest: one digit fewer does not read back as the same double.
            final String digits = text.replaceFirst("^-", "").replaceFirst("e.*$", "").replace(".", "")
                .replaceFirst("^0+", "").replaceFirst("0+$", "");
            assertThat(digits.length()).isBetween(1, 17);
            if (digits.length() > 1)
            {
                final BigDecimal fewer = new BigDecimal(magnitude).round(new MathContext(digits.length() - 1,
                    RoundingMode.HALF_EVEN));
                assertThat(fewer.doubleValue()).as("%s is not the shortest", text).isNotEqualTo(magnitude);
            }
        }
    }

    /** The harness reaches both kinds of envelope and the notations of numbers. */
    @Test
    void parsesAnEnvelopeAndPrintsNumbersAsJavaScript()
    {
        final String valid = "{\"version\":1,\"timestamp\":5,\"pubKey\":\"02aa\",\"signature\":\"AAAA\"," +
            "\"data\":{\"b\":1e21,\"1\":0.1,\"a\":[1e-7,1.5e-8,-0]}}";
        fluxEnvelope(valid.getBytes(StandardCharsets.UTF_8));
        assertThat(FluxEnvelope.parse(valid).signedText()).isEqualTo("1{\"1\":0.1,\"b\":1e+21,\"a\":[1e-7,1.5e-8,0]}5");
        fluxEnvelope("T12|{}".getBytes(StandardCharsets.UTF_8));
        final byte[] withDouble = Arrays.copyOf(ByteBuffer.allocate(8).putDouble(123.456e300).array(), 12);
        jsJson(withDouble);
        jsJson("{\"x\":[1,2.5,\"\\u0001\",null,true]}".getBytes(StandardCharsets.UTF_8));
    }
}
