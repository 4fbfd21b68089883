package io.chainmesh.sim;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.engine.overlay.OverlayTopology;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Membership that changes at block boundaries, as the chain's node list does: at each block some listed members
 * leave the list and as many new ones join it (they sort after everyone, as a new {@code added_height} does).
 * Each member sees a block at its own time (the block time plus a skew drawn from the seed), so for a while
 * members disagree on the ring. Seeing a block, a member does what the engine's connection manager does with a
 * new snapshot: its commit stage reads the new list through its supplier, links to members that left are closed
 * ({@code MEMBER_LEFT}), links it dialled that the new overlay does not have are closed
 * ({@code LINK_NO_LONGER_NEEDED}), inbound ones are kept, and the new targets are dialled; a member that is no
 * longer listed closes every link. A joiner comes up (a fresh commit stage) when it sees the block that lists it.
 */
final class Churn
{
    /** A batch published this long before a block is still travelling when the block moves links. */
    private static final long NEAR_BLOCK_BEFORE_NANOS = 1_000_000_000L;
    private static final long NEAR_BLOCK_AFTER_NANOS = 3_000_000_000L;
    private final Simulation sim;
    private final FaultPlan plan;
    /** Member indices of the initial list; joiners are the indices after them. */
    private final int initialMembers;
    private final int perBlock;
    private final int blocks;
    private final List<DirectorySnapshot> snapshots = new ArrayList<>();
    private final List<int[][]> neighbours = new ArrayList<>();
    private final List<boolean[][]> dials = new ArrayList<>();
    private int[][] leaversByBlock;
    int joined;
    int left;
    long adoptions;

    /**
     * @param sim            the run.
     * @param plan           its faults.
     * @param initialMembers members listed at the start (indices {@code [0, initialMembers)}); the rest join later.
     */
    Churn(final Simulation sim, final FaultPlan plan, final int initialMembers)
    {
        this.sim = sim;
        this.plan = plan;
        this.initialMembers = initialMembers;
        this.blocks = blocks(plan, sim.config.seconds());
        this.perBlock = perBlock(plan, sim.config.members());
    }

    /**
     * @param plan    the run's faults.
     * @param seconds the run's length.
     * @return blocks found during the run (none at time 0).
     */
    static int blocks(final FaultPlan plan, final double seconds)
    {
        return plan.churns() ? (int)Math.floor(seconds / plan.blockSeconds() - 1e-9) : 0;
    }

    /**
     * @param plan   the run's faults.
     * @param listed listed entries at the start.
     * @return members leaving (and joining) at each block.
     */
    static int perBlock(final FaultPlan plan, final int listed)
    {
        return plan.churns() ? Math.max(1, (int)Math.round(plan.churnShare() * listed)) : 0;
    }

    /** @return the list at the start: the run's members without the joiners. */
    DirectorySnapshot initial()
    {
        if (snapshots.isEmpty())
        {
            final List<Member> members = new ArrayList<>(initialMembers);
            for (int i = 0; i < initialMembers; i++)
            {
                members.add(sim.directory.member(i));
            }
            add(DirectorySnapshot.of(1, members));
        }
        return snapshots.get(0);
    }

    int[] neighboursAtStart(final int member)
    {
        return neighbours(0, member);
    }

    boolean[] dialsAtStart(final int member)
    {
        return dials.get(0)[member];
    }

    /**
     * Picks who leaves at each block (from the members faults did not take) and schedules the blocks.
     *
     * @param candidates non-publishers of the initial list no other fault hit, shuffled; taken from {@code next}.
     * @param next       the first candidate free.
     * @return the next candidate free.
     */
    int schedule(final List<Integer> candidates, final int next)
    {
        int taken = next;
        leaversByBlock = new int[blocks][];
        for (int b = 0; b < blocks; b++)
        {
            final int[] publishers = sim.publishers();
            final int quitting = b == 0 ? Math.min(plan.quitters(), Math.min(perBlock, publishers.length - 1)) : 0;
            final int count = Math.min(perBlock - quitting, candidates.size() - taken);
            leaversByBlock[b] = new int[Math.max(0, count) + quitting];
            for (int i = 0; i < quitting; i++)
            {
                // The last publishers quit: the first one always stays, so publishing goes on.
                leaversByBlock[b][i] = publishers[publishers.length - 1 - i];
            }
            for (int i = 0; i < count; i++)
            {
                leaversByBlock[b][quitting + i] = candidates.get(taken++);
            }
            sim.events.schedule(nanos((b + 1) * plan.blockSeconds()), Simulation.FAULT, 0, 0,
                new Faults.Fault(Faults.BLOCK, b + 1, false));
        }
        for (int j = initialMembers; j < sim.nodes.length; j++)
        {
            sim.nodes[j].alive = false;
            sim.nodes[j].joiner = true;
        }
        return taken;
    }

    /** A block is found: the next list is the last one without this block's leavers and with its joiners. */
    void onBlock(final int block)
    {
        final DirectorySnapshot previous = snapshots.get(block - 1);
        final boolean[] leaving = new boolean[sim.nodes.length];
        for (final int leaver : leaversByBlock[block - 1])
        {
            leaving[leaver] = true;
            sim.nodes[leaver].leftAt = sim.clock.now;
            left++;
        }
        final List<Member> members = new ArrayList<>(previous.size() + perBlock);
        for (final Member member : previous.members())
        {
            if (!leaving[sim.directory.indexOf(member.id())])
            {
                members.add(member);
            }
        }
        final int firstJoiner = initialMembers + (block - 1) * perBlock;
        for (int j = firstJoiner; j < Math.min(firstJoiner + perBlock, sim.nodes.length); j++)
        {
            members.add(sim.directory.member(j));
        }
        add(DirectorySnapshot.of(block + 1, members));
        final long skewNanos = nanos(plan.skewSeconds());
        for (final SimNode node : sim.nodes)
        {
            if (!node.joiner || node.index < firstJoiner + perBlock)
            {
                sim.events.schedule(sim.clock.now + (skewNanos == 0 ? 0 : sim.random.nextLong(skewNanos + 1)),
                    Simulation.FAULT, 0, 0, new Faults.Fault(Faults.ADOPT, node.index, false, block));
            }
        }
    }

