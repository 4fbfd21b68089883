package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.control.Want;
import io.chainmesh.codec.control.WantMiss;
import io.chainmesh.codec.control.WantRange;
import io.chainmesh.codec.frame.FrameType;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static io.chainmesh.engine.broadcast.CommitStageFixtures.ORIGIN;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.retain;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.retainAfterEviction;
import static org.assertj.core.api.Assertions.assertThat;

/** The answering side of repair, rule by rule. */
class RepairResponderTest
{
    private static final long B = 1_000;

    private final RecordingOutbound out = new RecordingOutbound("a", "b");
    private final BroadcastCounters counters = CommitStageFixtures.counters();
    private final RetentionBuffer retention = new RetentionBuffer(64 * 1024, CommitStageFixtures.RETENTION_MILLIS);
    private final OriginStreams<String> streams = new OriginStreams<>(1024, new SeenWindows());
    private final RepairBudget budget = new RepairBudget();
    private final PeerProgress<String> peerProgress = new PeerProgress<>(out);
    private final RepairResponder<String> responder = new RepairResponder<>(
        out, new ControlFrames<>(out, new ExpandableArrayBuffer()), retention, streams, counters, 1024, budget,
        peerProgress, CommitStageFixtures.RETENTION_MILLIS);
    private long nowMillis;

    /** A WANT a retention time after the last one: the asker's allowance has refilled (rules other than it). */
    private void ask(final String peer, final Want want)
    {
        nowMillis += CommitStageFixtures.RETENTION_MILLIS;
        responder.onWant(peer, want, nowMillis);
    }

    private WantMiss lastWantMissTo(final String peer)
    {
        final var misses = out.sentOfType(FrameType.WANT_MISS);
        final var last = misses.get(misses.size() - 1);
        assertThat(last.peer()).isEqualTo(peer);
        return last.wantMiss();
    }

    private static Want want(final long after, final long upTo)
    {
        return want(ORIGIN, after, upTo);
    }

    private static Want want(final long originId, final long after, final long upTo)
    {
        return Want.newBuilder()
            .addRanges(WantRange.newBuilder().setOriginId(originId).setAfterSeq(after).setUpToSeq(upTo)).build();
    }

    /** Our stream of {@link CommitStageFixtures#ORIGIN}, with these batches committed (retained too), the first from the tree. */
    private OriginStream<String> committed(final long... seqs)
    {
        final OriginStream<String> stream = streams.getOrCreate(ORIGIN);
        for (final long seq : seqs)
        {
            final boolean first = stream.window.highest() < 0;
            stream.window.commit(seq);
            if (first)
            {
                stream.onFirstCommit(seq, false, 0);
            }
            retain(retention, ORIGIN, seq, seq);
        }
        return stream;
    }

    @Test
    void shouldSayTheGapBelowItsOwnRunIsGoneWhenTheRestartedOriginIsAsked()
    {
        // The origin restarted: this run is numbered from its clock, far above the previous one, which peers knew.
        final long restarted = B + 1_000_000;
        committed(restarted, restarted + 1, restarted + 2);

        ask("a", want(restarted - 1_000, restarted - 1));

        final WantMiss miss = lastWantMissTo("a");
        assertThat(miss.getAfterSeq()).isEqualTo(restarted - 1_000);
        assertThat(miss.getOldestRetainedSeq()).isEqualTo(restarted);
        assertThat(counters.wantMissSent.get()).isEqualTo(1);
        assertThat(out.batchesTo("a")).isEmpty();
    }

    @Test
    void shouldSayAGapItNoLongerWaitsForIsGoneOnlyOnceItGaveItUp()
    {
        // The origin's previous run, then its restarted run, far past our window (1024): a gap nobody holds.
        final long restarted = B + 1_000_000;
        final OriginStream<String> stream = committed(B, B + 1, B + 2, restarted, restarted + 1, restarted + 2);
        final long mark = stream.window.contiguous();
        assertThat(mark).isLessThan(restarted - 1);

        ask("a", want(mark, restarted - 1));
        assertThat(out.sentOfType(FrameType.WANT_MISS)).as("we still wait for it ourselves").isEmpty();

        stream.window.skipTo(restarted - 1);
        ask("a", want(mark, restarted - 1));
        final WantMiss miss = lastWantMissTo("a");
        assertThat(miss.getAfterSeq()).isEqualTo(mark);
        assertThat(miss.getOldestRetainedSeq()).isEqualTo(restarted);
    }

