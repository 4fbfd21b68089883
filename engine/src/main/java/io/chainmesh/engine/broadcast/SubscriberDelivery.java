package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.batch.BatchDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.function.Supplier;

/**
 * Hands each message of a committed batch to its topic's subscriber, on the commit thread. A subscriber
 * that throws is counted and reported; the others still get their messages.
 */
final class SubscriberDelivery
{
    private final Supplier<Int2ObjectHashMap<MessageHandler>> handlers;
    private final BroadcastCounters counters;
    private final ErrorHandler errorHandler;
    private final BatchDecoder decoder = new BatchDecoder();

    SubscriberDelivery(
        final Supplier<Int2ObjectHashMap<MessageHandler>> handlers,
        final BroadcastCounters counters,
        final ErrorHandler errorHandler)
    {
        this.handlers = handlers;
        this.counters = counters;
        this.errorHandler = errorHandler;
    }

    /**
     * @param frame  a BATCH frame the verify stage has validated and verified (its entries are not walked
     *               again before they are delivered).
     * @param length its length.
     */
    void deliver(final DirectBuffer frame, final int length)
    {
        final Int2ObjectHashMap<MessageHandler> byTopic = handlers.get();
        decoder.wrapValidated(frame, 0, length);
        final long originId = decoder.originId();
        int delivered = 0;
        // A batch mostly carries one topic: its handler is looked up once per run of that topic.
        int topic = -1;
        MessageHandler handler = null;
        while (decoder.nextEntry())
        {
            final int entryTopic = decoder.entryTopic();
            if (entryTopic != topic)
            {
                topic = entryTopic;
                handler = byTopic.get(entryTopic);
            }
            if (null != handler)
            {
                try
                {
                    handler.onMessage(originId, entryTopic, frame, decoder.entryOffset(), decoder.entryLength());
                    delivered++;
                }
                catch (final RuntimeException ex)
                {
                    counters.handlerErrors.incrementRelease();
                    errorHandler.onError(ex);
                }
            }
        }
        counters.messagesDelivered.getAndAddRelease(delivered);
    }
}
