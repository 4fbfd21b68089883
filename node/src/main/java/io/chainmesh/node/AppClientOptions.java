package io.chainmesh.node;

import io.chainmesh.node.app.AppClient;
import io.chainmesh.node.app.AppToken;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * The options {@code publish} and {@code subscribe} share: where the node's application API is and its token.
 */
final class AppClientOptions
{
    @Option(names = "--url", required = true, paramLabel = "<ws-url>",
        description = "The node's application API, e.g. ws://127.0.0.1:16130/v1 (app.address in the node config).")
    String url;

    @Option(names = "--token-file", required = true, paramLabel = "<path>",
        description = "File holding the API token (app.token.file in the node config).")
    Path tokenFile;

    @Option(names = "--connect-timeout", defaultValue = "10", paramLabel = "<seconds>",
        description = "Connect timeout in seconds (default ${DEFAULT-VALUE}).")
    int connectTimeoutSeconds;

    /**
     * @return a connected client whose hello has been read.
     * @throws IllegalArgumentException for a bad URL or token file.
     * @throws IllegalStateException    if the node refuses or cannot be reached.
     */
    AppClient connect() throws InterruptedException
    {
        final URI uri;
        try
        {
            uri = URI.create(url);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("--url=" + url + " is not a URL: " + ex.getMessage());
        }
        if (!"ws".equals(uri.getScheme()) || null == uri.getHost() || uri.getPort() < 1)
        {
            throw new IllegalArgumentException("--url=" + url + " must be ws://host:port/v1");
        }
        final String token;
        try
        {
            if (Files.size(tokenFile) > 4096)
            {
                throw new IllegalArgumentException("--token-file=" + tokenFile + " is larger than 4096 bytes");
            }
            token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("--token-file=" + tokenFile + " cannot be read: " + ex.getMessage());
        }
        final String problem = AppToken.check(token);
        if (null != problem)
        {
            throw new IllegalArgumentException("--token-file=" + tokenFile + " does not hold a valid token: " + problem);
        }
        final AppClient client;
        try
        {
            client = AppClient.connect(uri, token, Duration.ofSeconds(connectTimeoutSeconds));
        }
        catch (final CompletionException ex)
        {
            final Throwable cause = null == ex.getCause() ? ex : ex.getCause();
            if (cause instanceof WebSocketHandshakeException handshake)
            {
                throw new IllegalStateException(url + " refused the connection: HTTP " +
                    handshake.getResponse().statusCode() + (handshake.getResponse().statusCode() == 401 ?
                    " (wrong token)" : ""));
            }
            throw new IllegalStateException("cannot connect to " + url + ": " + cause);
        }
        final AppClient.Event hello = client.poll(connectTimeoutSeconds, java.util.concurrent.TimeUnit.SECONDS);
        if (!(hello instanceof AppClient.Control control) || !control.json().contains("\"hello\""))
        {
            client.close();
            throw new IllegalStateException(url + " did not greet (got " + hello + ")");
        }
        return client;
    }
}
