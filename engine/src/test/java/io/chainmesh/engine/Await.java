package io.chainmesh.engine;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polls a condition until it holds or a deadline passes (no sleeping as synchronisation: the poll
 * period only bounds CPU use while waiting).
 */
public final class Await
{
    private Await()
    {
    }

    /**
     * @param what      description for the failure message.
     * @param timeoutMs deadline.
     * @param condition what must become true.
     */
    public static void until(final String what, final long timeoutMs, final BooleanSupplier condition)
    {
        until(() -> what, timeoutMs, condition);
    }

    /**
     * @param what      lazily built description for the failure message.
     * @param timeoutMs deadline.
     * @param condition what must become true.
     */
    public static void until(final Supplier<String> what, final long timeoutMs, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what.get());
            }
            Thread.onSpinWait();
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", ex);
            }
        }
    }
}
