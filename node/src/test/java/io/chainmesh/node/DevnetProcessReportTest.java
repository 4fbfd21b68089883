package io.chainmesh.node;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code devnet --processes} owes a restarted member of the history published before it came back. */
class DevnetProcessReportTest
{
    private static final long T0 = 1_000_000_000_000L;
    /** The engine's default retention, by which peers evict what they hold. */
    private static final long RETENTION_NS = TimeUnit.SECONDS.toNanos(60);

    /** An origin publishing 10 messages a second, sampled once a second by the parent, for 120 s. */
    private static List<long[]> timeline()
    {
        final List<long[]> timeline = new ArrayList<>();
        for (int s = 0; s <= 120; s++)
        {
            timeline.add(new long[] {T0 + TimeUnit.SECONDS.toNanos(s), 10L * s});
        }
        return timeline;
    }

    private static long at(final double seconds)
    {
        return T0 + (long)(seconds * 1e9);
    }

    /** The first message published at or after the given time (10 a second from T0). */
    private static long firstPublishedAtOrAfter(final long ns)
    {
        return (long)Math.ceil((ns - T0) / 1e8);
    }

    @Test
    void shouldOweNoHistoryThatPeersHadEvictedWhenTheRestartedMemberGotItsHistory()
    {
        // Ready at 82 s on a starved machine; its history (oldest first, right after the peers' answer) arrived 6.5 s
        // later. The peers answered by then, so what they still held was what was published at most 60 s before.
        final long readyNs = at(82);
        final long historyAtNs = at(88.5);
        final long retainedFrom = firstPublishedAtOrAfter(historyAtNs - RETENTION_NS);

        final long floor = DevnetProcessReport.historyFloor(readyNs, historyAtNs, timeline());

        assertThat(floor).isGreaterThanOrEqualTo(retainedFrom);
        // Still owed: what was published since the last sample at or before HISTORY_OWED_MS before it came (33 s).
        assertThat(floor).isEqualTo(330);
    }

    @Test
    void shouldOweTheHistoryFromReadinessWhenNothingOlderArrivedLater()
    {
        // Its oldest message came before it was ready (or nothing came): what it is owed starts 55 s before ready, so an
        // engine that fetched no history at all fails the run.
        assertThat(DevnetProcessReport.historyFloor(at(82), at(81), timeline())).isEqualTo(270);
        assertThat(DevnetProcessReport.historyFloor(at(82), 0, timeline())).isEqualTo(270);
    }

    @Test
    void shouldNameTheFirstMissingMessageThatIsOwed()
    {
        // Received [330, 600) and [601, 900): below 330 is history beyond retention, not owed past the floor.
        final long[] summary = {869, 0, 900, 2, 330, 600, 601, 900};

        assertThat(DevnetProcessReport.firstMissing(summary, 300, 900)).isEqualTo(300);
        assertThat(DevnetProcessReport.firstMissing(summary, 330, 900)).isEqualTo(600);
        assertThat(DevnetProcessReport.firstMissing(summary, 601, 900)).isEqualTo(-1);
    }

    @Test
    void shouldCountTheHistoryOwedDuringTheDrainFromWhatTheLastProgressReportSays() throws Exception
    {
        final Process idle = new ProcessBuilder("true").start();
        try
        {
            final MemberProcess origin = new MemberProcess(3, 0, idle, Path.of("member-3.log"));
            final MemberProcess restarted = new MemberProcess(5, 1, idle, Path.of("member-5.log"));
            restarted.onLine("{\"type\":\"ready\",\"port\":1}");
            final long readyNs = restarted.readyNs();
            for (int s = -120; s <= 30; s++)
            {
                origin.timeline.add(new long[] {readyNs + TimeUnit.SECONDS.toNanos(s), 10L * (s + 120)});
            }
            final String progress = "{\"type\":\"progress\",\"published\":0,\"distinct\":[[0],[0],[0],[600]]";

            restarted.onLine(progress + "}");
            final long beforeHistory = DevnetProcessReport.historyFloor(restarted, origin);
            restarted.onLine(progress + ",\"historyAt\":[[0],[0],[0],[" + (readyNs + TimeUnit.MILLISECONDS.toNanos(6_500)) +
                "]]}");
            final long afterHistory = DevnetProcessReport.historyFloor(restarted, origin);

            // Counted from readiness until the member says when its oldest history came, then from then: the drain
            // stops waiting for history its peers had evicted by the time they answered.
            assertThat(beforeHistory).isEqualTo(DevnetProcessReport.historyFloor(readyNs, 0, origin.timeline)).isEqualTo(650);
            assertThat(afterHistory).isEqualTo(DevnetProcessReport.historyFloor(readyNs,
                readyNs + TimeUnit.MILLISECONDS.toNanos(6_500), origin.timeline)).isEqualTo(710);
            assertThat(DevnetProcessReport.historyFloor(origin, restarted)).isZero();
        }
        finally
        {
            idle.waitFor();
        }
    }

    @Test
    void shouldNeverCountAnOwedMessageAsHeldBecauseHistoryBelowTheFloorArrivedToo()
    {
        // Never restarted: everything from 0 is owed.
        assertThat(DevnetProcessReport.owedBy(100, 0, 97, 0)).isEqualTo(3);
        // Restarted, owed [710, 900); the peers still had [600, 710) too and sent it; the last 3 are missing. Counting
        // all 297 held against the 190 owed would say nothing is missing.
        assertThat(DevnetProcessReport.owedBy(900, 710, 297, 600)).isEqualTo(3);
        // 5 more missing below the floor: counted as owed too (a drain waits longer, never less).
        assertThat(DevnetProcessReport.owedBy(900, 710, 292, 600)).isEqualTo(8);
        // Nothing below the floor held: exact.
        assertThat(DevnetProcessReport.owedBy(900, 710, 187, 710)).isEqualTo(3);
        assertThat(DevnetProcessReport.owedBy(900, 710, 0, 0)).isEqualTo(190);
    }
}
