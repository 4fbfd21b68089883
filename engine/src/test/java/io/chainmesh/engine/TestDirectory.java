package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.crypto.NodeKey;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds directory snapshots for tests from generated keys and real ports.
 */
public final class TestDirectory
{
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestDirectory()
    {
    }

    /**
     * @param count how many keys.
     * @return fresh random keys.
     */
    public static List<NodeKey> keys(final int count)
    {
        final List<NodeKey> keys = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            keys.add(NodeKey.generate(RANDOM));
        }
        return keys;
    }

    /**
     * A member whose ring position is its {@code position} (added height = position).
     *
     * @param key      the member's key.
     * @param port     its port on 127.0.0.1.
     * @param position ring position.
     * @return the member.
     */
    public static Member member(final NodeKey key, final int port, final int position)
    {
        final String txHash = String.format("%064x", position + 1);
        return new Member(key.nodeId(), new Endpoint("127.0.0.1", port), txHash, 0, Tier.CUMULUS,
            position, position, position, 0, "", position);
    }

    /**
     * @param height snapshot height.
     * @param keys   members' keys; the ring order is the list order.
     * @param ports  their ports, same order.
     * @return the snapshot.
     */
    public static DirectorySnapshot snapshot(final long height, final List<NodeKey> keys, final List<Integer> ports)
    {
        final List<Member> members = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++)
        {
            members.add(member(keys.get(i), ports.get(i), i));
        }
        return DirectorySnapshot.of(height, members);
    }

    /**
     * @param count number of members, all on port 1.
     * @return a snapshot for pure tests.
     */
    public static DirectorySnapshot snapshotOf(final int count)
    {
        final List<Member> members = new ArrayList<>(count);
        final List<NodeKey> keys = keys(count);
        for (int i = 0; i < count; i++)
        {
            members.add(member(keys.get(i), 1 + i, i));
        }
        return DirectorySnapshot.of(1, members);
    }
}
