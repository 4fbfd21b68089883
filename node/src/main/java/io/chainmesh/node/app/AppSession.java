package io.chainmesh.node.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.PeerView;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.IntHashSet;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.chainmesh.node.app.AppFrameDescriptor.BYTE_ORDER;
import static io.chainmesh.node.app.AppFrameDescriptor.CORRELATION_ID_OFFSET;
import static io.chainmesh.node.app.AppFrameDescriptor.FLAGS_OFFSET;
import static io.chainmesh.node.app.AppFrameDescriptor.HEADER_LENGTH;
import static io.chainmesh.node.app.AppFrameDescriptor.MEMBER_LENGTH_OFFSET;
import static io.chainmesh.node.app.AppFrameDescriptor.MEMBER_OFFSET;
import static io.chainmesh.node.app.AppFrameDescriptor.TOPIC_OFFSET;
import static io.chainmesh.node.app.AppFrameDescriptor.TYPE_OFFSET;

/**
 * One client of the application API, from its WebSocket handshake to its close.
 * <p>
 * <b>Requests</b> (binary frames, {@link AppFrameDescriptor}) are checked, then handed to the engine's non-blocking
 * {@code offer}/{@code send}; the engine's status comes back as a RESULT frame (BACK_PRESSURED means: retry later).
 * Control requests are JSON text frames ({@code {"op":"status"}}, {@code {"op":"members"}}, with an optional
 * {@code id} echoed back). A malformed frame is answered with a JSON {@code error} frame and counted; the session
 * stays open. While the socket's write buffer is above its high water mark the session reads no more requests,
 * so a client that does not read its results slows only itself.
 * <p>
 * <b>Deliveries</b> are written by the engine's commit thread (broadcast) and IO threads (direct) into this
 * session's {@link ManyToOneRingBuffer} ({@code app.client.queue.bytes}), already laid out as DELIVERY frames, and
 * never wait: if the queue is full the {@link AppApiServer.SlowSubscriberPolicy} applies (close with code
 * {@value #CLOSE_SLOW_SUBSCRIBER}, or drop, count and report with a {@code dropped} frame). The API thread drains the
 * queue into the socket while it is writable, and again when it becomes writable.
 * <p>
 * Threads: everything but {@link #enqueue} runs on the {@code chainmesh-app} thread.
 */
final class AppSession extends SimpleChannelInboundHandler<WebSocketFrame>
{
    /** Close code: the delivery queue was full under {@code app.slow.subscriber=close}. */
    static final int CLOSE_SLOW_SUBSCRIBER = 4001;
    /** Close code: the node is shutting down. */
    static final int CLOSE_GOING_AWAY = 1001;
    private static final int DRAIN_BATCH = 256;
    private static final int CLOSE_TIMEOUT_SECONDS = 5;
    private static final int DELIVERY_MSG_TYPE = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AppApiServer server;
    private final AppCounters counters;
    private final ChainmeshNode node;
    private ManyToOneRingBuffer queue;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicLong droppedUnreported = new AtomicLong();
    private final AtomicLong droppedTotal = new AtomicLong();
    private final IntHashSet topics = new IntHashSet();
    private final UnsafeBuffer requestView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer outView = new UnsafeBuffer(0, 0);
    private final int maxSendLength;
    private final Runnable drainTask = this::drain;
    private byte[] requestCopy = new byte[0];
    private ChannelHandlerContext ctx;
    private volatile boolean open;
    private volatile boolean slowCloseRequested;
    private boolean counted;

