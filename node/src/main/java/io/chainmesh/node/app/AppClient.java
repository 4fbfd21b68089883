package io.chainmesh.node.app;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A small blocking client of the application API over the JDK's WebSocket client, for the {@code publish} and
 * {@code subscribe} commands and for tests. Frames from the node arrive as {@link Event}s in a bounded queue; the
 * client asks the socket for the next frame only when the queue has room, so a slow reader back-pressures the node
 * (whose bounded per-client queue then applies its slow-subscriber policy) instead of growing memory here.
 */
public final class AppClient implements AutoCloseable
{
    private static final int EVENT_QUEUE = 1024;
    private static final int MAX_MESSAGE = 64 * 1024 * 1024;

    /** Something the node sent, or the end of the connection. */
    public sealed interface Event
    {
    }

    /**
     * @param requestType the request's type.
     * @param topic       its topic.
     * @param correlationId its correlation id.
     * @param status      {@link AppFrameDescriptor#RESULT_OK} or a negative RESULT status.
     */
    public record Result(int requestType, int topic, long correlationId, int status) implements Event
    {
    }

    /**
     * @param member  the origin member, {@code txhash:index}.
     * @param topic   the topic.
     * @param direct  true for a direct message.
     * @param payload the bytes.
     */
    public record Delivery(String member, int topic, boolean direct, byte[] payload) implements Event
    {
    }

    /** @param json a control frame (hello, status, members, error, dropped). */
    public record Control(String json) implements Event
    {
    }

    /**
     * @param code   WebSocket close code (or -1 for a transport error).
     * @param reason why.
     */
    public record Closed(int code, String reason) implements Event
    {
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>(EVENT_QUEUE);
    private final WebSocket socket;

    private AppClient(final WebSocket socket)
    {
        this.socket = socket;
    }

    /**
     * Connects with {@code Authorization: Bearer <token>}.
     *
     * @param uri     {@code ws://127.0.0.1:port/v1}.
     * @param token   the token.
     * @param timeout connect timeout.
     * @return the connected client; its first event is the node's {@code hello}.
     * @throws java.util.concurrent.CompletionException if the upgrade is refused (e.g. 401) or fails.
     */
    public static AppClient connect(final URI uri, final String token, final Duration timeout)
    {
        final Listener listener = new Listener();
        final WebSocket socket = HttpClient.newBuilder().connectTimeout(timeout).build().newWebSocketBuilder()
            .header("Authorization", "Bearer " + token)
            .subprotocols(AppApiServer.SUBPROTOCOL)
            .connectTimeout(timeout)
            .buildAsync(uri, listener)
            .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .join();
        final AppClient client = new AppClient(socket);
        listener.client = client;
        listener.start(socket);
        return client;
    }

    /**
     * @param topic         topic.
     * @param correlationId 0 for a result only on refusal.
     * @param payload       the bytes.
     */
    public void publish(final int topic, final long correlationId, final byte[] payload)
    {
        final ByteBuffer frame = header(AppFrameDescriptor.TYPE_PUBLISH, topic, correlationId, payload.length);
        frame.put(payload).flip();
        sendBinary(frame);
    }

    /**
     * @param member        the destination, {@code txhash:index}.
     * @param topic         topic.
     * @param correlationId 0 for a result only on refusal.
     * @param payload       the bytes.
     */
    public void send(final String member, final int topic, final long correlationId, final byte[] payload)
    {
        final byte[] name = member.getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer frame = header(AppFrameDescriptor.TYPE_SEND, topic, correlationId, 1 + name.length + payload.length);
        frame.put((byte)name.length).put(name).put(payload).flip();
        sendBinary(frame);
    }

    /**
     * @param topic         topic.
     * @param correlationId 0 for a result only on refusal.
     */
    public void subscribe(final int topic, final long correlationId)
    {
        sendBinary(header(AppFrameDescriptor.TYPE_SUBSCRIBE, topic, correlationId, 0).flip());
    }

    /** @param frame raw bytes of one binary frame (tests send malformed ones). */
    public void sendBinary(final ByteBuffer frame)
    {
        socket.sendBinary(frame, true).join();
    }

    /** @param json one control request. */
    public void sendText(final String json)
    {
        socket.sendText(json, true).join();
    }

