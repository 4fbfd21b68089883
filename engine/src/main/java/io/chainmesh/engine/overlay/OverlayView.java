package io.chainmesh.engine.overlay;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;

/**
 * One member's view of the overlay: the snapshot, its topology and where this member sits in it.
 * Immutable; the connection manager publishes a new one on every directory change, and IO threads
 * read the latest one to admit peers.
 */
public final class OverlayView
{
    private final OverlayTopology topology;
    private final MemberId self;
    private final int selfIndex;

    /**
     * @param topology the computed overlay.
     * @param self     this member's id.
     */
    public OverlayView(final OverlayTopology topology, final MemberId self)
    {
        this.topology = topology;
        this.self = self;
        this.selfIndex = topology.snapshot().indexOf(self);
    }

    /**
     * @return the directory snapshot.
     */
    public DirectorySnapshot snapshot()
    {
        return topology.snapshot();
    }

    /**
     * @return the topology.
     */
    public OverlayTopology topology()
    {
        return topology;
    }

    /**
     * @return this member's id.
     */
    public MemberId self()
    {
        return self;
    }

    /**
     * @return this member's ring index, or -1 if it is not in the directory.
     */
    public int selfIndex()
    {
        return selfIndex;
    }

    /**
     * @param peer a member.
     * @return true if the overlay links this member and {@code peer} (in either direction).
     */
    public boolean isLink(final MemberId peer)
    {
        final int index = topology.snapshot().indexOf(peer);
        return selfIndex >= 0 && index >= 0 && topology.isLink(selfIndex, index);
    }

    /**
     * @param peer a member.
     * @return true if this member is the one that dials the link to {@code peer}.
     */
    public boolean dials(final MemberId peer)
    {
        final int index = topology.snapshot().indexOf(peer);
        return selfIndex >= 0 && index >= 0 && topology.dials(selfIndex, index);
    }
}