    @Test
    void shouldNotSayAHoleItStillWaitsForIsGone()
    {
        committed(B, B + 1, B + 3);

        ask("a", want(B + 1, B + 2));

        assertThat(out.sentOfType(FrameType.WANT_MISS)).isEmpty();
        assertThat(out.batchesTo("a")).isEmpty();
    }

    @Test
    void shouldServeOldestFirstAsRepairAndStopAtTheFirstBackPressuredSend()
    {
        retain(retention, ORIGIN, B, B + 9);
        out.takes("a", 3);

        ask("a", want(B + 1, B + 9));

        assertThat(out.batchesTo("a")).containsExactly(B + 2, B + 3, B + 4);
        assertThat(out.sentOfType(FrameType.BATCH))
            .allMatch(sent -> sent.flags() == BatchDescriptor.FLAG_REPAIR);
        assertThat(counters.repairBackPressured.get()).isEqualTo(1);
        assertThat(counters.repairFramesSent.get()).isEqualTo(3);
    }

    @Test
    void shouldKeepRepairToItsShareOfTreeTrafficWhileSaturated()
    {
        final int retained = 2 * RepairBudget.FLOOR_FRAMES + 100;
        retain(retention, ORIGIN, B, B + retained - 1);
        for (int i = 0; i < 2 * RepairBudget.FLOOR_FRAMES; i++)
        {
            budget.onTreeForward();
        }
        budget.onInterval(true);

        ask("a", want(B - 1, B + retained));
        final int share = RepairBudget.FLOOR_FRAMES + 2 * RepairBudget.FLOOR_FRAMES / RepairBudget.SHARE_DIVISOR;
        assertThat(out.batchesTo("a")).hasSize(share).startsWith(B, B + 1);
        assertThat(counters.repairCutByBudget.get()).isEqualTo(1);
        ask("b", want(B - 1, B + retained));
        assertThat(out.batchesTo("b")).isEmpty();

        // Not saturated: repair takes what the links carry.
        budget.onInterval(false);
        ask("b", want(B - 1, B + retained));
        assertThat(out.batchesTo("b")).hasSize(retained);
    }

    @Test
    void shouldCountEmptyOrOutOfRangeRequestsAsMalformedWithoutHoldingThemAgainstThePeer()
    {
        retain(retention, ORIGIN, B, B + 9);
        final Want bad = Want.newBuilder()
            .addRanges(WantRange.newBuilder().setOriginId(ORIGIN).setAfterSeq(B + 5).setUpToSeq(B + 5))
            .addRanges(WantRange.newBuilder().setOriginId(ORIGIN).setAfterSeq(-1).setUpToSeq(B))
            .addRanges(WantRange.newBuilder().setOriginId(ORIGIN).setAfterSeq(B + 6).setUpToSeq(B + 2))
            .build();

        ask("a", bad);

        assertThat(counters.malformed.get()).isEqualTo(3);
        assertThat(out.sent).isEmpty();
        assertThat(out.closed).isEmpty();
    }

    @Test
    void shouldTellWhatIsBeyondRetentionAndCloseAPeerThatAsksForItAgainThreeTimesInARow()
    {
        retainAfterEviction(retention, ORIGIN, B, B + 5, B + 9);
        final int asks = 1 + RepairResponder.MAX_WANTS_BEYOND_RETENTION;

        for (int i = 1; i <= asks; i++)
        {
            ask("a", want(B + 1, B + 9));
            final WantMiss miss = lastWantMissTo("a");
            assertThat(miss.getAfterSeq()).isEqualTo(B + 1);
            assertThat(miss.getOldestRetainedSeq()).isEqualTo(B + 5);
            assertThat(out.closed).hasSize(i == asks ? 1 : 0);
        }
        assertThat(out.closed).containsExactly("a:BEYOND_RETENTION");
        assertThat(counters.wantMissSent.get()).isEqualTo(asks);
        // What it still retains was served after each WANT_MISS.
        assertThat(out.batchesTo("a")).hasSize(5 * asks);
    }