    AppSession(final AppApiServer server)
    {
        this.server = server;
        this.counters = server.counters();
        this.node = server.node();
        // A SEND must fit the engine's direct payload and the receiving client's queue record (queues of equal size).
        maxSendLength = Math.max(0, Math.min(node.maxDirectPayloadLength() - AppFrameDescriptor.DIRECT_PAYLOAD_OFFSET,
            AppApiServer.maxDeliveryPayload(server.context().queueBytes())));
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        this.ctx = ctx;
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
    {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete)
        {
            // Allocated only now, after the token was accepted: a refused connection costs no queue.
            queue = new ManyToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(server.context().queueBytes() + RingBufferDescriptor.TRAILER_LENGTH)));
            open = true;
            counted = true;
            counters.increment(AppCounters.Counter.CLIENTS_ACCEPTED);
            counters.increment(AppCounters.Counter.CLIENTS_CONNECTED);
            server.channels().add(ctx.channel());
            final ObjectNode hello = JSON.createObjectNode()
                .put("type", "hello")
                .put("version", 1)
                .put("member", server.members().selfName())
                .put("maxPublishLength", node.maxMessageLength())
                .put("maxSendLength", maxSendLength)
                .put("maxFrameLength", server.context().maxFrameLength())
                .put("queueBytes", server.context().queueBytes())
                .put("slowSubscriber", server.context().slowSubscriberPolicy().name().toLowerCase(java.util.Locale.ROOT));
            ctx.writeAndFlush(new TextWebSocketFrame(hello.toString()));
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final WebSocketFrame frame)
    {
        if (!open)
        {
            // Closing (slow subscriber): what the client still sends is ignored.
            return;
        }
        if (frame instanceof BinaryWebSocketFrame)
        {
            onRequest(frame.content());
        }
        else if (frame instanceof TextWebSocketFrame text)
        {
            onControl(text);
        }
        else
        {
            counters.increment(AppCounters.Counter.MALFORMED_FRAMES);
            sendError("MALFORMED_FRAME", "unexpected frame " + frame.getClass().getSimpleName(), -1);
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        ctx.flush();
        if (!ctx.channel().isWritable())
        {
            // The client does not read its results fast enough: stop reading its requests until it does.
            ctx.channel().config().setAutoRead(false);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx)
    {
        if (ctx.channel().isWritable())
        {
            ctx.channel().config().setAutoRead(true);
            drain();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        shutdown();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        // Netty's WebSocket decoder has already sent a close frame (1002 protocol error, 1009 too big) for these.
        if (cause instanceof CorruptedFrameException || cause instanceof TooLongFrameException)
        {
            counters.increment(AppCounters.Counter.PROTOCOL_ERRORS);
        }
        shutdown();
        ctx.close();
    }

    private void shutdown()
    {
        if (open)
        {
            open = false;
            for (final int topic : topics.toArray(new Integer[0]))
            {
                server.unsubscribe(topic, this);
            }
            topics.clear();
        }
        if (counted)
        {
            counted = false;
            counters.decrement(AppCounters.Counter.CLIENTS_CONNECTED);
        }
    }

    private void onRequest(final ByteBuf content)
    {
        final int length = content.readableBytes();
        wrap(content, length);
        final int type;
        try
        {
            type = AppFrameDescriptor.checkRequest(requestView, 0, length);
        }
        catch (final AppFrameDescriptor.AppFrameException ex)
        {
            counters.increment(AppCounters.Counter.MALFORMED_FRAMES);
            sendError("MALFORMED_FRAME", ex.getMessage(),
                length >= HEADER_LENGTH ? AppFrameDescriptor.correlationId(requestView, 0) : -1);
            return;
        }
        final int topic = AppFrameDescriptor.topic(requestView, 0);
        final long correlationId = AppFrameDescriptor.correlationId(requestView, 0);
        final int status;
        switch (type)
        {
            case AppFrameDescriptor.TYPE_PUBLISH:
                status = engineResult(node.offer(topic, requestView, HEADER_LENGTH, length - HEADER_LENGTH));
                counters.increment(status == AppFrameDescriptor.RESULT_OK ? AppCounters.Counter.PUBLISHED :
                    status == AppFrameDescriptor.RESULT_BACK_PRESSURED ? AppCounters.Counter.BACK_PRESSURED :
                    AppCounters.Counter.REFUSED);
                break;
            case AppFrameDescriptor.TYPE_SEND:
                status = send(topic, length);
                counters.increment(status == AppFrameDescriptor.RESULT_OK ? AppCounters.Counter.SENT :
                    status == AppFrameDescriptor.RESULT_BACK_PRESSURED ? AppCounters.Counter.BACK_PRESSURED :
                    AppCounters.Counter.REFUSED);
                break;
            case AppFrameDescriptor.TYPE_SUBSCRIBE:
                if (topics.contains(topic))
                {
                    status = AppFrameDescriptor.RESULT_OK;
                }
                else if (topics.size() >= server.context().maxSubscriptions())
                {
                    status = AppFrameDescriptor.RESULT_SUBSCRIPTION_LIMIT;
                }
                else
                {
                    topics.add(topic);
                    server.subscribe(topic, this);
                    status = AppFrameDescriptor.RESULT_OK;
                }
                break;
            case AppFrameDescriptor.TYPE_UNSUBSCRIBE:
            default:
                if (topics.remove(topic))
                {
                    server.unsubscribe(topic, this);
                }
                status = AppFrameDescriptor.RESULT_OK;
                break;
        }
        if (0 != correlationId || status != AppFrameDescriptor.RESULT_OK)
        {
            writeResult(type, topic, correlationId, status);
        }
    }

    private int send(final int topic, final int length)
    {
        final int memberLength = requestView.getByte(MEMBER_LENGTH_OFFSET) & 0xFF;
        final int payloadOffset = MEMBER_OFFSET + memberLength;
        final int payloadLength = length - payloadOffset;
        final MemberId peer = server.members().peerOf(requestView.getStringWithoutLengthAscii(MEMBER_OFFSET, memberLength));
        if (null == peer)
        {
            return AppFrameDescriptor.RESULT_UNKNOWN_MEMBER;
        }
        if (payloadLength > maxSendLength)
        {
            return AppFrameDescriptor.RESULT_MESSAGE_TOO_LARGE;
        }
        final UnsafeBuffer directScratch = server.directScratch(AppFrameDescriptor.DIRECT_PAYLOAD_OFFSET + payloadLength);
        directScratch.putShort(AppFrameDescriptor.DIRECT_TOPIC_OFFSET, (short)topic, BYTE_ORDER);
        directScratch.putBytes(AppFrameDescriptor.DIRECT_PAYLOAD_OFFSET, requestView, payloadOffset, payloadLength);
        return engineResult(node.send(peer, directScratch, 0, AppFrameDescriptor.DIRECT_PAYLOAD_OFFSET + payloadLength));
    }

    private static int engineResult(final long status)
    {
        // Engine statuses and RESULT statuses share their values (OK is any position >= 0).
        return status >= 0 ? AppFrameDescriptor.RESULT_OK : (int)status;
    }

    private void wrap(final ByteBuf content, final int length)
    {
        if (content.hasMemoryAddress())
        {
            requestView.wrap(content.memoryAddress() + content.readerIndex(), length);
        }
        else if (content.hasArray())
        {
            requestView.wrap(content.array(), content.arrayOffset() + content.readerIndex(), length);
        }
        else
        {
            // A composite buffer from reassembled fragments: copied once into a per-session array.
            if (requestCopy.length < length)
            {
                requestCopy = new byte[Math.max(length, Math.min(2 * requestCopy.length, server.context().maxFrameLength()))];
            }
            content.getBytes(content.readerIndex(), requestCopy, 0, length);
            requestView.wrap(requestCopy, 0, length);
        }
    }

    private void writeResult(final int requestType, final int topic, final long correlationId, final int status)
    {
        final ByteBuf out = ctx.alloc().buffer(AppFrameDescriptor.RESULT_LENGTH);
        out.writeByte(AppFrameDescriptor.TYPE_RESULT)
            .writeByte(requestType)
            .writeShort(topic)
            .writeInt((int)correlationId)
            .writeInt(status);
        ctx.write(new BinaryWebSocketFrame(out));
    }

    private void onControl(final TextWebSocketFrame frame)
    {
        final AppControlRequest request;
        try
        {
            request = AppControlRequest.read(frame.content());
        }
        catch (final AppControlRequest.AppControlException ex)
        {
            counters.increment(AppCounters.Counter.MALFORMED_FRAMES);
            sendError(ex.code(), ex.getMessage(), -1);
            return;
        }
        final ObjectNode reply = AppControlRequest.STATUS.equals(request.op()) ? status() : members();
        counters.increment(AppCounters.Counter.CONTROL_REQUESTS);
        if (null != request.id())
        {
            reply.set("id", request.id());
        }
        ctx.write(new TextWebSocketFrame(reply.toString()));
    }

    private ObjectNode status()
    {
        final DirectorySnapshot snapshot = server.members().snapshot();
        int active = 0;
        for (final PeerView peer : node.peers())
        {
            if (peer.state() == PeerView.State.ACTIVE)
            {
                active++;
            }
        }
        final ObjectNode status = JSON.createObjectNode()
            .put("type", "status")
            .put("member", server.members().selfName())
            .put("directoryHeight", snapshot.height())
            .put("directorySize", snapshot.size())
            .put("peersActive", active)
            .put("queuedBytes", queue.size())
            .put("queueBytes", queue.capacity())
            .put("dropped", droppedTotal.get());
        final ArrayNode subscriptions = status.putArray("subscriptions");
        final int[] sorted = new int[topics.size()];
        int i = 0;
        for (final int topic : topics.toArray(new Integer[0]))
        {
            sorted[i++] = topic;
        }
        java.util.Arrays.sort(sorted);
        for (final int topic : sorted)
        {
            subscriptions.add(topic);
        }
        status.putPOJO("counters", counters.toMap());
        return status;
    }

    private ObjectNode members()
    {
        final DirectorySnapshot snapshot = server.members().snapshot();
        final String self = server.members().selfName();
        final ObjectNode reply = JSON.createObjectNode().put("type", "members").put("height", snapshot.height());
        final ArrayNode list = reply.putArray("members");
        for (final Member member : snapshot.members())
        {
            list.addObject()
                .put("member", member.collateral())
                .put("tier", String.valueOf(member.tier()))
                .put("endpoint", member.endpoint().toString())
                .put("self", member.collateral().equals(self));
        }
        return reply;
    }

    private void sendError(final String code, final String message, final long correlationId)
    {
        final ObjectNode error = JSON.createObjectNode().put("type", "error").put("code", code).put("message", message);
        if (correlationId >= 0)
        {
            error.put("correlationId", correlationId);
        }
        ctx.write(new TextWebSocketFrame(error.toString()));
    }

    /**
     * Copies one message into this client's delivery queue as a DELIVERY frame. Engine commit or IO thread; never
     * blocks, allocates nothing.
     *
     * @param flags   DELIVERY flags.
     * @param topic   the topic.
     * @param name    the origin member's name, ASCII.
     * @param buffer  holds the payload (valid only during the call).
     * @param offset  where it starts.
     * @param length  its length.
     */
    void enqueue(final int flags, final int topic, final byte[] name, final org.agrona.DirectBuffer buffer,
        final int offset, final int length)
    {
        if (!open)
        {
            return;
        }
        final int frameLength = MEMBER_OFFSET + name.length + length;
        if (frameLength > queue.maxMsgLength())
        {
            // Not a matter of speed: a direct message from a node with a larger queue. Counted and reported.
            counters.increment(AppCounters.Counter.DROPPED_TOO_LARGE);
            droppedUnreported.incrementAndGet();
            droppedTotal.incrementAndGet();
            scheduleDrain();
            return;
        }
        final int index = queue.tryClaim(DELIVERY_MSG_TYPE, frameLength);
        if (index < 0)
        {
            onQueueFull();
            return;
        }
        final MutableDirectBuffer ring = queue.buffer();
        ring.putByte(index + TYPE_OFFSET, (byte)AppFrameDescriptor.TYPE_DELIVERY);
        ring.putByte(index + FLAGS_OFFSET, (byte)flags);
        ring.putShort(index + TOPIC_OFFSET, (short)topic, BYTE_ORDER);
        ring.putInt(index + CORRELATION_ID_OFFSET, 0, BYTE_ORDER);
        ring.putByte(index + MEMBER_LENGTH_OFFSET, (byte)name.length);
        ring.putBytes(index + MEMBER_OFFSET, name);
        ring.putBytes(index + MEMBER_OFFSET + name.length, buffer, offset, length);
        queue.commit(index);
        counters.increment(AppCounters.Counter.DELIVERED);
        scheduleDrain();
    }

    private void onQueueFull()
    {
        if (server.context().slowSubscriberPolicy() == AppApiServer.SlowSubscriberPolicy.CLOSE)
        {
            if (!slowCloseRequested)
            {
                slowCloseRequested = true;
                counters.increment(AppCounters.Counter.CLOSED_SLOW);
            }
        }
        else
        {
            droppedUnreported.incrementAndGet();
            droppedTotal.incrementAndGet();
        }
        counters.increment(AppCounters.Counter.DROPPED_SLOW);
        scheduleDrain();
    }

    private void scheduleDrain()
    {
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true))
        {
            try
            {
                ctx.executor().execute(drainTask);
            }
            catch (final java.util.concurrent.RejectedExecutionException ex)
            {
                // The API is shutting down and its thread is gone: nothing is left to deliver to.
                open = false;
            }
        }
    }

    /** API thread: moves queued deliveries into the socket while it is writable. */
    private void drain()
    {
        drainScheduled.set(false);
        if (!open)
        {
            return;
        }
        if (slowCloseRequested)
        {
            shutdown();
            ctx.writeAndFlush(new CloseWebSocketFrame(CLOSE_SLOW_SUBSCRIBER, "slow subscriber: delivery queue of " +
                queue.capacity() + " bytes is full (app.client.queue.bytes)")).addListener(ChannelFutureListener.CLOSE);
            // The close frame waits behind what the client has not read; a client that reads nothing more is cut.
            ctx.executor().schedule(() -> ctx.close(), CLOSE_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            return;
        }
        final long dropped = droppedUnreported.get();
        if (dropped > 0 && ctx.channel().isWritable())
        {
            droppedUnreported.addAndGet(-dropped);
            ctx.write(new TextWebSocketFrame(JSON.createObjectNode().put("type", "dropped").put("count", dropped)
                .put("total", droppedTotal.get()).toString()));
        }
        int batches = 0;
        while (ctx.channel().isWritable() && batches++ < DRAIN_BATCH && queue.read(this::writeDelivery, 16) > 0)
        {
            // Each read frees its slots for the producers at once.
        }
        ctx.flush();
        if (queue.size() > 0 && ctx.channel().isWritable())
        {
            scheduleDrain();
        }
    }

    private void writeDelivery(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final ByteBuf out = ctx.alloc().directBuffer(length);
        if (out.hasMemoryAddress())
        {
            outView.wrap(out.memoryAddress() + out.writerIndex(), length);
            outView.putBytes(0, buffer, index, length);
            out.writerIndex(out.writerIndex() + length);
        }
        else
        {
            for (int i = 0; i < length; i++)
            {
                out.writeByte(buffer.getByte(index + i));
            }
        }
        ctx.write(new BinaryWebSocketFrame(out));
    }
}
