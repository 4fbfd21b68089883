package io.chainmesh.engine.broadcast;

import com.google.protobuf.MessageLite;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.Frames;
import org.agrona.ExpandableArrayBuffer;

/**
 * Encodes control frames (DIGEST, WANT, WANT_MISS) into the commit stage's scratch buffer and sends them.
 * Control frames go out per tick or per request, never per message. Commit thread only.
 *
 * @param <P> how a peer is identified.
 */
final class ControlFrames<P>
{
    private final Outbound<P> out;
    private final ExpandableArrayBuffer scratch;

    ControlFrames(final Outbound<P> out, final ExpandableArrayBuffer scratch)
    {
        this.out = out;
        this.scratch = scratch;
    }

    /**
     * @param to      the peer.
     * @param type    frame type.
     * @param message body.
     * @return true if sent.
     */
    boolean send(final P to, final int type, final MessageLite message)
    {
        final int length = encode(type, message);
        return out.send(to, scratch, 0, length) == LinkSender.SENT;
    }

    /**
     * @param type    frame type.
     * @param message body.
     * @return the frame's length, at offset 0 of {@link #buffer()}.
     */
    int encode(final int type, final MessageLite message)
    {
        final byte[] body = message.toByteArray();
        Frames.writeHeader(scratch, 0, type, 0, body.length);
        scratch.putBytes(FrameDescriptor.BODY_OFFSET, body);
        return FrameDescriptor.HEADER_LENGTH + body.length;
    }

    /** @return the buffer {@link #encode} wrote into. */
    ExpandableArrayBuffer buffer()
    {
        return scratch;
    }
}
