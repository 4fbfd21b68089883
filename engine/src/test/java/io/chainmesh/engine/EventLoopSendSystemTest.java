package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.chain.MemberId;
import io.chainmesh.engine.transport.Link;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code send} on the link's own IO thread (a task on {@link ChainmeshNode#linkExecutor}) skips the ring:
 * it must deliver everything, in order, under back-pressure, keep each thread's order when mixed with
 * caller-thread sends to the same link, and count what a closing link never wrote.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventLoopSendSystemTest
{
    /** Payload: u32 sender tag, u64 sequence, padding. */
    private static final int LENGTH = 100;

    /** Sends {@code count} tagged messages from a task on the link's event loop, retrying when back-pressured. */
    private static final class LoopProducer implements Runnable
    {
        final ChainmeshNode node;
        final MemberId destination;
        final ScheduledExecutorService loop;
        final int tag;
        final long count;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LENGTH]);
        final CompletableFuture<Void> done = new CompletableFuture<>();
        long sent;
        long backPressured;
        volatile Throwable failure;

        LoopProducer(final ChainmeshNode node, final MemberId destination, final int tag, final long count)
        {
            this.node = node;
            this.destination = destination;
            this.loop = node.linkExecutor(destination);
            this.tag = tag;
            this.count = count;
        }

        @Override
        public void run()
        {
            try
            {
                for (int i = 0; i < 500 && sent < count; i++)
                {
                    buffer.putInt(0, tag);
                    buffer.putLong(4, sent);
                    final long status = node.send(destination, buffer, 0, LENGTH);
                    if (status == Status.BACK_PRESSURED)
                    {
                        backPressured++;
                        assertThat(node.whenWritable(destination, this)).isTrue();
                        return;
                    }
                    assertThat(status).isEqualTo(Status.OK);
                    sent++;
                }
                if (sent < count)
                {
                    loop.execute(this);
                }
                else
                {
                    done.complete(null);
                }
            }
            catch (final Throwable t)
            {
                failure = t;
                done.completeExceptionally(t);
            }
        }
    }

    /** Counts deliveries per sender tag and any message that is not the next one of its tag. */
    private static final class OrderCheck
    {
        final AtomicLongArray next = new AtomicLongArray(2);
        final AtomicLong outOfOrder = new AtomicLong();
        final AtomicLong delivered = new AtomicLong();

        void onMessage(final org.agrona.DirectBuffer buffer, final int offset, final int length)
        {
            final int tag = buffer.getInt(offset);
            final long sequence = buffer.getLong(offset + 4);
            if (length != LENGTH || tag < 0 || tag > 1 || sequence != next.get(tag))
            {
                outOfOrder.incrementAndGet();
            }
            else
            {
                next.lazySet(tag, sequence + 1);
            }
            delivered.lazySet(delivered.get() + 1);
        }
    }

    @Test
    void shouldDeliverEverySendFromTheLinksEventLoopInOrderUnderBackPressure() throws Exception
    {
        final int count = 100_000;
        final OrderCheck check = new OrderCheck();
        try (Cluster cluster = new Cluster(2, 2, ctx -> ctx.peerOutboundBudget(64 * 1024)
            .directHandler((source, buffer, offset, length) -> check.onMessage(buffer, offset, length))))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until("topology", 10_000, () -> cluster.formsTopology(snapshot, 2));
            final ChainmeshNode a = cluster.nodes.get(0);
            final LoopProducer producer = new LoopProducer(a, cluster.nodes.get(1).member(), 0, count);
            assertThat(producer.loop).isSameAs(a.linkForTest(producer.destination).eventLoop());
            producer.loop.execute(producer);
            producer.done.get(30, TimeUnit.SECONDS);

            Await.until(() -> "all delivered: " + check.delivered.get(), 20_000, () -> check.delivered.get() == count);
            assertThat(check.outOfOrder.get()).isZero();
            assertThat(check.next.get(0)).isEqualTo(count);
            Await.until("sent counted", 5_000, () -> a.counters().directSent().get() == count);
            assertThat(a.counters().directRefused(EngineCounters.DirectRefusal.BACK_PRESSURED).get())
                .isEqualTo(producer.backPressured);
        }
    }

    @Test
    void shouldKeepEachThreadsOrderWhenCallerThreadAndEventLoopSendOverOneLink() throws Exception
    {
        final int count = 50_000;
        final OrderCheck check = new OrderCheck();
        try (Cluster cluster = new Cluster(2, 2, ctx -> ctx.peerOutboundBudget(64 * 1024)
            .directHandler((source, buffer, offset, length) -> check.onMessage(buffer, offset, length))))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until("topology", 10_000, () -> cluster.formsTopology(snapshot, 2));
            final ChainmeshNode a = cluster.nodes.get(0);
            final MemberId b = cluster.nodes.get(1).member();
            final LoopProducer onLoop = new LoopProducer(a, b, 1, count);
            onLoop.loop.execute(onLoop);
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LENGTH]);
            for (long i = 0; i < count; i++)
            {
                buffer.putInt(0, 0);
                buffer.putLong(4, i);
                long status;
                while ((status = a.send(b, buffer, 0, LENGTH)) == Status.BACK_PRESSURED)
                {
                    Thread.yield();
                }
                assertThat(status).isEqualTo(Status.OK);
            }
            onLoop.done.get(30, TimeUnit.SECONDS);

            Await.until(() -> "all delivered: " + check.delivered.get(), 20_000,
                () -> check.delivered.get() == 2L * count);
            assertThat(check.outOfOrder.get()).isZero();
            assertThat(check.next.get(0)).isEqualTo(count);
            assertThat(check.next.get(1)).isEqualTo(count);
            Await.until("sent counted", 5_000, () -> a.counters().directSent().get() == 2L * count);
        }
    }

    @Test
    void shouldCountFramesAppendedOnTheEventLoopAsLinkClosedWhenTheLinkClosesBeforeTheyAreWritten() throws Exception
    {
        final OrderCheck check = new OrderCheck();
        try (Cluster cluster = new Cluster(2, 1, ctx -> ctx
            .directHandler((source, buffer, offset, length) -> check.onMessage(buffer, offset, length))))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until("topology", 10_000, () -> cluster.formsTopology(snapshot, 2));
            final ChainmeshNode a = cluster.nodes.get(0);
            final MemberId b = cluster.nodes.get(1).member();
            final Link link = a.linkForTest(b);
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LENGTH]);
            final CompletableFuture<Long> sent = new CompletableFuture<>();
            link.eventLoop().execute(() ->
            {
                // All in one task: the frames sit in the outbound buffer (the flush would run after this task)
                // when the close writes CLOSE and closes the channel.
                long ok = 0;
                for (int i = 0; i < 3; i++)
                {
                    buffer.putInt(0, 0);
                    buffer.putLong(4, i);
                    ok += a.send(b, buffer, 0, LENGTH) == Status.OK ? 1 : 0;
                }
                // A close that writes nothing more (an orderly one would write them before its CLOSE).
                link.close(CloseReason.HEARTBEAT_TIMEOUT, "test");
                sent.complete(ok);
            });
            assertThat(sent.get(10, TimeUnit.SECONDS)).isEqualTo(3);
            Await.until(() -> "LINK_CLOSED counted: " +
                    a.counters().directRefused(EngineCounters.DirectRefusal.LINK_CLOSED).get(), 10_000,
                () -> a.counters().directRefused(EngineCounters.DirectRefusal.LINK_CLOSED).get() == 3);
            assertThat(check.delivered.get()).isZero();
            assertThat(a.counters().directSent().get()).isZero();
        }
    }
}