    @Test
    void shouldTellAgainButNeverCloseAPeerThatTakesItsWordWhileRetentionMovesOn()
    {
        // Batch B + k is appended at k x 100 ms: each round below evicts five more.
        for (int k = 0; k < 40; k++)
        {
            retain(retention, ORIGIN, B + k, B + k, k * 100L);
        }
        long after = B - 1;
        final int rounds = 2 * RepairResponder.MAX_WANTS_BEYOND_RETENTION;
        for (int round = 1; round <= rounds; round++)
        {
            retention.evictExpired(CommitStageFixtures.RETENTION_MILLIS + round * 500L);
            ask("a", want(after, B + 39));
            final WantMiss miss = lastWantMissTo("a");
            assertThat(miss.getAfterSeq()).isEqualTo(after);
            assertThat(miss.getOldestRetainedSeq()).isEqualTo(B + 5 * round);
            // An honest member repairing under load: it asks next from where it was told what is retained starts.
            after = miss.getOldestRetainedSeq() - 1;
        }
        assertThat(out.closed).isEmpty();
        assertThat(counters.wantMissSent.get()).isEqualTo(rounds);

        // Asking again for what it was told is gone is what counts against a peer.
        for (int i = 0; i < RepairResponder.MAX_WANTS_BEYOND_RETENTION; i++)
        {
            ask("a", want(B, B + 39));
        }
        assertThat(out.closed).containsExactly("a:BEYOND_RETENTION");
    }

    @Test
    void shouldRememberWhatItToldAPeerPerOrigin()
    {
        retainAfterEviction(retention, ORIGIN, B, B + 5, B + 9);
        retainAfterEviction(retention, ORIGIN + 1, B, B + 5, B + 9);
        final Want both = Want.newBuilder()
            .addRanges(WantRange.newBuilder().setOriginId(ORIGIN).setAfterSeq(B + 1).setUpToSeq(B + 9))
            .addRanges(WantRange.newBuilder().setOriginId(ORIGIN + 1).setAfterSeq(B + 1).setUpToSeq(B + 9))
            .build();
        ask("a", want(B + 1, B + 9));

        // Told of ORIGIN only: asking ORIGIN + 1 is a first ask, but ORIGIN again is asking again.
        ask("a", both);
        ask("a", both);
        ask("a", both);
        assertThat(out.closed).containsExactly("a:BEYOND_RETENTION");
    }

    @Test
    void shouldStrikeAPeerThatAsksAgainForWhatItWasToldIsGoneHoweverManyOriginsItRotatesThrough()
    {
        final int origins = 2 * RepairResponder.MAX_WANTS_BEYOND_RETENTION + 2;
        for (int o = 0; o < origins; o++)
        {
            retain(retention, ORIGIN + o, B, B + 4, 0);
        }
        for (int o = 0; o < origins; o++)
        {
            retain(retention, ORIGIN + o, B + 5, B + 9, 1_000);
        }
        retention.evictExpired(CommitStageFixtures.RETENTION_MILLIS + 500);
        // Told of each origin once: first asks, no strike.
        for (int o = 0; o < origins; o++)
        {
            ask("a", want(ORIGIN + o, B + 1, B + 9));
        }
        assertThat(out.closed).isEmpty();
        assertThat(counters.wantMissSent.get()).isEqualTo(origins);

        // Then asks each again from below what it was told, one origin per WANT, in turn: asking again all the same.
        for (int o = 0; o < RepairResponder.MAX_WANTS_BEYOND_RETENTION; o++)
        {
            assertThat(out.closed).isEmpty();
            ask("a", want(ORIGIN + o, B + 1, B + 9));
        }
        assertThat(out.closed).containsExactly("a:BEYOND_RETENTION");
    }

