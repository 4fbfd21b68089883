package io.chainmesh.node.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: bytes from a client into the status server's real pipeline ({@link StatusHttpServer#initPipeline}:
 * read timeout, Netty's HTTP codec with the server's line and header limits, the body guard, the aggregator and the
 * router) on an {@link EmbeddedChannel} with a frozen clock, whole and split in three reads.
 * <p>
 * Contract: nothing escapes the pipeline; the answer, if any, is one well-formed response (status 200, 400, 404,
 * 405, 413, 417 or 500; {@code Content-Type}, {@code Content-Length} equal to the body's length or no body,
 * {@code Connection: close}; 405 with {@code Allow: GET, HEAD}), and then the connection is closed, however many requests the client pipelined behind the first; the routes
 * are called at most once, and only for a response that is theirs (200, 404, 500); a connection is closed once the
 * read timeout has passed, whatever it sent; the split reads give the same bytes back as the whole.
 */
class StatusHttpFuzzTest
{
    private static final Set<Integer> STATUSES = Set.of(200, 400, 404, 405, 413, 417, 500);

    /** What the server did with one request stream. */
    private record Outcome(byte[] response, int routeCalls, boolean routeThrew, boolean routeFound,
        boolean closedBeforeTimeout)
    {
    }

    private static final class CountingRoutes implements StatusHttpServer.Routes
    {
        int calls;
        boolean threw;
        boolean found;

        @Override
        public StatusHttpServer.Response route(final String path)
        {
            calls++;
            assertThat(path.indexOf('?')).as("the query is removed").isNegative();
            if (path.contains("boom"))
            {
                threw = true;
                throw new IllegalStateException("route failed for " + path);
            }
            if (path.equals("/") || path.equals("/status") || path.startsWith("/peers"))
            {
                found = true;
                return new StatusHttpServer.Response("text/plain; charset=utf-8", "ok " + path + "\n");
            }
            return null;
        }
    }

    /**
     * Input: the bytes a client sends on one connection.
     */
    @FuzzTest(maxDuration = "5m")
    void httpRequest(final byte[] request)
    {
        final Outcome whole = serve(request, new int[] {request.length});
        final int a = request.length / 3;
        final int b = (request.length * 2) / 3;
        final Outcome split = serve(request, new int[] {a, b - a, request.length - b});
        assertThat(split.response()).as("same response, read whole or in three parts").isEqualTo(whole.response());
        assertThat(split.routeCalls()).isEqualTo(whole.routeCalls());
        checkResponse(whole);
    }

    private static Outcome serve(final byte[] request, final int[] reads)
    {
        final CountingRoutes routes = new CountingRoutes();
        final EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        StatusHttpServer.initPipeline(channel.pipeline(), routes);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int position = 0;
        for (final int length : reads)
        {
            if (!channel.isOpen())
            {
                break;
            }
            channel.writeInbound(Unpooled.wrappedBuffer(request, position, length));
            position += length;
            channel.runPendingTasks();
            drain(channel, out);
        }
        final boolean closedBeforeTimeout = !channel.isOpen();
        channel.advanceTimeBy(StatusHttpServer.READ_TIMEOUT_SECONDS + 1, TimeUnit.SECONDS);
        channel.runPendingTasks();
        channel.runScheduledPendingTasks();
        drain(channel, out);
        assertThat(channel.isOpen()).as("closed once the read timeout has passed").isFalse();
        // Rethrows anything that reached the end of the pipeline.
        channel.finishAndReleaseAll();
        return new Outcome(out.toByteArray(), routes.calls, routes.threw, routes.found, closedBeforeTimeout);
    }

    private static void drain(final EmbeddedChannel channel, final ByteArrayOutputStream out)
    {
        Object message;
        while (null != (message = channel.readOutbound()))
        {
            assertThat(message).isInstanceOf(ByteBuf.class);
            final ByteBuf bytes = (ByteBuf)message;
            try
            {
                final byte[] copy = new byte[bytes.readableBytes()];
                bytes.readBytes(copy);
                out.writeBytes(copy);
            }
            finally
            {
                bytes.release();
            }
        }
    }

