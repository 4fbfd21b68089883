package io.chainmesh.codec.frame;

/**
 * Frame type codes (the byte at {@link FrameDescriptor#TYPE_OFFSET}).
 * <p>
 * {@code 0x01..0x0F} are control frames with Protobuf bodies ({@code codec/src/main/proto}),
 * {@code 0x10..0x1F} hot-path frames read by flyweights, {@code 0x20} the encrypted record.
 */
public final class FrameType
{
    /** {@code Hello}: first frame from each side. */
    public static final int HELLO = 0x01;
    /** {@code Auth}: signature over the handshake transcript. */
    public static final int AUTH = 0x02;
    /** {@code Close}: reason code and text, sent before closing. */
    public static final int CLOSE = 0x03;
    /** {@code PeerInfo}. */
    public static final int PEER_INFO = 0x04;
    /** {@code BenchReport}. */
    public static final int BENCH_REPORT = 0x05;
    /** {@code Digest}: per-origin progress for repair. */
    public static final int DIGEST = 0x06;
    /** {@code Want}: request for missing batches. */
    public static final int WANT = 0x07;
    /** {@code WantMiss}: requested batches are beyond retention. */
    public static final int WANT_MISS = 0x08;

    /** Signed broadcast batch. */
    public static final int BATCH = 0x10;
    /** Direct (routed) message. */
    public static final int DIRECT = 0x11;
    /** Heartbeat request. */
    public static final int PING = 0x12;
    /** Heartbeat reply. */
    public static final int PONG = 0x13;

    /** Encrypted record holding one or more frames. */
    public static final int RECORD = 0x20;

    private FrameType()
    {
    }

    /**
     * @param type a type code.
     * @return true if it is a Protobuf control frame.
     */
    public static boolean isControl(final int type)
    {
        return type >= HELLO && type <= WANT_MISS;
    }

    /**
     * @param type a type code.
     * @return true if chainmesh defines it.
     */
    public static boolean isKnown(final int type)
    {
        return isControl(type) || (type >= BATCH && type <= PONG) || type == RECORD;
    }

    /**
     * @param type a type code.
     * @return a readable name, or {@code UNKNOWN(0x..)}.
     */
    public static String name(final int type)
    {
        switch (type)
        {
            case HELLO: return "HELLO";
            case AUTH: return "AUTH";
            case CLOSE: return "CLOSE";
            case PEER_INFO: return "PEER_INFO";
            case BENCH_REPORT: return "BENCH_REPORT";
            case DIGEST: return "DIGEST";
            case WANT: return "WANT";
            case WANT_MISS: return "WANT_MISS";
            case BATCH: return "BATCH";
            case DIRECT: return "DIRECT";
            case PING: return "PING";
            case PONG: return "PONG";
            case RECORD: return "RECORD";
            default: return String.format("UNKNOWN(0x%02x)", type & 0xFF);
        }
    }
}
