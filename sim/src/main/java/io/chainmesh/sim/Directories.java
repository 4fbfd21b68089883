package io.chainmesh.sim;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.FluxdNodeListParser;
import io.chainmesh.chain.MainnetShapedList;

/**
 * The member lists runs use: Flux mainnet's shape ({@link MainnetShapedList}), parsed by the node's own list
 * parser, so entries without an address or with a repeated endpoint are not members, exactly as on a node.
 */
final class Directories
{
    private Directories()
    {
    }

    /**
     * @param listed entries listed; {@link SimConfig#MAINNET} gives mainnet's list (3,011 keys).
     * @return the members, in ring order (the list's seed is fixed: runs differ by their own seed only).
     */
    static DirectorySnapshot mainnetShaped(final int listed)
    {
        final MainnetShapedList list = listed == SimConfig.MAINNET ? MainnetShapedList.mainnet() :
            MainnetShapedList.generate(listed,
                Math.max(1, (int)Math.round((double)listed * MainnetShapedList.MAINNET_KEYS / MainnetShapedList.MAINNET_ENTRIES)),
                (int)Math.round((double)listed * MainnetShapedList.MAINNET_WITHOUT_ADDRESS / MainnetShapedList.MAINNET_ENTRIES),
                (int)Math.round(listed * 4.0 / MainnetShapedList.MAINNET_ENTRIES), 1);
        return new FluxdNodeListParser().parse(list.json(), 0, list.json().length).toSnapshot(1);
    }
}
