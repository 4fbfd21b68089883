package io.chainmesh.examples;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.InMemoryDirectorySource;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.Status;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Direct messages between two nodes: Alice sends requests to Bob by his node id, Bob's handler answers each one
 * from the IO thread it arrived on, Alice's handler counts the answers and Alice asks again for what is unanswered.
 * <p>
 * Run: {@code java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp <classpath>
 * io.chainmesh.examples.DirectMessages}.
 */
public final class DirectMessages
{
    private DirectMessages()
    {
    }

    /**
     * @param args ignored.
     * @throws InterruptedException if interrupted while waiting for the answers.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final int answers = run(5, System.out);
        System.exit(5 == answers ? 0 : 1);
    }

    /**
     * @param requests how many requests Alice sends.
     * @param out      where Alice prints the answers.
     * @return how many answers Alice received within 30 seconds.
     * @throws InterruptedException if interrupted while waiting.
     */
    public static int run(final int requests, final PrintStream out) throws InterruptedException
    {
        final SecureRandom random = new SecureRandom();
        final NodeKey aliceKey = NodeKey.generate(random);
        final NodeKey bobKey = NodeKey.generate(random);
        final CountDownLatch answered = new CountDownLatch(requests);
        final Set<Integer> answeredRequests = ConcurrentHashMap.newKeySet();
        final InMemoryDirectorySource directory = new InMemoryDirectorySource(DirectorySnapshot.empty());

        // tag::direct[]
        final UnsafeBuffer answer = new UnsafeBuffer(new byte[256]); // used only on Bob's IO thread
        final ChainmeshNode[] bobHolder = new ChainmeshNode[1];
        try (ChainmeshNode bob = ChainmeshNode.launch(new ChainmeshNode.Context()
                .nodeKey(bobKey)
                .member(Members.id(bobKey))
                .directorySource(directory)
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .directHandler((from, buffer, offset, length) ->
                {
                    // An IO thread: do not block. Replying from here encodes straight into the link's buffer.
                    final String request = buffer.getStringWithoutLengthUtf8(offset, length);
                    final int answerLength = answer.putStringWithoutLengthUtf8(0, "re: " + request);
                    bobHolder[0].send(from, answer, 0, answerLength);
                }));
            ChainmeshNode alice = ChainmeshNode.launch(new ChainmeshNode.Context()
                .nodeKey(aliceKey)
                .member(Members.id(aliceKey))
                .directorySource(directory)
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .directHandler((from, buffer, offset, length) ->
                {
                    final String text = buffer.getStringWithoutLengthUtf8(offset, length);
                    out.println("alice received: " + text);
                    if (answeredRequests.add(Integer.parseInt(text.substring("re: request ".length()))))
                    {
                        answered.countDown();
                    }
                })))
        {
            bobHolder[0] = bob;
            directory.publish(DirectorySnapshot.of(1, List.of(
                Members.member(aliceKey, alice.localAddress(), 0),
                Members.member(bobKey, bob.localAddress(), 1))));

            final UnsafeBuffer request = new UnsafeBuffer(new byte[256]);
            final BackoffIdleStrategy idle = new BackoffIdleStrategy();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // A direct message is sent at most once and never acknowledged: one on a link that fails (a peer gone
            // silent, a reset connection) may be lost. Requests not answered within a second are sent again.
            while (answered.getCount() > 0 && System.nanoTime() < deadline)
            {
                for (int i = 0; i < requests; i++)
                {
                    if (answeredRequests.contains(i))
                    {
                        continue;
                    }
                    final int length = request.putStringWithoutLengthUtf8(0, "request " + i);
                    long status;
                    // NO_ROUTE until the link is up, BACK_PRESSURED while its queue is full: retry both.
                    while ((status = alice.send(Members.id(bobKey), request, 0, length)) != Status.OK)
                    {
                        if ((status != Status.NO_ROUTE && status != Status.BACK_PRESSURED) ||
                            System.nanoTime() > deadline)
                        {
                            throw new IllegalStateException("send failed: " + Status.name(status));
                        }
                        idle.idle();
                    }
                    idle.reset();
                }
                answered.await(1, TimeUnit.SECONDS);
            }
        }
        // end::direct[]
        return requests - (int)answered.getCount();
    }
}
