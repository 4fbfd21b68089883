package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.control.WantRange;
import io.chainmesh.codec.frame.FrameType;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static io.chainmesh.engine.broadcast.CommitStageFixtures.MS;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.ORIGIN;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.TIMINGS;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.stream;
import static org.assertj.core.api.Assertions.assertThat;

/** The requesting side of repair, rule by rule, on a clock the test moves. */
class RepairRequesterTest
{
    private static final long B = 1_000;
    private static final long T0 = 1_000_000 * MS;

    private final RecordingOutbound out = new RecordingOutbound("a", "b");
    private final BroadcastCounters counters = CommitStageFixtures.counters();
    private final RepairRequester<String> requester = new RepairRequester<>(
        TIMINGS, out, new ControlFrames<>(out, new ExpandableArrayBuffer()), counters);

    private void digest(final String from, final OriginStream<String> stream, final long contiguous, final long highest,
        final long now)
    {
        requester.onProgress(from, ORIGIN, stream, contiguous, highest, now);
        requester.endDigest(from);
    }

    private WantRange lastWantTo(final String peer)
    {
        final var sent = out.sentOfType(FrameType.WANT);
        final var last = sent.get(sent.size() - 1);
        assertThat(last.peer()).isEqualTo(peer);
        return last.want().getRanges(0);
    }

