package io.chainmesh.node;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-(origin, incarnation) summary a member reports at the end of a {@code devnet --processes} run. */
class DevnetMemberSummaryTest
{
    @Test
    void shouldListTheRunsOfReceivedSequences()
    {
        final BitSet seen = new BitSet();
        seen.set(0, 544);
        seen.set(548, 801);

        assertThat(DevnetMemberCommand.summary(seen)).containsExactly(797, 544, 801, 2, 0, 544, 548, 801);
    }

    @Test
    void shouldSummariseNothingReceived()
    {
        assertThat(DevnetMemberCommand.summary(null)).containsExactly(0, 0, 0, 0);
        assertThat(DevnetMemberCommand.summary(new BitSet())).containsExactly(0, 0, 0, 0);
    }

    @Test
    void shouldListAtMostTheFirstRunsWhenTheSequencesAreScattered()
    {
        final BitSet seen = new BitSet();
        for (int i = 0; i < 1_000; i += 2)
        {
            seen.set(i);
        }

        final long[] summary = DevnetMemberCommand.summary(seen);

        assertThat(summary[0]).isEqualTo(500);
        assertThat(summary[3]).isEqualTo(DevnetMemberCommand.MAX_RUNS);
        assertThat(summary).hasSize(4 + 2 * DevnetMemberCommand.MAX_RUNS);
        assertThat(summary[4 + 2 * 63]).isEqualTo(126);
    }

    @Test
    void shouldKeepIncarnationsApartInTheMessageTag()
    {
        final long tag = 5L << DevnetMemberCommand.ORIGIN_SHIFT | 3L << DevnetMemberCommand.INCARNATION_SHIFT | 77;

        assertThat(tag >>> DevnetMemberCommand.ORIGIN_SHIFT).isEqualTo(5);
        assertThat((tag >>> DevnetMemberCommand.INCARNATION_SHIFT) & 0xFF).isEqualTo(3);
        assertThat(tag & ((1L << DevnetMemberCommand.INCARNATION_SHIFT) - 1)).isEqualTo(77);
        assertThat(DevnetMemberCommand.MAX_SEQUENCE).isLessThanOrEqualTo(1L << DevnetMemberCommand.INCARNATION_SHIFT);
    }

    @Test
    void shouldRecordWhenTheLowestSequenceHeldArrived()
    {
        final AtomicLong clock = new AtomicLong(1_000);
        final DevnetMemberCommand.Receiver receiver = new DevnetMemberCommand.Receiver(4, clock::get);

        deliver(receiver, 3, 1, 800);
        assertThat(receiver.lowestArrivedAt.get(3 * DevnetMemberCommand.MAX_INCARNATIONS + 1)).isEqualTo(1_000);
        clock.set(5_000);
        deliver(receiver, 3, 1, 300);
        clock.set(7_000);
        deliver(receiver, 3, 1, 500);
        deliver(receiver, 3, 1, 300);
        deliver(receiver, 3, 1, 801);

        // History below what came first moved it; later, higher and duplicate sequences did not.
        assertThat(receiver.lowestArrivedAt.get(3 * DevnetMemberCommand.MAX_INCARNATIONS + 1)).isEqualTo(5_000);
        assertThat(receiver.lowestArrivedAt.get(3 * DevnetMemberCommand.MAX_INCARNATIONS)).isZero();
        assertThat(receiver.duplicates.get()).isEqualTo(1);
    }

    private static void deliver(
        final DevnetMemberCommand.Receiver receiver, final int origin, final int incarnation, final long seq)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[16]);
        payload.putLong(0, (long)origin << DevnetMemberCommand.ORIGIN_SHIFT |
            (long)incarnation << DevnetMemberCommand.INCARNATION_SHIFT | seq);
        payload.putLong(8, 0);
        receiver.onMessage(origin, 0, payload, 0, 16);
    }
}
