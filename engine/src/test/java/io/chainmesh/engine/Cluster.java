package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.InMemoryDirectorySource;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.overlay.OverlayTopology;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.agrona.CloseHelper;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * In-process nodes on 127.0.0.1 sharing one NIO event loop group and one in-memory directory source.
 */
final class Cluster implements AutoCloseable
{
    final EventLoopGroup group;
    final InMemoryDirectorySource source = new InMemoryDirectorySource(DirectorySnapshot.empty());
    final List<NodeKey> keys;
    final List<MemberId> members;
    final List<ChainmeshNode> nodes = new ArrayList<>();
    private final Consumer<ChainmeshNode.Context> customiser;
    private long height = 1;

    Cluster(final int size, final int ioThreads, final Consumer<ChainmeshNode.Context> customiser)
    {
        this(size, ioThreads, 0, customiser);
    }

    /**
     * @param operators 0 for a key per node; otherwise node {@code i} is a member of operator {@code i % operators}
     *                  and signs with its key, as operators on Flux list many nodes under one key.
     */
    Cluster(final int size, final int ioThreads, final int operators, final Consumer<ChainmeshNode.Context> customiser)
    {
        this.group = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("test-io", true),
            NioIoHandler.newFactory());
        this.customiser = customiser;
        if (0 == operators)
        {
            this.keys = TestDirectory.keys(size);
            this.members = keys.stream().map(TestDirectory::memberIdOf).toList();
        }
        else
        {
            final List<NodeKey> operatorKeys = TestDirectory.keys(operators);
            final List<NodeKey> memberKeys = new ArrayList<>();
            final List<MemberId> ids = new ArrayList<>();
            for (int i = 0; i < size; i++)
            {
                memberKeys.add(operatorKeys.get(i % operators));
                ids.add(MemberId.of(String.format("%064x", 0xC0FFEEL + i), i % 3));
            }
            this.keys = memberKeys;
            this.members = ids;
        }
        for (int i = 0; i < size; i++)
        {
            nodes.add(launch(members.get(i), keys.get(i), 0));
        }
    }

    ChainmeshNode launch(final NodeKey key, final int port)
    {
        return launch(members.get(keys.indexOf(key)), key, port);
    }

    ChainmeshNode launch(final MemberId member, final NodeKey key, final int port)
    {
        final ChainmeshNode.Context ctx = new ChainmeshNode.Context()
            .nodeKey(key)
            .member(member)
            .directorySource(source)
            .transport(Transport.NIO)
            .eventLoopGroup(group)
            .bindAddress(new java.net.InetSocketAddress("127.0.0.1", port))
            .peerOutboundBudget(128 * 1024)
            .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(20))
            .backoffMaxNs(TimeUnit.MILLISECONDS.toNanos(300))
            .reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(20))
            .handshakeTimeoutNs(TimeUnit.SECONDS.toNanos(2));
        customiser.accept(ctx);
        // Batches must fit a link's largest record: 1/8 of the (small) test budget.
        final int largestRecord = ctx.peerOutboundBudget() / 8;
        if (ctx.broadcast().maxBatchFrameLength() > largestRecord)
        {
            ctx.broadcast().maxBatchFrameLength(largestRecord).maxMessageLength(largestRecord / 2);
        }
        return ChainmeshNode.launch(ctx);
    }

    /** Publishes a snapshot of the given node indices (ring order = list order). */
    DirectorySnapshot publish(final List<Integer> members)
    {
        final List<Member> list = new ArrayList<>();
        for (int position = 0; position < members.size(); position++)
        {
            final int i = members.get(position);
            list.add(TestDirectory.member(this.members.get(i), keys.get(i), nodes.get(i).localAddress().getPort(), i));
        }
        final DirectorySnapshot snapshot = DirectorySnapshot.of(height++, list);
        source.publish(snapshot);
        return snapshot;
    }

    DirectorySnapshot publishAll()
    {
        final List<Integer> all = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++)
        {
            all.add(i);
        }
        return publish(all);
    }

    static Set<MemberId> peersOf(final ChainmeshNode node)
    {
        return node.peers().stream().map(PeerView::member).collect(Collectors.toSet());
    }

    static Set<MemberId> expectedPeers(final DirectorySnapshot snapshot, final OverlayTopology topology, final MemberId id)
    {
        final int index = snapshot.indexOf(id);
        return Arrays.stream(topology.neighbours(index)).mapToObj(i -> snapshot.member(i).id())
            .collect(Collectors.toCollection(HashSet::new));
    }

    /** True when every node in the snapshot has exactly its overlay neighbours as peers. */
    boolean formsTopology(final DirectorySnapshot snapshot, final int k)
    {
        final OverlayTopology topology = OverlayTopology.of(snapshot, k);
        for (final ChainmeshNode node : nodes)
        {
            if (!snapshot.contains(node.member()))
            {
                continue;
            }
            if (!peersOf(node).equals(expectedPeers(snapshot, topology, node.member())))
            {
                return false;
            }
        }
        return true;
    }

    String describe(final DirectorySnapshot snapshot, final int k)
    {
        final OverlayTopology topology = OverlayTopology.of(snapshot, k);
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++)
        {
            final ChainmeshNode node = nodes.get(i);
            if (snapshot.contains(node.member()))
            {
                sb.append("\nnode ").append(i).append(" peers=").append(peersOf(node).size())
                    .append(" expected=").append(expectedPeers(snapshot, topology, node.member()).size());
            }
        }
        return sb.toString();
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(nodes);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3000);
    }
}
