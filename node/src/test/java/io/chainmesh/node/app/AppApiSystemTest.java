package io.chainmesh.node.app;

import io.chainmesh.node.WebSocketWire;
import io.chainmesh.node.app.AppClient.Closed;
import io.chainmesh.node.app.AppClient.Control;
import io.chainmesh.node.app.AppClient.Delivery;
import io.chainmesh.node.app.AppClient.Event;
import io.chainmesh.node.app.AppClient.Result;
import io.chainmesh.node.app.AppCounters.Counter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application API over real sockets on 127.0.0.1: round trips between clients of different nodes, the token
 * check at the upgrade, malformed and oversized frames, and slow subscribers.
 */
class AppApiSystemTest
{
    private static final int TOPIC = 7;
    private static final int FLOOD_BURST = 16;
    private static final long FLOOD_CORRELATION_BASE = 1_000_000;

    @TempDir
    Path dir;

    @Test
    void shouldDeliverBroadcastAndDirectMessagesBetweenClientsOfTwoNodes() throws Exception
    {
        try (AppTestNodes devnet = new AppTestNodes(2, dir, ctx -> {});
            AppClient publisher = devnet.client(0);
            AppClient subscriber = devnet.client(1))
        {
            subscriber.subscribe(TOPIC, 1);
            assertThat(next(subscriber, Result.class)).isEqualTo(
                new Result(AppFrameDescriptor.TYPE_SUBSCRIBE, TOPIC, 1, AppFrameDescriptor.RESULT_OK));

            publisher.publish(TOPIC, 2, "hello".getBytes(StandardCharsets.UTF_8));
            assertThat(next(publisher, Result.class).status()).isEqualTo(AppFrameDescriptor.RESULT_OK);
            final Delivery broadcast = next(subscriber, Delivery.class);
            assertThat(broadcast.member()).isEqualTo(devnet.member(0));
            assertThat(broadcast.topic()).isEqualTo(TOPIC);
            assertThat(broadcast.direct()).isFalse();
            assertThat(new String(broadcast.payload(), StandardCharsets.UTF_8)).isEqualTo("hello");

            publisher.send(devnet.member(1), TOPIC, 3, new byte[] {1, 2, 3});
            assertThat(next(publisher, Result.class).status()).isEqualTo(AppFrameDescriptor.RESULT_OK);
            final Delivery direct = next(subscriber, Delivery.class);
            assertThat(direct.member()).isEqualTo(devnet.member(0));
            assertThat(direct.direct()).isTrue();
            assertThat(direct.payload()).containsExactly(1, 2, 3);

            publisher.send("00:0", TOPIC, 4, new byte[] {1});
            assertThat(next(publisher, Result.class).status()).isEqualTo(AppFrameDescriptor.RESULT_UNKNOWN_MEMBER);

            publisher.sendText("{\"op\":\"members\",\"id\":9}");
            final String members = next(publisher, Control.class).json();
            assertThat(members).contains("\"type\":\"members\"", "\"id\":9", devnet.member(0), devnet.member(1));
            assertThat(devnet.apis.get(0).counters().get(Counter.PUBLISHED)).isEqualTo(1);
            assertThat(devnet.apis.get(0).counters().get(Counter.SENT)).isEqualTo(1);
        }
    }

    @Test
    void shouldRefuseUpgradeWithoutTheTokenBeforeTheHandshake() throws Exception
    {
        try (AppTestNodes devnet = new AppTestNodes(1, dir, ctx -> {}))
        {
            final InetSocketAddress address = devnet.apis.get(0).localAddress();
            try (RawWebSocket none = RawWebSocket.connect(address, "", 0))
            {
                assertThat(none.statusLine).startsWith("HTTP/1.1 401");
            }
            try (RawWebSocket wrong = RawWebSocket.connect(address, "Authorization: Bearer " +
                AppTestNodes.TOKEN.replace('0', '1') + "\r\n", 0))
            {
                assertThat(wrong.statusLine).startsWith("HTTP/1.1 401");
            }
            try (RawWebSocket prefix = RawWebSocket.connect(address, "Authorization: Bearer " +
                AppTestNodes.TOKEN.substring(0, 20) + "\r\n", 0))
            {
                assertThat(prefix.statusLine).startsWith("HTTP/1.1 401");
            }
            assertThat(devnet.apis.get(0).counters().get(Counter.AUTH_REFUSED)).isEqualTo(3);
            assertThat(devnet.apis.get(0).counters().get(Counter.CLIENTS_ACCEPTED)).isZero();

            // The browser way: the token as an offered subprotocol, next to the one the server selects.
            try (RawWebSocket browser = RawWebSocket.connect(address, "Sec-WebSocket-Protocol: " +
                AppApiServer.SUBPROTOCOL + ", " + AppApiServer.TOKEN_SUBPROTOCOL_PREFIX + AppTestNodes.TOKEN + "\r\n", 0))
            {
                assertThat(browser.statusLine).startsWith("HTTP/1.1 101");
                assertThat(browser.readTextContaining("\"hello\"").text()).contains("\"member\":\"" + devnet.member(0));
            }
        }
    }

