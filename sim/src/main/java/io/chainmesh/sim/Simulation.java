package io.chainmesh.sim;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.broadcast.BroadcastContext;
import io.chainmesh.engine.broadcast.BroadcastPipeline;
import io.chainmesh.engine.broadcast.CommitStage;
import io.chainmesh.engine.overlay.OverlayTopology;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * One run: N members, each the engine's real verify and commit stages ({@link CommitStage}), over simulated
 * links ({@link Network}) on a discrete-event scheduler ({@link EventQueue}) in one thread. Everything random
 * comes from one seed, in event order, so a seed replays the run exactly. Invariants are checked as events
 * happen ({@link Ledger}) and at the end ({@link Outcome}).
 */
public final class Simulation
{
    static final int ARRIVE = 1;
    static final int PROCESS = 2;
    static final int TICK = 3;
    static final int HEARTBEAT = 4;
    static final int PUBLISH = 5;
    static final int DIAL = 6;
    static final int LINK_UP = 7;
    static final int FAULT = 8;

    static final int TOPIC = 1;
    static final long REPAIR_INTERVAL_NANOS = 100_000_000L;
    private static final long PROGRESS_NANOS = 5_000_000_000L;
    private static final Transmission TICK_WORK = new Transmission(Transmission.TICK, -1, -1, null, 0, 0, 0);
    private static final NodeKey UNUSED_KEY = NodeKey.fromBytes(new byte[]{
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7});