    @Test
    void shouldAskForAHoleOnceItHasBeenMissingForOneRepairDelay()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);

        digest("a", stream, B + 4, B + 4, T0);
        digest("a", stream, B + 4, B + 4, T0 + TIMINGS.holeDelay() - MS);
        assertThat(out.wants()).isEmpty();

        digest("a", stream, B + 4, B + 4, T0 + TIMINGS.holeDelay());
        final WantRange range = lastWantTo("a");
        assertThat(range.getAfterSeq()).isEqualTo(B + 2);
        assertThat(range.getUpToSeq()).isEqualTo(B + 4);
        assertThat(counters.wantsSent.get()).isEqualTo(1);
    }

    @Test
    void shouldAskForATailOnlyAfterFourDelaysWithOurHighestStalled()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2);
        digest("a", stream, B + 5, B + 5, T0);
        // The stream still reaches us: B + 3 arrives, so the rest of the tail is in flight, not lost.
        stream.window.commit(B + 3);
        digest("a", stream, B + 5, B + 5, T0 + 3 * TIMINGS.holeDelay());
        digest("a", stream, B + 5, B + 5, T0 + TIMINGS.tailDelay());
        assertThat(out.wants()).isEmpty();

        digest("a", stream, B + 5, B + 5, T0 + 3 * TIMINGS.holeDelay() + TIMINGS.tailDelay());
        assertThat(lastWantTo("a").getAfterSeq()).isEqualTo(B + 3);
    }

    @Test
    void shouldPreferAPeerWhoseContiguousMarkIsPastOurs()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        digest("a", stream, B + 4, B + 4, T0);
        digest("a", stream, B + 4, B + 4, T0 + TIMINGS.holeDelay());
        assertThat(out.wants()).hasSize(1);

        // A re-ask from the same mark waits 2 delays; b, which has the same hole, twice that.
        final long again = T0 + 3 * TIMINGS.holeDelay();
        digest("b", stream, B + 2, B + 4, again);
        assertThat(out.wants()).hasSize(1);
        digest("a", stream, B + 4, B + 4, again);
        assertThat(out.wants()).hasSize(2);
        digest("b", stream, B + 2, B + 4, again + 8 * TIMINGS.holeDelay());
        assertThat(lastWantTo("b").getAfterSeq()).isEqualTo(B + 2);
    }

    @Test
    void shouldAskLessOftenNotLouderWhileTheSameGapStaysUnanswered()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        digest("a", stream, B + 4, B + 4, T0);
        long now = T0 + TIMINGS.holeDelay();
        digest("a", stream, B + 4, B + 4, now);
        assertThat(out.wants()).hasSize(1);

        // Each re-ask from the same mark waits twice as long as the one before, up to 8 delays.
        for (final long waits : new long[] {2, 4, 8, 8})
        {
            digest("a", stream, B + 4, B + 4, now + waits * TIMINGS.holeDelay() - MS);
            final int asked = out.wants().size();
            now += waits * TIMINGS.holeDelay();
            digest("a", stream, B + 4, B + 4, now);
            assertThat(out.wants()).hasSize(asked + 1);
        }

        // The mark moved: the next gap is asked for after one delay again.
        stream.window.commit(B + 3);
        stream.window.commit(B + 6);
        digest("a", stream, B + 6, B + 6, now + MS);
        digest("a", stream, B + 6, B + 6, now + MS + TIMINGS.holeDelay());
        assertThat(out.wants().get(out.wants().size() - 1).getRanges(0).getAfterSeq()).isEqualTo(B + 4);
    }

    @Test
    void shouldIgnoreAWantMissThatAnswersNoWantOfOurs()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        requester.onWantMiss("a", stream, B + 2, B + 10, T0);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);

        // Asked of a: b's answer is not an answer, nor is a's for another lower bound.
        digest("a", stream, B + 4, B + 4, T0);
        digest("a", stream, B + 4, B + 4, T0 + TIMINGS.holeDelay());
        requester.onWantMiss("b", stream, B + 2, B + 10, T0 + TIMINGS.holeDelay());
        requester.onWantMiss("a", stream, B + 1, B + 10, T0 + TIMINGS.holeDelay());
        assertThat(counters.wantMissUnasked.get()).isEqualTo(3);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);
    }

    @Test
    void shouldForgetAnAskWhoseWantNeverLeft()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        out.takes("a", 0);
        digest("a", stream, B + 4, B + 4, T0);
        digest("a", stream, B + 4, B + 4, T0 + TIMINGS.holeDelay());
        assertThat(counters.wantsSent.get()).isZero();

        requester.onWantMiss("a", stream, B + 2, B + 10, T0 + TIMINGS.holeDelay());
        assertThat(counters.wantMissUnasked.get()).isEqualTo(1);
    }

    @Test
    void shouldSkipAGapAtOnceWhenOurOnlyPeerSaysItIsGoneButNeverPastWhatItOffered()
    {
        out.connect("a");
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        digest("a", stream, B + 4, B + 4, T0);
        digest("a", stream, B + 4, B + 4, T0 + TIMINGS.holeDelay());

        // It says everything up to B + 99 is gone, but it only ever offered up to B + 4.
        requester.onWantMiss("a", stream, B + 2, B + 100, T0 + TIMINGS.holeDelay());
        assertThat(stream.window.contiguous()).isEqualTo(B + 4);
        assertThat(counters.lostBeyondRetention.get()).isEqualTo(1);
    }

    @Test
    void shouldSkipAGapOnlyWhenTwoPeersSayItIsGoneAndOnlyAsFarAsBothSay()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 6);
        askBoth(stream);

        requester.onWantMiss("a", stream, B + 2, B + 4, T0 + 3 * TIMINGS.holeDelay());
        requester.onWantMiss("a", stream, B + 2, B + 4, T0 + 3 * TIMINGS.holeDelay());
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);

        requester.onWantMiss("b", stream, B + 2, B + 6, T0 + 3 * TIMINGS.holeDelay());
        assertThat(stream.window.contiguous()).isEqualTo(B + 3);
        assertThat(counters.lostBeyondRetention.get()).isEqualTo(1);
    }

    @Test
    void shouldSkipAGapOnePeerSaysIsGoneWhenNobodyElseOffersItWithinTwoDelays()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        askBoth(stream);
        final long said = T0 + 3 * TIMINGS.holeDelay();
        requester.onWantMiss("a", stream, B + 2, B + 4, said);

        // b is no further than we are: no offer.
        digest("b", stream, B + 2, B + 4, said + TIMINGS.unopposedClaim() - MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);
        digest("b", stream, B + 2, B + 4, said + TIMINGS.unopposedClaim());
        assertThat(stream.window.contiguous()).isEqualTo(B + 4);
    }

    @Test
    void shouldKeepAGapOnePeerSaysIsGoneWhileAnotherOffersIt()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        askBoth(stream);
        final long said = T0 + 3 * TIMINGS.holeDelay();
        requester.onWantMiss("a", stream, B + 2, B + 4, said);

        digest("b", stream, B + 4, B + 4, said + MS);
        digest("a", stream, B + 4, B + 4, said + 10 * TIMINGS.unopposedClaim());
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);
        // ... and a, which said it is gone, is not asked again.
        assertThat(out.sentOfType(FrameType.WANT).stream().filter(s -> s.peer().equals("a")).count()).isEqualTo(1);
    }

    @Test
    void shouldGiveUpAClaimedTailOnlyWhenABatchAboveItCommits()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2);
        digest("a", stream, B + 5, B + 5, T0);
        digest("a", stream, B + 5, B + 5, T0 + TIMINGS.tailDelay());
        digest("b", stream, B + 5, B + 5, T0 + TIMINGS.tailDelay() + 2 * TIMINGS.tailDelay());
        assertThat(out.wants()).hasSize(2);
        final long said = T0 + 4 * TIMINGS.tailDelay();
        requester.onWantMiss("a", stream, B + 2, B + 6, said);
        requester.onWantMiss("b", stream, B + 2, B + 6, said);

        // Two peers say the tail up to B + 5 is gone: not asked for again, but the window does not move on their word.
        assertThat(stream.lostTailUpTo).isEqualTo(B + 5);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);
        digest("a", stream, B + 5, B + 5, said + TIMINGS.tailDelay());
        assertThat(out.wants()).hasSize(2);

        // A verified batch above it: what the claim covers is lost, B + 6 is an ordinary hole.
        final long highestBefore = stream.window.highest();
        stream.window.commit(B + 7);
        requester.onCommitted(stream, B + 7, highestBefore);
        assertThat(stream.window.contiguous()).isEqualTo(B + 5);
        assertThat(counters.lostBeyondRetention.get()).isEqualTo(3);
        assertThat(stream.lostTailUpTo).isEqualTo(-1);
    }

    @Test
    void shouldGiveUpAGapStuckLongerThanAnyoneRetains()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        out.takes("a", 0);
        digest("a", stream, B + 4, B + 4, T0);
        digest("a", stream, B + 4, B + 4, T0 + TIMINGS.stuckGap());
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);

        digest("a", stream, B + 4, B + 4, T0 + TIMINGS.stuckGap() + MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 4);
        assertThat(counters.lostBeyondRetention.get()).isEqualTo(1);
    }

    @Test
    void shouldAskWhereHistoryStartsAndWaitForItFromThere()
    {
        final OriginStream<String> stream = new OriginStream<>(1024);
        stream.window.commit(B + 10);
        stream.onFirstCommit(B + 10, true, T0);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);
        assertThat(stream.vouchedContiguous()).isZero();

        digest("a", stream, B + 10, B + 10, T0);
        final WantRange history = lastWantTo("a");
        assertThat(history.getAfterSeq()).isZero();
        assertThat(history.getUpToSeq()).isEqualTo(B + 9);

        requester.onWantMiss("a", stream, 0, B + 5, T0 + MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(stream.window.contiguous()).isEqualTo(B + 4);
        assertThat(stream.historyLimit).isEqualTo(B + 9);
    }

    @Test
    void shouldStartWhereItDidWhenNobodyTellsWhereHistoryStarts()
    {
        final OriginStream<String> stream = new OriginStream<>(1024);
        stream.window.commit(B + 10);
        stream.onFirstCommit(B + 10, true, T0);

        digest("a", stream, B + 10, B + 10, T0 + TIMINGS.historyWait() + MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(out.wants()).isEmpty();
    }

    /** a is asked at T0 + delay, b at T0 + 3 delays (after a's WANT had its chance). */
    private void askBoth(final OriginStream<String> stream)
    {
        final long mark = stream.window.contiguous();
        final long highest = stream.window.highest();
        digest("a", stream, highest, highest, T0);
        digest("a", stream, highest, highest, T0 + TIMINGS.holeDelay());
        digest("b", stream, highest, highest, T0 + 3 * TIMINGS.holeDelay());
        assertThat(out.wants()).hasSize(2);
        assertThat(lastWantTo("b").getAfterSeq()).isEqualTo(mark);
    }
}