    @Test
    void shouldPayWantMissAnswersFromTheAskersAllowance()
    {
        final int origins = 200;
        for (int o = 0; o <= origins; o++)
        {
            retain(retention, ORIGIN + o, B, B + 4, 0);
        }
        retain(retention, ORIGIN, B + 5, B + 9, 1_000);
        retention.evictExpired(CommitStageFixtures.RETENTION_MILLIS + 500);
        for (int o = 0; o <= origins; o++)
        {
            retain(retention, ORIGIN + o, B + 5, B + 5, 1_000);
        }
        // Only what is gone is asked for (nothing to serve): each answer is a WANT_MISS, and each is paid for.
        final long before = responder.allowances().of("a", 0).bytes;
        responder.onWant("a", want(ORIGIN, B + 1, B + 3), 0);
        final long paid = before - responder.allowances().of("a", 0).bytes;
        assertThat(out.sentOfType(FrameType.WANT_MISS)).hasSize(1);
        assertThat(paid).isPositive();

        // One WANT naming many origins below what we retain, again and again at one instant: it gets no more WANT_MISS
        // than its allowance pays for, and the rest is cut like any answer.
        final Want.Builder many = Want.newBuilder();
        for (int o = 1; o <= origins; o++)
        {
            many.addRanges(WantRange.newBuilder().setOriginId(ORIGIN + o).setAfterSeq(B + 1).setUpToSeq(B + 3));
        }
        final Want manyGone = many.build();
        final int wants = 1_000;
        for (int i = 0; i < wants; i++)
        {
            responder.onWant("b", manyGone, 0);
        }
        final long held = Math.max(RepairAllowances.MIN_BYTES, retention.bytesHeld());
        final long toB = out.sentOfType(FrameType.WANT_MISS).stream().filter(m -> m.peer().equals("b")).count();
        assertThat(toB).isPositive().isLessThanOrEqualTo(held / paid + 1).isLessThan((long)wants * origins);
        assertThat(out.batchesTo("b")).isEmpty();
        assertThat(counters.repairCutByPeerAllowance.get()).isEqualTo(wants - toB / origins);
        assertThat(responder.allowances().of("b", 0).bytes).isLessThan(paid);
    }

    @Test
    void shouldNeitherStrikeNorClearAPeerForAnAnswerCutShortByItsLink()
    {
        retainAfterEviction(retention, ORIGIN, B, B + 5, B + 9);
        ask("a", want(B + 1, B + 9));
        ask("a", want(B + 1, B + 9));
        ask("a", want(B + 1, B + 9));

        out.takes("a", 1);
        ask("a", want(B + 5, B + 9));
        assertThat(out.closed).isEmpty();

        out.takes("a", Integer.MAX_VALUE);
        ask("a", want(B + 1, B + 9));
        assertThat(out.closed).containsExactly("a:BEYOND_RETENTION");
    }

    @Test
    void shouldClearStrikesWhenAPeerAsksForWhatIsRetained()
    {
        retainAfterEviction(retention, ORIGIN, B, B + 5, B + 9);
        ask("a", want(B + 1, B + 9));
        ask("a", want(B + 1, B + 9));
        ask("a", want(B + 5, B + 9));
        ask("a", want(B + 1, B + 9));

        assertThat(out.closed).isEmpty();
    }

    @Test
    void shouldSayWhereTheStreamStartsOnlyWhenItKnowsItself()
    {
        retain(retention, ORIGIN, B, B + 3);
        final OriginStream<String> stream = streams.getOrCreate(ORIGIN);
        stream.window.commit(B);
        stream.onFirstCommit(B, true, 0);
        assertThat(stream.phase()).isEqualTo(OriginStream.Phase.HISTORY_UNKNOWN);

        ask("a", want(0, B + 3));
        assertThat(out.sentOfType(FrameType.WANT_MISS)).isEmpty();
        assertThat(out.batchesTo("a")).containsExactly(B, B + 1, B + 2, B + 3);

        stream.settleWhereStarted();
        ask("b", want(0, B + 3));
        final WantMiss floor = out.sentOfType(FrameType.WANT_MISS).get(0).wantMiss();
        assertThat(floor.getAfterSeq()).isZero();
        assertThat(floor.getOldestRetainedSeq()).isEqualTo(B);
        assertThat(counters.repairFloorsSent.get()).isEqualTo(1);
        assertThat(counters.wantMissSent.get()).isZero();
    }

    @Test
    void shouldGiveAPeerThatAsksForEverythingAgainAndAgainNoMoreThanWhatItRetainsPlusWhatTimeEarnsBack()
    {
        retain(retention, ORIGIN, B, B + 199);
        final long held = retention.bytesHeld();

        // 100 WANTs for everything in one second, nothing committed meanwhile.
        for (int i = 0; i < 100; i++)
        {
            responder.onWant("a", want(B - 1, B + 199), i * 10L);
        }

        final long taken = (long)out.batchesTo("a").size() * CommitStageFixtures.FRAME_LENGTH;
        assertThat(out.batchesTo("a")).hasSizeGreaterThanOrEqualTo(200).startsWith(B, B + 1, B + 2);
        assertThat(taken).isLessThanOrEqualTo(held + held * 1_000 / CommitStageFixtures.RETENTION_MILLIS);
        assertThat(counters.repairCutByPeerAllowance.get()).isGreaterThanOrEqualTo(98);
        assertThat(counters.repairBackPressured.get()).isZero();
        assertThat(out.closed).isEmpty();

        // Allowances are per asker: another peer still gets the whole retention at once.
        responder.onWant("b", want(B - 1, B + 199), 1_000);
        assertThat(out.batchesTo("b")).hasSize(200);
    }

