package io.chainmesh.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status server's bounds, over raw loopback sockets, and the Prometheus rendering of awkward labels.
 */
class StatusHttpServerTest
{
    private StatusHttpServer server;

    @BeforeEach
    void setUp()
    {
        server = new StatusHttpServer(new InetSocketAddress("127.0.0.1", 0),
            path -> "/ok".equals(path) ? new StatusHttpServer.Response("text/plain", "fine\n") : null).launch();
    }

    @AfterEach
    void tearDown()
    {
        server.close();
        server.close();
    }

    private String exchange(final String request) throws Exception
    {
        try (Socket socket = new Socket("127.0.0.1", server.localAddress().getPort()))
        {
            socket.setSoTimeout(5000);
            final OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            final InputStream in = socket.getInputStream();
            final ByteArrayOutputStream response = new ByteArrayOutputStream();
            final byte[] chunk = new byte[4096];
            int read;
            while ((read = in.read(chunk)) > 0 && response.size() < 64 * 1024)
            {
                response.write(chunk, 0, read);
            }
            return response.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void shouldServeKnownPathAndIgnoreQuery() throws Exception
    {
        final String response = exchange("GET /ok?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 OK").endsWith("fine\n");
    }

    @Test
    void shouldAnswerHeadWithoutBody() throws Exception
    {
        final String response = exchange("HEAD /ok HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 OK").contains("content-length: 5").doesNotContain("fine");
    }

    @Test
    void shouldAnswer404ForUnknownPath() throws Exception
    {
        assertThat(exchange("GET /secret HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 404 Not Found")
            .contains("not found: /secret");
    }

    @Test
    void shouldAnswer405ForPut() throws Exception
    {
        assertThat(exchange("PUT /ok HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\n\r\n"))
            .startsWith("HTTP/1.1 405 Method Not Allowed").contains("allow: GET, HEAD");
    }

    @Test
    void shouldRejectRequestWithBody() throws Exception
    {
        assertThat(exchange("POST /ok HTTP/1.1\r\nHost: x\r\ncontent-length: 100000\r\n\r\n"))
            .startsWith("HTTP/1.1 413");
    }

    @Test
    void shouldRejectOversizedRequestLine() throws Exception
    {
        final String response = exchange("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(response).satisfiesAnyOf(
            r -> assertThat(r).startsWith("HTTP/1.1 400"),
            r -> assertThat(r).startsWith("HTTP/1.1 414"),
            r -> assertThat(r).isEmpty());
        assertThat(response).doesNotContain("200 OK");
    }

    @Test
    void shouldRejectGarbage() throws Exception
    {
        assertThat(exchange("\u0001\u0002 nonsense\r\n\r\n")).doesNotContain("200 OK");
        // The server is still serving afterwards.
        assertThat(exchange("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 200 OK");
    }

    @Test
    void shouldRouteOnlyTheFirstOfRequestsPipelinedInOneRead()
    {
        final AtomicInteger routed = new AtomicInteger();
        final String responses = embeddedExchange(path ->
        {
            routed.incrementAndGet();
            return new StatusHttpServer.Response("text/plain", "fine\n");
        }, "GET /ok HTTP/1.1\r\n\r\n".repeat(50));
        assertThat(routed).hasValue(1);
        assertThat(responses.split("HTTP/1.1 ", -1)).hasSize(2);
    }

    @Test
    void shouldReadNothingAfterRefusingABody()
    {
        final AtomicInteger routed = new AtomicInteger();
        final String responses = embeddedExchange(path ->
        {
            routed.incrementAndGet();
            return null;
        }, "GET /ok HTTP/1.1\r\ncontent-length: 3\r\n\r\nabcGET /ok HTTP/1.1\r\n\r\n");
        assertThat(routed).hasValue(0);
        assertThat(responses).startsWith("HTTP/1.1 413");
        assertThat(responses.split("HTTP/1.1 ", -1)).hasSize(2);
    }

    @Test
    void shouldRefuseABodyAnnouncedByAMalformedRequestAndClose()
    {
        // A header line without a colon: the request does not decode, and its body must still be refused here.
        final String responses = embeddedExchange(path -> null,
            "GET / HTTP/1.1\r\nContent-Length: 5\r\nMMMM\r\n\r\nhello" + "GET / HTTP/1.1\r\n\r\n");
        assertThat(responses).startsWith("HTTP/1.1 413").contains("connection: close");
        assertThat(responses.split("HTTP/1.1 ", -1)).hasSize(2);
    }

    @Test
    void shouldRefuseAnExpectationAndClose() throws Exception
    {
        assertThat(exchange("GET /ok HTTP/1.1\r\nExpect: something\r\n\r\nGET /ok HTTP/1.1\r\n\r\n"))
            .startsWith("HTTP/1.1 417").doesNotContain("200 OK");
        assertThat(exchange("GET /ok HTTP/1.1\r\nExpect: 100-continue\r\n\r\n")).startsWith("HTTP/1.1 417");
    }

    @Test
    void shouldRouteNothingPipelinedBehindAnEmptyExpectation()
    {
        final AtomicInteger routed = new AtomicInteger();
        final String responses = embeddedExchange(path ->
        {
            routed.incrementAndGet();
            return new StatusHttpServer.Response("text/plain", "fine\n");
        }, "GET / HTTP/1.1\r\nExpect:\r\n\r\nGET / HTTP/1.1\r\n\r\n");
        assertThat(routed).hasValue(0);
        assertThat(responses).startsWith("HTTP/1.1 417").contains("connection: close");
        assertThat(responses.split("HTTP/1.1 ", -1)).hasSize(2);
    }

    private static String embeddedExchange(final StatusHttpServer.Routes routes, final String request)
    {
        final EmbeddedChannel channel = new EmbeddedChannel();
        StatusHttpServer.initPipeline(channel.pipeline(), routes);
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        final StringBuilder out = new StringBuilder();
        ByteBuf bytes;
        while (null != (bytes = channel.readOutbound()))
        {
            out.append(bytes.toString(StandardCharsets.ISO_8859_1));
            bytes.release();
        }
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
        return out.toString();
    }
}
