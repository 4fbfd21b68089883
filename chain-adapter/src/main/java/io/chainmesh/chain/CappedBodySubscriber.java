package io.chainmesh.chain;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects an HTTP response body into a byte array but never holds more than {@code limit} bytes: a
 * body whose declared {@code Content-Length} is over the limit is refused before reading, and a body
 * that grows past it is cancelled mid-stream. Either way the body completes with a
 * {@link ChainDataException} of kind {@link ChainDataException.Kind#OVERSIZED}.
 * <p>
 * Driven by the HTTP client's threads one signal at a time (reactive-streams rules), so the
 * fields need no locking.
 */
final class CappedBodySubscriber implements HttpResponse.BodySubscriber<byte[]>
{
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final int limit;
    private final long declaredLength;
    private final String source;
    private Flow.Subscription subscription;
    private byte[] buffer = new byte[1024];
    private int size;
    private boolean done;

    CappedBodySubscriber(final int limit, final long declaredLength, final String source)
    {
        this.limit = limit;
        this.declaredLength = declaredLength;
        this.source = source;
    }

    /**
     * @param limit  the cap in bytes.
     * @param source named in error messages (e.g. the URI).
     * @return a handler that checks the declared length then reads with the cap.
     */
    static HttpResponse.BodyHandler<byte[]> handler(final int limit, final String source)
    {
        return info -> new CappedBodySubscriber(limit, info.headers().firstValueAsLong("content-length").orElse(-1), source);
    }

    @Override
    public CompletionStage<byte[]> getBody()
    {
        return result;
    }

    @Override
    public void onSubscribe(final Flow.Subscription subscription)
    {
        this.subscription = subscription;
        if (declaredLength > limit)
        {
            fail("declared Content-Length " + declaredLength);
            return;
        }
        subscription.request(1);
    }

    @Override
    public void onNext(final List<ByteBuffer> items)
    {
        if (done)
        {
            return;
        }
        for (final ByteBuffer item : items)
        {
            final int remaining = item.remaining();
            if ((long)size + remaining > limit)
            {
                fail("body of more than " + limit + " bytes");
                return;
            }
            if (size + remaining > buffer.length)
            {
                buffer = Arrays.copyOf(buffer, (int)Math.min(limit, Math.max((long)buffer.length * 2, (long)size + remaining)));
            }
            item.get(buffer, size, remaining);
            size += remaining;
        }
        subscription.request(1);
    }

    @Override
    public void onError(final Throwable throwable)
    {
        if (!done)
        {
            done = true;
            result.completeExceptionally(throwable);
        }
    }

    @Override
    public void onComplete()
    {
        if (!done)
        {
            done = true;
            result.complete(Arrays.copyOf(buffer, size));
        }
    }

    private void fail(final String what)
    {
        done = true;
        buffer = null;
        subscription.cancel();
        result.completeExceptionally(new ChainDataException(ChainDataException.Kind.OVERSIZED,
            "response " + what + " exceeds limit " + limit + " bytes from " + source));
    }
}