    final SimConfig config;
    final DirectorySnapshot directory;
    final SimClock clock = new SimClock();
    final EventQueue events = new EventQueue();
    final SplittableRandom random;
    final Regions regions;
    final Ledger ledger;
    final Network network;
    final SimNode[] nodes;
    final SimSignatures signatures;
    final Faults faults;
    final Byzantine byzantine;
    /** Membership changes at block boundaries, null when the list stays as it is. */
    final Churn churn;
    /** Members listed at the start (indices below this); the rest join at later blocks. */
    final int initialMembers;
    private final CountersManager counters;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[64 * 1024]);
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[16 * 1024]);
    private final BatchEncoder encoder = new BatchEncoder();
    private final int[] publishers;
    private final long[] publisherSeqBase;
    private final long endNanos;
    private final long publishUntilNanos;
    private Transmission processing;
    private PrintStream progress;
    long offersRefused;
    long processed;

    /**
     * @param config the run's settings (concluded here).
     */
    public Simulation(final SimConfig config)
    {
        this.config = config.conclude();
        this.random = new SplittableRandom(config.seed());
        final FaultPlan plan = FaultPlan.parse(this.config.faults());
        final int joiners = Churn.blocks(plan, this.config.seconds()) * Churn.perBlock(plan, this.config.members());
        // Members that join later are listed after the rest of the run's list (a newer added_height sorts last).
        this.directory = Directories.mainnetShaped(config.members() + joiners);
        final int n = directory.size();
        this.initialMembers = n - joiners;
        this.regions = new Regions(n, config.seed(), config.jitter(), random);
        this.ledger = new Ledger(n);
        this.network = new Network(config, clock, events, regions, random, ledger, n);
        this.signatures = new SimSignatures(config.seed());
        this.counters = newCounters(n);
        this.nodes = new SimNode[n];
        this.churn = plan.churns() ? new Churn(this, plan, initialMembers) : null;
        final DirectorySnapshot initial = null == churn ? directory : churn.initial();
        final OverlayTopology overlay = null == churn ? OverlayTopology.of(directory, config.ringSuccessors()) : null;
        for (int i = 0; i < n; i++)
        {
            final int[] neighbours;
            final boolean[] dials;
            if (null == churn)
            {
                neighbours = overlay.neighbours(i);
                dials = new boolean[neighbours.length];
                for (int s = 0; s < neighbours.length; s++)
                {
                    dials[s] = overlay.dials(i, neighbours[s]);
                }
            }
            else
            {
                neighbours = i < initialMembers ? churn.neighboursAtStart(i) : new int[0];
                dials = i < initialMembers ? churn.dialsAtStart(i) : new boolean[0];
            }
            nodes[i] = new SimNode(i, directory, neighbours, dials, network);
            nodes[i].snapshot = initial;
            nodes[i].nanosPerByte = 8_000.0 / config.uplinkMbps();
        }
        network.nodes(nodes);
        ledger.nodes(nodes);
        this.publishers = pickPublishers(initialMembers, config.publishers());
        this.publisherSeqBase = new long[publishers.length];
        this.faults = new Faults(this);
        this.byzantine = new Byzantine(this);
        for (final SimNode node : nodes)
        {
            node.byzantine = byzantine;
        }
        this.endNanos = (long)(config.seconds() * 1e9);
        this.publishUntilNanos = (long)((config.seconds() - config.drainSeconds()) * 1e9);
        for (final SimNode node : nodes)
        {
            node.stage = newStage(node);
        }
    }

    /**
     * @param out where to print progress every 5 simulated seconds (null: nowhere).
     * @return this.
     */
    public Simulation progress(final PrintStream out)
    {
        this.progress = out;
        return this;
    }

    /**
     * Runs to the configured end.
     *
     * @return the figures and invariant checks.
     */
    public Outcome run()
    {
        final long wallStart = System.nanoTime();
        start();
        long nextProgress = PROGRESS_NANOS;
        while (events.peekTime() <= endNanos && events.poll())
        {
            clock.now = events.time();
            dispatch(events.kind(), nodes[events.node()], events.arg(), events.payload());
            if (clock.now >= nextProgress && null != progress)
            {
                progress.println("simulated " + nextProgress / 1_000_000_000L + " s: " + events.scheduled() + " events, " +
                    (System.nanoTime() - wallStart) / 1_000_000_000L + " s wall, " + ledger.deliveries() + " deliveries");
                nextProgress += PROGRESS_NANOS;
            }
        }
        clock.now = endNanos;
        return Outcome.of(this, System.nanoTime() - wallStart);
    }

    private void start()
    {
        faults.schedule();
        for (final SimNode node : nodes)
        {
            for (int slot = 0; slot < node.neighbours.length; slot++)
            {
                if (node.dials[slot] && node.alive)
                {
                    if (nodes[node.neighbours[slot]].alive)
                    {
                        network.open(node, slot);
                    }
                    else
                    {
                        network.scheduleDial(node, slot);
                    }
                }
            }
            // Each member's timers start at its own phase, as independent processes would.
            events.schedule(random.nextLong(REPAIR_INTERVAL_NANOS), TICK, node.index, 0, null);
            if (config.heartbeats())
            {
                events.schedule(random.nextLong(config.heartbeatIntervalNanos()), HEARTBEAT, node.index, 0, null);
            }
        }
        if (config.batchesPerSecond() > 0)
        {
            events.schedule(warmupNanos(), PUBLISH, publishers[0], 0, null);
        }
    }

    /** @return when publishing starts: links are up and the first digests have gone round. */
    long warmupNanos()
    {
        return Math.min(1_000_000_000L, endNanos / 4);
    }

    private void dispatch(final int kind, final SimNode node, final int arg, final Object payloadObject)
    {
        switch (kind)
        {
            case ARRIVE: arrive((Transmission)payloadObject); break;
            case PROCESS: process(node, arg, (Transmission)payloadObject); break;
            case TICK:
                if (node.alive)
                {
                    enqueueWork(node, TICK_WORK, config.controlNanos());
                }
                events.schedule(clock.now + REPAIR_INTERVAL_NANOS, TICK, node.index, 0, null);
                break;
            case HEARTBEAT:
                if (node.alive)
                {
                    network.heartbeatTick(node);
                }
                events.schedule(clock.now + config.heartbeatIntervalNanos(), HEARTBEAT, node.index, 0, null);
                break;
            case PUBLISH: publish(arg); break;
            case DIAL: network.dial(node, arg); break;
            case LINK_UP: network.linkUp(node, arg); break;
            case FAULT: faults.apply((Faults.Fault)payloadObject); break;
            default: throw new IllegalStateException("event kind " + kind);
        }
    }

    private void arrive(final Transmission t)
    {
        final int slot = network.accept(t);
        if (slot < 0)
        {
            return;
        }
        final SimNode to = nodes[t.to];
        to.heard[slot] = true;
        switch (t.type)
        {
            case Transmission.PING:
                network.heartbeat(to, slot, Transmission.PONG, t.pingId);
                break;
            case Transmission.PONG:
                to.monitors[slot].onPong(t.pingId, clock.now);
                break;
            default:
                if (to.replayer)
                {
                    byzantine.capture(to, t);
                }
                if (to.liar && byzantine.lie(to, slot, t))
                {
                    break;
                }
                view.wrap(t.bytes);
                final int kind = to.stage.classify(view, 0, t.bytes.length);
                enqueueWork(to, t, kind == CommitStage.BATCH_TO_VERIFY ? config.verifyNanos() + config.commitNanos() :
                    kind == CommitStage.BATCH_KNOWN_DUPLICATE ? config.controlNanos() : config.controlNanos());
                break;
        }
    }

    /** Queues work on a member's CPU (its ingress ring and stages): served in order, each item taking its cost. */
    private void enqueueWork(final SimNode node, final Transmission work, final long costNanos)
    {
        node.ingressDepth++;
        node.maxIngressDepth = Math.max(node.maxIngressDepth, node.ingressDepth);
        final long done = Math.max(clock.now, node.cpuFreeAt) + costNanos;
        node.cpuFreeAt = done;
        events.schedule(done, PROCESS, node.index, node.incarnation, work);
    }

    private void process(final SimNode node, final int incarnation, final Transmission work)
    {
        if (!node.alive || incarnation != node.incarnation)
        {
            return;
        }
        node.ingressDepth--;
        processed++;
        final boolean endOfBatch = node.ingressDepth == 0;
        processing = work;
        switch (work.type)
        {
            case Transmission.TICK:
                node.stage.onTick(endOfBatch);
                break;
            case Transmission.LOCAL:
                view.wrap(work.bytes);
                node.stage.onLocalBatch(view, 0, work.bytes.length, endOfBatch);
                break;
            default:
                view.wrap(work.bytes);
                node.stage.onFrame(nodes[work.from].id, view, 0, work.bytes.length, endOfBatch);
                break;
        }
        processing = null;
    }

    private void publish(final int count)
    {
        final long next = warmupNanos() + (long)((count + 1) * 1e9 / config.batchesPerSecond());
        if (next < publishUntilNanos)
        {
            events.schedule(next, PUBLISH, publishers[(count + 1) % publishers.length], count + 1, null);
        }
        final int p = count % publishers.length;
        final SimNode origin = nodes[publishers[p]];
        if (!origin.alive || origin.stage.isOriginPaused() || origin.connectedPeers().length == 0)
        {
            offersRefused++;
            return;
        }
        final Member member = directory.member(origin.index);
        if (publisherSeqBase[p] == 0)
        {
            // As the batcher: sequences start at the start time in microseconds, then count.
            publisherSeqBase[p] = clock.time() * 1_000 + clock.now / 1_000 % 1_000;
        }
        final int batch = ledger.batches();
        final long seq = publisherSeqBase[p]++;
        final int length = config.payloadBytes();
        payload.putLong(0, batch);
        payload.putLong(8, clock.now);
        for (int i = 16; i < length; i++)
        {
            payload.putByte(i, (byte)SimSignatures.mix(batch * 31L + i));
        }
        encoder.wrap(frame, 0, frame.capacity()).begin(member.originId(), seq, clock.time());
        encoder.tryAppend(TOPIC, payload, 0, length);
        final int frameLength = signatures.sign(encoder, frame, member.publicKey());
        ledger.publish(origin.index, member.originId(), seq, clock.now, payloadHash(payload, 0, length));
        final byte[] bytes = new byte[frameLength];
        frame.getBytes(0, bytes);
        enqueueWork(origin, new Transmission(Transmission.LOCAL, origin.index, origin.index, bytes, 0, 0, 0),
            config.commitNanos());
    }

    CommitStage newStage(final SimNode node)
    {
        final int retention = config.retentionBytes();
        final int maxFrame = Math.min(64 * 1024, retention / 2 - 64);
        final BroadcastContext ctx = new BroadcastContext()
            .nodeKey(UNUSED_KEY)
            .member(node.id)
            .name(Integer.toString(node.index))
            .directory(() -> node.snapshot)
            .links(node)
            .nanoClock(clock)
            .clock(clock)
            .signatures(signatures)
            .errorHandler(ex -> ledger.violation("ENGINE ERROR at member " + node.index + ": " + ex))
            .retentionBytes(retention)
            .retentionMillis(config.retentionMillis())
            .replayWindowBits(config.replayWindowBits())
            .maxBatchFrameLength(maxFrame)
            .maxMessageLength(Math.min(16 * 1024, maxFrame - 128));
        if (config.digestPeersPerSecond() > 0)
        {
            ctx.digestPeersPerSecond(config.digestPeersPerSecond());
        }
        final CommitStage stage = CommitStage.create(ctx, counters, () -> node.ingressDepth > config.ingressRingSize() / 2);
        final int member = node.index;
        stage.subscribe(TOPIC, (originId, topic, buffer, offset, length) -> ledger.onDeliver(member,
            (int)buffer.getLong(offset), originId, payloadHash(buffer, offset, length),
            null == processing ? 1 : processing.hop, isRepair(processing), clock.now, processing));
        return stage;
    }

    private static boolean isRepair(final Transmission work)
    {
        return null != work && work.bytes.length > FrameDescriptor.FLAGS_OFFSET &&
            (work.bytes[FrameDescriptor.FLAGS_OFFSET] & BatchDescriptor.FLAG_REPAIR) != 0;
    }

    static long payloadHash(final DirectBuffer buffer, final int offset, final int length)
    {
        long h = length;
        for (int i = 0; i < length; i++)
        {
            h = h * 31 + buffer.getByte(offset + i);
        }
        return SimSignatures.mix(h);
    }

    private int[] pickPublishers(final int n, final int count)
    {
        final int[] picked = new int[count];
        final boolean[] taken = new boolean[n];
        for (int i = 0; i < count; i++)
        {
            int candidate;
            do
            {
                candidate = random.nextInt(n);
            }
            while (taken[candidate]);
            taken[candidate] = true;
            picked[i] = candidate;
            nodes[candidate].publisher = true;
        }
        return picked;
    }

    private static CountersManager newCounters(final int members)
    {
        // Room for every member's counters; a member restarted from nothing frees its old ones first.
        final int counters = members * 40 + 4_096;
        return new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(counters * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(counters * CountersReader.COUNTER_LENGTH)));
    }

    long endNanos()
    {
        return endNanos;
    }

    int[] publishers()
    {
        return publishers;
    }
}
