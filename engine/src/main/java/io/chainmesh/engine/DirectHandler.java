package io.chainmesh.engine;

import io.chainmesh.chain.MemberId;
import org.agrona.DirectBuffer;

/**
 * Receives direct messages addressed to this node.
 * <p>
 * Called on the Netty IO thread of the link the message arrived on (one of
 * {@link ChainmeshNode.Context#ioThreads()} threads), so it must not block and should return
 * quickly: while it runs, that IO thread reads nothing else. The buffer is only valid during the call;
 * copy what you need to keep.
 */
@FunctionalInterface
public interface DirectHandler
{
    /**
     * @param source the member that sent the message (authenticated by the link it came over).
     * @param buffer holds the payload; valid only during this call.
     * @param offset where the payload starts.
     * @param length payload length in bytes.
     */
    void onMessage(MemberId source, DirectBuffer buffer, int offset, int length);
}