    @Test
    void shouldAnswerMalformedFramesWithErrorsAndKeepServing() throws Exception
    {
        try (AppTestNodes devnet = new AppTestNodes(1, dir, ctx -> ctx.maxFrameLength(1024));
            RawWebSocket client = RawWebSocket.connect(devnet.apis.get(0).localAddress(),
                "Authorization: Bearer " + AppTestNodes.TOKEN + "\r\n", 0);
            AppClient bystander = devnet.client(0))
        {
            assertThat(client.upgraded()).isTrue();
            client.readTextContaining("\"hello\"");
            final AppCounters counters = devnet.apis.get(0).counters();

            client.writeFrame(0x2, new byte[] {1, 0, 0});
            assertThat(client.readTextContaining("MALFORMED_FRAME").text()).contains("frame length=3");
            client.writeFrame(0x2, frame(0x7F, 0, TOPIC, 5, new byte[0]));
            assertThat(client.readTextContaining("MALFORMED_FRAME").text()).contains("type=0x7f", "\"correlationId\":5");
            client.writeFrame(0x2, frame(AppFrameDescriptor.TYPE_PUBLISH, 0x40, TOPIC, 6, new byte[0]));
            assertThat(client.readTextContaining("MALFORMED_FRAME").text()).contains("flags=0x40");
            client.writeFrame(0x2, frame(AppFrameDescriptor.TYPE_SUBSCRIBE, 0, 0xFFFF, 7, new byte[0]));
            assertThat(client.readTextContaining("MALFORMED_FRAME").text()).contains("topic=65535 is reserved");
            client.writeFrame(0x2, frame(AppFrameDescriptor.TYPE_SUBSCRIBE, 0, TOPIC, 8, new byte[1]));
            assertThat(client.readTextContaining("MALFORMED_FRAME").text()).contains("frame length=9 must be 8");
            client.writeFrame(0x2, frame(AppFrameDescriptor.TYPE_SEND, 0, TOPIC, 9, new byte[] {(byte)200, 'a'}));
            assertThat(client.readTextContaining("MALFORMED_FRAME").text()).contains("member length=200");
            client.writeFrame(0x2, frame(AppFrameDescriptor.TYPE_SEND, 0, TOPIC, 10, new byte[] {10, 'a', ':', '0'}));
            assertThat(client.readTextContaining("MALFORMED_FRAME").text()).contains("runs past frame length=12");
            client.writeFrame(0x1, "{not json".getBytes(StandardCharsets.UTF_8));
            assertThat(client.readTextContaining("BAD_JSON").text()).contains("not JSON");
            client.writeFrame(0x1, "{\"op\":\"reboot\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(client.readTextContaining("UNKNOWN_OP").text()).contains("reboot");
            client.writeFrame(0x1, new byte[0]);
            client.readTextContaining("UNKNOWN_OP");
            assertThat(counters.get(Counter.MALFORMED_FRAMES)).isEqualTo(10);

            // The session still works: a well-formed subscribe gets its result.
            client.writeFrame(0x2, frame(AppFrameDescriptor.TYPE_SUBSCRIBE, 0, TOPIC, 11, new byte[0]));
            WebSocketWire.Frame result = client.readFrame();
            assertThat(result.opcode()).isEqualTo(0x2);
            assertThat(ByteBuffer.wrap(result.payload()).getInt(AppFrameDescriptor.CORRELATION_ID_OFFSET)).isEqualTo(11);
            assertThat(ByteBuffer.wrap(result.payload()).getInt(AppFrameDescriptor.STATUS_OFFSET)).isZero();

            // An oversized message closes this client with 1009 (message too big), counted.
            client.writeFrame(0x2, new byte[1025]);
            final WebSocketWire.Frame close = client.readUntilClose();
            assertThat(null == close ? -1 : close.closeCode()).isEqualTo(1009);
            AppTestNodes.await("protocol error counted", () -> counters.get(Counter.PROTOCOL_ERRORS) == 1);

            // A reserved opcode closes with 1002 (protocol error), counted.
            try (RawWebSocket badOpcode = RawWebSocket.connect(devnet.apis.get(0).localAddress(),
                "Authorization: Bearer " + AppTestNodes.TOKEN + "\r\n", 0))
            {
                badOpcode.readTextContaining("\"hello\"");
                badOpcode.writeFrame(0x3, new byte[] {1});
                final WebSocketWire.Frame badClose = badOpcode.readUntilClose();
                assertThat(null == badClose ? -1 : badClose.closeCode()).isEqualTo(1002);
            }
            // An unmasked client frame, and reserved bits without an extension: 1002 each.
            try (RawWebSocket unmasked = RawWebSocket.connect(devnet.apis.get(0).localAddress(),
                "Authorization: Bearer " + AppTestNodes.TOKEN + "\r\n", 0);
                RawWebSocket reservedBits = RawWebSocket.connect(devnet.apis.get(0).localAddress(),
                    "Authorization: Bearer " + AppTestNodes.TOKEN + "\r\n", 0))
            {
                unmasked.readTextContaining("\"hello\"");
                unmasked.writeFrame(0x82, frame(AppFrameDescriptor.TYPE_SUBSCRIBE, 0, TOPIC, 0, new byte[0]), false);
                final WebSocketWire.Frame unmaskedClose = unmasked.readUntilClose();
                assertThat(null == unmaskedClose ? -1 : unmaskedClose.closeCode()).isEqualTo(1002);
                reservedBits.readTextContaining("\"hello\"");
                reservedBits.writeFrame(0x80 | 0x40 | 0x2, frame(AppFrameDescriptor.TYPE_SUBSCRIBE, 0, TOPIC, 0,
                    new byte[0]), true);
                final WebSocketWire.Frame reservedClose = reservedBits.readUntilClose();
                assertThat(null == reservedClose ? -1 : reservedClose.closeCode()).isEqualTo(1002);
            }
            AppTestNodes.await("four protocol errors counted", () -> counters.get(Counter.PROTOCOL_ERRORS) == 4);
            AppTestNodes.await("closed clients leave the gauge",
                () -> counters.get(Counter.CLIENTS_CONNECTED) == 1);

            // The other client of the node never noticed.
            bystander.sendText("{\"op\":\"status\",\"id\":\"x\"}");
            assertThat(next(bystander, Control.class).json()).contains("\"type\":\"status\"", "\"id\":\"x\"",
                "\"malformedFrames\":10", "\"protocolErrors\":4");
        }
    }

    @Test
    void shouldCloseSlowSubscriberWhenItsQueueIsFullAndKeepServingOthers() throws Exception
    {
        try (AppTestNodes devnet = new AppTestNodes(2, dir, ctx -> ctx.queueBytes(64 * 1024).socketSendBufferSize(16 * 1024).writeBufferHighWaterMark(16 * 1024));
            AppClient publisher = devnet.client(0);
            AppClient healthy = devnet.client(1);
            RawWebSocket slow = RawWebSocket.connect(devnet.apis.get(1).localAddress(),
                "Authorization: Bearer " + AppTestNodes.TOKEN + "\r\n", 4096))
        {
            slow.readTextContaining("\"hello\"");
            slow.writeFrame(0x2, frame(AppFrameDescriptor.TYPE_SUBSCRIBE, 0, TOPIC, 0, new byte[0]));
            final AppCounters counters = devnet.apis.get(1).counters();
            AppTestNodes.await("slow client subscribed", () -> devnet.apis.get(1).counters()
                .get(Counter.CLIENTS_CONNECTED) == 2 && subscribed(devnet, 1));

            floodUntil(publisher, () -> counters.get(Counter.CLOSED_SLOW) == 1);
            assertThat(counters.get(Counter.DELIVERED)).isPositive();
            assertThat(counters.get(Counter.DROPPED_TOO_LARGE)).isZero();
            AppTestNodes.await("slow client gone", () -> counters.get(Counter.CLIENTS_CONNECTED) == 1);
            assertThat(counters.get(Counter.DROPPED_SLOW)).isPositive();
            final WebSocketWire.Frame close = slow.readUntilClose();
            assertThat(null == close ? -1 : close.closeCode()).isEqualTo(AppSession.CLOSE_SLOW_SUBSCRIBER);
            assertThat(new String(close.payload(), 2, close.payload().length - 2, StandardCharsets.UTF_8))
                .contains("slow subscriber", "65536 bytes");

            healthy.subscribe(TOPIC + 1, 1);
            assertThat(next(healthy, Result.class).status()).isZero();
            publishUntilAccepted(publisher, TOPIC + 1, "still here".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(next(healthy, Delivery.class).payload(), StandardCharsets.UTF_8)).isEqualTo("still here");
        }
    }

    @Test
    void shouldDropCountAndReportForSlowSubscriberUnderDropPolicy() throws Exception
    {
        try (AppTestNodes devnet = new AppTestNodes(2, dir, ctx -> ctx.queueBytes(64 * 1024).socketSendBufferSize(16 * 1024).writeBufferHighWaterMark(16 * 1024)
                .slowSubscriberPolicy(AppApiServer.SlowSubscriberPolicy.DROP));
            AppClient publisher = devnet.client(0);
            RawWebSocket slow = RawWebSocket.connect(devnet.apis.get(1).localAddress(),
                "Authorization: Bearer " + AppTestNodes.TOKEN + "\r\n", 4096))
        {
            slow.readTextContaining("\"hello\"");
            slow.writeFrame(0x2, frame(AppFrameDescriptor.TYPE_SUBSCRIBE, 0, TOPIC, 0, new byte[0]));
            AppTestNodes.await("slow client subscribed", () -> subscribed(devnet, 1));
            final AppCounters counters = devnet.apis.get(1).counters();

            floodUntil(publisher, () -> counters.get(Counter.DROPPED_SLOW) > 0);
            // Reading again, the client learns how many messages it lost, and stays connected.
            final String dropped = slow.readTextContaining("\"dropped\"").text();
            assertThat(dropped).containsPattern("\"count\":[1-9]");
            assertThat(counters.get(Counter.CLOSED_SLOW)).isZero();
            assertThat(counters.get(Counter.CLIENTS_CONNECTED)).isEqualTo(1);
        }
    }

    private static boolean subscribed(final AppTestNodes devnet, final int index)
    {
        // The subscribe's result is not requested (correlation 0): the engine handler is registered on the API
        // thread right after the frame is read, so a control round trip on another client orders after it.
        try (AppClient probe = devnet.client(index))
        {
            probe.sendText("{\"op\":\"status\"}");
            return next(probe, Control.class).json().contains("\"type\":\"status\"");
        }
        catch (final Exception ex)
        {
            return false;
        }
    }

    /**
     * Publishes bursts on {@link #TOPIC} until {@code done}. The last publish of a burst asks for its result, and the
     * next burst waits for it: a session answers in order, so at most one burst is ever unread by the node. Bursts
     * of fire-and-forget publishes would pile up in the socket buffers faster than a busy node reads them, and a
     * later request would then wait behind megabytes of them.
     */
    private static void floodUntil(final AppClient publisher, final java.util.function.BooleanSupplier done)
        throws InterruptedException
    {
        final byte[] payload = new byte[AppTestNodes.MAX_MESSAGE_LENGTH];
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long burstId = FLOOD_CORRELATION_BASE;
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("slow subscriber policy never applied");
            }
            for (int i = 1; i < FLOOD_BURST; i++)
            {
                publisher.publish(TOPIC, 0, payload);
            }
            publisher.publish(TOPIC, ++burstId, payload);
            // Refusals of the others (back pressure) come back as results before it; they are read on the way.
            resultOf(publisher, burstId);
        }
    }

    private static void publishUntilAccepted(final AppClient publisher, final int topic, final byte[] payload)
        throws InterruptedException
    {
        for (long id = 1000; id < 2000; id++)
        {
            publisher.publish(topic, id, payload);
            if (resultOf(publisher, id).status() == AppFrameDescriptor.RESULT_OK)
            {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("publish never accepted");
    }

    /** Reads events until the RESULT of request {@code correlationId}; fails at a close or after 20 s. */
    private static Result resultOf(final AppClient client, final long correlationId) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() - deadline < 0)
        {
            final Event event = client.poll(100, TimeUnit.MILLISECONDS);
            if (event instanceof Result result && result.correlationId() == correlationId)
            {
                return result;
            }
            if (event instanceof Closed closed)
            {
                throw new AssertionError("connection closed waiting for the result of request " + correlationId +
                    ": " + closed);
            }
        }
        throw new AssertionError("no result for request " + correlationId + " within 20 s");
    }

    static byte[] frame(final int type, final int flags, final int topic, final int correlationId, final byte[] body)
    {
        return ByteBuffer.allocate(AppFrameDescriptor.HEADER_LENGTH + body.length)
            .put((byte)type).put((byte)flags).putShort((short)topic).putInt(correlationId).put(body).array();
    }

    static <T extends Event> T next(final AppClient client, final Class<T> type) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() - deadline < 0)
        {
            final Event event = client.poll(100, TimeUnit.MILLISECONDS);
            if (type.isInstance(event))
            {
                return type.cast(event);
            }
            if (event instanceof Closed closed)
            {
                throw new AssertionError("connection closed waiting for " + type.getSimpleName() + ": " + closed);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " within 20 s");
    }
}
