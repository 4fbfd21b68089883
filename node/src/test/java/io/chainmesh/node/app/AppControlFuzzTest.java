package io.chainmesh.node.app;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fuzz target: a text (control) frame from an application client into {@link AppControlRequest#read}, the reading
 * {@link AppSession} answers every text frame with.
 * <p>
 * Contract: only {@link AppControlRequest.AppControlException}, with one of the documented codes and a short message;
 * nothing longer than the limit is read; a frame is accepted exactly when it is one JSON value whose {@code op} is
 * {@code "status"} or {@code "members"} (an independent reading here), and the request carries that op and the
 * frame's own {@code id}; the frame's bytes are not consumed.
 */
class AppControlFuzzTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> CODES = Set.of("CONTROL_TOO_LONG", "BAD_JSON", "UNKNOWN_OP");

    /**
     * Input: the text frame's payload.
     */
    @FuzzTest(maxDuration = "5m")
    void appControl(final byte[] input)
    {
        final ByteBuf content = Unpooled.wrappedBuffer(input);
        AppControlRequest request = null;
        try
        {
            request = AppControlRequest.read(content);
        }
        catch (final AppControlRequest.AppControlException ex)
        {
            assertThat(CODES).contains(ex.code());
            assertThat(ex.getMessage()).isNotBlank().hasSizeLessThan(400);
        }
        assertThat(content.readerIndex()).isZero();
        assertThat(content.readableBytes()).isEqualTo(input.length);

        final JsonNode expected = independentReading(input);
        if (null == expected)
        {
            assertThat(request).as("accepted a frame that is not one request").isNull();
            return;
        }
        assertThat(request).as("refused %s", expected).isNotNull();
        assertThat(request.op()).isEqualTo(expected.get("op").textValue());
        assertThat(request.id()).isEqualTo(expected.get("id"));
    }

    /** @return the request the frame holds if it is one: one JSON value, op "status" or "members"; else null. */
    private static JsonNode independentReading(final byte[] input)
    {
        if (input.length > AppApiServer.Context.MAX_CONTROL_LENGTH)
        {
            return null;
        }
        final JsonNode value;
        try (var parser = JSON.createParser(new String(input, StandardCharsets.UTF_8)))
        {
            value = JSON.readTree(parser);
            if (null != parser.nextToken())
            {
                return null;
            }
        }
        catch (final Exception ex)
        {
            return null;
        }
        final JsonNode op = null == value ? null : value.get("op");
        return null != op && op.isTextual() && ("status".equals(op.textValue()) || "members".equals(op.textValue())) ?
            value : null;
    }

    /** The harness reaches acceptance and each refusal. */
    @Test
    void acceptsBothOperationsAndRefusesEachBreak()
    {
        final AppControlRequest status = read("{\"op\":\"status\",\"id\":[1,{\"a\":2}]}");
        assertThat(status.op()).isEqualTo("status");
        assertThat(status.id().toString()).isEqualTo("[1,{\"a\":2}]");
        assertThat(read("{\"op\":\"members\"}").id()).isNull();
        assertRefused("{\"op\":\"status\"} {}", "BAD_JSON", "text after the first value");
        assertRefused("{\"op\":", "BAD_JSON", "not JSON");
        assertRefused("", "UNKNOWN_OP", "op=<missing>");
        assertRefused("[\"status\"]", "UNKNOWN_OP", "op=<missing>");
        assertRefused("{\"op\":7}", "UNKNOWN_OP", "op=7");
        assertRefused("{\"op\":\"" + "x".repeat(200) + "\"}", "UNKNOWN_OP", "...");
        assertRefused(" ".repeat(AppApiServer.Context.MAX_CONTROL_LENGTH + 1), "CONTROL_TOO_LONG", "exceeds limit 4096");
        for (final String text : new String[] {"{\"op\":\"status\",\"id\":[1,{\"a\":2}]}", "{\"op\":\"status\"} {}",
            "", "{\"op\":7}"})
        {
            appControl(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static AppControlRequest read(final String text)
    {
        return AppControlRequest.read(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static void assertRefused(final String text, final String code, final String messagePart)
    {
        assertThatThrownBy(() -> read(text))
            .isInstanceOfSatisfying(AppControlRequest.AppControlException.class, ex -> assertThat(ex.code()).isEqualTo(code))
            .hasMessageContaining(messagePart);
    }
}
