package io.chainmesh.engine.broadcast;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A slot of the ingress ring: one frame copied in by the producer (an IO thread, the batcher or the
 * tick timer), checked by a verify worker, then handled by the commit stage. The slot's buffer grows
 * to the largest frame it has held (bounded by the maximum frame length) and is reused, so the
 * steady state allocates nothing.
 */
final class IngressEvent
{
    static final int REMOTE_BATCH = 1;
    static final int LOCAL_BATCH = 2;
    static final int CONTROL = 3;
    static final int TICK = 4;

    static final int VALID = 0;
    static final int MALFORMED = 1;
    static final int NOT_A_MEMBER = 2;
    static final int FORGED = 3;
    static final int TOO_OLD = 4;
    static final int FROM_THE_FUTURE = 5;
    /** Committed already (seen by the verify worker in the commit stage's window): not verified. */
    static final int KNOWN_DUPLICATE = 6;

    int kind;
    MemberId from;
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
    int length;
    Member origin;
    /** The origin's ring index in {@link #directory}, set with {@link #origin} by the verify stage (-1: none). */
    int originIndex = -1;
    /** The directory snapshot the verify stage found the origin in. */
    DirectorySnapshot directory;
    int verdict;

    void ensureCapacity(final int capacity)
    {
        if (buffer.capacity() < capacity)
        {
            buffer = new UnsafeBuffer(new byte[BitUtil.findNextPositivePowerOfTwo(capacity)]);
        }
    }

    void clear()
    {
        from = null;
        origin = null;
        originIndex = -1;
        directory = null;
        verdict = VALID;
        length = 0;
    }
}
