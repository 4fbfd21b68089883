package io.chainmesh.node.app;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: a binary frame from an application client into {@link AppFrameDescriptor#checkRequest} (the entry point
 * {@link AppSession} decodes every request with), at an arbitrary offset in a larger buffer.
 * <p>
 * Contract: only {@link AppFrameDescriptor.AppFrameException}, with a message; a frame is accepted exactly when the
 * layout the descriptor documents accepts it (an independent reading of that layout here); nothing outside the frame
 * is read; an accepted frame, written again from its fields (type, topic, correlation id, member, payload), is the
 * same bytes.
 */
class AppFrameFuzzTest
{
    private static final byte OUTSIDE = (byte)0xA5;

    /**
     * Input: first byte: where the frame starts in the buffer (0-7); the rest: the frame.
     */
    @FuzzTest(maxDuration = "5m")
    void appFrame(final byte[] input)
    {
        final int offset = input.length > 0 ? input[0] & 7 : 0;
        final byte[] frame = input.length > 0 ? Arrays.copyOfRange(input, 1, input.length) : input;
        final byte[] around = new byte[offset + frame.length + 8];
        Arrays.fill(around, OUTSIDE);
        System.arraycopy(frame, 0, around, offset, frame.length);
        final UnsafeBuffer buffer = new UnsafeBuffer(around);

        final String expectedRefusal = refusal(frame);
        int type = -1;
        String refusal = null;
        try
        {
            type = AppFrameDescriptor.checkRequest(buffer, offset, frame.length);
        }
        catch (final AppFrameDescriptor.AppFrameException ex)
        {
            refusal = ex.getMessage();
            assertThat(refusal).isNotBlank();
        }
        assertThat(refusal == null).as("accepted %s (layout says: %s)", refusal, expectedRefusal)
            .isEqualTo(expectedRefusal == null);
        if (null == refusal)
        {
            assertThat(type).isEqualTo(frame[0] & 0xFF);
            final int topic = AppFrameDescriptor.topic(buffer, offset);
            final long correlationId = AppFrameDescriptor.correlationId(buffer, offset);
            assertThat(topic).isLessThan(AppFrameDescriptor.RESERVED_TOPIC_MIN);
            byte[] member = new byte[0];
            int bodyStart = AppFrameDescriptor.HEADER_LENGTH;
            if (type == AppFrameDescriptor.TYPE_SEND)
            {
                final int memberLength = AppFrameDescriptor.checkMemberLength(buffer, offset, frame.length);
                member = Arrays.copyOfRange(frame, AppFrameDescriptor.MEMBER_OFFSET,
                    AppFrameDescriptor.MEMBER_OFFSET + memberLength);
                bodyStart = AppFrameDescriptor.MEMBER_OFFSET + memberLength;
            }
            final byte[] payload = Arrays.copyOfRange(frame, bodyStart, frame.length);
            assertThat(encode(type, topic, correlationId, member, payload)).isEqualTo(frame);
        }
        // The member length check alone, on any frame: refused, or a name inside the frame.
        try
        {
            final int memberLength = AppFrameDescriptor.checkMemberLength(buffer, offset, frame.length);
            assertThat(memberLength).isBetween(AppFrameDescriptor.MIN_MEMBER_LENGTH, AppFrameDescriptor.MAX_MEMBER_LENGTH);
            assertThat(AppFrameDescriptor.MEMBER_OFFSET + memberLength).isLessThanOrEqualTo(frame.length);
        }
        catch (final AppFrameDescriptor.AppFrameException ex)
        {
            assertThat(ex.getMessage()).isNotBlank();
        }
        for (int i = 0; i < around.length; i++)
        {
            if (i < offset || i >= offset + frame.length)
            {
                assertThat(around[i]).as("byte %d outside the frame", i).isEqualTo(OUTSIDE);
            }
        }
    }

    /** The request layout of {@link AppFrameDescriptor}'s documentation, read independently: null if valid. */
    private static String refusal(final byte[] frame)
    {
        if (frame.length < 8)
        {
            return "short";
        }
        final int type = frame[0] & 0xFF;
        if (type < 1 || type > 4)
        {
            return "type";
        }
        if (frame[1] != 0)
        {
            return "flags";
        }
        if (((frame[2] & 0xFF) << 8 | (frame[3] & 0xFF)) >= 0xFF00)
        {
            return "reserved topic";
        }
        if ((type == 3 || type == 4) && frame.length != 8)
        {
            return "body on (un)subscribe";
        }
        if (type == 2)
        {
            if (frame.length < 9)
            {
                return "no member length";
            }
            final int memberLength = frame[8] & 0xFF;
            if (memberLength < 3 || memberLength > 75 || 9 + memberLength > frame.length)
            {
                return "member length";
            }
        }
        return null;
    }

    private static byte[] encode(final int type, final int topic, final long correlationId, final byte[] member,
        final byte[] payload)
    {
        final ByteBuffer out = ByteBuffer.allocate(8 + (type == AppFrameDescriptor.TYPE_SEND ? 1 + member.length : 0) +
            payload.length).order(ByteOrder.BIG_ENDIAN);
        out.put((byte)type).put((byte)0).putShort((short)topic).putInt((int)correlationId);
        if (type == AppFrameDescriptor.TYPE_SEND)
        {
            out.put((byte)member.length).put(member);
        }
        return out.put(payload).array();
    }

    /** The harness reaches both sides of the contract: each request type accepted, each refusal refused. */
    @Test
    void acceptsEachRequestTypeAndRefusesEachBreak()
    {
        final byte[] member = "abcd:0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final byte[][] accepted = {
            encode(AppFrameDescriptor.TYPE_PUBLISH, 7, 1, new byte[0], new byte[] {1, 2}),
            encode(AppFrameDescriptor.TYPE_SEND, 7, 0xFFFF_FFFFL, member, new byte[] {3}),
            encode(AppFrameDescriptor.TYPE_SUBSCRIBE, 0xFEFF, 0, new byte[0], new byte[0]),
            encode(AppFrameDescriptor.TYPE_UNSUBSCRIBE, 0, 9, new byte[0], new byte[0])};
        for (final byte[] frame : accepted)
        {
            assertThat(refusal(frame)).isNull();
            appFrame(withOffset(frame));
        }
        final byte[][] refused = {
            new byte[7],
            encode(0x81, 7, 1, new byte[0], new byte[0]),
            encode(AppFrameDescriptor.TYPE_PUBLISH, 0xFF00, 1, new byte[0], new byte[0]),
            encode(AppFrameDescriptor.TYPE_SUBSCRIBE, 1, 0, new byte[0], new byte[] {0}),
            encode(AppFrameDescriptor.TYPE_SEND, 7, 0, new byte[] {'a', 'b'}, new byte[0])};
        for (final byte[] frame : refused)
        {
            assertThat(refusal(frame)).isNotNull();
            appFrame(withOffset(frame));
        }
    }

    private static byte[] withOffset(final byte[] frame)
    {
        final byte[] input = new byte[frame.length + 1];
        input[0] = 3;
        System.arraycopy(frame, 0, input, 1, frame.length);
        return input;
    }
}