    /**
     * @param timeout how long to wait.
     * @param unit    its unit.
     * @return the next event, or null on timeout.
     * @throws InterruptedException if interrupted.
     */
    public Event poll(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        return events.poll(timeout, unit);
    }

    @Override
    public void close()
    {
        if (!socket.isOutputClosed())
        {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(1, TimeUnit.SECONDS).exceptionally(ex -> null);
        }
        socket.abort();
    }

    private static ByteBuffer header(final int type, final int topic, final long correlationId, final int bodyLength)
    {
        return ByteBuffer.allocate(AppFrameDescriptor.HEADER_LENGTH + bodyLength).order(ByteOrder.BIG_ENDIAN)
            .put((byte)type).put((byte)0).putShort((short)topic).putInt((int)correlationId);
    }

    private void offer(final Event event)
    {
        try
        {
            events.put(event);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Listener implements WebSocket.Listener
    {
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
        private final StringBuilder text = new StringBuilder();
        private final java.util.List<Event> early = new java.util.ArrayList<>();
        private volatile AppClient client;

        @Override
        public void onOpen(final WebSocket webSocket)
        {
            // Frames are requested in start(), once the client exists.
        }

        synchronized void start(final WebSocket webSocket)
        {
            for (final Event event : early)
            {
                client.offer(event);
            }
            early.clear();
            webSocket.request(1);
        }

        private synchronized void emit(final Event event)
        {
            if (null == client)
            {
                early.add(event);
            }
            else
            {
                client.offer(event);
            }
        }

        @Override
        public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last)
        {
            if (binary.size() + data.remaining() > MAX_MESSAGE)
            {
                emit(new Closed(-1, "message from node exceeds " + MAX_MESSAGE + " bytes"));
                webSocket.abort();
                return null;
            }
            final byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.write(bytes, 0, bytes.length);
            if (last)
            {
                emit(decode(ByteBuffer.wrap(binary.toByteArray()).order(ByteOrder.BIG_ENDIAN)));
                binary.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
        {
            text.append(data);
            if (last)
            {
                emit(new Control(text.toString()));
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
        {
            emit(new Closed(statusCode, reason));
            return null;
        }

        @Override
        public void onError(final WebSocket webSocket, final Throwable error)
        {
            emit(new Closed(-1, String.valueOf(error)));
        }

        private static Event decode(final ByteBuffer frame)
        {
            if (frame.remaining() < AppFrameDescriptor.HEADER_LENGTH)
            {
                return new Control("{\"type\":\"error\",\"code\":\"CLIENT\",\"message\":\"short frame from node\"}");
            }
            final int type = frame.get(AppFrameDescriptor.TYPE_OFFSET) & 0xFF;
            final int flags = frame.get(AppFrameDescriptor.FLAGS_OFFSET) & 0xFF;
            final int topic = frame.getShort(AppFrameDescriptor.TOPIC_OFFSET) & 0xFFFF;
            final long correlationId = frame.getInt(AppFrameDescriptor.CORRELATION_ID_OFFSET) & 0xFFFF_FFFFL;
            if (type == AppFrameDescriptor.TYPE_RESULT && frame.remaining() >= AppFrameDescriptor.RESULT_LENGTH)
            {
                return new Result(flags, topic, correlationId, frame.getInt(AppFrameDescriptor.STATUS_OFFSET));
            }
            if (type == AppFrameDescriptor.TYPE_DELIVERY && frame.remaining() > AppFrameDescriptor.MEMBER_OFFSET)
            {
                final int memberLength = frame.get(AppFrameDescriptor.MEMBER_LENGTH_OFFSET) & 0xFF;
                final int payloadOffset = AppFrameDescriptor.MEMBER_OFFSET + memberLength;
                if (payloadOffset <= frame.remaining())
                {
                    final String member = new String(frame.array(), AppFrameDescriptor.MEMBER_OFFSET, memberLength,
                        StandardCharsets.US_ASCII);
                    final byte[] payload = new byte[frame.remaining() - payloadOffset];
                    frame.get(payloadOffset, payload);
                    return new Delivery(member, topic, (flags & AppFrameDescriptor.FLAG_DIRECT) != 0, payload);
                }
            }
            return new Control("{\"type\":\"error\",\"code\":\"CLIENT\",\"message\":\"unknown frame type 0x" +
                Integer.toHexString(type) + " from node\"}");
        }
    }
}
