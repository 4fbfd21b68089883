package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
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
        return member(memberIdOf(key), key, port, position);
    }

    /**
     * @param id       the member's collateral.
     * @param key      the key it is listed with (may be shared with other members).
     * @param port     the mesh port its node binds on 127.0.0.1 (listed {@link Member#MESH_PORT_OFFSET} lower).
     * @param position ring position.
     * @return the member.
     */
    public static Member member(final MemberId id, final NodeKey key, final int port, final int position)
    {
        return new Member(id, key.publicKey(), Member.listedEndpointFor(new Endpoint("127.0.0.1", port)), Tier.CUMULUS,
            position, position, position, 0, "", position);
    }

    /**
     * @param key a test key.
     * @return the collateral tests list it under when it is the key's only member: the key's x coordinate as
     *         txhash, output 0.
     */
    public static MemberId memberIdOf(final NodeKey key)
    {
        return MemberId.of(key.publicKey().toHex().substring(2), 0);
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
     * @param count number of members, on ports 10, 11, ...
     * @return a snapshot for pure tests.
     */
    public static DirectorySnapshot snapshotOf(final int count)
    {
        final List<Member> members = new ArrayList<>(count);
        final List<NodeKey> keys = keys(count);
        for (int i = 0; i < count; i++)
        {
            members.add(member(keys.get(i), 10 + i, i));
        }
        return DirectorySnapshot.of(1, members);
    }
}
