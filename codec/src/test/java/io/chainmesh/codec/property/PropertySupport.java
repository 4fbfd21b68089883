package io.chainmesh.codec.property;

import io.chainmesh.codec.frame.TestFrames;

final class PropertySupport
{
    private PropertySupport()
    {
    }

    /** A frame with a correct length field around an arbitrary body. */
    static byte[] frame(final int type, final int flags, final byte[] body)
    {
        return TestFrames.frame(type, flags, body);
    }
}
