package io.chainmesh.engine.broadcast;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.chainmesh.engine.broadcast.CommitStageFixtures.MS;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.ORIGIN;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.TIMINGS;
import static org.assertj.core.api.Assertions.assertThat;

/** Origin pause, slow peers and neighbours' pause budgets, on a clock the test moves. */
class OriginFlowControlTest
{
    private static final long RETENTION_BYTES = 1024 * 1024;
    private static final long T0 = 1_000_000 * MS;

    private final BroadcastCounters counters = CommitStageFixtures.counters();
    private final OriginPause pause = new OriginPause();
    private final OriginFlowControl<String> flow = new OriginFlowControl<>(TIMINGS, RETENTION_BYTES, pause, counters);
    private final OwedQueue owedToA = new OwedQueue();
    private final List<OwedQueue> queues = List.of(owedToA);

    private void owe(final int batches)
    {
        for (int i = 0; i < batches; i++)
        {
            owedToA.add(ORIGIN, i, 100, 0, Long.MAX_VALUE);
        }
    }

    private void resend(final int batches)
    {
        for (int i = 0; i < batches; i++)
        {
            owedToA.removeFirst();
        }
    }

    @Test
    void shouldPauseOffersAboveTheHighWaterMarkUntilBelowTheLowOne()
    {
        owe(OwedQueue.CAPACITY / 2);
        flow.update(T0, queues, 0);
        assertThat(pause.isPaused()).isFalse();

        owe(1);
        flow.update(T0, queues, 0);
        assertThat(pause.isPaused()).isTrue();
        assertThat(flow.linksBackedUp()).isTrue();
        assertThat(counters.originPauses.get()).isEqualTo(1);

        resend(OwedQueue.CAPACITY / 2 + 1 - OwedQueue.CAPACITY / 8 - 1);
        flow.update(T0 + MS, queues, 0);
        assertThat(pause.isPaused()).isTrue();

        resend(1);
        flow.update(T0 + 2 * MS, queues, 0);
        assertThat(pause.isPaused()).isFalse();
    }

    @Test
    void shouldPauseWhenTheRetentionTurnedOverTooFarSinceTheOldestOwedBatch()
    {
        owedToA.add(ORIGIN, 1, 100, 0, Long.MAX_VALUE);
        flow.update(T0, queues, RETENTION_BYTES / 4);
        assertThat(pause.isPaused()).isFalse();

        flow.update(T0, queues, RETENTION_BYTES / 4 + 1);
        assertThat(pause.isPaused()).isTrue();
    }

    @Test
    void shouldStopWaitingForAPeerThatHoldsPublishingBackLongerThanTheSlowPeerTime()
    {
        owe(OwedQueue.CAPACITY / 2 + 1);
        flow.update(T0, queues, 0);
        flow.update(T0 + TIMINGS.slowPeer(), queues, 0);
        assertThat(pause.isPaused()).isTrue();

        flow.update(T0 + TIMINGS.slowPeer() + MS, queues, 0);
        assertThat(pause.isPaused()).isFalse();
        assertThat(owedToA.slow).isTrue();
        assertThat(counters.slowPeers.get()).isEqualTo(1);
    }

    @Test
    void shouldPauseForThreeDigestIntervalsAfterANeighbourSaysItIsBackedUp()
    {
        flow.onNeighbourBackedUp("a", false, T0);
        assertThat(pause.isPaused()).isFalse();

        flow.onNeighbourBackedUp("a", true, T0);
        assertThat(pause.isPaused()).isTrue();
        flow.update(T0 + TIMINGS.neighbourPause() - MS, List.of(), 0);
        assertThat(pause.isPaused()).isTrue();
        flow.update(T0 + TIMINGS.neighbourPause(), List.of(), 0);
        assertThat(pause.isPaused()).isFalse();
    }

    @Test
    void shouldHonourANeighboursPausesForAtMostTheSlowPeerTimeInEachBudgetWindow()
    {
        long now = T0;
        for (; now - T0 <= TIMINGS.slowPeer(); now += TIMINGS.repairInterval())
        {
            flow.onNeighbourBackedUp("a", true, now);
        }
        flow.update(now + TIMINGS.neighbourPause(), List.of(), 0);
        flow.onNeighbourBackedUp("a", true, now + TIMINGS.neighbourPause());
        assertThat(pause.isPaused()).isFalse();

        // A new window: honoured again.
        flow.onNeighbourBackedUp("a", true, T0 + TIMINGS.pauseBudgetWindow() + MS);
        assertThat(pause.isPaused()).isTrue();
    }

    @Test
    void shouldHonourNeighboursTakingTurnsForAtMostTheSlowPeerTimeTogether()
    {
        long now = T0;
        for (int i = 0; now - T0 <= TIMINGS.slowPeer(); now += TIMINGS.repairInterval(), i++)
        {
            flow.onNeighbourBackedUp(i % 2 == 0 ? "a" : "b", true, now);
        }
        flow.update(now + TIMINGS.neighbourPause(), List.of(), 0);
        flow.onNeighbourBackedUp("c", true, now + TIMINGS.neighbourPause());
        assertThat(pause.isPaused()).isFalse();
    }
}
