package io.chainmesh.codec.frame;

/**
 * Builds raw frames for tests, independently of the production encoders.
 */
public final class TestFrames
{
    private TestFrames()
    {
    }

    /**
     * @param type  type byte.
     * @param flags flags byte.
     * @param body  arbitrary body.
     * @return the frame bytes with a correct length field.
     */
    public static byte[] frame(final int type, final int flags, final byte[] body)
    {
        final byte[] frame = new byte[FrameDescriptor.HEADER_LENGTH + body.length];
        final int length = FrameDescriptor.MIN_LENGTH_FIELD + body.length;
        frame[0] = (byte)(length >>> 24);
        frame[1] = (byte)(length >>> 16);
        frame[2] = (byte)(length >>> 8);
        frame[3] = (byte)length;
        frame[4] = (byte)type;
        frame[5] = (byte)flags;
        System.arraycopy(body, 0, frame, FrameDescriptor.HEADER_LENGTH, body.length);
        return frame;
    }
}
