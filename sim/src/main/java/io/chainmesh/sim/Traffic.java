package io.chainmesh.sim;

import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import org.agrona.DirectBuffer;

/**
 * Frames and bytes each member sent, by kind: batches first-hand or forwarded, batches resent as repair
 * (FLAG_REPAIR: WANT answers and owed forwards), digests, WANTs, WANT_MISS and heartbeats (PING/PONG).
 * Frame bytes only: no TCP/IP or record-layer overhead.
 */
final class Traffic
{
    static final int DATA = 0;
    static final int REPAIR = 1;
    static final int DIGEST = 2;
    static final int WANT = 3;
    static final int WANT_MISS = 4;
    static final int HEARTBEAT = 5;
    static final int OTHER = 6;
    static final String[] NAMES = {"data", "repair", "digest", "want", "want_miss", "heartbeat", "other"};

    final long[][] bytes;
    final long[][] frames;

    Traffic(final int members)
    {
        bytes = new long[NAMES.length][members];
        frames = new long[NAMES.length][members];
    }

    static int kindOf(final DirectBuffer frame, final int offset, final int length)
    {
        if (length <= FrameDescriptor.TYPE_OFFSET)
        {
            return OTHER;
        }
        switch (frame.getByte(offset + FrameDescriptor.TYPE_OFFSET) & 0xFF)
        {
            case FrameType.BATCH:
                return (frame.getByte(offset + FrameDescriptor.FLAGS_OFFSET) & BatchDescriptor.FLAG_REPAIR) != 0 ?
                    REPAIR : DATA;
            case FrameType.DIGEST:
                return DIGEST;
            case FrameType.WANT:
                return WANT;
            case FrameType.WANT_MISS:
                return WANT_MISS;
            default:
                return OTHER;
        }
    }

    void count(final int kind, final int member, final int length)
    {
        bytes[kind][member] += length;
        frames[kind][member]++;
    }

    long total(final int kind, final boolean ofBytes)
    {
        long sum = 0;
        for (final long value : (ofBytes ? bytes : frames)[kind])
        {
            sum += value;
        }
        return sum;
    }

    long max(final int kind)
    {
        long max = 0;
        for (final long value : bytes[kind])
        {
            max = Math.max(max, value);
        }
        return max;
    }
}
