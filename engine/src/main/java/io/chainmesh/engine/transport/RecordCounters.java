package io.chainmesh.engine.transport;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * Counters of the record layer, in the node's {@link CountersManager}. Written by IO threads with atomic
 * adds (each link's IO thread publishes its own records).
 */
public final class RecordCounters
{
    /** Why a received record closed its link. */
    public enum Failure
    {
        /** The AEAD tag did not verify: tampered, truncated, replayed, reordered or forged. */
        AUTHENTICATION,
        /** Not a record, unknown flags, or a length outside the record limits. */
        MALFORMED,
        /** The stream ended inside a record. */
        TRUNCATED
    }

    private final AtomicCounter recordsSealed;
    private final AtomicCounter recordsOpened;
    private final AtomicCounter rekeysSent;
    private final AtomicCounter rekeysReceived;
    private final AtomicCounter[] failures = new AtomicCounter[Failure.values().length];

    /**
     * @param manager where to allocate the counters.
     * @param typeId  counter type id.
     */
    public RecordCounters(final CountersManager manager, final int typeId)
    {
        recordsSealed = manager.newCounter("records sealed", typeId);
        recordsOpened = manager.newCounter("records opened", typeId);
        rekeysSent = manager.newCounter("record rekeys sent", typeId);
        rekeysReceived = manager.newCounter("record rekeys received", typeId);
        for (final Failure failure : Failure.values())
        {
            failures[failure.ordinal()] = manager.newCounter("record failures " + failure, typeId);
        }
    }

    /** @return records sealed and written. */
    public AtomicCounter recordsSealed()
    {
        return recordsSealed;
    }

    /** @return records opened (tag verified) and passed on. */
    public AtomicCounter recordsOpened()
    {
        return recordsOpened;
    }

    /** @return key updates this node made in what it sends. */
    public AtomicCounter rekeysSent()
    {
        return rekeysSent;
    }

    /** @return key updates followed in what peers sent. */
    public AtomicCounter rekeysReceived()
    {
        return rekeysReceived;
    }

    /**
     * @param failure why.
     * @return links closed for it.
     */
    public AtomicCounter failures(final Failure failure)
    {
        return failures[failure.ordinal()];
    }
}
