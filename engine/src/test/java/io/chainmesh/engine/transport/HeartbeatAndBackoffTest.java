package io.chainmesh.engine.transport;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class HeartbeatAndBackoffTest
{
    @Test
    void shouldDeclareDeadAtTheConfiguredSilentTickAndNeverBeforeAPingHadAnIntervalToBeAnswered()
    {
        final HeartbeatMonitor monitor = new HeartbeatMonitor(3);
        assertThat(monitor.onTick(0)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        assertThat(monitor.onTick(0)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        assertThat(monitor.onTick(0)).isEqualTo(HeartbeatMonitor.Action.DEAD);

        final HeartbeatMonitor one = new HeartbeatMonitor(1);
        assertThat(one.onTick(0)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        assertThat(one.onTick(0)).isEqualTo(HeartbeatMonitor.Action.DEAD);
    }

    @Test
    void shouldSendNoPingWhileThePeerIsHeardAndCountMissesOnlyOverSilentTicks()
    {
        final HeartbeatMonitor monitor = new HeartbeatMonitor(3);
        assertThat(monitor.onTick(false, 0)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        assertThat(monitor.onTick(false, 0)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        assertThat(monitor.missed()).isEqualTo(2);
        // Frames arrive (its PONG is queued behind them): no PONG for many ticks, still alive, and no PING needed.
        for (int i = 0; i < HeartbeatMonitor.RTT_SAMPLE_TICKS - 2; i++)
        {
            assertThat(monitor.onTick(true, 0)).isEqualTo(HeartbeatMonitor.Action.NONE);
            assertThat(monitor.missed()).isZero();
        }
        // Then nothing at all: a PING at each silent tick, dead at the third.
        assertThat(monitor.onTick(false, 0)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        assertThat(monitor.onTick(false, 0)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        assertThat(monitor.missed()).isEqualTo(2);
        assertThat(monitor.onTick(false, 0)).isEqualTo(HeartbeatMonitor.Action.DEAD);
    }

    @Test
    void shouldStillSampleTheRttOnceInAWhileOnALinkThatIsAlwaysHeard()
    {
        final HeartbeatMonitor monitor = new HeartbeatMonitor(3);
        assertThat(monitor.onTick(false, 0)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        int pings = 0;
        for (int i = 0; i < 4 * HeartbeatMonitor.RTT_SAMPLE_TICKS; i++)
        {
            if (monitor.onTick(true, 0) == HeartbeatMonitor.Action.SEND_PING)
            {
                pings++;
            }
        }
        assertThat(pings).isEqualTo(4);
        assertThat(monitor.missed()).isZero();
    }

    @Test
    void shouldLetTheEndsOfAnIdleLinkTakeTurnsWithOnePingAndPongPerExchange()
    {
        // Two ends ticking half an interval apart on a link that carries nothing but heartbeats; frames arrive at once.
        final HeartbeatMonitor a = new HeartbeatMonitor(3);
        final HeartbeatMonitor b = new HeartbeatMonitor(3);
        boolean aHeard = false;
        boolean bHeard = false;
        int pings = 0;
        for (int tick = 0; tick < 60; tick++)
        {
            final HeartbeatMonitor.Action atA = a.onTick(aHeard, tick);
            aHeard = false;
            assertThat(atA).isNotEqualTo(HeartbeatMonitor.Action.DEAD);
            if (atA == HeartbeatMonitor.Action.SEND_PING)
            {
                pings++;
                bHeard = true;
                assertThat(a.onPong(a.pingId(), tick)).isTrue();
            }
            final HeartbeatMonitor.Action atB = b.onTick(bHeard, tick);
            bHeard = false;
            assertThat(atB).isNotEqualTo(HeartbeatMonitor.Action.DEAD);
            if (atB == HeartbeatMonitor.Action.SEND_PING)
            {
                pings++;
                aHeard = true;
                assertThat(b.onPong(b.pingId(), tick)).isTrue();
            }
        }
        // Pinging on every tick at both ends would be 120.
        assertThat(pings).isBetween(30, 40);
    }

    @Test
    void shouldDeclareASilentPeerDeadWhenTicksRunInBursts()
    {
        final HeartbeatMonitor monitor = new HeartbeatMonitor(4);
        assertThat(monitor.onTick(false, false, 0)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        // A lagging loop runs its fixed-rate ticks in bursts: one on time, then late ones right behind it.
        for (int burst = 0; burst < 2; burst++)
        {
            assertThat(monitor.onTick(false, false, 0)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
            assertThat(monitor.onTick(false, true, 0)).isEqualTo(HeartbeatMonitor.Action.NONE);
            assertThat(monitor.onTick(false, true, 0)).isEqualTo(HeartbeatMonitor.Action.NONE);
            assertThat(monitor.missed()).isEqualTo(burst + 2);
        }
        assertThat(monitor.onTick(false, false, 0)).isEqualTo(HeartbeatMonitor.Action.DEAD);
    }

    @Test
    void shouldMeasureRttFromItsOwnRecordOfTheSendTimeAndResetMissesOnMatchingPong()
    {
        final HeartbeatMonitor monitor = new HeartbeatMonitor(2);
        assertThat(monitor.onTick(1_000)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        final long id = monitor.pingId();
        assertThat(monitor.onPong(id + 1, 5_000)).isFalse();
        assertThat(monitor.onPong(id, 5_000)).isTrue();
        assertThat(monitor.rttLastNs()).isEqualTo(4_000);
        assertThat(monitor.rttEwmaNs()).isEqualTo(4_000);
        assertThat(monitor.onPong(id, 5_000)).as("duplicate pong").isFalse();
        assertThat(monitor.onTick(6_000)).as("the PONG was heard").isEqualTo(HeartbeatMonitor.Action.NONE);
        assertThat(monitor.onTick(10_000)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        assertThat(monitor.onPong(monitor.pingId(), 22_000)).isTrue();
        assertThat(monitor.rttLastNs()).isEqualTo(12_000);
        assertThat(monitor.rttEwmaNs()).isEqualTo(4_000 + (12_000 - 4_000) / 8);
        assertThat(monitor.missed()).isZero();
        assertThat(monitor.onTick(23_000)).isEqualTo(HeartbeatMonitor.Action.NONE);
    }

    @Test
    void shouldCountOnlyThePongOfTheOutstandingPing()
    {
        final HeartbeatMonitor monitor = new HeartbeatMonitor(3);
        assertThat(monitor.onTick(1_000)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        final long first = monitor.pingId();
        assertThat(monitor.onTick(2_000)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        // The answer to the earlier PING arrives late: it is no answer to the outstanding one, and its RTT is not
        // measured against the later send time.
        assertThat(monitor.onPong(first, 2_500)).isFalse();
        assertThat(monitor.rttLastNs()).isEqualTo(-1);
        assertThat(monitor.missed()).isEqualTo(2);
        assertThat(monitor.onPong(monitor.pingId(), 2_700)).isTrue();
        assertThat(monitor.rttLastNs()).isEqualTo(700);
    }

    @Test
    void shouldMatchPingIdsAsUnsigned32BitsAcrossTheWrapAround()
    {
        final HeartbeatMonitor monitor = new HeartbeatMonitor(3, 0xFFFF_FFFEL);
        assertThat(monitor.onTick(100)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        assertThat(monitor.pingId()).isEqualTo(0xFFFF_FFFFL);
        assertThat(monitor.onPong(0xFFFF_FFFFL, 150)).isTrue();
        assertThat(monitor.rttLastNs()).isEqualTo(50);

        assertThat(monitor.onTick(200)).isEqualTo(HeartbeatMonitor.Action.NONE);
        assertThat(monitor.onTick(300)).isEqualTo(HeartbeatMonitor.Action.SEND_PING);
        assertThat(monitor.pingId()).as("wrapped").isZero();
        assertThat(monitor.onPong(0xFFFF_FFFFL, 310)).as("the previous id").isFalse();
        assertThat(monitor.onPong(1L << 32, 320)).as("same low 32 bits as the wire carries").isTrue();
        assertThat(monitor.rttLastNs()).isEqualTo(20);
    }

    @Test
    void shouldRejectPongReadBeforeItsPingWasSentOnTheSameClock()
    {
        final HeartbeatMonitor monitor = new HeartbeatMonitor(2);
        monitor.onTick(10_000);
        assertThat(monitor.onPong(monitor.pingId(), 5_000)).isFalse();
        assertThat(monitor.rttLastNs()).isEqualTo(-1);
    }

    @Test
    void shouldBackOffExponentiallyWithJitterUpToCap()
    {
        final long min = TimeUnit.MILLISECONDS.toNanos(100);
        final long max = TimeUnit.SECONDS.toNanos(2);
        final Backoff backoff = new Backoff(min, max);
        long ceiling = min;
        for (int i = 0; i < 10; i++)
        {
            final long delay = backoff.onFailure();
            assertThat(delay).isBetween(ceiling / 2, ceiling);
            ceiling = Math.min(max, ceiling * 2);
        }
        for (int i = 0; i < 100; i++)
        {
            assertThat(backoff.onFailure()).isBetween(max / 2, max);
        }
        backoff.reset();
        assertThat(backoff.failures()).isZero();
        assertThat(backoff.onFailure()).isBetween(min / 2, min);
    }
}
