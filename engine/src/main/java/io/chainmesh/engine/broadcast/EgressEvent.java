package io.chainmesh.engine.broadcast;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A slot of the egress ring: one message offered by the application, waiting for the batcher.
 * Its buffer is preallocated at the maximum message length.
 */
final class EgressEvent
{
    final UnsafeBuffer buffer;
    int topic;
    int length;

    EgressEvent(final int maxMessageLength)
    {
        buffer = new UnsafeBuffer(new byte[maxMessageLength]);
    }
}
