package io.chainmesh.sim;

import java.util.Arrays;

/**
 * The discrete-event scheduler: events ordered by simulated time, ties by the order they were scheduled, so a
 * run is one total order that depends on nothing but its inputs. A binary heap of slot indices over parallel
 * arrays (no object per event beyond an optional payload); slots are recycled.
 */
final class EventQueue
{
    private long[] time = new long[1024];
    private long[] order = new long[1024];
    private int[] kind = new int[1024];
    private int[] node = new int[1024];
    private int[] arg = new int[1024];
    private Object[] payload = new Object[1024];
    private int[] heap = new int[1024];
    private int[] free = new int[1024];
    private int size;
    private int freeCount;
    private int slots;
    private long scheduled;

    private long currentTime;
    private int currentKind;
    private int currentNode;
    private int currentArg;
    private Object currentPayload;

    /**
     * @param at      simulated time in nanoseconds.
     * @param kind    what happens.
     * @param node    the member it happens to.
     * @param arg     a detail of the kind.
     * @param payload an object the kind carries, or null.
     */
    void schedule(final long at, final int kind, final int node, final int arg, final Object payload)
    {
        final int slot = freeCount > 0 ? free[--freeCount] : newSlot();
        time[slot] = at;
        order[slot] = scheduled++;
        this.kind[slot] = kind;
        this.node[slot] = node;
        this.arg[slot] = arg;
        this.payload[slot] = payload;
        if (size == heap.length)
        {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = slot;
        siftUp(size++);
    }

    /** @return false when empty; else the earliest event is now current. */
    boolean poll()
    {
        if (size == 0)
        {
            return false;
        }
        final int slot = heap[0];
        heap[0] = heap[--size];
        if (size > 0)
        {
            siftDown(0);
        }
        currentTime = time[slot];
        currentKind = kind[slot];
        currentNode = node[slot];
        currentArg = arg[slot];
        currentPayload = payload[slot];
        payload[slot] = null;
        if (freeCount == free.length)
        {
            free = Arrays.copyOf(free, freeCount * 2);
        }
        free[freeCount++] = slot;
        return true;
    }

    /** @return the time of the earliest event, or {@link Long#MAX_VALUE} when empty. */
    long peekTime()
    {
        return size == 0 ? Long.MAX_VALUE : time[heap[0]];
    }

    long time()
    {
        return currentTime;
    }

    int kind()
    {
        return currentKind;
    }

    int node()
    {
        return currentNode;
    }

    int arg()
    {
        return currentArg;
    }

    Object payload()
    {
        return currentPayload;
    }

    int size()
    {
        return size;
    }

    /** @return events scheduled so far (the run's event count). */
    long scheduled()
    {
        return scheduled;
    }

    private int newSlot()
    {
        if (slots == time.length)
        {
            final int capacity = slots * 2;
            time = Arrays.copyOf(time, capacity);
            order = Arrays.copyOf(order, capacity);
            kind = Arrays.copyOf(kind, capacity);
            node = Arrays.copyOf(node, capacity);
            arg = Arrays.copyOf(arg, capacity);
            payload = Arrays.copyOf(payload, capacity);
        }
        return slots++;
    }

    private boolean before(final int a, final int b)
    {
        return time[a] < time[b] || (time[a] == time[b] && order[a] < order[b]);
    }

    private void siftUp(final int from)
    {
        int i = from;
        final int slot = heap[i];
        while (i > 0)
        {
            final int parent = (i - 1) >>> 1;
            if (!before(slot, heap[parent]))
            {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = slot;
    }

    private void siftDown(final int from)
    {
        int i = from;
        final int slot = heap[i];
        final int half = size >>> 1;
        while (i < half)
        {
            int child = 2 * i + 1;
            if (child + 1 < size && before(heap[child + 1], heap[child]))
            {
                child++;
            }
            if (!before(heap[child], slot))
            {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = slot;
    }
}
