package io.chainmesh.engine.broadcast;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZI_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The cross-thread contract of {@link ReplayWindow#isKnownDuplicate(long)} and {@link SeenWindows}: a verify
 * worker reads while the commit thread commits. The read may miss a commit (the copy is then verified and
 * the commit stage finds the duplicate) but must never call "known" a sequence the window would still
 * accept, or the real batch would be skipped unverified and lost. Each test: one actor commits, one reads,
 * the arbiter classifies the probed sequence afterwards ({@code r2}: 0 new, 1 duplicate, 2 stale).
 * Run with {@code perf/jcstress.sh}.
 */
public final class ReplayWindowStress
{
    static final int WINDOW_BITS = 64;
    static final long GAP = 10;

    private ReplayWindowStress()
    {
    }

    /** A window at 0..63 with a gap at {@link #GAP}. */
    static ReplayWindow windowWithGap()
    {
        final ReplayWindow window = new ReplayWindow(WINDOW_BITS);
        for (long seq = 0; seq < WINDOW_BITS; seq++)
        {
            if (seq != GAP)
            {
                window.commit(seq);
            }
        }
        return window;
    }

    /**
     * The window slides over the slots just below the gap's: the gap is still inside, so it must read
     * "not known" throughout.
     */
    @JCStressTest
    @Description("A gap still inside the window is never read as known while the window slides")
    @Outcome(id = "false, 0", expect = ACCEPTABLE, desc = "gap read as unknown, still accepted")
    @Outcome(id = "true, 0", expect = FORBIDDEN, desc = "gap read as known while the window accepts it")
    @State
    public static class SlideKeepsGap
    {
        final ReplayWindow window = windowWithGap();

        @Actor
        public void commit()
        {
            for (long seq = WINDOW_BITS; seq < WINDOW_BITS + GAP; seq++)
            {
                window.commit(seq);
            }
        }

        @Actor
        public void read(final ZI_Result r)
        {
            r.r1 = window.isKnownDuplicate(GAP);
        }

        @Arbiter
        public void classify(final ZI_Result r)
        {
            r.r2 = window.check(GAP);
        }
    }

    /**
     * The window jumps so the gap's slot is reused by the new highest: "known" may be read (the gap is
     * then below the window), never while the gap is still accepted.
     */
    @JCStressTest
    @Description("A slot reused by a newer sequence reads as known only once the old one is stale")
    @Outcome(id = "false, 2", expect = ACCEPTABLE, desc = "read before the slot was reused")
    @Outcome(id = "true, 2", expect = ACCEPTABLE_INTERESTING, desc = "read the reused slot: the gap is stale by then")
    @Outcome(id = ".*, 0", expect = FORBIDDEN, desc = "the gap cannot still be accepted after the jump")
    @State
    public static class SlotReuse
    {
        final ReplayWindow window = windowWithGap();

        @Actor
        public void commit()
        {
            window.commit(WINDOW_BITS + GAP);
        }

        @Actor
        public void read(final ZI_Result r)
        {
            r.r1 = window.isKnownDuplicate(GAP);
        }

        @Arbiter
        public void classify(final ZI_Result r)
        {
            r.r2 = window.check(GAP);
        }
    }

    /** A sequence committed before the race and still inside the window afterwards always reads as known. */
    @JCStressTest
    @Description("A committed sequence that stays inside the window is never read as unknown")
    @Outcome(id = "true, 1", expect = ACCEPTABLE, desc = "known, still a duplicate")
    @Outcome(id = "false, 1", expect = FORBIDDEN, desc = "a committed sequence read as unknown: verified twice")
    @State
    public static class CommittedStaysKnown
    {
        static final long PROBE = GAP + 5;
        final ReplayWindow window = windowWithGap();

        @Actor
        public void commit()
        {
            for (long seq = WINDOW_BITS; seq <= PROBE + WINDOW_BITS - 1 - GAP; seq++)
            {
                window.commit(seq);
            }
        }

        @Actor
        public void read(final ZI_Result r)
        {
            r.r1 = window.isKnownDuplicate(PROBE);
        }

        @Arbiter
        public void classify(final ZI_Result r)
        {
            r.r2 = window.check(PROBE);
        }
    }

    /** Filling the gap races the read: either answer is fine, and the gap ends committed. */
    @JCStressTest
    @Description("A gap filled during the read is read as either, and ends a duplicate")
    @Outcome(id = "false, 1", expect = ACCEPTABLE, desc = "read before the fill")
    @Outcome(id = "true, 1", expect = ACCEPTABLE, desc = "read after the fill")
    @State
    public static class GapFill
    {
        final ReplayWindow window = windowWithGap();

        @Actor
        public void commit()
        {
            window.commit(GAP);
        }

        @Actor
        public void read(final ZI_Result r)
        {
            r.r1 = window.isKnownDuplicate(GAP);
        }

        @Arbiter
        public void classify(final ZI_Result r)
        {
            r.r2 = window.check(GAP);
        }
    }

    /**
     * An origin joining copies the map: a reader on another origin keeps seeing its window (a lost entry
     * reads as unknown and costs a verification; here it must not happen at all).
     */
    @JCStressTest
    @Description("Copy-on-write of the windows map keeps every other origin readable")
    @Outcome(id = "true, 1", expect = ACCEPTABLE, desc = "existing origin still known")
    @Outcome(id = "false, 1", expect = FORBIDDEN, desc = "existing origin lost during a join")
    @State
    public static class OriginJoins
    {
        static final long ORIGIN = 7;
        static final long JOINING = 8;
        final SeenWindows seen = new SeenWindows();
        final ReplayWindow window = windowWithGap();

        public OriginJoins()
        {
            seen.add(ORIGIN, window);
        }

        @Actor
        public void join()
        {
            seen.add(JOINING, new ReplayWindow(WINDOW_BITS));
            seen.removeIf(originId -> originId == JOINING);
        }

        @Actor
        public void read(final ZI_Result r)
        {
            r.r1 = seen.isKnownDuplicate(ORIGIN, GAP + 1);
        }

        @Arbiter
        public void classify(final ZI_Result r)
        {
            r.r2 = window.check(GAP + 1);
        }
    }
}
