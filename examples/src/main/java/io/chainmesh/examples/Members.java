package io.chainmesh.examples;

import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
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
     * A member as the engine needs it: its public key and where it listens. The collateral fields identify an
     * entry of a chain's node list; an application without a chain fills them with any value unique per member.
     *
     * @param key      the member's key (only its public half is used).
     * @param address  where it listens.
     * @param position its place in the ring order (the order of the deterministic node list).
     * @return the member.
     */
    public static Member member(final NodeKey key, final InetSocketAddress address, final int position)
    {
        final String collateralTxHash = String.format("%064x", position + 1);
        return new Member(key.nodeId(), new Endpoint(address.getAddress().getHostAddress(), address.getPort()),
            collateralTxHash, 0, Tier.CUMULUS, position, position, position, 0, "", position);
    }
    // end::member[]
}