    /** A member sees a block: reads the new list, moves its links to the new overlay, comes up if it joins. */
    void adopt(final SimNode node, final int block)
    {
        if (snapshots.get(block).height() <= node.snapshot.height())
        {
            return;
        }
        adoptions++;
        final DirectorySnapshot snapshot = snapshots.get(block);
        final boolean listed = snapshot.contains(node.id);
        node.snapshot = snapshot;
        if (node.joiner && node.joinedAt < 0)
        {
            if (!listed)
            {
                return;
            }
            node.alive = true;
            node.joinedAt = sim.clock.now;
            joined++;
        }
        final int[] targets = listed ? neighbours(block, snapshot.indexOf(node.id)) : new int[0];
        final boolean[] targetDials = listed ? dials.get(block)[snapshot.indexOf(node.id)] : new boolean[0];
        int kept = 0;
        final int[] keptInbound = new int[node.neighbours.length];
        for (int slot = 0; slot < node.neighbours.length; slot++)
        {
            final int peer = node.neighbours[slot];
            if (Arrays.binarySearch(targets, peer) >= 0 || !node.up[slot])
            {
                continue;
            }
            if (!node.alive)
            {
                // A vanished host closes nothing: its peers find out by missed heartbeats.
                keptInbound[kept++] = peer;
            }
            else if (!listed || !snapshot.contains(sim.nodes[peer].id))
            {
                sim.network.close(node, slot, CloseReason.MEMBER_LEFT.name());
            }
            else if (node.dials[slot])
            {
                sim.network.close(node, slot, CloseReason.LINK_NO_LONGER_NEEDED.name());
            }
            else
            {
                // An inbound link the overlay no longer expects: the dialling end closes it when it sees the block.
                keptInbound[kept++] = peer;
            }
        }
        final int[] peers = new int[targets.length + kept];
        final boolean[] peerDials = new boolean[peers.length];
        System.arraycopy(targets, 0, peers, 0, targets.length);
        System.arraycopy(keptInbound, 0, peers, targets.length, kept);
        final Integer[] order = new Integer[peers.length];
        for (int i = 0; i < order.length; i++)
        {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(peers[a], peers[b]));
        final int[] sortedPeers = new int[peers.length];
        for (int i = 0; i < order.length; i++)
        {
            sortedPeers[i] = peers[order[i]];
            peerDials[i] = order[i] < targets.length && targetDials[order[i]];
        }
        node.reshape(sortedPeers, peerDials);
        if (node.alive)
        {
            for (int slot = 0; slot < node.neighbours.length; slot++)
            {
                if (node.dials[slot] && !node.up[slot])
                {
                    sim.network.scheduleDial(node, slot);
                }
            }
        }
    }

    /**
     * @param member a member index.
     * @param at     a time, nanoseconds.
     * @return true if the member was listed all along up to that time (listed at the start, not left by then).
     */
    boolean listedThroughout(final SimNode member, final long at)
    {
        return !member.joiner && (member.leftAt < 0 || member.leftAt > at);
    }

    /**
     * @param at a time, nanoseconds.
     * @return true if it falls from 1 s before a block to 3 s after its skew ends: while members disagree on the
     *         ring or links are still moving.
     */
    boolean nearBlock(final long at)
    {
        for (int b = 1; b <= blocks; b++)
        {
            final long block = nanos(b * plan.blockSeconds());
            if (at >= block - NEAR_BLOCK_BEFORE_NANOS && at <= block + nanos(plan.skewSeconds()) + NEAR_BLOCK_AFTER_NANOS)
            {
                return true;
            }
        }
        return false;
    }

    private void add(final DirectorySnapshot snapshot)
    {
        snapshots.add(snapshot);
        final OverlayTopology overlay = OverlayTopology.of(snapshot, sim.config.ringSuccessors());
        final int n = snapshot.size();
        final int[][] byRing = new int[n][];
        final boolean[][] dialsByRing = new boolean[n][];
        final int[] toMember = new int[n];
        for (int i = 0; i < n; i++)
        {
            toMember[i] = sim.directory.indexOf(snapshot.member(i).id());
        }
        for (int i = 0; i < n; i++)
        {
            final int[] ring = overlay.neighbours(i);
            final long[] keyed = new long[ring.length];
            for (int s = 0; s < ring.length; s++)
            {
                keyed[s] = (long)toMember[ring[s]] << 1 | (overlay.dials(i, ring[s]) ? 1 : 0);
            }
            Arrays.sort(keyed);
            byRing[i] = new int[ring.length];
            dialsByRing[i] = new boolean[ring.length];
            for (int s = 0; s < ring.length; s++)
            {
                byRing[i][s] = (int)(keyed[s] >>> 1);
                dialsByRing[i][s] = (keyed[s] & 1) != 0;
            }
        }
        neighbours.add(byRing);
        dials.add(dialsByRing);
    }

    private int[] neighbours(final int block, final int ringIndex)
    {
        return neighbours.get(block)[ringIndex];
    }

    int blocks()
    {
        return blocks;
    }

    int perBlock()
    {
        return perBlock;
    }

    private static long nanos(final double seconds)
    {
        return (long)(seconds * 1e9);
    }
}
