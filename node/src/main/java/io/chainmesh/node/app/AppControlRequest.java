package io.chainmesh.node.app;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.node.json.JsonErrors;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A text (control) frame from an application client, read and checked: the operation it asks for and the
 * {@code id} to echo in the reply. Kept apart from {@link AppSession} so the reading is a pure function of the
 * frame's bytes.
 *
 * @param op the operation: {@link #STATUS} or {@link #MEMBERS}.
 * @param id the request's {@code id} as sent (any JSON value), or null when it has none.
 */
record AppControlRequest(String op, JsonNode id)
{
    /** Longest text frame read, in bytes; longer ones are refused unread. */
    static final int MAX_LENGTH = AppApiServer.Context.MAX_CONTROL_LENGTH;
    static final String STATUS = "status";
    static final String MEMBERS = "members";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param content the text frame's payload (not consumed).
     * @return the request.
     * @throws AppControlException naming what is wrong, with the error code the client is sent.
     */
    static AppControlRequest read(final ByteBuf content)
    {
        final int length = content.readableBytes();
        if (length > MAX_LENGTH)
        {
            throw new AppControlException("CONTROL_TOO_LONG",
                "text frame of " + length + " bytes exceeds limit " + MAX_LENGTH);
        }
        final JsonNode request;
        try (JsonParser parser = JSON.createParser(content.toString(StandardCharsets.UTF_8)))
        {
            request = JSON.readTree(parser);
            if (null != parser.nextToken() && parser.currentToken() != JsonToken.NOT_AVAILABLE)
            {
                throw new AppControlException("BAD_JSON", "text frame is not JSON: text after the first value");
            }
        }
        catch (final IOException ex)
        {
            throw new AppControlException("BAD_JSON", "text frame is not JSON: " + JsonErrors.firstLine(ex.getMessage()));
        }
        final JsonNode op = null == request ? null : request.get("op");
        final String name = null == op || !op.isTextual() ? null : op.textValue();
        if (!STATUS.equals(name) && !MEMBERS.equals(name))
        {
            throw new AppControlException("UNKNOWN_OP", "op=" + (null == op ? "<missing>" : abbreviate(op.toString())) +
                " is not one of \"" + STATUS + "\", \"" + MEMBERS + "\"");
        }
        return new AppControlRequest(name, request.get("id"));
    }

    private static String abbreviate(final String text)
    {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    /** A control frame refused: {@link #code()} is the error code sent to the client, the message says why. */
    static final class AppControlException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        private final String code;

        AppControlException(final String code, final String message)
        {
            super(message);
            this.code = code;
        }

        String code()
        {
            return code;
        }
    }
}
