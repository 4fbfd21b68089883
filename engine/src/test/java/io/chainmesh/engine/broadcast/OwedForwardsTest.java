package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.frame.FrameType;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static io.chainmesh.engine.broadcast.CommitStageFixtures.FRAME_LENGTH;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.ORIGIN;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.batch;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.retain;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.retainAfterEviction;
import static org.assertj.core.api.Assertions.assertThat;

/** Forwards a full link skipped, owed and resent, rule by rule. */
class OwedForwardsTest
{
    private static final long B = 1_000;

    private final RecordingOutbound out = new RecordingOutbound("a", "b");
    private final BroadcastCounters counters = CommitStageFixtures.counters();
    private final RetentionBuffer retention = new RetentionBuffer(64 * 1024, CommitStageFixtures.RETENTION_MILLIS);
    private final OwedForwards<String> owed = new OwedForwards<>(out, retention, counters, 32 * 1024,
        new ExpandableArrayBuffer(), new RepairBudget());

    @Test
    void shouldOweAForwardAFullLinkSkippedAndResendItAsRepairOnceTheLinkDrains()
    {
        retain(retention, ORIGIN, B, B + 1);
        out.takes("a", 0);

        assertThat(owed.forward("a", batch(ORIGIN, B), FRAME_LENGTH)).isFalse();
        assertThat(owed.forward("a", batch(ORIGIN, B + 1), FRAME_LENGTH)).isFalse();
        assertThat(owed.owedTo("a")).isEqualTo(2);
        assertThat(counters.forwardBackPressured.get()).isEqualTo(2);

        out.takes("a", Integer.MAX_VALUE);
        owed.resendAll();
        assertThat(out.batchesTo("a")).containsExactly(B, B + 1);
        assertThat(out.sentOfType(FrameType.BATCH)).allMatch(sent -> sent.flags() == BatchDescriptor.FLAG_REPAIR);
        assertThat(owed.total()).isZero();
        assertThat(counters.forwardsResent.get()).isEqualTo(2);
    }

    @Test
    void shouldSendANewerForwardOnlyBehindWhatThePeerIsOwed()
    {
        retain(retention, ORIGIN, B, B + 2);
        out.takes("a", 0);
        owed.forward("a", batch(ORIGIN, B), FRAME_LENGTH);

        out.takes("a", 1);
        assertThat(owed.forward("a", batch(ORIGIN, B + 1), FRAME_LENGTH)).isFalse();
        assertThat(out.batchesTo("a")).containsExactly(B);
        assertThat(owed.owedTo("a")).isEqualTo(1);

        out.takes("a", Integer.MAX_VALUE);
        assertThat(owed.forward("a", batch(ORIGIN, B + 2), FRAME_LENGTH)).isTrue();
        assertThat(out.batchesTo("a")).containsExactly(B, B + 1, B + 2);
        assertThat(out.sentOfType(FrameType.BATCH).get(2).flags()).isZero();
    }

    @Test
    void shouldLeaveOwedForwardsTheRetentionNoLongerHoldsToRepair()
    {
        retainAfterEviction(retention, ORIGIN, B, B + 1, B + 1);
        out.takes("a", 0);
        owed.forward("a", batch(ORIGIN, B), FRAME_LENGTH);
        owed.forward("a", batch(ORIGIN, B + 1), FRAME_LENGTH);

        owed.forgetEvicted();

        assertThat(owed.owedTo("a")).isEqualTo(1);
        assertThat(counters.forwardsLeftToRepair.get()).isEqualTo(1);
    }

    @Test
    void shouldLeaveWhatAPeerWhoseLinkWentDownIsOwedToItsOwnRepair()
    {
        retain(retention, ORIGIN, B, B + 1);
        out.takes("a", 0);
        owed.forward("a", batch(ORIGIN, B), FRAME_LENGTH);
        owed.forward("a", batch(ORIGIN, B + 1), FRAME_LENGTH);

        out.connect("b");
        owed.forgetDisconnected();

        assertThat(owed.total()).isZero();
        assertThat(counters.forwardsLeftToRepair.get()).isEqualTo(2);
    }

    @Test
    void shouldNotOweAForwardToAPeerThatIsNotLinked()
    {
        out.connect("b");
        assertThat(owed.forward("a", batch(ORIGIN, B), FRAME_LENGTH)).isFalse();
        assertThat(owed.total()).isZero();
        assertThat(counters.forwardNotConnected.get()).isEqualTo(1);
    }

    @Test
    void shouldLeaveForwardsBeyondWhatOnePeerMayBeOwedToRepair()
    {
        final int fit = 32 * 1024 / FRAME_LENGTH;
        retain(retention, ORIGIN, B, B + fit);
        out.takes("a", 0);
        for (int i = 0; i <= fit; i++)
        {
            owed.forward("a", batch(ORIGIN, B + i), FRAME_LENGTH);
        }
        assertThat(owed.owedTo("a")).isEqualTo(fit);
        assertThat(counters.forwardsLeftToRepair.get()).isEqualTo(1);
    }
}