    private static void checkResponse(final Outcome outcome)
    {
        assertThat(outcome.routeCalls()).as("routes called at most once").isLessThanOrEqualTo(1);
        final String text = new String(outcome.response(), StandardCharsets.ISO_8859_1);
        if (text.isEmpty())
        {
            assertThat(outcome.routeCalls()).as("a routed request is answered").isZero();
            return;
        }
        assertThat(outcome.closedBeforeTimeout()).as("closed after its one response").isTrue();
        final int headerEnd = text.indexOf("\r\n\r\n");
        assertThat(headerEnd).as("a complete header block: %s", text).isPositive();
        final String[] lines = text.substring(0, headerEnd).split("\r\n", -1);
        assertThat(lines[0]).matches("HTTP/1\\.1 \\d{3} .*");
        final int status = Integer.parseInt(lines[0].substring(9, 12));
        assertThat(STATUSES).as("status of %s", lines[0]).contains(status);
        long contentLength = -1;
        boolean contentType = false;
        boolean connectionClose = false;
        String allow = null;
        for (int i = 1; i < lines.length; i++)
        {
            final int colon = lines[i].indexOf(':');
            assertThat(colon).as("header line %s", lines[i]).isPositive();
            final String name = lines[i].substring(0, colon).toLowerCase(Locale.ROOT);
            final String value = lines[i].substring(colon + 1).trim();
            switch (name)
            {
                case "content-length" -> contentLength = Long.parseLong(value);
                case "content-type" -> contentType = true;
                case "connection" -> connectionClose = value.equalsIgnoreCase("close");
                case "allow" -> allow = value;
                default ->
                {
                }
            }
        }
        assertThat(contentType).as("Content-Type").isTrue();
        assertThat(connectionClose).as("Connection: close").isTrue();
        final int body = outcome.response().length - headerEnd - 4;
        assertThat(body == contentLength || body == 0).as("body of %d bytes, Content-Length %d (or HEAD)", body,
            contentLength).isTrue();
        switch (status)
        {
            case 200 -> assertThat(outcome.routeFound() && !outcome.routeThrew()).isTrue();
            case 404 -> assertThat(outcome.routeCalls() == 1 && !outcome.routeFound() && !outcome.routeThrew()).isTrue();
            case 500 -> assertThat(outcome.routeThrew()).isTrue();
            case 405 ->
            {
                assertThat(allow).isEqualTo("GET, HEAD");
                assertThat(outcome.routeCalls()).isZero();
            }
            default -> assertThat(outcome.routeCalls()).as("not routed: status %d", status).isZero();
        }
    }

    /** The harness reaches what it checks: a routed GET, a HEAD, a refused method, a body and a malformed line. */
    @Test
    void answersEachKindOfRequestOnceAndCloses()
    {
        assertThat(statusOf("GET /status?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")).isEqualTo(200);
        assertThat(statusOf("HEAD / HTTP/1.1\r\n\r\n")).isEqualTo(200);
        assertThat(statusOf("GET /nope HTTP/1.1\r\n\r\n")).isEqualTo(404);
        assertThat(statusOf("GET /boom HTTP/1.1\r\n\r\n")).isEqualTo(500);
        assertThat(statusOf("DELETE / HTTP/1.1\r\n\r\n")).isEqualTo(405);
        assertThat(statusOf("GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")).isEqualTo(413);
        assertThat(statusOf("GET / HTTP/9.z\r\n\r\n")).isEqualTo(400);
        assertThat(statusOf("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n")).isEqualTo(417);
        assertThat(statusOf("GET /" + "a".repeat(StatusHttpServer.MAX_INITIAL_LINE_LENGTH) + " HTTP/1.1\r\n\r\n"))
            .isEqualTo(400);
    }

    private int statusOf(final String request)
    {
        final byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);
        httpRequest(bytes);
        final Outcome outcome = serve(bytes, new int[] {bytes.length});
        return Integer.parseInt(new String(outcome.response(), 9, 3, StandardCharsets.ISO_8859_1));
    }
}
