package io.chainmesh.node.flux;

/**
 * FluxOS's binary peer frames (WebSocket binary messages, sent to peers that announce the {@code binaryMessages}
 * capability). The bridge reads the hash frames and the NAK; it writes only {@link #HASH_REQUEST}.
 * <pre>
 *   0x01 hash present   [type:1][hash:20]            21 bytes  "I hold the message with this hash"
 *   0x02 hash request   [type:1][hash:20]            21 bytes  "send me the message with this hash"
 *   0x03 NAK            [type:1][hash:20][reason:1]  22 bytes  reason 0 stale, 1 duplicate, 2 invalid
 *   0x10 peer exchange, 0x11 peer update              only to peers announcing peerExchange
 *   0x20..0x23 signed sync requests                   only to peers announcing appStateSync
 * </pre>
 * The hash is FluxOS's {@code object-hash} (SHA-1) of the message's {@code data}: opaque to the bridge, which never
 * computes it (see docs/FLUX-BRIDGE.md).
 */
public final class FluxPeerFrameDescriptor
{
    /** Type byte of "hash present". */
    public static final byte HASH_PRESENT = 0x01;
    /** Type byte of "hash request". */
    public static final byte HASH_REQUEST = 0x02;
    /** Type byte of a NAK. */
    public static final byte NAK = 0x03;
    /** Offset of the type byte. */
    public static final int TYPE_OFFSET = 0;
    /** Offset of the hash. */
    public static final int HASH_OFFSET = 1;
    /** Length of the hash. */
    public static final int HASH_LENGTH = 20;
    /** Length of a hash-present or hash-request frame. */
    public static final int HASH_FRAME_LENGTH = HASH_OFFSET + HASH_LENGTH;
    /** Length of a NAK frame. */
    public static final int NAK_FRAME_LENGTH = HASH_FRAME_LENGTH + 1;
    /** The longest binary frame the bridge reads: anything longer is not a frame it has asked for. */
    public static final int MAX_FRAME_LENGTH = 64 * 1024;

    private FluxPeerFrameDescriptor()
    {
    }

    /**
     * @param type   the frame's type byte.
     * @param length the frame's length.
     * @return null if a frame of that type may have that length, else what is wrong ({@code name=value}).
     */
    public static String checkLength(final byte type, final int length)
    {
        final int expected = switch (type)
        {
            case HASH_PRESENT, HASH_REQUEST -> HASH_FRAME_LENGTH;
            case NAK -> NAK_FRAME_LENGTH;
            default -> -1;
        };
        if (expected < 0)
        {
            return length > MAX_FRAME_LENGTH ? "length=" + length + " exceeds " + MAX_FRAME_LENGTH : null;
        }
        return length == expected ? null : "type=0x" + Integer.toHexString(type & 0xFF) + " length=" + length +
            " must be " + expected;
    }
}
