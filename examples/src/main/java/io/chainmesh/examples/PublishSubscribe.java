package io.chainmesh.examples;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.InMemoryDirectorySource;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.Status;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Two nodes in one JVM: Alice publishes signed broadcast messages on a topic, Bob subscribes and prints them.
 * <p>
 * Run: {@code java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp <classpath>
 * io.chainmesh.examples.PublishSubscribe}.
 */
public final class PublishSubscribe
{
    /** The topic of the example's messages, any of 0..65535. */
    public static final int TOPIC = 7;

    private PublishSubscribe()
    {
    }

    /**
     * @param args ignored.
     * @throws InterruptedException if interrupted while waiting for delivery.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final int received = run(10, System.out);
        System.exit(10 == received ? 0 : 1);
    }

    /**
     * @param messages how many messages Alice publishes.
     * @param out      where Bob prints what he receives.
     * @return how many messages Bob received within 30 seconds.
     * @throws InterruptedException if interrupted while waiting for delivery.
     */
    public static int run(final int messages, final PrintStream out) throws InterruptedException
    {
        final SecureRandom random = new SecureRandom();
        final NodeKey aliceKey = NodeKey.generate(random);
        final NodeKey bobKey = NodeKey.generate(random);
        final CountDownLatch delivered = new CountDownLatch(messages);

        // tag::publish-subscribe[]
        final InMemoryDirectorySource directory = new InMemoryDirectorySource(DirectorySnapshot.empty());
        try (ChainmeshNode alice = ChainmeshNode.launch(new ChainmeshNode.Context()
                .nodeKey(aliceKey)
                .member(Members.id(aliceKey))
                .directorySource(directory)
                .bindAddress(new InetSocketAddress("127.0.0.1", 0)));
            ChainmeshNode bob = ChainmeshNode.launch(new ChainmeshNode.Context()
                .nodeKey(bobKey)
                .member(Members.id(bobKey))
                .directorySource(directory)
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))))
        {
            // Both bound port 0: the directory names the ports they got, and they connect.
            directory.publish(DirectorySnapshot.of(1, List.of(
                Members.member(aliceKey, alice.localAddress(), 0),
                Members.member(bobKey, bob.localAddress(), 1))));

            bob.subscribe(TOPIC, (originId, topic, buffer, offset, length) ->
            {
                // The commit thread: do not block; the bytes are valid only during the call.
                out.println("bob received: " + buffer.getStringWithoutLengthUtf8(offset, length));
                delivered.countDown();
            });

            final UnsafeBuffer message = new UnsafeBuffer(new byte[256]);
            for (int i = 0; i < messages; i++)
            {
                final int length = message.putStringWithoutLengthUtf8(0, "hello " + i);
                // publish() retries while NOT_CONNECTED (no link yet) or BACK_PRESSURED; offer() never waits.
                final long position = alice.publish(TOPIC, message, 0, length, 10, TimeUnit.SECONDS);
                if (position < 0)
                {
                    throw new IllegalStateException("publish failed: " + Status.name(position));
                }
            }
            delivered.await(30, TimeUnit.SECONDS);
        }
        // end::publish-subscribe[]
        return messages - (int)delivered.getCount();
    }
}
