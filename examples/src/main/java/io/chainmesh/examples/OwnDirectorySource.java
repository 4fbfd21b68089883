package io.chainmesh.examples;

import io.chainmesh.chain.Member;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.PeerView;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Three nodes whose membership comes from the application, not from a chain: each node reads a shared registry
 * through its own {@link PollingDirectorySource}. All three link up; when one is removed from the registry the
 * others drop their links to it.
 * <p>
 * Run: {@code java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp <classpath>
 * io.chainmesh.examples.OwnDirectorySource}.
 */
public final class OwnDirectorySource
{
    private static final Duration POLL_INTERVAL = Duration.ofMillis(50);
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(30);

    private OwnDirectorySource()
    {
    }

    /**
     * @param args ignored.
     * @throws InterruptedException if interrupted while waiting for the links.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        System.exit(run(System.out) ? 0 : 1);
    }

    /**
     * @param out where the steps are printed.
     * @return true if the three nodes linked up and the removed one was dropped by the other two.
     * @throws InterruptedException if interrupted while waiting.
     */
    public static boolean run(final PrintStream out) throws InterruptedException
    {
        final SecureRandom random = new SecureRandom();
        final List<Member> registry = new CopyOnWriteArrayList<>();
        final List<ChainmeshNode> nodes = new ArrayList<>();
        final List<PollingDirectorySource> sources = new ArrayList<>();
        try
        {
            // tag::launch[]
            for (int i = 0; i < 3; i++)
            {
                final NodeKey key = NodeKey.generate(random);
                final PollingDirectorySource source = new PollingDirectorySource(() -> List.copyOf(registry), POLL_INTERVAL);
                sources.add(source);
                final ChainmeshNode node = ChainmeshNode.launch(new ChainmeshNode.Context()
                    .nodeKey(key)
                    .member(Members.id(key))
                    .directorySource(source)
                    .bindAddress(new InetSocketAddress("127.0.0.1", 0)));
                nodes.add(node);
                registry.add(Members.member(key, node.localAddress(), i));
            }
            // end::launch[]
            out.println("registered 3 nodes");
            if (!awaitAll(nodes, peers -> 2 == activeCount(peers)))
            {
                out.println("the nodes did not all link up");
                return false;
            }
            out.println("every node has 2 active peers");

            final ChainmeshNode leaving = nodes.get(2);
            registry.removeIf(member -> member.id().equals(leaving.member()));
            final List<ChainmeshNode> staying = nodes.subList(0, 2);
            if (!awaitAll(staying, peers -> 1 == activeCount(peers) &&
                peers.stream().noneMatch(peer -> leaving.member().equals(peer.member()))))
            {
                out.println("the removed node was not dropped");
                return false;
            }
            out.println("node 2 left the registry: the other two dropped it and kept their link");
            return true;
        }
        finally
        {
            for (final ChainmeshNode node : nodes)
            {
                node.close();
            }
            for (final PollingDirectorySource source : sources)
            {
                source.close();
            }
        }
    }

    private static long activeCount(final List<PeerView> peers)
    {
        return peers.stream().filter(peer -> PeerView.State.ACTIVE == peer.state()).count();
    }

    private static boolean awaitAll(final List<ChainmeshNode> nodes, final Predicate<List<PeerView>> condition)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + WAIT_NS;
        while (System.nanoTime() < deadline)
        {
            if (nodes.stream().allMatch(node -> condition.test(node.peers())))
            {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return false;
    }
}
