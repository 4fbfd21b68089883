package io.chainmesh.engine.transport;

import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The frames a {@link Link} handed over in pooled buffers of their own and has not written yet: a table of slots,
 * whose index travels in the link's ring in the frame's place, and the bytes they hold, which count against the
 * link's budget together with the ring's.
 * <p>
 * Thread ownership: producers (any thread) fill empty slots; the link's IO thread, or the sweep of a closed link,
 * takes buffers out with {@code getAndSet}, and whoever takes a buffer out owns it, so each is written or released
 * exactly once. {@link #closeAndReleaseAll()} marks the table closed before it sweeps, and a producer reads
 * {@link #closed()} after filling its slot: each side writes one volatile and then reads the other's, so at least
 * one of them sees the other's buffer and none is leaked.
 */
final class HandedOverFrames
{
    private final AtomicReferenceArray<ByteBuf> slots;
    private final AtomicInteger nextSlot = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param budgetBytes the link's budget: a slot for each smallest frame it holds, and some for producers racing
     *                    past the budget check, so the budget, not the table, bounds the link.
     */
    HandedOverFrames(final int budgetBytes)
    {
        slots = new AtomicReferenceArray<>(
            BitUtil.findNextPositivePowerOfTwo(budgetBytes / Link.HAND_OVER_MIN_BYTES + 8));
    }

    /** @return bytes held in handed-over buffers not yet taken out. */
    long bytes()
    {
        return bytes.get();
    }

    /**
     * @param length    a frame about to be queued in the ring.
     * @param ringBytes bytes the ring holds now.
     * @param budget    the link's budget.
     * @return true if the frame would take the ring's bytes and the handed-over ones past the budget. One volatile
     *         read while nothing is handed over.
     */
    boolean wouldExceed(final int length, final int ringBytes, final int budget)
    {
        final long handed = bytes.get();
        return handed > 0 && handed + ringBytes + length > budget;
    }

    /**
     * Counts a frame about to be handed over, unless that would take the link past its budget.
     *
     * @return true if counted; the caller then either {@link #put}s its buffer or calls {@link #unreserve}.
     */
    boolean reserve(final int length, final int ringBytes, final int budget)
    {
        if (bytes.addAndGet(length) + ringBytes > budget)
        {
            bytes.addAndGet(-length);
            return false;
        }
        return true;
    }

    /** Gives back what {@link #reserve} counted for a frame that was not handed over after all. */
    void unreserve(final int length)
    {
        bytes.addAndGet(-length);
    }

    /**
     * @return a pooled direct copy of the frame, or null if none can be had (no memory address, or direct memory
     *         exhausted): the caller then copies it into the ring instead.
     */
    static ByteBuf copyOf(final ByteBufAllocator alloc, final DirectBuffer frame, final int offset, final int length)
    {
        final ByteBuf copy;
        try
        {
            copy = alloc.directBuffer(length, length);
        }
        catch (final OutOfMemoryError ex)
        {
            return null;
        }
        if (!copy.hasMemoryAddress())
        {
            copy.release();
            return null;
        }
        UnsafeApi.copyMemory(frame.byteArray(), frame.addressOffset() + offset, null, copy.memoryAddress(), length);
        copy.writerIndex(length);
        return copy;
    }

    /** @return the slot the buffer now sits in, or -1 if every slot tried was taken. */
    int put(final ByteBuf frame)
    {
        final int count = slots.length();
        for (int attempt = 0; attempt < count; attempt++)
        {
            final int slot = nextSlot.getAndIncrement() & (count - 1);
            if (slots.compareAndSet(slot, null, frame))
            {
                return slot;
            }
        }
        return -1;
    }

    /**
     * @param slot a slot index read from the ring.
     * @return the buffer in it, now the caller's, or null if the sweep of a closed link released it.
     */
    ByteBuf take(final int slot)
    {
        final ByteBuf frame = slots.getAndSet(slot, null);
        if (null != frame)
        {
            bytes.addAndGet(-frame.readableBytes());
        }
        return frame;
    }

    /** @return true once {@link #closeAndReleaseAll()} ran: a buffer put after that must be swept again. */
    boolean closed()
    {
        return closed;
    }

    /**
     * Marks the table closed and releases every buffer in it.
     *
     * @return DIRECT frames among them (relayed direct messages), for the link's count of those it dropped.
     */
    int closeAndReleaseAll()
    {
        closed = true;
        int direct = 0;
        for (int slot = 0; slot < slots.length(); slot++)
        {
            final ByteBuf frame = take(slot);
            if (null != frame)
            {
                direct += isDirect(frame) ? 1 : 0;
                frame.release();
            }
        }
        return direct;
    }

    private static boolean isDirect(final ByteBuf frame)
    {
        return frame.readableBytes() > FrameDescriptor.TYPE_OFFSET &&
            frame.getUnsignedByte(frame.readerIndex() + FrameDescriptor.TYPE_OFFSET) == FrameType.DIRECT;
    }
}
