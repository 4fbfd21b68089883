package io.chainmesh.engine.broadcast;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplayWindowTest
{
    private static final long BASE = 1_700_000_000_000_000L;

    @Test
    void shouldNotMarkSeenUntilCommitted()
    {
        final ReplayWindow window = new ReplayWindow(64);

        assertThat(window.check(BASE)).isEqualTo(ReplayWindow.NEW);
        // A forged copy is checked, fails verification and is never committed: the real one still passes.
        assertThat(window.check(BASE)).isEqualTo(ReplayWindow.NEW);
        assertThat(window.commit(BASE)).isTrue();
        assertThat(window.check(BASE)).isEqualTo(ReplayWindow.DUPLICATE);
        assertThat(window.commit(BASE)).isFalse();
    }

    @Test
    void shouldAcceptOutOfOrderInsideWindowAndTrackContiguous()
    {
        final ReplayWindow window = new ReplayWindow(64);
        window.commit(BASE);
        window.commit(BASE + 3);

        assertThat(window.highest()).isEqualTo(BASE + 3);
        assertThat(window.contiguous()).isEqualTo(BASE);
        assertThat(window.check(BASE + 1)).isEqualTo(ReplayWindow.NEW);
        assertThat(window.commit(BASE + 2)).isTrue();
        assertThat(window.contiguous()).isEqualTo(BASE);
        assertThat(window.commit(BASE + 1)).isTrue();
        assertThat(window.contiguous()).isEqualTo(BASE + 3);
        assertThat(window.check(BASE + 2)).isEqualTo(ReplayWindow.DUPLICATE);
    }

    @Test
    void shouldRejectSequencesOlderThanWindowAsStale()
    {
        final ReplayWindow window = new ReplayWindow(64);
        window.commit(BASE);
        window.commit(BASE + 100);

        assertThat(window.check(BASE + 36)).isEqualTo(ReplayWindow.STALE);
        assertThat(window.commit(BASE + 36)).isFalse();
        assertThat(window.check(BASE + 37)).isEqualTo(ReplayWindow.NEW);
        assertThat(window.contiguous()).as("gap that left the window is given up").isEqualTo(BASE + 36);
        assertThat(window.windowOverruns()).isEqualTo(1);
    }

    @Test
    void shouldForgetBitsWhenSlidingSoOldSlotsDoNotLookSeen()
    {
        final ReplayWindow window = new ReplayWindow(64);
        for (long s = BASE; s < BASE + 64; s++)
        {
            window.commit(s);
        }
        window.commit(BASE + 70);

        // BASE + 65 maps to the same slot as BASE + 1, which was seen: it must still be NEW.
        assertThat(window.check(BASE + 65)).isEqualTo(ReplayWindow.NEW);
        assertThat(window.check(BASE + 63)).isEqualTo(ReplayWindow.DUPLICATE);
        window.commit(BASE + 1000);
        assertThat(window.check(BASE + 999)).isEqualTo(ReplayWindow.NEW);
        assertThat(window.check(BASE + 70)).isEqualTo(ReplayWindow.STALE);
    }

    @Test
    void shouldSkipGivenUpGap()
    {
        final ReplayWindow window = new ReplayWindow(64);
        window.commit(BASE);
        window.commit(BASE + 5);
        window.commit(BASE + 6);

        assertThat(window.skipTo(BASE + 4)).isEqualTo(4);

        assertThat(window.contiguous()).isEqualTo(BASE + 6);
    }

    @Test
    void shouldNeverSkipBeyondTheHighestCommitted()
    {
        final ReplayWindow window = new ReplayWindow(64);
        window.commit(BASE);
        window.commit(BASE + 1);

        assertThat(window.skipTo(BASE + 1_000_000)).as("a claim about sequences nobody has shown").isZero();
        assertThat(window.highest()).isEqualTo(BASE + 1);
        assertThat(window.contiguous()).isEqualTo(BASE + 1);
        assertThat(window.check(BASE + 2)).isEqualTo(ReplayWindow.NEW);
    }

    @Test
    void shouldSkipAClocksWorthOfSequencesWithoutVisitingThem()
    {
        final ReplayWindow window = new ReplayWindow(64);
        window.commit(BASE);
        final long restarted = BASE + 3_600_000_000_000L;   // an origin back an hour later: its clock in µs
        window.commit(restarted);

        assertThat(window.windowOverruns()).as("the mark jumps to what the bitmap covers").isEqualTo(1);
        assertThat(window.skipGap()).isEqualTo(63);
        assertThat(window.contiguous()).isEqualTo(restarted);
        window.commit(restarted + 2);
        assertThat(window.skipTo(Long.MAX_VALUE)).isEqualTo(1);
        assertThat(window.contiguous()).isEqualTo(restarted + 2);
    }

    @Test
    void shouldRebaseAFreshWindowDownToTheFloorAPeerGaveAndWaitForWhatIsBelow()
    {
        final ReplayWindow window = new ReplayWindow(64);
        window.commit(BASE + 10);
        window.commit(BASE + 11);
        window.commit(BASE + 3);           // history arriving before the floor is known

        assertThat(window.rebase(BASE)).isEqualTo(11);
        assertThat(window.contiguous()).isEqualTo(BASE);
        assertThat(window.first()).isEqualTo(BASE + 1);
        for (long s = BASE + 1; s <= BASE + 9; s++)
        {
            assertThat(window.check(s)).as("seq %d", s).isEqualTo(s == BASE + 3 ? ReplayWindow.DUPLICATE : ReplayWindow.NEW);
            window.commit(s);
        }
        assertThat(window.contiguous()).isEqualTo(BASE + 11);
        assertThat(window.rebase(BASE + 1)).as("not above where it starts now").isZero();
        assertThat(window.rebase(BASE - 5)).as("lower still: waits for 5 more").isEqualTo(16);
        assertThat(window.contiguous()).isEqualTo(BASE - 5);
    }

    @Test
    void shouldNotRebaseBelowTheBitmapOrAfterSkipping()
    {
        final ReplayWindow window = new ReplayWindow(64);
        window.commit(BASE + 100);
        window.rebase(BASE);
        assertThat(window.contiguous()).as("clamped to highest - windowBits").isEqualTo(BASE + 100 - 64);

        final ReplayWindow skipped = new ReplayWindow(64);
        skipped.commit(BASE + 10);
        skipped.commit(BASE + 12);
        skipped.skipGap();
        assertThat(skipped.contiguous()).isEqualTo(BASE + 12);
        assertThat(skipped.rebase(BASE)).isZero();
        assertThat(skipped.contiguous()).isEqualTo(BASE + 12);
    }

    @Test
    void shouldGiveUpOnlyTheGapJustAboveTheMark()
    {
        final ReplayWindow window = new ReplayWindow(64);
        window.commit(BASE);
        window.commit(BASE + 4);
        window.commit(BASE + 8);

        assertThat(window.skipGap()).isEqualTo(3);
        assertThat(window.contiguous()).isEqualTo(BASE + 4);
        assertThat(window.skipGap()).isEqualTo(3);
        assertThat(window.contiguous()).isEqualTo(BASE + 8);
        assertThat(window.skipGap()).isZero();
    }

    @Test
    void shouldTellOtherThreadsOnlyWhatIsCommittedAndStillInTheWindow() throws Exception
    {
        final ReplayWindow window = new ReplayWindow(64);
        assertThat(window.isKnownDuplicate(BASE)).isFalse();
        window.commit(BASE);
        window.commit(BASE + 2);
        final boolean[] seen = new boolean[4];
        final Thread reader = new Thread(() ->
        {
            seen[0] = window.isKnownDuplicate(BASE);
            seen[1] = window.isKnownDuplicate(BASE + 1);
            seen[2] = window.isKnownDuplicate(BASE + 2);
            seen[3] = window.isKnownDuplicate(BASE + 3);
        });
        reader.start();
        reader.join();
        assertThat(seen).containsExactly(true, false, true, false);

        window.commit(BASE + 64);   // BASE is now below the window; BASE + 64 shares its slot
        assertThat(window.isKnownDuplicate(BASE)).as("below the window: left to the commit stage").isFalse();
        assertThat(window.isKnownDuplicate(BASE + 64)).isTrue();
        window.commit(BASE + 64 + 65);   // slides past everything: every slot cleared
        assertThat(window.isKnownDuplicate(BASE + 64 + 1)).isFalse();
    }

    @Test
    void shouldValidateWindowSize()
    {
        assertThatThrownBy(() -> new ReplayWindow(100)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("windowBits=100");
    }

    @Test
    void shouldFindTheNextCommittedSequenceAboveAHole()
    {
        final ReplayWindow window = new ReplayWindow(64);
        assertThat(window.nextCommittedAbove(0)).isEqualTo(Long.MAX_VALUE);
        window.commit(10);
        window.commit(11);
        window.commit(15);
        window.commit(18);
        assertThat(window.nextCommittedAbove(window.contiguous())).isEqualTo(15);
        assertThat(window.nextCommittedAbove(15)).isEqualTo(18);
        assertThat(window.nextCommittedAbove(18)).isEqualTo(Long.MAX_VALUE);
        // Far below the window: the scan starts where the window does.
        window.commit(200);
        assertThat(window.nextCommittedAbove(0)).isEqualTo(200);
    }
}
