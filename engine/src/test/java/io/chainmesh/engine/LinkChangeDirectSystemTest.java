package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.InMemoryDirectorySource;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.crypto.NodeKey;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ThreadPerTaskExecutor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Direct messages around the moments a link changes: read before the link is registered, queued on a link
 * replaced as a duplicate or closed with messages in it. Nothing an embedder sends is lost without a count.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LinkChangeDirectSystemTest
{
    private static final int REQUESTS = 5;

    /**
     * A group whose first {@code next()} (the node's conductor) is one event loop and every later one (every
     * channel) the other, so a test can hold the conductor while the links keep reading.
     */
    private static EventLoopGroup conductorApartGroup(final String name)
    {
        return new MultiThreadIoEventLoopGroup(2, new ThreadPerTaskExecutor(new DefaultThreadFactory(name, true)),
            executors -> new io.netty.util.concurrent.EventExecutorChooserFactory.EventExecutorChooser()
            {
                private final AtomicBoolean conductorChosen = new AtomicBoolean();

                @Override
                public EventExecutor next()
                {
                    return conductorChosen.getAndSet(true) ? executors[1] : executors[0];
                }
            },
            NioIoHandler.newFactory());
    }

    private static ChainmeshNode.Context context(final NodeKey key, final InMemoryDirectorySource directory)
    {
        return new ChainmeshNode.Context()
            .nodeKey(key)
            .member(TestDirectory.memberIdOf(key))
            .directorySource(directory)
            .transport(Transport.NIO)
            .bindAddress(new InetSocketAddress("127.0.0.1", 0))
            // No PING while the test counts the frames the responder has read.
            .heartbeatIntervalNs(TimeUnit.SECONDS.toNanos(30));
    }

    @Test
    void shouldAnswerRequestsReadBeforeTheLinkIsRegistered() throws Exception
    {
        final List<NodeKey> keys = TestDirectory.keys(2);
        final InMemoryDirectorySource directory = new InMemoryDirectorySource(DirectorySnapshot.empty());
        final EventLoopGroup responderGroup = conductorApartGroup("responder-io");
        final AtomicLong answers = new AtomicLong();
        final AtomicLong refusedReplies = new AtomicLong();
        final ChainmeshNode[] responderHolder = new ChainmeshNode[1];
        final UnsafeBuffer reply = new UnsafeBuffer(new byte[8]);
        final CountDownLatch conductorHeld = new CountDownLatch(1);
        final CountDownLatch releaseConductor = new CountDownLatch(1);
        try (ChainmeshNode responder = ChainmeshNode.launch(context(keys.get(1), directory)
                .eventLoopGroup(responderGroup)
                .directHandler((from, buffer, offset, length) ->
                {
                    reply.putLong(0, buffer.getLong(offset));
                    if (responderHolder[0].send(from, reply, 0, 8) != Status.OK)
                    {
                        refusedReplies.incrementAndGet();
                    }
                }));
            ChainmeshNode requester = ChainmeshNode.launch(context(keys.get(0), directory)
                .directHandler((from, buffer, offset, length) -> answers.incrementAndGet())))
        {
            responderHolder[0] = responder;
            directory.publish(DirectorySnapshot.of(1, List.of(
                TestDirectory.member(keys.get(0), requester.localAddress().getPort(), 0),
                TestDirectory.member(keys.get(1), responder.localAddress().getPort(), 1))));
            // Queued behind the snapshot (published on this thread): the responder knows the requester, dials it or
            // accepts its dial, and authenticates the link on its other event loop, but cannot register it yet.
            // The group's first event loop is the conductor (see conductorApartGroup).
            responderGroup.iterator().next().execute(() ->
            {
                conductorHeld.countDown();
                try
                {
                    releaseConductor.await();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            });
            try
            {
                assertThat(conductorHeld.await(10, TimeUnit.SECONDS)).isTrue();
                final MemberId responderId = responder.member();
                Await.until("the requester's link registered", 10_000,
                    () -> null != requester.linkForTest(responderId));
                final UnsafeBuffer request = new UnsafeBuffer(new byte[8]);
                for (int i = 0; i < REQUESTS; i++)
                {
                    request.putLong(0, i);
                    assertThat(requester.send(responderId, request, 0, 8)).isEqualTo(Status.OK);
                }
                // HELLO and AUTH, then the requests (and whatever else the requester sent by then).
                Await.until(() -> "the responder read the requests: frames in " + responder.counters().framesIn().get(),
                    10_000, () -> requester.counters().directSent().get() == REQUESTS &&
                    responder.counters().framesIn().get() >= 2 + REQUESTS);
                assertThat(responder.peers()).as("not registered yet").isEmpty();
            }
            finally
            {
                releaseConductor.countDown();
            }
            Await.until(() -> "every request answered: " + answers.get() + ", replies refused " + refusedReplies.get(),
                10_000, () -> answers.get() == REQUESTS);
            assertThat(refusedReplies.get()).isZero();
            assertThat(responder.counters().directRefused(EngineCounters.DirectRefusal.NO_ROUTE).get()).isZero();
        }
        finally
        {
            responderGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3000);
        }
    }
}
