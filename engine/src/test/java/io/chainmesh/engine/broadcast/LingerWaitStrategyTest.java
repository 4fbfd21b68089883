package io.chainmesh.engine.broadcast;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import org.agrona.concurrent.NanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lingering batcher's wait, on a clock the test moves (the sleeps between looks are 1 ns). */
class LingerWaitStrategyTest
{
    private static final int RING_SIZE = 16;
    private static final long MS = 1_000_000;
    /** With this linger a slice is 1 ns: the real sleeps are nothing, the test's clock is what moves. */
    private static final long LINGER = 4;

    private final TestClock clock = new TestClock();
    private long deadline = LingerWaitStrategy.NO_BATCH_OPEN;
    private final LingerWaitStrategy strategy = new LingerWaitStrategy(() -> deadline, clock, LINGER, RING_SIZE);
    private final RingBuffer<long[]> ring = RingBuffer.createMultiProducer(() -> new long[1], RING_SIZE, strategy);
    private final SequenceBarrier barrier = ring.newBarrier();
    private final ExecutorService waiter = Executors.newSingleThreadExecutor();

    @AfterEach
    void tearDown()
    {
        waiter.shutdownNow();
    }

    private void publish(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            ring.publish(ring.next());
        }
    }

    @Test
    void shouldTimeOutAtTheDeadlineWhenNothingMoreWasOffered()
    {
        deadline = clock.now - 1;

        assertThatThrownBy(() -> barrier.waitFor(0)).isInstanceOf(TimeoutException.class);
    }

    @Test
    void shouldSleepThroughOffersUntilTheDeadlineThenHandThemOver() throws Exception
    {
        clock.step = MS;
        deadline = clock.now + 10 * MS;
        publish(RING_SIZE / 4 - 1);

        assertThat(barrier.waitFor(0)).isEqualTo(RING_SIZE / 4 - 2);
        assertThat(clock.now).as("returned only once the linger was up").isGreaterThanOrEqualTo(deadline);
        assertThat(clock.reads).as("looked once per slice, not once per offer").isBetween(10L, 12L);
    }

    @Test
    void shouldComeBackBeforeTheDeadlineOnceAQuarterOfTheRingWaits() throws Exception
    {
        clock.failAfterReads = 4;
        deadline = clock.now + TimeUnit.HOURS.toNanos(1);
        publish(RING_SIZE / 4);

        assertThat(barrier.waitFor(0)).isEqualTo(RING_SIZE / 4 - 1);
        assertThat(clock.now).isLessThan(deadline);
    }

    @Test
    void shouldBeWokenByTheOfferThatMakesAQuarterOfTheRingWaitAndNotBefore() throws Exception
    {
        // Slices of an hour: only an offer can end this sleep within the test's patience.
        final LingerWaitStrategy longSleeper = new LingerWaitStrategy(() -> deadline, clock, RING_SIZE,
            TimeUnit.HOURS.toNanos(1));
        final RingBuffer<long[]> longRing = RingBuffer.createMultiProducer(() -> new long[1], RING_SIZE, longSleeper);
        final SequenceBarrier longBarrier = longRing.newBarrier();
        deadline = clock.now + TimeUnit.HOURS.toNanos(2);
        final Future<Long> available = waiter.submit(() -> longBarrier.waitFor(0));
        for (int i = 0; i < RING_SIZE / 4 - 1; i++)
        {
            longRing.publish(longRing.next());
        }
        assertThat(available.isDone()).as("fewer than a quarter of the ring waiting").isFalse();

        longRing.publish(longRing.next());

        assertThat(available.get(30, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(RING_SIZE / 4 - 1);
    }

    @Test
    void shouldBlockWithNoBatchOpenUntilTheFirstOfferWakesIt() throws Exception
    {
        final CompletableFuture<Void> waiting = new CompletableFuture<>();
        final Future<Long> available = waiter.submit(() ->
        {
            waiting.complete(null);
            return barrier.waitFor(0);
        });
        waiting.get(30, TimeUnit.SECONDS);
        assertThat(available.isDone()).as("nothing offered yet").isFalse();

        publish(1);

        assertThat(available.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(clock.reads).as("an idle wait needs no clock").isZero();
    }

    @Test
    void shouldStopWaitingWhenAlertedWhetherIdleOrLingering() throws Exception
    {
        final Future<Long> idle = waiter.submit(() -> barrier.waitFor(0));
        barrier.alert();
        assertThatThrownBy(() -> idle.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(AlertException.class);

        deadline = clock.now + TimeUnit.HOURS.toNanos(1);
        clock.failAfterReads = 4;
        assertThatThrownBy(() -> barrier.waitFor(0)).isInstanceOf(AlertException.class);
    }

    private static final class TestClock implements NanoClock
    {
        long now = 1_000 * MS;
        long step;
        long reads;
        long failAfterReads = Long.MAX_VALUE;

        @Override
        public long nanoTime()
        {
            if (++reads > failAfterReads)
            {
                throw new AssertionError("the clock was read " + reads + " times: the wait did not end");
            }
            final long t = now;
            now += step;
            return t;
        }
    }
}
