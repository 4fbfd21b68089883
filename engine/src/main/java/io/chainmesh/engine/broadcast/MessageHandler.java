package io.chainmesh.engine.broadcast;

import org.agrona.DirectBuffer;

/**
 * Receives broadcast messages of one topic.
 * <p>
 * Called on the pipeline's commit thread ({@code chainmesh-commit-<node>}), in batch order per
 * origin. It must not block and must not keep a reference to {@code buffer}: the bytes are valid
 * only during the call. A slow handler slows the whole node's delivery, which eventually makes
 * {@code offer} report back pressure; that is the intended signal, nothing is dropped.
 */
@FunctionalInterface
public interface MessageHandler
{
    /**
     * @param originId the origin's 8-byte id (see {@code MemberId.originId()}).
     * @param topic    the message's topic.
     * @param buffer   buffer holding the message.
     * @param offset   where it starts.
     * @param length   its length.
     */
    void onMessage(long originId, int topic, DirectBuffer buffer, int offset, int length);
}
