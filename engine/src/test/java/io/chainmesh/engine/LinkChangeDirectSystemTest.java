package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.InMemoryDirectorySource;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.ping.PingDescriptor;
import io.chainmesh.engine.transport.Link;
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
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

    /** What a node's links did, for a failure's message. */
    private static String linkCounts(final ChainmeshNode node)
    {
        final EngineCounters c = node.counters();
        final StringBuilder sb = new StringBuilder().append("dial failures ").append(c.dialFailures().get())
            .append(", backoffs ").append(c.backoffs().get()).append(", opened ").append(c.linksOpened().get())
            .append(", closed ").append(c.linksClosed().get()).append(", frames in ").append(c.framesIn().get());
        for (final io.chainmesh.codec.control.CloseReason reason : io.chainmesh.codec.control.CloseReason.values())
        {
            if (reason != io.chainmesh.codec.control.CloseReason.UNRECOGNIZED)
            {
                final long failed = c.handshakeFailures(reason).get();
                final long sent = c.closesSent(reason).get();
                final long received = c.closesReceived(reason).get();
                if (failed + sent + received > 0)
                {
                    sb.append(", ").append(reason).append(" handshake failures ").append(failed).append(" sent ")
                        .append(sent).append(" received ").append(received);
                }
            }
        }
        return sb.toString();
    }

    private static ChainmeshNode.Context context(final NodeKey key, final InMemoryDirectorySource directory)
    {
        final ChainmeshNode.Context ctx = new ChainmeshNode.Context();
        // Nothing but the requests travels the link while the test counts the frames the responder has read.
        ctx.broadcast().repairIntervalMillis(TimeUnit.MINUTES.toMillis(1));
        return ctx
            .nodeKey(key)
            .member(TestDirectory.memberIdOf(key))
            .directorySource(directory)
            .transport(Transport.NIO)
            .bindAddress(new InetSocketAddress("127.0.0.1", 0))
            .heartbeatIntervalNs(TimeUnit.SECONDS.toNanos(30));
    }

    @Test
    void shouldAnswerRequestsReadBeforeTheLinkIsRegistered() throws Exception
    {
        // The requester (keys.get(0)) gets the smaller MemberId, so it dials: a dial of the responder's could reach
        // the requester before its conductor applied the snapshot, be refused as NOT_A_MEMBER, and the responder's
        // redial would wait behind its held conductor.
        final List<NodeKey> keys = new java.util.ArrayList<>(TestDirectory.keys(2));
        keys.sort(java.util.Comparator.comparing(TestDirectory::memberIdOf));
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
                Await.until(() -> "the requester's link registered: requester " + linkCounts(requester) +
                    ", responder " + linkCounts(responder), 10_000, () -> null != requester.linkForTest(responderId));
                assertThat(requester.linkForTest(responderId).outbound()).as("the requester dialled").isTrue();
                final UnsafeBuffer request = new UnsafeBuffer(new byte[8]);
                for (int i = 0; i < REQUESTS; i++)
                {
                    request.putLong(0, i);
                    assertThat(requester.send(responderId, request, 0, 8)).isEqualTo(Status.OK);
                }
                // HELLO and AUTH, then a request at least (reading pauses at the first request until the link is
                // registered).
                Await.until(() -> "the responder read a request: frames in " + responder.counters().framesIn().get(),
                    10_000, () -> requester.counters().directSent().get() == REQUESTS &&
                    responder.counters().framesIn().get() >= 3);
                assertThat(requester.linkForTest(responderId).framesOut()).as("only the requests were sent")
                    .isEqualTo(REQUESTS);
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

    @Test
    void shouldDeliverBothWaysWhatWasSentOnALinkClosedAsADuplicate() throws Exception
    {
        final int count = 20;
        final AtomicLong receivedByA = new AtomicLong();
        final AtomicLong receivedByB = new AtomicLong();
        final AtomicLong outOfOrder = new AtomicLong();
        final AtomicLong[] expected = {new AtomicLong(), new AtomicLong()};
        try (Cluster cluster = new Cluster(2, 1, ctx -> ctx.directHandler((source, buffer, offset, length) ->
        {
            final int receiver = (int)buffer.getLong(offset);
            if (buffer.getLong(offset + 8) != expected[receiver].getAndIncrement())
            {
                outOfOrder.incrementAndGet();
            }
            (0 == receiver ? receivedByA : receivedByB).incrementAndGet();
        })))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until("topology", 10_000, () -> cluster.formsTopology(snapshot, 2));
            final ChainmeshNode a = cluster.nodes.get(0);
            final ChainmeshNode b = cluster.nodes.get(1);
            final Link link = a.linkForTest(b.member());
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[16]);
            final CompletableFuture<Long> accepted = new CompletableFuture<>();
            // One task on the only IO thread (both nodes' links and conductors): a closes the link as a duplicate
            // (as its conductor does when the other link wins) while its own messages wait in the link's buffer, and
            // b's messages to a are written only after a's CLOSE, before b has read it.
            link.eventLoop().execute(() ->
            {
                long ok = 0;
                for (int i = 0; i < count; i++)
                {
                    buffer.putLong(0, 0);
                    buffer.putLong(8, i);
                    ok += b.send(a.member(), buffer, 0, 16) == Status.OK ? 1 : 0;
                    buffer.putLong(0, 1);
                    ok += a.send(b.member(), buffer, 0, 16) == Status.OK ? 1 : 0;
                }
                link.close(CloseReason.DUPLICATE_CONNECTION, "test: another link between a and b wins");
                accepted.complete(ok);
            });
            assertThat(accepted.get(10, TimeUnit.SECONDS)).isEqualTo(2L * count);
            Await.until(() -> "both ways delivered: a " + receivedByA.get() + ", b " + receivedByB.get() +
                    ", dropped by a " + a.counters().directRefused(EngineCounters.DirectRefusal.LINK_CLOSED).get() +
                    ", by b " + b.counters().directRefused(EngineCounters.DirectRefusal.LINK_CLOSED).get(), 10_000,
                () -> receivedByA.get() == count && receivedByB.get() == count);
            assertThat(outOfOrder.get()).isZero();
            assertThat(a.counters().directRefused(EngineCounters.DirectRefusal.LINK_CLOSED).get()).isZero();
            assertThat(b.counters().directRefused(EngineCounters.DirectRefusal.LINK_CLOSED).get()).isZero();
            assertThat(a.counters().closesSent(CloseReason.DUPLICATE_CONNECTION).get()).isEqualTo(1);
            Await.until("b got the CLOSE", 5_000,
                () -> b.counters().closesReceived(CloseReason.DUPLICATE_CONNECTION).get() == 1);
        }
    }

    @Test
    void shouldCountExactlyTheDirectMessagesDroppedWithALinkThatClosesWithoutWritingThem() throws Exception
    {
        final int fromOtherThread = 7;
        final int fromEventLoop = 4;
        final AtomicLong received = new AtomicLong();
        try (Cluster cluster = new Cluster(2, 1, ctx -> ctx.directHandler((source, buffer, offset, length) ->
            received.incrementAndGet())))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until("topology", 10_000, () -> cluster.formsTopology(snapshot, 2));
            final ChainmeshNode a = cluster.nodes.get(0);
            final MemberId b = cluster.nodes.get(1).member();
            final Link link = a.linkForTest(b);
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[32]);
            // A frame of another kind queued with them: lost with the link too, but no direct message.
            final UnsafeBuffer ping = new UnsafeBuffer(new byte[PingDescriptor.FRAME_LENGTH]);
            ping.putInt(0, PingDescriptor.FRAME_LENGTH - 4, ByteOrder.BIG_ENDIAN);
            ping.putByte(4, (byte)FrameType.PING);
            final CountDownLatch loopHeld = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final CompletableFuture<Long> acceptedOnLoop = new CompletableFuture<>();
            link.eventLoop().execute(() ->
            {
                loopHeld.countDown();
                try
                {
                    release.await();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                final UnsafeBuffer onLoop = new UnsafeBuffer(new byte[32]);
                long ok = 0;
                for (int i = 0; i < fromEventLoop; i++)
                {
                    ok += a.send(b, onLoop, 0, 32) == Status.OK ? 1 : 0;
                }
                // Not an orderly close: nothing more is written, what was queued is dropped and counted.
                link.close(CloseReason.HEARTBEAT_TIMEOUT, "test");
                acceptedOnLoop.complete(ok);
            });
            try
            {
                assertThat(loopHeld.await(10, TimeUnit.SECONDS)).isTrue();
                // The IO thread is busy: these wait in the link's ring.
                for (int i = 0; i < fromOtherThread; i++)
                {
                    assertThat(a.send(b, buffer, 0, 32)).isEqualTo(Status.OK);
                    if (i == 2)
                    {
                        assertThat(a.sendRawFrameForTest(b, ping, PingDescriptor.FRAME_LENGTH)).isTrue();
                    }
                }
            }
            finally
            {
                release.countDown();
            }
            assertThat(acceptedOnLoop.get(10, TimeUnit.SECONDS)).isEqualTo(fromEventLoop);
            // Counted at once when the channel's close is handled.
            Await.until("the drop counted", 10_000,
                () -> a.counters().directRefused(EngineCounters.DirectRefusal.LINK_CLOSED).get() > 0);
            assertThat(a.counters().directRefused(EngineCounters.DirectRefusal.LINK_CLOSED).get())
                .isEqualTo(fromOtherThread + fromEventLoop);
            assertThat(a.counters().directSent().get()).isZero();
            assertThat(received.get()).isZero();
        }
    }
}
