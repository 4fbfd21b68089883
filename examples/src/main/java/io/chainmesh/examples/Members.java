package io.chainmesh.examples;

import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.crypto.NodeKey;

import java.net.InetSocketAddress;

/**
 * Builds directory members for programs that decide membership themselves instead of reading it from a chain.
 */
public final class Members
{
    private Members()
    {
    }

    // tag::member[]
    /**
     * A member as the engine needs it: its collateral (the member's name), its public key (its credential) and
     * where it listens. On a chain the collateral is the entry's {@code txhash:outidx}; an application without a
     * chain picks any value unique per member, here one derived from the key.
     *
     * @param key      the member's key (only its public half is used).
     * @param address  where its node listens (the list names the port {@link Member#MESH_PORT_OFFSET} lower).
     * @param position its place in the ring order (the order of the deterministic node list).
     * @return the member.
     */
    public static Member member(final NodeKey key, final InetSocketAddress address, final int position)
    {
        final Endpoint listening = new Endpoint(address.getAddress().getHostAddress(), address.getPort());
        return new Member(id(key), key.publicKey(), Member.listedEndpointFor(listening), Tier.CUMULUS,
            position, position, position, 0, "", position);
    }

    /**
     * @param key a member's key.
     * @return the collateral this example gives the key's one member: the key's x coordinate as txhash, output 0.
     */
    public static MemberId id(final NodeKey key)
    {
        return MemberId.of(key.publicKey().toHex().substring(2), 0);
    }
    // end::member[]
}
