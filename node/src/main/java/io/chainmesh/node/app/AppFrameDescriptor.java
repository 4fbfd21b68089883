package io.chainmesh.node.app;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Layout of the application API's binary WebSocket frames (the data path). One WebSocket binary message is one
 * frame; integers are big-endian; offsets are frame-relative.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+-------------------------------+
 *  |     type      |     flags     |          topic (u16)          |  0
 *  +---------------+---------------+-------------------------------+
 *  |                      correlation id (u32)                     |  4
 *  +---------------------------------------------------------------+
 *  |                 body: depends on the type, below              |  8
 *  +---------------------------------------------------------------+
 *
 *  PUBLISH (0x01), client to node      body = payload bytes (the rest of the frame)
 *  SEND (0x02), client to node         body = member length (u8), member (ASCII txhash:index), payload bytes
 *  SUBSCRIBE (0x03), client to node    body = empty
 *  UNSUBSCRIBE (0x04), client to node  body = empty
 *  RESULT (0x81), node to client       body = status (i32): 0 OK, or a negative code (RESULT_* constants);
 *                                       flags = the request's type, topic and correlation id = the request's
 *  DELIVERY (0x82), node to client     body = member length (u8), origin member (ASCII), payload bytes;
 *                                       flags bit 0 (FLAG_DIRECT) set for a direct message
 * </pre>
 * Requests carry flags 0. A request with a non-zero correlation id always gets one RESULT with the same id; with
 * id 0 it gets a RESULT only when refused. Topics {@value #RESERVED_TOPIC_MIN} and above are reserved for the
 * node's own traffic and refused.
 * <p>
 * Direct messages cross the overlay as the engine's direct payload in the {@code APP_DIRECT} layout: topic (u16)
 * at {@link #DIRECT_TOPIC_OFFSET}, then the application's bytes at {@link #DIRECT_PAYLOAD_OFFSET}.
 */
public final class AppFrameDescriptor
{
    /** Byte order of every integer field. */
    public static final ByteOrder BYTE_ORDER = ByteOrder.BIG_ENDIAN;

    /** Offset of the frame type (u8). */
    public static final int TYPE_OFFSET = 0;
    /** Offset of the flags (u8). */
    public static final int FLAGS_OFFSET = 1;
    /** Offset of the topic (u16). */
    public static final int TOPIC_OFFSET = 2;
    /** Offset of the correlation id (u32). */
    public static final int CORRELATION_ID_OFFSET = 4;
    /** Header length: the body starts here. */
    public static final int HEADER_LENGTH = 8;
    /** Offset of the member name's length (u8) in SEND and DELIVERY. */
    public static final int MEMBER_LENGTH_OFFSET = HEADER_LENGTH;
    /** Offset of the member name in SEND and DELIVERY. */
    public static final int MEMBER_OFFSET = MEMBER_LENGTH_OFFSET + 1;
    /** Offset of the status (i32) in RESULT. */
    public static final int STATUS_OFFSET = HEADER_LENGTH;
    /** RESULT frame length. */
    public static final int RESULT_LENGTH = STATUS_OFFSET + 4;

    /** Longest member name: 64 hex digits, a colon and a 10-digit output index. */
    public static final int MAX_MEMBER_LENGTH = 75;
    /** Shortest member name: {@code h:0}. */
    public static final int MIN_MEMBER_LENGTH = 3;
    /** Lowest reserved topic. */
    public static final int RESERVED_TOPIC_MIN = 0xFF00;

    /** Client to node: broadcast the payload on the topic. */
    public static final int TYPE_PUBLISH = 0x01;
    /** Client to node: send the payload to one member on the topic. */
    public static final int TYPE_SEND = 0x02;
    /** Client to node: deliver the topic's messages to this client. */
    public static final int TYPE_SUBSCRIBE = 0x03;
    /** Client to node: stop delivering the topic. */
    public static final int TYPE_UNSUBSCRIBE = 0x04;
    /** Node to client: the outcome of a request. */
    public static final int TYPE_RESULT = 0x81;
    /** Node to client: a message from another member. */
    public static final int TYPE_DELIVERY = 0x82;

    /** DELIVERY flag: the message was sent to this member directly, not broadcast. */
    public static final int FLAG_DIRECT = 0x01;

    /** RESULT status: accepted. */
    public static final int RESULT_OK = 0;
    /** RESULT status: the engine's queue is full; retry later (the client decides when). */
    public static final int RESULT_BACK_PRESSURED = -1;
    /** RESULT status: no link leads to the member. */
    public static final int RESULT_NO_ROUTE = -2;
    /** RESULT status: the node is closing. */
    public static final int RESULT_CLOSED = -3;
    /** RESULT status: the payload is longer than the node accepts (the {@code hello} frame says how long). */
    public static final int RESULT_MESSAGE_TOO_LARGE = -4;
    /** RESULT status: no peer is connected, a broadcast would reach nobody; retry later. */
    public static final int RESULT_NOT_CONNECTED = -5;
    /** RESULT status: the member name is not in the node's directory. */
    public static final int RESULT_UNKNOWN_MEMBER = -16;
    /** RESULT status: the client holds as many subscriptions as it may. */
    public static final int RESULT_SUBSCRIPTION_LIMIT = -17;

    /** APP_DIRECT: offset of the topic (u16) in an engine direct payload. */
    public static final int DIRECT_TOPIC_OFFSET = 0;
    /** APP_DIRECT: offset of the application's bytes. */
    public static final int DIRECT_PAYLOAD_OFFSET = 2;

    private AppFrameDescriptor()
    {
    }

    /**
     * Checks the header of a frame from a client.
     *
     * @param buffer holding the frame.
     * @param offset its first byte.
     * @param length its length.
     * @return the frame type.
     * @throws AppFrameException naming the field and value if the frame is malformed.
     */
    public static int checkRequest(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            throw new AppFrameException("frame length=" + length + " is shorter than the header length " +
                HEADER_LENGTH);
        }
        final int type = buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
        if (type < TYPE_PUBLISH || type > TYPE_UNSUBSCRIBE)
        {
            throw new AppFrameException("type=0x" + Integer.toHexString(type) +
                " is not a request type (0x01 PUBLISH, 0x02 SEND, 0x03 SUBSCRIBE, 0x04 UNSUBSCRIBE)");
        }
        final int flags = buffer.getByte(offset + FLAGS_OFFSET) & 0xFF;
        if (flags != 0)
        {
            throw new AppFrameException("flags=0x" + Integer.toHexString(flags) + " must be 0 in a request");
        }
        final int topic = topic(buffer, offset);
        if (topic >= RESERVED_TOPIC_MIN)
        {
            throw new AppFrameException("topic=" + topic + " is reserved (topics " + RESERVED_TOPIC_MIN +
                " and above are the node's own)");
        }
        if ((type == TYPE_SUBSCRIBE || type == TYPE_UNSUBSCRIBE) && length != HEADER_LENGTH)
        {
            throw new AppFrameException("frame length=" + length + " must be " + HEADER_LENGTH + " for type=0x0" + type);
        }
        if (type == TYPE_SEND)
        {
            checkMemberLength(buffer, offset, length);
        }
        return type;
    }

    /**
     * Checks the member name field of a SEND or DELIVERY frame.
     *
     * @param buffer holding the frame.
     * @param offset its first byte.
     * @param length its length.
     * @return the member name's length.
     * @throws AppFrameException naming the field and value if malformed.
     */
    public static int checkMemberLength(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MEMBER_OFFSET)
        {
            throw new AppFrameException("frame length=" + length + " has no member length byte (needs " +
                MEMBER_OFFSET + ")");
        }
        final int memberLength = buffer.getByte(offset + MEMBER_LENGTH_OFFSET) & 0xFF;
        if (memberLength < MIN_MEMBER_LENGTH || memberLength > MAX_MEMBER_LENGTH)
        {
            throw new AppFrameException("member length=" + memberLength + " must be in [" + MIN_MEMBER_LENGTH +
                ", " + MAX_MEMBER_LENGTH + "]");
        }
        if (MEMBER_OFFSET + memberLength > length)
        {
            throw new AppFrameException("member length=" + memberLength + " runs past frame length=" + length);
        }
        return memberLength;
    }

    /**
     * @param buffer holding a checked frame.
     * @param offset its first byte.
     * @return the topic.
     */
    public static int topic(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + TOPIC_OFFSET, BYTE_ORDER) & 0xFFFF;
    }

    /**
     * @param buffer holding a checked frame.
     * @param offset its first byte.
     * @return the correlation id as an unsigned value.
     */
    public static long correlationId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + CORRELATION_ID_OFFSET, BYTE_ORDER) & 0xFFFF_FFFFL;
    }

    /**
     * @param status a RESULT status.
     * @return its name.
     */
    public static String statusName(final int status)
    {
        switch (status)
        {
            case RESULT_OK: return "OK";
            case RESULT_BACK_PRESSURED: return "BACK_PRESSURED";
            case RESULT_NO_ROUTE: return "NO_ROUTE";
            case RESULT_CLOSED: return "CLOSED";
            case RESULT_MESSAGE_TOO_LARGE: return "MESSAGE_TOO_LARGE";
            case RESULT_NOT_CONNECTED: return "NOT_CONNECTED";
            case RESULT_UNKNOWN_MEMBER: return "UNKNOWN_MEMBER";
            case RESULT_SUBSCRIPTION_LIMIT: return "SUBSCRIPTION_LIMIT";
            default: return "UNKNOWN(" + status + ")";
        }
    }

    /** A frame from a client breaks the layout; the message names the field and its value. */
    public static final class AppFrameException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        /**
         * @param message what is wrong, {@code name=value ...}.
         */
        public AppFrameException(final String message)
        {
            super(message, null, false, false);
        }
    }
}
