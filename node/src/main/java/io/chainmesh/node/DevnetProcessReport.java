package io.chainmesh.node;

import com.fasterxml.jackson.databind.JsonNode;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The accounting of {@code chainmesh devnet --processes}: per-phase tallies while the run goes (phases are cut at
 * every fault), catch-up of restarted members, what is still owed during the drain, and the final
 * {@link DevnetReport} with its {@link DevnetFaultReport}.
 * <p>
 * What is owed, per live receiver (a member process alive at the end) and per origin process (each incarnation of
 * each other member): an origin alive at the end owes everything it published; an origin the plan killed owes every
 * message that at least one live member committed (the highest sequence any live member holds, plus one). Messages
 * it published that no live member committed were in flight at its death and may be lost; they are reported as
 * {@code lostAtDeath}. A restarted member is a new receiver: it is owed everything published after it was ready, and
 * the history (delivered from the other members' retention) published at most {@link #HISTORY_OWED_MS} before it
 * asked for it; older messages are beyond retention and counted apart. When it asked is bounded by when its oldest
 * message of that origin arrived (peers answer where their retention starts and serve from there, oldest first), and
 * is never taken as earlier than when it was ready. Used by the run thread only.
 */
final class DevnetProcessReport
{
    private static final int MAX_GAP_LINES = 10;
    /**
     * History a restarted member is owed, before it asked for it: the engine's default {@code retentionMillis} (60 s,
     * by which peers evict; members run with the defaults) less 5 s for the slop of the parent's once-a-second publish
     * timeline and the answer's way back.
     */
    static final long HISTORY_OWED_MS = 55_000;

    /** Counts over an interval. */
    static final class Tally
    {
        long published;
        long delivered;
        long repairs;
        final Histogram latency = new Histogram(3);

        void add(final long published, final long delivered, final long repairs, final Histogram latency)
        {
            this.published += published;
            this.delivered += delivered;
            this.repairs += repairs;
            this.latency.add(latency);
        }

        void reset()
        {
            published = 0;
            delivered = 0;
            repairs = 0;
            latency.reset();
        }
    }

    private static final class PhaseTally
    {
        final String startedBy;
        final long startNs;
        int live;
        final Tally tally = new Tally();

        PhaseTally(final String startedBy, final long startNs, final int live)
        {
            this.startedBy = startedBy;
            this.startNs = startNs;
            this.live = live;
        }
    }

    private final DevnetRunner.Context ctx;
    private final DevnetProcessRunner.Faults faults;
    private final List<PhaseTally> phases = new ArrayList<>();
    private final Tally sinceProgress = new Tally();
    private final BitSet stopped = new BitSet();
    private long startNs;

    DevnetProcessReport(final DevnetRunner.Context ctx, final DevnetProcessRunner.Faults faults)
    {
        this.ctx = ctx;
        this.faults = faults;
    }

    void begin(final long startNs, final int live)
    {
        this.startNs = startNs;
        phases.add(new PhaseTally("start", startNs, live));
    }

    void nextPhase(final String startedBy, final long nowNs, final int live)
    {
        phases.add(new PhaseTally(startedBy, nowNs, live));
    }

    void liveMembers(final int live)
    {
        phases.get(phases.size() - 1).live = live;
    }

    void stopped(final int member, final boolean isStopped)
    {
        stopped.set(member, isStopped);
    }

    boolean isStopped(final int member)
    {
        return stopped.get(member);
    }

    /**
     * Moves what every process reported since the last call into the current phase and the progress tally.
     *
     * @param processes every process started.
     */
    void collect(final List<MemberProcess> processes)
    {
        final Tally phase = phases.get(phases.size() - 1).tally;
        for (final MemberProcess m : processes)
        {
            synchronized (m)
            {
                final long published = m.published - m.countedPublished;
                final long delivered = m.delivered - m.countedDelivered;
                final long repairs = m.repairs - m.countedRepairs;
                m.countedPublished = m.published;
                m.countedDelivered = m.delivered;
                m.countedRepairs = m.repairs;
                m.timeline.add(new long[] {System.nanoTime(), m.published});
                phase.add(published, delivered, repairs, m.interval);
                sinceProgress.add(published, delivered, repairs, m.interval);
                m.interval.reset();
            }
        }
    }

    /**
     * @return a copy of what was collected since the last call, for the progress line.
     */
    Tally takeProgress()
    {
        final Tally copy = new Tally();
        copy.add(sinceProgress.published, sinceProgress.delivered, sinceProgress.repairs, sinceProgress.latency);
        sinceProgress.reset();
        return copy;
    }

    /**
     * A restarted process is back: it has caught up once it holds, of every other origin, what the other live
     * members held now.
     *
     * @param back    the restarted process.
     * @param current the current process of every member.
     */
    void restarted(final MemberProcess back, final List<MemberProcess> current)
    {
        final long[][] target = new long[current.size()][DevnetMemberCommand.MAX_INCARNATIONS];
        for (final MemberProcess r : current)
        {
            if (r == back || r.ended())
            {
                continue;
            }
            for (int o = 0; o < current.size(); o++)
            {
                if (o == back.index || o == r.index)
                {
                    continue;
                }
                for (int k = 0; k < DevnetMemberCommand.MAX_INCARNATIONS; k++)
                {
                    target[o][k] = Math.max(target[o][k], r.distinct(o, k));
                }
            }
        }
        back.catchUpTarget = target;
    }

    void checkCatchUp(final List<MemberProcess> current, final long nowNs)
    {
        for (final MemberProcess m : current)
        {
            if (null == m.catchUpTarget || 0 != m.caughtUpNs || m.ended())
            {
                continue;
            }
            boolean caughtUp = true;
            for (int o = 0; o < m.catchUpTarget.length && caughtUp; o++)
            {
                for (int k = 0; k < DevnetMemberCommand.MAX_INCARNATIONS && caughtUp; k++)
                {
                    caughtUp = m.distinct(o, k) >= m.catchUpTarget[o][k];
                }
            }
            if (caughtUp)
            {
                m.caughtUpNs = nowNs;
                ctx.progress().accept(String.format("%5.1fs  member %d (incarnation %d) caught up %.1f s after it was ready",
                    (nowNs - startNs) / 1e9, m.index, m.incarnation, (nowNs - m.readyNs()) / 1e9));
            }
        }
    }

    /**
     * @param receiver a live receiver.
     * @param origin   an origin process.
     * @return how many of the origin's first messages are beyond what the receiver is owed, by its last report (see
     *         {@link #historyFloor(long, long, List)}); 0 for a receiver never restarted. A later report can only
     *         raise it (the oldest history arrives later, not earlier), so a drain that ends on it never ends before
     *         the final reports agree.
     */
    static long historyFloor(final MemberProcess receiver, final MemberProcess origin)
    {
        if (receiver.incarnation == 0 || !receiver.ready())
        {
            return 0;
        }
        return historyFloor(receiver.readyNs(), receiver.historyAtNs(origin.index, origin.incarnation), origin.timeline);
    }

    /**
     * What a restarted receiver is owed of an origin's history. The engine evicts by time ({@code retentionMillis}
     * after a peer took a batch in, the origin first) and a member that comes back is owed what its peers retain
     * when they answer its first ask (they name where their retention starts and serve from there, oldest first).
     * That answer came no later than the oldest message it holds of the origin, and no sooner than it was ready
     * (it may come well after on a starved machine): history published more than {@link #HISTORY_OWED_MS} before
     * the later of the two may have been evicted at every peer when it asked, and is not owed.
     *
     * @param readyNs     when the restarted receiver was ready.
     * @param historyAtNs when the oldest message it holds of the origin arrived (its {@code historyAt}; 0: not
     *                    known).
     * @param timeline    the origin's (time, published) samples, oldest first.
     * @return how many of the origin's first messages are beyond what the receiver is owed: what the origin had
     *         published by the last sample at or before {@link #HISTORY_OWED_MS} before the ask.
     */
    static long historyFloor(final long readyNs, final long historyAtNs, final List<long[]> timeline)
    {
        final long askedNs = 0 != historyAtNs && historyAtNs - readyNs > 0 ? historyAtNs : readyNs;
        final long cutNs = askedNs - TimeUnit.MILLISECONDS.toNanos(HISTORY_OWED_MS);
        long floor = 0;
        for (final long[] sample : timeline)
        {
            if (sample[0] - cutNs > 0)
            {
                break;
            }
            floor = sample[1];
        }
        return floor;
    }

    /**
     * What a receiver still lacks of an origin's sequences {@code [floor, due)}, by counts alone: of the messages it
     * holds, those below the floor (history its peers still had) do not count, and a progress report does not say
     * how many those are. At most every sequence from the lowest held up to the floor is one of them, so that many
     * are taken away: the result never falls below what is really missing (exact when nothing is missing below the
     * floor), and a drain that waits for 0 never ends while an owed message is missing.
     *
     * @param due      one past the last sequence owed.
     * @param floor    the first sequence owed.
     * @param held     distinct sequences held.
     * @param lowest   the lowest sequence held (ignored when none is held).
     * @return deliveries still owed, at least the real number.
     */
    static long owedBy(final long due, final long floor, final long held, final long lowest)
    {
        final long heldBelowFloorAtMost = held == 0 ? 0 : Math.min(held, Math.max(0, floor - lowest));
        return Math.max(0, due - floor - (held - heldBelowFloorAtMost));
    }

    /**
     * @param processes every process started.
     * @param live      the processes alive now.
     * @param churned   the churned member, or -1 (it is not a receiver).
     * @return deliveries still owed to live members, by their progress reports.
     */
    long owedNow(final List<MemberProcess> processes, final List<MemberProcess> live, final int churned)
    {
        long owed = 0;
        for (final MemberProcess origin : processes)
        {
            long due = origin.ended() ? 0 : origin.published();
            if (origin.ended())
            {
                for (final MemberProcess r : live)
                {
                    if (r.index != origin.index)
                    {
                        due = Math.max(due, r.distinct(origin.index, origin.incarnation));
                    }
                }
            }
            for (final MemberProcess r : live)
            {
                if (r.index != origin.index && r.index != churned)
                {
                    owed += owedBy(due, historyFloor(r, origin), r.distinct(origin.index, origin.incarnation),
                        r.lowestHeld(origin.index, origin.incarnation));
                }
            }
        }
        return owed;
    }

    /**
     * @param summary a receiver's summary of an origin process (see {@link DevnetMemberCommand#summary}).
     * @param floor   the first sequence owed.
     * @param owed    one past the last sequence owed.
     * @return the first sequence in {@code [floor, owed)} it lacks, -1 if none (or if the listed runs were cut short
     *         before it: then it is not known).
     */
    static long firstMissing(final long[] summary, final long floor, final long owed)
    {
        final int runs = (int)summary[3];
        long next = floor;
        for (int i = 0; i < runs && next < owed; i++)
        {
            final long from = summary[4 + 2 * i];
            final long to = summary[5 + 2 * i];
            if (from > next)
            {
                return next;
            }
            next = Math.max(next, to);
        }
        if (next >= owed || runs >= DevnetMemberCommand.MAX_RUNS)
        {
            return -1;
        }
        return next;
    }

    /** One origin process as seen by one receiver's final report. */
    private record Seen(long distinct, long end, long received)
    {
    }

    private static long[] summary(final MemberProcess receiver, final MemberProcess origin)
    {
        final JsonNode s = receiver.finalReport().path("origins").path(origin.index).path(origin.incarnation);
        if (!s.isArray() || s.size() < 4)
        {
            return new long[] {0, 0, 0, 0};
        }
        final int runs = (int)Math.min(DevnetMemberCommand.MAX_RUNS, Math.max(0, s.get(3).asLong()));
        final long[] out = new long[4 + 2 * Math.min(runs, (s.size() - 4) / 2)];
        for (int i = 0; i < out.length; i++)
        {
            out[i] = s.get(i).asLong();
        }
        out[3] = (out.length - 4) / 2;
        return out;
    }

    /** What of {@code [floor, owed)} the summary says arrived. */
    private static Seen seen(final long[] summary, final long floor, final long owed)
    {
        final int runs = (int)summary[3];
        long received = 0;
        if (runs >= DevnetMemberCommand.MAX_RUNS)
        {
            // The runs were cut short: take the distinct count, at most what is owed.
            received = Math.min(summary[0], owed - floor);
        }
        else
        {
            for (int i = 0; i < runs; i++)
            {
                final long from = summary[4 + 2 * i];
                final long to = summary[5 + 2 * i];
                received += Math.max(0, Math.min(to, owed) - Math.max(from, floor));
            }
        }
        return new Seen(summary[0], summary[2], received);
    }

    DevnetReport report(
        final List<MemberProcess> processes, final List<MemberProcess> current, final int churned, final double seconds,
        final long drainedNs)
    {
        final int n = current.size();
        final List<MemberProcess> live = current.stream().filter(m -> !m.ended()).toList();
        final long[] owed = new long[processes.size()];
        final long[] fewest = new long[processes.size()];
        for (int p = 0; p < processes.size(); p++)
        {
            final MemberProcess origin = processes.get(p);
            long due = origin.ended() ? 0 : origin.published();
            if (origin.ended())
            {
                for (final MemberProcess r : live)
                {
                    if (r.index != origin.index)
                    {
                        due = Math.max(due, summary(r, origin)[2]);
                    }
                }
            }
            owed[p] = due;
            fewest[p] = due;
        }
        final Histogram all = new Histogram(3);
        final long[] batchSizes = new long[17];
        long totalPublished = 0;
        long backPressured = 0;
        long expected = 0;
        long delivered = 0;
        long missing = 0;
        long duplicates = 0;
        long batchesPublished = 0;
        long batchesForwarded = 0;
        long repairs = 0;
        long bytesOut = 0;
        int gaps = 0;
        long lostBeyondRetention = 0;
        final long[] receiverMissing = new long[processes.size()];
        final long[] beyond = new long[processes.size()];
        final List<DevnetReport.NodeRow> rows = new ArrayList<>();
        for (int p = 0; p < processes.size(); p++)
        {
            totalPublished += processes.get(p).published();
            backPressured += processes.get(p).backPressured();
        }
        for (final MemberProcess r : current)
        {
            long published = 0;
            for (final MemberProcess p : processes)
            {
                published += p.index == r.index ? p.published() : 0;
            }
            if (r.ended())
            {
                final long lastDelivered;
                synchronized (r)
                {
                    lastDelivered = r.delivered;
                }
                rows.add(new DevnetReport.NodeRow(r.index, r.port(), published, lastDelivered, 0, 0, 0, 0, 0));
                continue;
            }
            final JsonNode fin = r.finalReport();
            final Histogram latency = r.finalLatency();
            all.add(latency);
            batchesPublished += fin.path("batchesPublished").asLong();
            batchesForwarded += fin.path("batchesForwarded").asLong();
            repairs += fin.path("repairs").asLong();
            bytesOut += fin.path("bytesOut").asLong();
            final JsonNode sizes = fin.path("batchSizes");
            for (int b = 0; b < sizes.size() && b < batchSizes.length; b++)
            {
                batchSizes[b] += sizes.get(b).asLong();
            }
            final long nodeDelivered = fin.path("delivered").asLong();
            // Duplicates and payloads that do not parse both break "exactly once".
            long nodeDuplicates = fin.path("duplicates").asLong() + fin.path("invalid").asLong();
            long nodeOwed = 0;
            long nodeMissing = 0;
            for (int p = 0; p < processes.size(); p++)
            {
                final MemberProcess origin = processes.get(p);
                if (origin.index == r.index)
                {
                    continue;
                }
                final long floor = Math.min(owed[p], historyFloor(r, origin));
                final long[] summary = summary(r, origin);
                final Seen seen = seen(summary, floor, owed[p]);
                nodeOwed += owed[p] - floor;
                beyond[processes.indexOf(r)] += floor;
                final long shortfall = owed[p] - floor - seen.received();
                nodeMissing += shortfall;
                // Sequences beyond what the origin says it published: as wrong as a duplicate.
                nodeDuplicates += Math.max(0, seen.distinct() - seen(summary, 0, owed[p]).received());
                fewest[p] = Math.min(fewest[p], floor + seen.received());
                if (shortfall > 0 && r.index != churned && gaps++ < MAX_GAP_LINES)
                {
                    final long firstMissing = firstMissing(summary, floor, owed[p]);
                    ctx.progress().accept("member " + r.index + " lacks " + shortfall + " of member " + origin.index +
                        (origin.incarnation > 0 ? " (incarnation " + origin.incarnation + ")" : "") + "'s " + owed[p] +
                        " messages (has " + seen.distinct() + " distinct, first missing " +
                        (firstMissing < 0 ? "past the runs listed" : "#" + firstMissing) + ", highest #" + (seen.end() - 1) +
                        (floor > 0 ? ", owed from #" + floor : "") + ")");
                }
            }
            receiverMissing[processes.indexOf(r)] = nodeMissing;
            lostBeyondRetention += fin.path("lostBeyondRetention").asLong();
            historyLine(r, processes);
            if (r.index != churned)
            {
                expected += nodeOwed;
                delivered += nodeDelivered;
                missing += nodeMissing;
                duplicates += nodeDuplicates;
            }
            rows.add(new DevnetReport.NodeRow(r.index, r.port(), published, nodeDelivered, nodeMissing, nodeDuplicates,
                fin.path("links").asInt(), latency.getValueAtPercentile(50) / 1000.0,
                latency.getValueAtPercentile(99) / 1000.0));
        }
        if (lostBeyondRetention > 0)
        {
            ctx.progress().accept(String.format(
                "engine: %,d batches given up as beyond retention (counted by the live members' nodes)", lostBeyondRetention));
        }
        final DevnetReport.Latency latency = latency(all);
        final int steady = Math.max(1, (int)live.stream().filter(m -> m.index != churned).count());
        final DevnetFaultReport faultReport = faults.any() ?
            faultReport(processes, owed, fewest, receiverMissing, beyond, drainedNs) : null;
        return new DevnetReport(n, ctx.strategy().name(), ctx.messageSize(), ctx.rate(), seconds, totalPublished,
            backPressured, expected, delivered, missing, duplicates, delivered / (double)steady / seconds,
            delivered * (double)ctx.messageSize() / 1e6 / seconds, latency, batchSizes, batchesPublished, batchesForwarded,
            repairs, churned, rows, missing == 0 && duplicates == 0, bytesOut, faultReport);
    }

    /** For a restarted receiver: when its history came, which sets what of it is owed. */
    private void historyLine(final MemberProcess r, final List<MemberProcess> processes)
    {
        if (r.incarnation == 0 || !r.ready())
        {
            return;
        }
        long latestNs = r.readyNs();
        for (final MemberProcess origin : processes)
        {
            final long atNs = r.historyAtNs(origin.index, origin.incarnation);
            if (origin.index != r.index && 0 != atNs && atNs - latestNs > 0)
            {
                latestNs = atNs;
            }
        }
        ctx.progress().accept(String.format("member %d (incarnation %d): its oldest history arrived by %.1f s after it was " +
            "ready; what was published more than %d s before that is beyond retention, not owed", r.index, r.incarnation,
            (latestNs - r.readyNs()) / 1e9, HISTORY_OWED_MS / 1000));
    }

    private DevnetFaultReport faultReport(
        final List<MemberProcess> processes, final long[] owed, final long[] fewest, final long[] receiverMissing,
        final long[] beyond, final long drainedNs)
    {
        final List<DevnetFaultReport.Phase> phaseRows = new ArrayList<>();
        for (int i = 0; i < phases.size(); i++)
        {
            final PhaseTally phase = phases.get(i);
            final long endNs = i + 1 < phases.size() ? phases.get(i + 1).startNs : drainedNs;
            final double length = Math.max(1e-3, (endNs - phase.startNs) / 1e9);
            phaseRows.add(new DevnetFaultReport.Phase(i, phase.startedBy, seconds(phase.startNs), seconds(endNs), phase.live,
                phase.tally.published, phase.tally.delivered, phase.tally.delivered / length, phase.tally.repairs,
                latency(phase.tally.latency)));
        }
        final List<DevnetFaultReport.Incarnation> incarnations = new ArrayList<>();
        long lostAtDeath = 0;
        for (int p = 0; p < processes.size(); p++)
        {
            final MemberProcess m = processes.get(p);
            final long published = m.published();
            if (m.ended())
            {
                lostAtDeath += Math.max(0, published - owed[p]);
            }
            final long delivered;
            synchronized (m)
            {
                delivered = m.hasFinal() ? m.finalReport().path("delivered").asLong() : m.delivered;
            }
            incarnations.add(new DevnetFaultReport.Incarnation(m.index, m.incarnation, seconds(m.spawnedNs),
                m.ready() ? seconds(m.readyNs()) : -1, m.ended() ? seconds(m.endedNs) : null, m.endedBy, published, owed[p],
                fewest[p], 0 != m.caughtUpNs ? (m.caughtUpNs - m.readyNs()) / 1e9 : null, delivered, receiverMissing[p],
                beyond[p]));
        }
        return new DevnetFaultReport(null == faults.plan() ? "" : faults.plan().text(), faults.latencyText(), phaseRows,
            incarnations, lostAtDeath);
    }

    private double seconds(final long ns)
    {
        return Math.round((ns - startNs) / 1e6) / 1e3;
    }

    private static DevnetReport.Latency latency(final Histogram h)
    {
        return new DevnetReport.Latency(h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
            h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0,
            h.getTotalCount());
    }
}
