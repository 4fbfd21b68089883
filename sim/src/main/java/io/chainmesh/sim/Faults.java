package io.chainmesh.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Applies a run's {@link FaultPlan}: picks who is hit from the run's random stream (publishers excepted) and
 * schedules each fault as an event. A crashed member loses its connections at once (the kernel resets a dead
 * process's sockets), whatever it had queued, and its CPU backlog; it restarts with its commit-stage state, or
 * from nothing (a new {@code CommitStage}: it delivers anew what it delivered before).
 */
final class Faults
{
    static final int CRASH = 0;
    static final int RESTART = 1;
    static final int KILL = 2;
    static final int PARTITION = 3;
    static final int HEAL = 4;
    static final int CUT_FOUND = 5;
    static final int FORGE = 6;
    static final int BLOCK = 7;
    static final int ADOPT = 8;
    static final int FLOOD = 9;
    static final int REPLAY = 10;
    private static final long FORGE_INTERVAL_NANOS = 1_000_000_000L;
    private static final long REPLAY_INTERVAL_NANOS = 1_000_000_000L;
    /** How long a cut takes to be found without heartbeats (three missed one-second beats). */
    private static final long CUT_DETECTION_NANOS = 3_000_000_000L;
    /** What a repair takes after a heal: a re-dial, a digest interval, a WANT and its answer, at most RTTs apart. */
    static final long REPAIR_ALLOWANCE_NANOS = 1_000_000_000L;

    /**
     * One fault event.
     *
     * @param kind      what happens.
     * @param member    to whom (-1 for a partition).
     * @param withState a restart that keeps the member's state.
     * @param block     the block a member sees (ADOPT).
     */
    record Fault(int kind, int member, boolean withState, int block)
    {
        Fault(final int kind, final int member, final boolean withState)
        {
            this(kind, member, withState, 0);
        }
    }

    private final Simulation sim;
    final FaultPlan plan;
    int downFromStart;
    int crashes;
    int restartsWithoutState;
    int killed;
    int slow;
    long forged;
    int liars;
    int narrowers;
    int partitioned;
    long partitionStart = -1;
    long healedAt = -1;
    long lastRestartAt = -1;
    private byte[] sides;

    Faults(final Simulation sim)
    {
        this.sim = sim;
        this.plan = FaultPlan.parse(sim.config.faults());
    }

    void schedule()
    {
        final int n = sim.nodes.length;
        final List<Integer> candidates = new ArrayList<>(n);
        for (int i = 0; i < n; i++)
        {
            if (!sim.nodes[i].publisher && i < sim.initialMembers)
            {
                candidates.add(i);
            }
        }
        shuffle(candidates);
        int next = 0;
        for (int i = 0; i < (int)Math.round(plan.downShare() * n); i++, next++)
        {
            final SimNode node = sim.nodes[candidates.get(next)];
            node.alive = false;
            node.downFromStart = true;
            downFromStart++;
        }
        for (int i = 0; i < (int)Math.round(plan.crashShare() * n); i++, next++)
        {
            final long at = seconds(plan.crashFrom() + (plan.crashTo() - plan.crashFrom()) * sim.random.nextDouble());
            sim.events.schedule(at, Simulation.FAULT, 0, 0, new Fault(CRASH, candidates.get(next), i % 2 == 0));
        }
        for (int i = 0; i < plan.kills(); i++, next++)
        {
            sim.events.schedule(seconds(plan.killAt()), Simulation.FAULT, 0, 0, new Fault(KILL, candidates.get(next), false));
        }
        for (int i = 0; i < plan.forgers(); i++, next++)
        {
            sim.events.schedule(seconds(plan.forgeFrom()) + sim.random.nextLong(FORGE_INTERVAL_NANOS), Simulation.FAULT, 0, 0,
                new Fault(FORGE, candidates.get(next), false));
        }
        for (int i = 0; i < plan.liars(); i++, next++)
        {
            sim.nodes[candidates.get(next)].liar = true;
            liars++;
        }
        for (int i = 0; i < plan.narrowers(); i++, next++)
        {
            sim.nodes[candidates.get(next)].narrower = true;
            narrowers++;
        }
        final long floodInterval = (long)(1e9 / Math.max(plan.floodPerSecond(), 1e-3));
        for (int i = 0; i < plan.flooders(); i++, next++)
        {
            sim.nodes[candidates.get(next)].flooder = true;
            sim.events.schedule(seconds(plan.floodFrom()) + sim.random.nextLong(floodInterval), Simulation.FAULT, 0, 0,
                new Fault(FLOOD, candidates.get(next), false));
        }
        for (int i = 0; i < plan.replayers(); i++, next++)
        {
            sim.nodes[candidates.get(next)].replayer = true;
            sim.events.schedule(seconds(plan.replayFrom()) + sim.random.nextLong(REPLAY_INTERVAL_NANOS), Simulation.FAULT,
                0, 0, new Fault(REPLAY, candidates.get(next), false));
        }
        if (null != sim.churn)
        {
            next = sim.churn.schedule(candidates, next);
        }
        for (int i = 0; i < (int)Math.round(plan.slowShare() * n); i++, next++)
        {
            sim.nodes[candidates.get(next)].nanosPerByte = 8_000.0 / sim.config.slowUplinkMbps();
            slow++;
        }
        if (plan.partitionShare() > 0)
        {
            final List<Integer> everyone = new ArrayList<>(n);
            for (int i = 0; i < n; i++)
            {
                everyone.add(i);
            }
            shuffle(everyone);
            sides = new byte[n];
            partitioned = (int)Math.round(plan.partitionShare() * n);
            for (int i = 0; i < partitioned; i++)
            {
                sides[everyone.get(i)] = 1;
            }
            sim.events.schedule(seconds(plan.partitionAt()), Simulation.FAULT, 0, 0, new Fault(PARTITION, -1, false));
            sim.events.schedule(seconds(plan.partitionAt() + plan.partitionFor()), Simulation.FAULT, 0, 0,
                new Fault(HEAL, -1, false));
        }
    }

    void apply(final Fault fault)
    {
        final long now = sim.clock.now;
        switch (fault.kind())
        {
            case CRASH:
                crashes++;
                stop(sim.nodes[fault.member()], "CRASH");
                sim.events.schedule(now + seconds(plan.crashDowntime()), Simulation.FAULT, 0, 0,
                    new Fault(RESTART, fault.member(), fault.withState()));
                break;
            case KILL:
            {
                // The host vanishes: no reset reaches its peers, whose links to it stay up until heartbeats miss.
                killed++;
                final SimNode node = sim.nodes[fault.member()];
                node.alive = false;
                node.incarnation++;
                break;
            }
            case RESTART:
                restart(sim.nodes[fault.member()], fault.withState());
                break;
            case PARTITION:
                partitionStart = now;
                sim.network.partition(sides);
                if (!sim.config.heartbeats())
                {
                    sim.events.schedule(now + CUT_DETECTION_NANOS, Simulation.FAULT, 0, 0, new Fault(CUT_FOUND, -1, false));
                }
                break;
            case HEAL:
                healedAt = now;
                sim.network.heal();
                break;
            case CUT_FOUND:
                closeCutLinks();
                break;
            case FORGE:
                forged += sim.byzantine.forge(sim.nodes[fault.member()]);
                sim.events.schedule(now + FORGE_INTERVAL_NANOS, Simulation.FAULT, 0, 0, fault);
                break;
            case FLOOD:
                sim.byzantine.flood(sim.nodes[fault.member()]);
                sim.events.schedule(now + (long)(1e9 / plan.floodPerSecond()), Simulation.FAULT, 0, 0, fault);
                break;
            case REPLAY:
                sim.byzantine.replay(sim.nodes[fault.member()]);
                sim.events.schedule(now + REPLAY_INTERVAL_NANOS, Simulation.FAULT, 0, 0, fault);
                break;
            case BLOCK:
                sim.churn.onBlock(fault.member());
                break;
            case ADOPT:
                sim.churn.adopt(sim.nodes[fault.member()], fault.block());
                break;
            default:
                throw new IllegalStateException("fault kind " + fault.kind());
        }
    }

    /**
     * @return true if a member was cut off from a batch's origin until the batch was older than retention (less the
     *         time a repair takes: links re-dialled, a digest, a WANT and its answer) when the partition healed.
     */
    boolean evictedBeforeHeal(final int member, final int origin, final long publishedAt, final long retentionNanos)
    {
        return partitionStart >= 0 && healedAt >= 0 && sides[member] != sides[origin] &&
            publishedAt >= partitionStart && publishedAt <= healedAt - retentionNanos + REPAIR_ALLOWANCE_NANOS;
    }

    private void stop(final SimNode node, final String reason)
    {
        node.alive = false;
        node.incarnation++;
        for (int slot = 0; slot < node.neighbours.length; slot++)
        {
            if (node.up[slot])
            {
                sim.network.close(node, slot, reason);
            }
        }
        node.ingressDepth = 0;
        node.cpuFreeAt = sim.clock.now;
        node.uplinkFreeAt = sim.clock.now;
    }

    private void restart(final SimNode node, final boolean withState)
    {
        node.alive = true;
        node.incarnation++;
        lastRestartAt = sim.clock.now;
        if (!withState)
        {
            restartsWithoutState++;
            node.stage.close();
            node.stage = sim.newStage(node);
            node.lastStatelessRestart = sim.clock.now;
            sim.ledger.forget(node.index);
        }
        for (int slot = 0; slot < node.neighbours.length; slot++)
        {
            if (node.dials[slot])
            {
                sim.network.dial(node, slot);
            }
        }
    }

    private void closeCutLinks()
    {
        for (final SimNode node : sim.nodes)
        {
            for (int slot = 0; slot < node.neighbours.length; slot++)
            {
                if (node.up[slot] && sim.network.isCut(node.index, node.neighbours[slot]))
                {
                    sim.network.close(node, slot, "CUT");
                }
            }
        }
    }

    private void shuffle(final List<Integer> list)
    {
        for (int i = list.size() - 1; i > 0; i--)
        {
            final int j = sim.random.nextInt(i + 1);
            final Integer swap = list.get(i);
            list.set(i, list.get(j));
            list.set(j, swap);
        }
    }

    private static long seconds(final double seconds)
    {
        return (long)(seconds * 1e9);
    }
}
