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
    private final RepairResponder<String> responder = new RepairResponder<>(
        out, new ControlFrames<>(out, new ExpandableArrayBuffer()), retention, streams, counters, 1024, budget);

    private static Want want(final long after, final long upTo)
    {
        return Want.newBuilder()
            .addRanges(WantRange.newBuilder().setOriginId(ORIGIN).setAfterSeq(after).setUpToSeq(upTo)).build();
    }

    @Test
    void shouldServeOldestFirstAsRepairAndStopAtTheFirstBackPressuredSend()
    {
        retain(retention, ORIGIN, B, B + 9);
        out.takes("a", 3);

        responder.onWant("a", want(B + 1, B + 9));

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

        responder.onWant("a", want(B - 1, B + retained));
        final int share = RepairBudget.FLOOR_FRAMES + 2 * RepairBudget.FLOOR_FRAMES / RepairBudget.SHARE_DIVISOR;
        assertThat(out.batchesTo("a")).hasSize(share).startsWith(B, B + 1);
        assertThat(counters.repairCutByBudget.get()).isEqualTo(1);
        responder.onWant("b", want(B - 1, B + retained));
        assertThat(out.batchesTo("b")).isEmpty();

        // Not saturated: repair takes what the links carry.
        budget.onInterval(false);
        responder.onWant("b", want(B - 1, B + retained));
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

        responder.onWant("a", bad);

        assertThat(counters.malformed.get()).isEqualTo(3);
        assertThat(out.sent).isEmpty();
        assertThat(out.closed).isEmpty();
    }

    @Test
    void shouldTellWhatIsBeyondRetentionAndCloseAPeerThatAsksForItThreeTimesInARow()
    {
        retainAfterEviction(retention, ORIGIN, B, B + 5, B + 9);

        for (int i = 1; i <= RepairResponder.MAX_WANTS_BEYOND_RETENTION; i++)
        {
            responder.onWant("a", want(B + 1, B + 9));
            final var misses = out.sentOfType(FrameType.WANT_MISS);
            final WantMiss miss = misses.get(misses.size() - 1).wantMiss();
            assertThat(miss.getAfterSeq()).isEqualTo(B + 1);
            assertThat(miss.getOldestRetainedSeq()).isEqualTo(B + 5);
            assertThat(out.closed).hasSize(i == RepairResponder.MAX_WANTS_BEYOND_RETENTION ? 1 : 0);
        }
        assertThat(out.closed).containsExactly("a:BEYOND_RETENTION");
        assertThat(counters.wantMissSent.get()).isEqualTo(3);
        // What it still retains was served after each WANT_MISS.
        assertThat(out.batchesTo("a")).hasSize(15);
    }

    @Test
    void shouldNeitherStrikeNorClearAPeerForAnAnswerCutShortByItsLink()
    {
        retainAfterEviction(retention, ORIGIN, B, B + 5, B + 9);
        responder.onWant("a", want(B + 1, B + 9));
        responder.onWant("a", want(B + 1, B + 9));

        out.takes("a", 1);
        responder.onWant("a", want(B + 5, B + 9));
        assertThat(out.closed).isEmpty();

        out.takes("a", Integer.MAX_VALUE);
        responder.onWant("a", want(B + 1, B + 9));
        assertThat(out.closed).containsExactly("a:BEYOND_RETENTION");
    }

    @Test
    void shouldClearStrikesWhenAPeerAsksForWhatIsRetained()
    {
        retainAfterEviction(retention, ORIGIN, B, B + 5, B + 9);
        responder.onWant("a", want(B + 1, B + 9));
        responder.onWant("a", want(B + 1, B + 9));
        responder.onWant("a", want(B + 5, B + 9));
        responder.onWant("a", want(B + 1, B + 9));

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

        responder.onWant("a", want(0, B + 3));
        assertThat(out.sentOfType(FrameType.WANT_MISS)).isEmpty();
        assertThat(out.batchesTo("a")).containsExactly(B, B + 1, B + 2, B + 3);

        stream.settleWhereStarted();
        responder.onWant("b", want(0, B + 3));
        final WantMiss floor = out.sentOfType(FrameType.WANT_MISS).get(0).wantMiss();
        assertThat(floor.getAfterSeq()).isZero();
        assertThat(floor.getOldestRetainedSeq()).isEqualTo(B);
        assertThat(counters.repairFloorsSent.get()).isEqualTo(1);
        assertThat(counters.wantMissSent.get()).isZero();
    }
}
