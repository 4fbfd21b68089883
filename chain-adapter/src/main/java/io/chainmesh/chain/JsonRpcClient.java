package io.chainmesh.chain;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small JSON-RPC 1.0 client over HTTP/1.1 POST (JDK {@link HttpClient}) with optional basic auth, as
 * spoken by fluxd and fluxbenchd. Every call is bounded: a connect timeout, an overall request timeout
 * (headers and body), and a body size cap enforced while reading.
 * <p>
 * Every failure surfaces as a {@link ChainDataException} whose {@link ChainDataException.Kind} says what
 * happened. bitcoind-style daemons answer JSON-RPC errors with HTTP 404/500 and a JSON body; the error
 * code in that body is reported ({@code -28} as {@link ChainDataException.Kind#WARMING_UP}).
 * Thread-safe.
 */
public final class JsonRpcClient
{
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(64).build())
        .build());
    private static final JsonFactory FACTORY = new JsonFactory();

    private final URI uri;
    private final String authorization;
    private final Duration requestTimeout;
    private final int maxBodyBytes;
    private final HttpClient client;
    private final AtomicLong ids = new AtomicLong();

    /**
     * @param uri              endpoint, e.g. {@code http://127.0.0.1:16124/}.
     * @param user             rpcuser, or null for no auth.
     * @param password         rpcpassword, or null.
     * @param connectTimeoutMs TCP connect timeout.
     * @param requestTimeoutMs overall time for one call, body included.
     * @param maxBodyBytes     largest response body accepted.
     */
    public JsonRpcClient(
        final URI uri,
        final String user,
        final String password,
        final long connectTimeoutMs,
        final long requestTimeoutMs,
        final int maxBodyBytes)
    {
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()))
        {
            throw new IllegalArgumentException("uri=" + uri + " must be http or https");
        }
        if (connectTimeoutMs <= 0 || requestTimeoutMs <= 0)
        {
            throw new IllegalArgumentException("connectTimeoutMs=" + connectTimeoutMs + " and requestTimeoutMs=" +
                requestTimeoutMs + " must be > 0");
        }
        if (maxBodyBytes < 1024)
        {
            throw new IllegalArgumentException("maxBodyBytes=" + maxBodyBytes + " must be >= 1024");
        }
        this.uri = uri;
        this.authorization = null == user ? null : "Basic " + Base64.getEncoder()
            .encodeToString((user + ":" + (null == password ? "" : password)).getBytes(StandardCharsets.UTF_8));
        this.requestTimeout = Duration.ofMillis(requestTimeoutMs);
        this.maxBodyBytes = maxBodyBytes;
        this.client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(connectTimeoutMs))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    }

    /**
     * @return the endpoint.
     */
    public URI uri()
    {
        return uri;
    }

    /**
     * Calls a method and returns the raw body of an HTTP 200 answer (the caller parses the envelope).
     *
     * @param method JSON-RPC method.
     * @param params positional parameters (strings, numbers, booleans).
     * @return the response body.
     * @throws ChainDataException on any failure, including a JSON-RPC error carried by a non-200 answer.
     */
    public byte[] callRaw(final String method, final Object... params)
    {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(requestBody(method, params)));
        if (null != authorization)
        {
            builder.header("Authorization", authorization);
        }
        final CompletableFuture<HttpResponse<byte[]>> future =
            client.sendAsync(builder.build(), CappedBodySubscriber.handler(maxBodyBytes, uri.toString()));
        final HttpResponse<byte[]> response;
        try
        {
            // The request timeout covers the headers only; this bound also covers a trickling body.
            response = future.get(requestTimeout.toMillis() + 50, TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException ex)
        {
            future.cancel(true);
            throw new ChainDataException(ChainDataException.Kind.TIMEOUT,
                method + " to " + uri + " timed out after " + requestTimeout.toMillis() + " ms", ex);
        }
        catch (final InterruptedException ex)
        {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ChainDataException(ChainDataException.Kind.UNREACHABLE, method + " to " + uri + " was interrupted", ex);
        }
        catch (final ExecutionException ex)
        {
            throw translate(method, ex.getCause());
        }
        final int status = response.statusCode();
        if (200 == status)
        {
            return response.body();
        }
        if (401 == status || 403 == status)
        {
            throw new ChainDataException(ChainDataException.Kind.UNAUTHORIZED,
                "HTTP " + status + " from " + uri + " for " + method + ": check rpcuser/rpcpassword");
        }
        final ChainDataException rpcError = rpcErrorOrNull(response.body(), method);
        if (null != rpcError)
        {
            throw rpcError;
        }
        throw new ChainDataException(ChainDataException.Kind.HTTP_STATUS, "HTTP " + status + " from " + uri + " for " + method);
    }

    /**
     * Calls a method and returns its {@code result}.
     *
     * @param method JSON-RPC method.
     * @param params positional parameters.
     * @return the result node (a {@code NullNode} for a null result).
     * @throws ChainDataException on any failure or a JSON-RPC error.
     */
    public JsonNode call(final String method, final Object... params)
    {
        return resultOf(callRaw(method, params), method, uri.toString());
    }

    /**
     * Extracts the {@code result} of a JSON-RPC envelope.
     *
     * @param body   the envelope.
     * @param method named in errors.
     * @param source named in errors.
     * @return the result node.
     * @throws ChainDataException if the body is not an envelope or carries an error.
     */
    static JsonNode resultOf(final byte[] body, final String method, final String source)
    {
        final JsonNode root;
        try
        {
            root = MAPPER.readTree(body);
        }
        catch (final IOException ex)
        {
            throw new ChainDataException(ChainDataException.Kind.MALFORMED, method + " answer from " + source +
                " is not valid JSON: " + (ex instanceof JsonProcessingException ?
                ((JsonProcessingException)ex).getOriginalMessage() : ex.getMessage()), ex);
        }
        if (null == root || !root.isObject())
        {
            throw new ChainDataException(ChainDataException.Kind.MALFORMED, method + " answer from " + source +
                " is not a JSON-RPC envelope object");
        }
        final JsonNode error = root.get("error");
        if (null != error && !error.isNull())
        {
            throw toRpcError(error, method);
        }
        if (!root.has("result"))
        {
            throw new ChainDataException(ChainDataException.Kind.MALFORMED, method + " answer from " + source + " has no result");
        }
        return root.get("result");
    }

    private static ChainDataException rpcErrorOrNull(final byte[] body, final String method)
    {
        try
        {
            final JsonNode root = MAPPER.readTree(body);
            final JsonNode error = null == root ? null : root.get("error");
            return null == error || error.isNull() ? null : toRpcError(error, method);
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    private static ChainDataException toRpcError(final JsonNode error, final String method)
    {
        final int code = error.path("code").canConvertToInt() ? error.path("code").asInt() : 0;
        final String message = FluxdNodeListParser.bounded(error.path("message").asText(error.toString()), 200);
        return ChainDataException.rpcError(code, message, method);
    }

    private ChainDataException translate(final String method, final Throwable cause)
    {
        if (cause instanceof ChainDataException)
        {
            return (ChainDataException)cause;
        }
        if (cause instanceof HttpConnectTimeoutException)
        {
            return new ChainDataException(ChainDataException.Kind.TIMEOUT, "connect to " + uri + " timed out", cause);
        }
        if (cause instanceof HttpTimeoutException)
        {
            return new ChainDataException(ChainDataException.Kind.TIMEOUT,
                method + " to " + uri + " timed out after " + requestTimeout.toMillis() + " ms", cause);
        }
        if (cause instanceof ConnectException)
        {
            return new ChainDataException(ChainDataException.Kind.UNREACHABLE, "connection to " + uri + " refused", cause);
        }
        if (null != cause && cause.getCause() instanceof ChainDataException)
        {
            return (ChainDataException)cause.getCause();
        }
        return new ChainDataException(ChainDataException.Kind.UNREACHABLE,
            method + " to " + uri + " failed: " + cause, cause);
    }

    private byte[] requestBody(final String method, final Object... params)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator generator = FACTORY.createGenerator(out))
        {
            generator.writeStartObject();
            generator.writeStringField("jsonrpc", "1.0");
            generator.writeNumberField("id", ids.incrementAndGet());
            generator.writeStringField("method", method);
            generator.writeArrayFieldStart("params");
            for (final Object param : params)
            {
                if (param instanceof Number)
                {
                    generator.writeNumber(((Number)param).longValue());
                }
                else if (param instanceof Boolean)
                {
                    generator.writeBoolean((Boolean)param);
                }
                else
                {
                    generator.writeString(String.valueOf(param));
                }
            }
            generator.writeEndArray();
            generator.writeEndObject();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot encode request for " + method, ex);
        }
        return out.toByteArray();
    }
}
