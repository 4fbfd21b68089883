package io.chainmesh.bench;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;
import io.chainmesh.chain.Member;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.control.BenchReport;
import io.chainmesh.codec.crypto.PublicKey;
import org.agrona.concurrent.EpochClock;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The network's latest valid bench report per member.
 * <p>
 * {@link #offer} is called by one thread (the engine's delivery thread); reads
 * ({@link #latest()}, {@link #table}) may come from any thread. Memory is bounded by the number
 * of members: one report each, and reports from non-members are refused.
 */
public final class BenchReportBook
{
    /** What happened to an offered report. */
    public enum Outcome
    {
        /** Newer than the one held; now the latest. */
        ACCEPTED,
        /** Not newer than the one held. */
        STALE,
        /** Signature or node id invalid. */
        FORGED,
        /** About a member that is not in the directory, or signed by a key not listed for it. */
        NOT_A_MEMBER,
        /** Timestamp too far ahead of this node's clock. */
        FROM_THE_FUTURE
    }

    private final EpochClock clock;
    private final long maxFutureSkewMillis;
    private final Map<MemberId, BenchReport> latest = new ConcurrentHashMap<>();
    private final AtomicLongArray outcomes = new AtomicLongArray(Outcome.values().length);

    /**
     * @param clock               wall clock.
     * @param maxFutureSkewMillis how far in the future a report's timestamp may be (FluxOS allows ~2 min).
     */
    public BenchReportBook(final EpochClock clock, final long maxFutureSkewMillis)
    {
        this.clock = clock;
        this.maxFutureSkewMillis = maxFutureSkewMillis;
    }

    /**
     * @param subject   the member the report is about: the broadcast origin that published it.
     * @param report    a received report.
     * @param directory the current directory.
     * @return what happened to it (also counted).
     */
    public Outcome offer(final MemberId subject, final BenchReport report, final DirectorySnapshot directory)
    {
        final Outcome outcome = classify(subject, report, directory);
        outcomes.incrementAndGet(outcome.ordinal());
        return outcome;
    }

    private Outcome classify(final MemberId subject, final BenchReport report, final DirectorySnapshot directory)
    {
        final PublicKey signer;
        try
        {
            signer = BenchReports.verify(report);
        }
        catch (final CodecException ex)
        {
            return Outcome.FORGED;
        }
        final Member member = directory.find(subject);
        if (null == member || !member.publicKey().equals(signer))
        {
            return Outcome.NOT_A_MEMBER;
        }
        if (report.getTimestampMillis() - clock.time() > maxFutureSkewMillis)
        {
            return Outcome.FROM_THE_FUTURE;
        }
        final BenchReport held = latest.get(subject);
        if (null != held && held.getTimestampMillis() >= report.getTimestampMillis())
        {
            return Outcome.STALE;
        }
        latest.put(subject, report);
        return Outcome.ACCEPTED;
    }

    /**
     * Drops reports of members that left the directory, keeping memory bounded by members.
     *
     * @param directory the current directory.
     */
    public void retainMembers(final DirectorySnapshot directory)
    {
        latest.keySet().removeIf(id -> !directory.contains(id));
    }

    /**
     * @return an immutable copy of the latest report per member.
     */
    public Map<MemberId, BenchReport> latest()
    {
        return Map.copyOf(latest);
    }

    /**
     * @return how many reports ended in each outcome so far.
     */
    public Map<Outcome, Long> outcomeCounts()
    {
        final Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
        for (final Outcome outcome : Outcome.values())
        {
            counts.put(outcome, outcomes.get(outcome.ordinal()));
        }
        return counts;
    }

    /**
     * @param directory the directory, for ring order and endpoints.
     * @return a fixed-width table of the latest reports, one row per member in ring order.
     */
    public String table(final DirectorySnapshot directory)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-4s %-22s %-8s %5s %8s %9s %10s %10s %9s%n",
            "ring", "endpoint", "tier", "cores", "ram GB", "eps", "disk MB/s", "net Mb/s", "rtt us"));
        final Map<Integer, String> rows = new TreeMap<>();
        for (final Map.Entry<MemberId, BenchReport> e : latest.entrySet())
        {
            final int index = directory.indexOf(e.getKey());
            if (index < 0)
            {
                continue;
            }
            final Member member = directory.member(index);
            final BenchReport r = e.getValue();
            rows.put(index, String.format("%-4d %-22s %-8s %5d %8.1f %9.1f %10.1f %10.1f %9.1f%n",
                index, member.endpoint(), r.getTier(), r.getCores(), r.getRamBytes() / 1e9, r.getEpsMulti(),
                r.getDiskWriteMbps(), r.getNetworkThroughputMbps(), r.getNetworkRttMicros()));
        }
        rows.values().forEach(sb::append);
        return sb.toString();
    }
}