    @Test
    void shouldLetAPeerThatTookAWholeRetentionKeepUpWithWhatIsCommitted()
    {
        retain(retention, ORIGIN, B, B + 99);
        responder.onWant("a", want(B - 1, B + 99), 0);
        responder.onWant("a", want(B - 1, B + 99), 0);
        responder.onWant("a", want(B - 1, B + 99), 0);
        final int drained = out.batchesTo("a").size();
        assertThat(counters.repairCutByPeerAllowance.get()).isGreaterThanOrEqualTo(1);

        retain(retention, ORIGIN, B + 100, B + 109);
        responder.onWant("a", want(B + 99, B + 109), 0);

        assertThat(out.batchesTo("a").subList(drained, out.batchesTo("a").size()))
            .containsExactly(B + 100, B + 101, B + 102, B + 103, B + 104, B + 105, B + 106, B + 107, B + 108, B + 109);
    }

    @Test
    void shouldServeOnlyAboveTheContiguousMarkTheAskersOwnDigestVouchesFor()
    {
        retain(retention, ORIGIN, B, B + 9);
        peerProgress.onDigest("a", true, false).record(ORIGIN, B + 5, B + 9);
        // 0: it does not know where the stream starts yet, so it vouches for nothing.
        peerProgress.onDigest("b", true, false).record(ORIGIN, 0, B + 9);

        ask("a", want(B - 1, B + 9));
        assertThat(out.batchesTo("a")).containsExactly(B + 6, B + 7, B + 8, B + 9);
        ask("a", want(B - 1, B + 5));
        assertThat(out.batchesTo("a")).hasSize(4);
        assertThat(counters.repairRangesHeldByAsker.get()).isEqualTo(2);

        ask("b", want(B - 1, B + 9));
        assertThat(out.batchesTo("b")).hasSize(10);
    }

    @Test
    void shouldLetAnHonestPeerCatchUpAWholeRetentionWhileBatchesKeepComingWithinBoundedTime()
    {
        final long repairDelayMillis = 250;
        final int linkTakesPerAnswer = 32;
        long highest = B + 299;
        retain(retention, ORIGIN, B, highest);
        long contiguous = B - 1;
        long now = 0;
        int answers = 0;
        while (answers < 100)
        {
            out.takes("a", linkTakesPerAnswer);
            responder.onWant("a", want(contiguous, highest), now);
            answers++;
            final var got = out.batchesTo("a");
            contiguous = got.get(got.size() - 1);
            if (contiguous == highest)
            {
                break;
            }
            // The stream goes on: 2 batches per re-ask delay.
            retain(retention, ORIGIN, highest + 1, highest + 2);
            highest += 2;
            now += repairDelayMillis;
        }

        // What its link takes bounds it, not the allowance: 300 + 2 per re-ask at 32 per answer, 2.25 s.
        assertThat(answers).isEqualTo(10);
        assertThat(now).isEqualTo(9 * repairDelayMillis);
        assertThat(counters.repairCutByPeerAllowance.get()).isZero();
        assertThat(out.batchesTo("a")).doesNotHaveDuplicates();
    }

    @Test
    void shouldKeepTheDrainedAllowanceOfAPeerThatReconnectsAndForgetItOnceRefilled()
    {
        retain(retention, ORIGIN, B, B + 99);
        responder.onWant("a", want(B - 1, B + 99), 0);
        responder.onWant("a", want(B - 1, B + 99), 0);
        responder.onWant("b", want(B + 99, B + 99 + 1), 0);
        final int taken = out.batchesTo("a").size();

        out.connect();
        responder.forgetDisconnected(10);
        // b took nothing (there was nothing to take) and is full: forgotten. a has drained its own: kept.
        assertThat(responder.allowances().size()).isEqualTo(1);

        out.connect("a", "b");
        responder.onWant("a", want(B - 1, B + 99), 20);
        assertThat(out.batchesTo("a")).hasSize(taken);

        out.connect();
        responder.forgetDisconnected(20 + CommitStageFixtures.RETENTION_MILLIS);
        assertThat(responder.allowances().size()).isZero();
    }
}
