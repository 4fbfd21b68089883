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
    void shouldAskForAHoleOnceItHasBeenMissingForOneRepairDelayOnlyUpToTheNextBatchWeHold()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);

        digest("a", stream, B + 6, B + 6, T0);
        digest("a", stream, B + 6, B + 6, T0 + TIMINGS.holeDelay() - MS);
        assertThat(out.wants()).isEmpty();

        digest("a", stream, B + 6, B + 6, T0 + TIMINGS.holeDelay());
        final WantRange range = lastWantTo("a");
        assertThat(range.getAfterSeq()).isEqualTo(B + 2);
        assertThat(range.getUpToSeq()).isEqualTo(B + 3);
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
    void shouldSkipAGapOurOnlyPeerSaysIsGoneOnceUnopposedButNeverPastWhatItOffered()
    {
        out.connect("a");
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        digest("a", stream, B + 4, B + 4, T0);
        digest("a", stream, B + 4, B + 4, T0 + TIMINGS.holeDelay());

        // It says everything up to B + 99 is gone, but it only ever offered up to B + 4. Our only peer's word waits
        // like any one claimant's: a member coming back links one peer at a time.
        final long said = T0 + TIMINGS.holeDelay();
        requester.onWantMiss("a", stream, B + 2, B + 100, said);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);
        digest("a", stream, B + 4, B + 4, said + TIMINGS.unopposedClaim(1) - MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);

        digest("a", stream, B + 4, B + 4, said + TIMINGS.unopposedClaim(1));
        assertThat(stream.window.contiguous()).isEqualTo(B + 4);
        assertThat(counters.lostBeyondRetention.get()).isEqualTo(1);
    }

    @Test
    void shouldNotTakeTheGoneOfTheFirstPeerToLinkAfterARestartWhileThePeersThatLinkNextHoldIt()
    {
        // A member restarted with its state: its stream stopped at B + 8 when it went down, while a peer offered B + 9.
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 3, B + 4, B + 5, B + 6, B + 7, B + 8);
        digest("b", stream, B + 9, B + 9, T0);
        out.connect();

        // Back up, it links one peer at a time. The first, a liar, offers up to B + 13 in its first digest; our gap
        // has been timed since before we went down, so it is asked at once, and says all of it is gone.
        final long back = T0 + 4_000 * MS;
        out.connect("a");
        requester.onProgress("a", ORIGIN, stream, B + 13, B + 13, true, back);
        requester.endDigest("a");
        assertThat(lastWantTo("a").getAfterSeq()).isEqualTo(B + 8);
        assertThat(lastWantTo("a").getUpToSeq()).isEqualTo(B + 13);
        requester.onWantMiss("a", stream, B + 8, B + 14, back + 20 * MS);
        assertThat(stream.lostTailUpTo).isEqualTo(-1);
        assertThat(stream.gapMiss.holds(B + 8)).isTrue();

        // The next peers link and offer it: the liar's word no longer stands alone, and the offerer is asked for all.
        out.connect("a", "b", "c");
        requester.onProgress("b", ORIGIN, stream, B + 13, B + 13, true, back + 120 * MS);
        requester.endDigest("b");
        requester.onProgress("c", ORIGIN, stream, B + 13, B + 13, true, back + 130 * MS);
        requester.endDigest("c");
        long now = back + 130 * MS;
        for (int i = 1; i <= 20 && !askedFrom("b", B + 8); i++)
        {
            now = back + 130 * MS + i * TIMINGS.repairInterval();
            digest("a", stream, B + 13, B + 13, now);
            digest("b", stream, B + 13, B + 13, now);
        }
        assertThat(lastWantTo("b").getUpToSeq()).isEqualTo(B + 13);
        assertThat(stream.window.contiguous()).isEqualTo(B + 8);

        // It serves them; the stream goes on above: nothing was lost.
        for (long seq = B + 9; seq <= B + 14; seq++)
        {
            final long highestBefore = stream.window.highest();
            stream.window.commit(seq);
            requester.onCommitted(stream, seq, highestBefore);
        }
        assertThat(stream.window.contiguous()).isEqualTo(B + 14);
        assertThat(counters.lostBeyondRetention.get()).isZero();
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
    void shouldSkipAGapOnePeerSaysIsGoneWhenNobodyElseOffersItWhileEveryPeerHadItsTurn()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        askBoth(stream);
        final long said = T0 + 3 * TIMINGS.holeDelay();
        requester.onWantMiss("a", stream, B + 2, B + 4, said);
        final long unopposed = TIMINGS.unopposedClaim(2);
        assertThat(unopposed).isEqualTo(Math.max(TIMINGS.unopposedClaim(), 2 * TIMINGS.digestTurn()));

        // b is no further than we are: no offer.
        digest("b", stream, B + 2, B + 4, said + unopposed - MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);
        digest("b", stream, B + 2, B + 4, said + unopposed);
        assertThat(stream.window.contiguous()).isEqualTo(B + 4);
    }

    @Test
    void shouldNotTakeOnePeersGoneUnopposedBeforeEveryPeerHadItsTurnToOfferIt()
    {
        // Peers tell their changes in turn, a few a second: with 24 links, the word we hold of most of them is
        // seconds old. A liar says our tail is gone; that no other peer's word offers it two delays later is no
        // evidence, and the first peer whose turn shows it received it is asked for all of it.
        final String[] peers = new String[24];
        peers[0] = "a";
        for (int i = 1; i < peers.length; i++)
        {
            peers[i] = "p" + i;
        }
        out.connect(peers);
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 3);
        digest("a", stream, B + 4, B + 4, T0);
        digest("a", stream, B + 4, B + 4, T0 + TIMINGS.tailDelay());
        assertThat(lastWantTo("a").getAfterSeq()).isEqualTo(B + 3);
        final long said = T0 + TIMINGS.tailDelay() + MS;
        requester.onWantMiss("a", stream, B + 3, B + 5, said);

        for (int i = 1; i < 12; i++)
        {
            digest("p" + i, stream, B + 3, B + 3, said + i * TIMINGS.repairInterval());
        }
        // Two delays have passed without another offer: not enough while most peers have not had their turn.
        assertThat(11 * TIMINGS.repairInterval()).isGreaterThan(TIMINGS.unopposedClaim());
        final long turn = said + 2 * TIMINGS.tailDelay();
        digest("p12", stream, B + 6, B + 6, turn);
        assertThat(stream.window.contiguous()).isEqualTo(B + 3);
        assertThat(stream.lostTailUpTo).isEqualTo(-1);
        assertThat(lastWantTo("p12").getAfterSeq()).isEqualTo(B + 3);
        assertThat(lastWantTo("p12").getUpToSeq()).isEqualTo(B + 6);
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
    void shouldAskAPeerOnlyForWhatFollowsWhatItSaidIsGoneAtItsEnd()
    {
        out.connect("a", "b", "c");
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 20);
        askBoth(stream);
        final long said = T0 + 3 * TIMINGS.holeDelay();
        requester.onWantMiss("a", stream, B + 2, B + 9, said);
        requester.onWantMiss("b", stream, B + 2, B + 5, said);
        // Gone as far as both say: b retains from B + 5.
        assertThat(stream.window.contiguous()).isEqualTo(B + 4);
        final int wantsBefore = out.wants().size();

        // a said it has nothing up to B + 8: however far its digest says it is, it is asked only for what follows.
        for (int i = 1; i <= 40; i++)
        {
            digest("a", stream, B + 20, B + 20, said + i * TIMINGS.holeDelay());
        }
        final var toA = out.sentOfType(FrameType.WANT).stream().skip(wantsBefore)
            .filter(sent -> sent.peer().equals("a")).map(sent -> sent.want().getRanges(0)).toList();
        assertThat(toA).isNotEmpty().allMatch(range -> range.getAfterSeq() == B + 8 && range.getUpToSeq() == B + 19);

        // Under load retention moves on: a says more is gone. Its words join into one claim on our mark (it was first
        // asked from below it), and it is asked next only past them.
        requester.onWantMiss("a", stream, B + 8, B + 12, said + 41 * TIMINGS.holeDelay());
        assertThat(stream.gapMiss.holds(B + 4)).isTrue();
        assertThat(stream.gapMiss.isFrom("a")).isTrue();
        // b offers what it holds (from B + 5): one claimant is not enough while another offers the range.
        digest("b", stream, B + 20, B + 20, said + 41 * TIMINGS.holeDelay() + MS);
        for (int i = 42; i <= 80; i++)
        {
            digest("a", stream, B + 20, B + 20, said + i * TIMINGS.holeDelay());
        }
        assertThat(lastWantTo("a").getAfterSeq()).isEqualTo(B + 11);
        assertThat(stream.window.contiguous()).isEqualTo(B + 4);
    }

    @Test
    void shouldJoinAPeersWordsSoTwoPeersAskedOnlyPastWhatTheySaidStillSettleTheGapAtOurMark()
    {
        out.connect("a", "b", "c");
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 30);
        askBoth(stream);
        final long said = T0 + 3 * TIMINGS.holeDelay();
        requester.onWantMiss("a", stream, B + 2, B + 11, said);
        requester.onWantMiss("b", stream, B + 2, B + 6, said);
        assertThat(stream.window.contiguous()).isEqualTo(B + 5);

        // Each is asked again only past what it said: a from B + 10, b from our mark.
        long now = said;
        for (int i = 1; i <= 60 && !askedFrom("a", B + 10); i++)
        {
            now = said + i * TIMINGS.holeDelay();
            digest("a", stream, B + 30, B + 30, now);
        }
        for (int i = 1; i <= 60 && !askedFrom("b", B + 5); i++)
        {
            now += TIMINGS.holeDelay();
            digest("b", stream, B + 30, B + 30, now);
        }
        assertThat(askedFrom("a", B + 10)).isTrue();
        assertThat(askedFrom("b", B + 5)).isTrue();

        // Retention moved on at both meanwhile: two peers say what follows our mark is gone, one of them in two words
        // (a was asked past its first): lost for good, as far as both say.
        requester.onWantMiss("b", stream, B + 5, B + 14, now + 2 * MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 5);
        requester.onWantMiss("a", stream, B + 10, B + 17, now + 3 * MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 13);
    }

    private boolean askedFrom(final String peer, final long after)
    {
        return out.sentOfType(FrameType.WANT).stream()
            .anyMatch(sent -> sent.peer().equals(peer) && sent.want().getRanges(0).getAfterSeq() == after);
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

        // One peer's word lowers where we wait from (safe) but does not settle it, nor does the batch it named,
        // which it serves right after ...
        requester.onWantMiss("a", stream, 0, B + 5, T0 + MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 4);
        served("a", stream, B + 5);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);
        assertThat(stream.window.contiguous()).isEqualTo(B + 5);

        // ... a second peer's does, at the lower of the two; a is not asked again meanwhile.
        digest("a", stream, B + 10, B + 10, T0 + TIMINGS.holeDelay());
        assertThat(out.wants()).hasSize(1);
        digest("b", stream, B + 10, B + 10, T0 + TIMINGS.holeDelay());
        assertThat(lastWantTo("b").getUpToSeq()).isEqualTo(B + 4);
        requester.onWantMiss("b", stream, 0, B + 7, T0 + TIMINGS.holeDelay() + MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(stream.window.first()).isEqualTo(B + 5);
        assertThat(stream.historyLimit).isEqualTo(B + 9);
        assertThat(counters.lostBeyondRetention.get()).isZero();
    }

    @Test
    void shouldNotLetOneLyingPeerSayHistoryStartsAtOurFirstBatch()
    {
        final OriginStream<String> stream = joinedMidStream();
        digest("a", stream, B + 10, B + 10, T0);

        // a lies: "nothing before what you have is retained".
        requester.onWantMiss("a", stream, 0, B + 10, T0 + MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);
        assertThat(stream.vouchedContiguous()).isZero();

        // b answers honestly: history from B + 3 on is retained, and is waited for; b serves it from there.
        digest("b", stream, B + 10, B + 10, T0 + TIMINGS.holeDelay());
        requester.onWantMiss("b", stream, 0, B + 3, T0 + TIMINGS.holeDelay() + MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);
        served("b", stream, B + 3);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(stream.window.first()).isEqualTo(B + 3);
        assertThat(counters.lostBeyondRetention.get()).isZero();
    }

    @Test
    void shouldNotTakeALyingFloorOverAnHonestOneThatCameFirst()
    {
        final OriginStream<String> stream = joinedMidStream();
        digest("a", stream, B + 10, B + 10, T0);
        requester.onWantMiss("a", stream, 0, B + 3, T0 + MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);
        served("a", stream, B + 3);

        digest("b", stream, B + 10, B + 10, T0 + TIMINGS.holeDelay());
        requester.onWantMiss("b", stream, 0, B + 10, T0 + TIMINGS.holeDelay() + MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(stream.window.first()).isEqualTo(B + 3);
    }

    @Test
    void shouldNotTakeASecondMemberOfTheSameOperatorAsConfirmation()
    {
        final RepairRequester<String> oneOperator = new RepairRequester<>(TIMINGS, out,
            new ControlFrames<>(out, new ExpandableArrayBuffer()), counters, (x, y) -> true);
        final OriginStream<String> stream = joinedMidStream();
        oneOperator.onProgress("a", ORIGIN, stream, B + 10, B + 10, T0);
        oneOperator.endDigest("a");
        oneOperator.onWantMiss("a", stream, 0, B + 10, T0 + MS);

        // b runs under a's key: not asked (its word would not count) and its answer does not settle anything.
        oneOperator.onProgress("b", ORIGIN, stream, B + 10, B + 10, T0 + TIMINGS.holeDelay());
        oneOperator.endDigest("b");
        assertThat(out.wants()).hasSize(1);
        oneOperator.onWantMiss("b", stream, 0, B + 10, T0 + TIMINGS.holeDelay());
        assertThat(counters.wantMissUnasked.get()).isEqualTo(1);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);
    }

    @Test
    void shouldTakeTheOriginsOwnFloorAtOnceButNotOurOnlyPeers()
    {
        final OriginStream<String> fromOrigin = joinedMidStream();
        digest("a", fromOrigin, B + 10, B + 10, T0);
        requester.onWantMiss("a", fromOrigin, 0, B + 6, true, T0 + MS);
        assertThat(fromOrigin.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(fromOrigin.window.contiguous()).isEqualTo(B + 5);

        out.connect("a");
        final OriginStream<String> onlyPeer = joinedMidStream();
        digest("a", onlyPeer, B + 10, B + 10, T0 + TIMINGS.holeDelay());
        requester.onWantMiss("a", onlyPeer, 0, B + 6, T0 + TIMINGS.holeDelay() + MS);
        // A member coming back links one peer at a time: the first may lie. It waits from B + 6 meanwhile.
        assertThat(onlyPeer.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);
        assertThat(onlyPeer.window.contiguous()).isEqualTo(B + 5);
    }

    @Test
    void shouldSettleAnUnopposedFloorOnceAnotherPeerHadTimeToAnswer()
    {
        out.rtt("b", 300 * MS);
        final OriginStream<String> stream = joinedMidStream();
        digest("a", stream, B + 10, B + 10, T0);
        requester.onWantMiss("a", stream, 0, B + 10, T0 + MS);
        final long askedB = T0 + TIMINGS.holeDelay();
        digest("b", stream, B + 10, B + 10, askedB);
        assertThat(lastWantTo("b").getAfterSeq()).isZero();

        // b cannot tell (it has not settled its own history) and says nothing: a's word stands once b had its
        // round trips, and the claim its time.
        final long answerWait = TIMINGS.answerWait(TIMINGS.holeDelay(), 300 * MS);
        digest("a", stream, B + 10, B + 10, askedB + answerWait - MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);
        digest("a", stream, B + 10, B + 10, askedB + answerWait);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(stream.window.first()).isEqualTo(B + 10);
    }

    @Test
    void shouldNotLetOneLyingPeerSetTheFloorOfAStreamNotStartedYet()
    {
        final OriginStream<String> stream = new OriginStream<>(1024);
        digest("a", stream, B + 10, B + 10, T0);
        final long asked = T0 + TIMINGS.tailDelay();
        digest("a", stream, B + 10, B + 10, asked);
        assertThat(lastWantTo("a").getAfterSeq()).isZero();
        requester.onWantMiss("a", stream, 0, B + 11, asked + MS);
        assertThat(stream.floor).isEqualTo(-1);

        // The next batch comes down the tree: history is still asked for, not assumed to start there.
        stream.window.commit(B + 11);
        stream.onFirstCommit(B + 11, true, asked + 2 * MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);
        digest("b", stream, B + 11, B + 11, asked + TIMINGS.holeDelay());
        requester.onWantMiss("b", stream, 0, B + 2, asked + TIMINGS.holeDelay() + MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 1);
        served("b", stream, B + 2);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(stream.window.first()).isEqualTo(B + 2);
    }

    @Test
    void shouldMoveOnWhenHistoryIsHonestlyGoneEverywhere()
    {
        // Everyone retains from B + 10 only: three peers say so (two could be liars), nothing is waited for, nothing
        // counted lost.
        out.connect("a", "b", "c");
        final OriginStream<String> stream = joinedMidStream();
        digest("a", stream, B + 10, B + 10, T0);
        requester.onWantMiss("a", stream, 0, B + 10, T0 + MS);
        digest("b", stream, B + 10, B + 10, T0 + TIMINGS.holeDelay());
        requester.onWantMiss("b", stream, 0, B + 10, T0 + TIMINGS.holeDelay() + MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);
        digest("c", stream, B + 10, B + 10, T0 + 2 * TIMINGS.holeDelay());
        requester.onWantMiss("c", stream, 0, B + 10, T0 + 2 * TIMINGS.holeDelay() + MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(stream.window.contiguous()).isEqualTo(B + 10);
        assertThat(stream.vouchedContiguous()).isEqualTo(B + 10);
    }

    @Test
    void shouldGiveUpHistoryALiarClaimedLowerThanAnyoneRetainsCountedAsLost()
    {
        // a lies low ("from B + 1"), b honestly from B + 8: we wait from B + 1, nobody can serve B + 1..B + 7, and
        // the gap is given up under the gap rule: bounded, counted.
        final OriginStream<String> stream = joinedMidStream();
        digest("a", stream, B + 10, B + 10, T0);
        requester.onWantMiss("a", stream, 0, B + 1, T0 + MS);
        digest("b", stream, B + 10, B + 10, T0 + TIMINGS.holeDelay());
        requester.onWantMiss("b", stream, 0, B + 8, T0 + TIMINGS.holeDelay() + MS);
        assertThat(stream.window.contiguous()).isEqualTo(B);
        stream.window.commit(B + 8);
        stream.window.commit(B + 9);

        final long start = T0 + 2 * TIMINGS.holeDelay();
        out.takes("a", 0);
        out.takes("b", 0);
        digest("b", stream, B + 10, B + 10, start);
        digest("b", stream, B + 10, B + 10, start + TIMINGS.stuckGap() + MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 10);
        assertThat(counters.lostBeyondRetention.get()).isEqualTo(7);
    }

    @Test
    void shouldNotAskAgainWhileTheAnswerIsStillArriving()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 9);
        digest("a", stream, B + 9, B + 9, T0);
        long now = T0 + TIMINGS.holeDelay();
        digest("a", stream, B + 9, B + 9, now);
        assertThat(lastWantTo("a").getUpToSeq()).isEqualTo(B + 8);

        // The answer streams in, one batch per digest interval: long past a repair delay, nothing is asked again.
        for (long seq = B + 3; seq <= B + 6; seq++)
        {
            now += TIMINGS.repairInterval();
            stream.window.commit(seq);
            digest("a", stream, B + 9, B + 9, now);
            digest("b", stream, B + 9, B + 9, now);
        }
        assertThat(now - T0 - TIMINGS.holeDelay()).isGreaterThan(TIMINGS.holeDelay());
        assertThat(out.wants()).hasSize(1);

        // It stopped short (cut by the link's budget): what is still missing is asked for, once it stopped moving.
        digest("a", stream, B + 9, B + 9, now + TIMINGS.holeDelay() - MS);
        assertThat(out.wants()).hasSize(1);
        digest("a", stream, B + 9, B + 9, now + TIMINGS.holeDelay());
        assertThat(lastWantTo("a").getAfterSeq()).isEqualTo(B + 6);
    }

    @Test
    void shouldLeaveAnAskToAFewRoundTripsOfALongLinkButNoLongerThanTheBackoffCeiling()
    {
        out.rtt("a", 300 * MS);
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        digest("a", stream, B + 4, B + 4, T0);
        final long asked = T0 + TIMINGS.holeDelay();
        digest("a", stream, B + 4, B + 4, asked);
        assertThat(out.wants()).hasSize(1);

        // 2 x 300 ms + one digest interval, not the 2 repair delays of a re-ask from the same mark.
        final long wait = 2 * 300 * MS + TIMINGS.repairInterval();
        assertThat(TIMINGS.answerWait(2 * TIMINGS.holeDelay(), 300 * MS)).isEqualTo(wait);
        digest("a", stream, B + 4, B + 4, asked + wait - MS);
        assertThat(out.wants()).hasSize(1);
        digest("a", stream, B + 4, B + 4, asked + wait);
        assertThat(out.wants()).hasSize(2);

        // A link measured at seconds (backed up) is not waited for longer than the backoff ceiling.
        assertThat(TIMINGS.answerWait(TIMINGS.holeDelay(), 5_000 * MS))
            .isEqualTo(RepairTimings.MAX_BACKOFF * TIMINGS.holeDelay());
        assertThat(TIMINGS.answerWait(TIMINGS.holeDelay(), -1)).isEqualTo(TIMINGS.holeDelay());
    }

    @Test
    void shouldAskAtOnceOnALinkThatJustCameUpWhenOurStreamHasStopped()
    {
        final OriginStream<String> stream = stream(B, B + 1, B + 2);
        // Our stream was last seen moving at T0 (e.g. a partition began).
        digest("a", stream, B + 2, B + 2, T0);
        stream.highestMoved = T0;
        final long healed = T0 + 60_000 * MS;

        // b's first word after its link came up: asked at once, not a tail delay later.
        requester.onProgress("b", ORIGIN, stream, B + 40, B + 40, true, healed);
        requester.endDigest("b");
        final WantRange range = lastWantTo("b");
        assertThat(range.getAfterSeq()).isEqualTo(B + 2);
        assertThat(range.getUpToSeq()).isEqualTo(B + 40);
    }

    @Test
    void shouldNotAskAtOnceOnAFreshLinkWhileOurStreamMovesOrWhenItIsOurOnlyLink()
    {
        final OriginStream<String> moving = stream(B, B + 1, B + 2);
        digest("a", moving, B + 1, B + 1, T0);
        moving.window.commit(B + 3);
        requester.onProgress("b", ORIGIN, moving, B + 5, B + 5, true, T0 + MS);
        requester.endDigest("b");
        assertThat(out.wants()).isEmpty();

        out.connect("b");
        final OriginStream<String> alone = stream(B, B + 1, B + 2);
        digest("b", alone, B + 2, B + 2, T0);
        alone.highestMoved = T0;
        requester.onProgress("b", ORIGIN, alone, B + 40, B + 40, true, T0 + 60_000 * MS);
        requester.endDigest("b");
        assertThat(out.wants()).isEmpty();
    }

    @Test
    void shouldAskEveryPeerThatOffersItBeforeSkippingWhatOthersSayIsGone()
    {
        out.connect("a", "b", "c", "d");
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        askBoth(stream);
        final long said = T0 + 3 * TIMINGS.holeDelay();
        requester.onWantMiss("a", stream, B + 2, B + 4, said);
        // c says it holds everything up to B + 4.
        digest("c", stream, B + 4, B + 4, said + MS);
        requester.onWantMiss("b", stream, B + 2, B + 4, said + 2 * MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);

        // Neither a nor b is asked again; c is, one delay after the last ask, not after a backoff.
        digest("a", stream, B + 4, B + 4, said + 2 * TIMINGS.holeDelay());
        digest("b", stream, B + 4, B + 4, said + 2 * TIMINGS.holeDelay());
        digest("c", stream, B + 4, B + 4, said + 2 * TIMINGS.holeDelay());
        assertThat(lastWantTo("c").getAfterSeq()).isEqualTo(B + 2);

        // c says it is gone too (three liars can answer first), but d's word offers it: d is asked before anything is
        // skipped.
        requester.onWantMiss("c", stream, B + 2, B + 4, said + 2 * TIMINGS.holeDelay() + MS);
        final long askedD = said + 3 * TIMINGS.holeDelay();
        digest("d", stream, B + 4, B + 4, askedD);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);
        assertThat(lastWantTo("d").getAfterSeq()).isEqualTo(B + 2);

        // d too says it is gone: nobody but those who said so offers it any more, and it is lost.
        requester.onWantMiss("d", stream, B + 2, B + 4, askedD + MS);
        for (final String peer : new String[] {"a", "b", "c", "d"})
        {
            digest(peer, stream, B + 4, B + 4, askedD + MS + TIMINGS.unopposedClaim() - MS);
        }
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);
        digest("a", stream, B + 4, B + 4, askedD + MS + TIMINGS.unopposedClaim());
        assertThat(stream.window.contiguous()).isEqualTo(B + 4);
        assertThat(counters.lostBeyondRetention.get()).isEqualTo(1);
    }

    @Test
    void shouldAskAThirdPeerWhenTwoSayNothingPrecedesOurFirstBatch()
    {
        out.connect("a", "b", "c");
        final OriginStream<String> stream = joinedMidStream();
        digest("a", stream, B + 10, B + 10, T0);
        requester.onWantMiss("a", stream, 0, B + 10, T0 + MS);
        digest("b", stream, B + 10, B + 10, T0 + TIMINGS.holeDelay());
        requester.onWantMiss("b", stream, 0, B + 10, T0 + TIMINGS.holeDelay() + MS);

        // Two liars would say just that: neither is asked again, c is, and its honest floor wins.
        digest("a", stream, B + 10, B + 10, T0 + 2 * TIMINGS.holeDelay());
        digest("b", stream, B + 10, B + 10, T0 + 2 * TIMINGS.holeDelay());
        digest("c", stream, B + 10, B + 10, T0 + 2 * TIMINGS.holeDelay());
        assertThat(lastWantTo("c").getAfterSeq()).isZero();
        assertThat(out.wants()).hasSize(3);
        requester.onWantMiss("c", stream, 0, B + 4, T0 + 2 * TIMINGS.holeDelay() + MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(stream.window.contiguous()).isEqualTo(B + 3);
    }

    @Test
    void shouldNotLetTwoLiarsSetTheFloorWhenTheFirstWasAskedBeforeOurFirstBatch()
    {
        // A member restarted from nothing asks its first peer for all it offers before anything has committed, and a
        // liar says all of it is gone. The first batch then comes down the tree above that, so the lie lies below our
        // first batch; and it lowered where we wait from, so the next peer asked is asked only up to there.
        out.connect("a", "b", "c");
        final OriginStream<String> stream = new OriginStream<>(1024);
        digest("a", stream, B + 10, B + 10, T0);
        final long asked = T0 + TIMINGS.tailDelay();
        digest("a", stream, B + 10, B + 10, asked);
        assertThat(lastWantTo("a").getUpToSeq()).isEqualTo(B + 10);
        requester.onWantMiss("a", stream, 0, B + 11, asked + MS);
        stream.window.commit(B + 12);
        stream.onFirstCommit(B + 12, true, asked + 2 * MS);
        final long askedB = asked + TIMINGS.holeDelay();
        digest("b", stream, B + 12, B + 12, askedB);
        assertThat(lastWantTo("b").getAfterSeq()).isZero();
        assertThat(lastWantTo("b").getUpToSeq()).isEqualTo(B + 10);

        // A second liar says all of that is gone too. Neither named a floor inside what it was asked for: that is
        // no word on where history starts, and b's lie is no silence either, however long it stands.
        requester.onWantMiss("b", stream, 0, B + 11, askedB + MS);
        digest("a", stream, B + 12, B + 12, askedB + 10 * TIMINGS.unopposedClaim());
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);

        // A third peer that retains everything is asked, and its floor wins.
        final long askedC = askedB + 10 * TIMINGS.unopposedClaim() + MS;
        digest("c", stream, B + 12, B + 12, askedC);
        assertThat(lastWantTo("c").getAfterSeq()).isZero();
        requester.onWantMiss("c", stream, 0, B + 1, askedC + MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(stream.window.contiguous()).isEqualTo(B);
    }

    @Test
    void shouldNotLetTwoOperatorsSettleAFloorByEchoingTheBoundTheyWereAskedUpTo()
    {
        out.connect("a", "b", "c");
        final OriginStream<String> stream = joinedMidStream();
        digest("a", stream, B + 10, B + 10, T0);
        assertThat(lastWantTo("a").getUpToSeq()).isEqualTo(B + 9);

        // a says it retains from the very bound it was asked up to: a floor inside the range, by its word.
        requester.onWantMiss("a", stream, 0, B + 9, T0 + MS);
        digest("b", stream, B + 10, B + 10, T0 + TIMINGS.holeDelay());
        assertThat(lastWantTo("b").getUpToSeq()).isEqualTo(B + 8);
        // b, of another operator, does the same with the bound it was asked up to.
        requester.onWantMiss("b", stream, 0, B + 8, T0 + TIMINGS.holeDelay() + MS);
        // Neither served the batch it named: two words any liar could give, and a third peer is asked.
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);
        digest("a", stream, B + 10, B + 10, T0 + 2 * TIMINGS.holeDelay());
        digest("b", stream, B + 10, B + 10, T0 + 2 * TIMINGS.holeDelay());
        digest("c", stream, B + 10, B + 10, T0 + 2 * TIMINGS.holeDelay());
        assertThat(lastWantTo("c").getAfterSeq()).isZero();
        assertThat(lastWantTo("c").getUpToSeq()).isEqualTo(B + 7);
        requester.onWantMiss("c", stream, 0, B + 2, T0 + 2 * TIMINGS.holeDelay() + MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(stream.window.contiguous()).isEqualTo(B + 1);
        assertThat(counters.lostBeyondRetention.get()).isZero();
    }

    @Test
    void shouldSettleAFloorOnceThePeerThatNamedItServesTheBatchItNamed()
    {
        final OriginStream<String> stream = joinedMidStream();
        digest("a", stream, B + 10, B + 10, T0);
        requester.onWantMiss("a", stream, 0, B + 6, T0 + MS);
        digest("b", stream, B + 10, B + 10, T0 + TIMINGS.holeDelay());
        requester.onWantMiss("b", stream, 0, B + 9, T0 + TIMINGS.holeDelay() + MS);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);

        // The same batch from another peer is no word of a's; from a, it is.
        served("b", stream, B + 7);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);
        served("a", stream, B + 6);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.SETTLED);
        assertThat(stream.window.first()).isEqualTo(B + 6);
    }

    @Test
    void shouldCountGoneClaimsOfOneOperatorAsOneVoice()
    {
        final RepairRequester<String> oneOperator = new RepairRequester<>(TIMINGS, out,
            new ControlFrames<>(out, new ExpandableArrayBuffer()), counters, (x, y) -> true);
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        for (final long at : new long[] {T0, T0 + TIMINGS.holeDelay()})
        {
            oneOperator.onProgress("a", ORIGIN, stream, B + 4, B + 4, at);
            oneOperator.endDigest("a");
        }
        oneOperator.onProgress("b", ORIGIN, stream, B + 4, B + 4, T0 + 3 * TIMINGS.holeDelay());
        oneOperator.endDigest("b");
        assertThat(out.wants()).hasSize(2);

        // a and b run under one key: their two "gone" are one operator's word, not two.
        final long said = T0 + 3 * TIMINGS.holeDelay();
        oneOperator.onWantMiss("a", stream, B + 2, B + 4, said);
        oneOperator.onWantMiss("b", stream, B + 2, B + 4, said);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);

        // Taken as one claimant's word is: once every peer had its turn to offer it and none did.
        final long unopposed = TIMINGS.unopposedClaim(2);
        oneOperator.onProgress("b", ORIGIN, stream, B + 4, B + 4, said + unopposed - MS);
        assertThat(stream.window.contiguous()).isEqualTo(B + 2);
        oneOperator.onProgress("b", ORIGIN, stream, B + 4, B + 4, said + unopposed);
        assertThat(stream.window.contiguous()).isEqualTo(B + 4);
        assertThat(counters.lostBeyondRetention.get()).isEqualTo(1);
    }

    @Test
    void shouldNotSkipAGapAPeerStillOffersHoweverLongItsAnswersTake()
    {
        // c's answers may be cut short by its own repair budget, which other askers share: while its word offers the
        // gap, two operators saying it is gone do not skip it (the stuck-gap rule gives it up once nothing can be
        // retained any more, a delay and never a loss of what c holds).
        out.connect("a", "b", "c");
        final OriginStream<String> stream = stream(B, B + 1, B + 2, B + 4);
        askBoth(stream);
        final long said = T0 + 3 * TIMINGS.holeDelay();
        requester.onWantMiss("a", stream, B + 2, B + 4, said);
        digest("c", stream, B + 4, B + 4, said + MS);
        requester.onWantMiss("b", stream, B + 2, B + 4, said + 2 * MS);

        long now = said;
        while (now < said + 64 * TIMINGS.holeDelay() + 4 * TIMINGS.unopposedClaim(3))
        {
            now += TIMINGS.repairInterval();
            for (final String peer : new String[] {"a", "b", "c"})
            {
                digest(peer, stream, B + 4, B + 4, now);
            }
        }

        assertThat(stream.window.contiguous()).isEqualTo(B + 2);
        assertThat(counters.lostBeyondRetention.get()).isZero();
        assertThat(out.sentOfType(FrameType.WANT).stream().filter(w -> w.peer().equals("c")).count()).isGreaterThan(1);
        // c serves it at last.
        stream.window.commit(B + 3);
        assertThat(stream.window.contiguous()).isEqualTo(B + 4);
    }

    /** The batch {@code seq} came from {@code peer} and was committed. */
    private void served(final String peer, final OriginStream<String> stream, final long seq)
    {
        assertThat(stream.window.commit(seq)).isTrue();
        requester.onCommittedFrom(peer, stream, seq);
    }

    private static OriginStream<String> joinedMidStream()
    {
        final OriginStream<String> stream = new OriginStream<>(1024);
        stream.window.commit(B + 10);
        stream.onFirstCommit(B + 10, true, T0);
        return stream;
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
