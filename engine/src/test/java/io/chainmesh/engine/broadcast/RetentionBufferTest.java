package io.chainmesh.engine.broadcast;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetentionBufferTest
{
    private static final int CAPACITY = 64 << 10;
    private static final long ALICE = 0x1111L;
    private static final long BOB = 0x2222L;

    private static UnsafeBuffer frame(final long seq, final int length)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[length]);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(i, (byte)(seq + i));
        }
        return buffer;
    }

    private static List<Long> seqs(final RetentionBuffer buffer, final long origin, final long after, final long upTo)
    {
        final List<Long> seqs = new ArrayList<>();
        buffer.forEach(origin, after, upTo, Integer.MAX_VALUE, (seq, b, offset, length) ->
        {
            for (int i = 0; i < length; i++)
            {
                assertThat(b.getByte(offset + i)).as("content of seq %d", seq).isEqualTo((byte)(seq + i));
            }
            seqs.add(seq);
            return true;
        });
        return seqs;
    }

    @Test
    void shouldGiveBackIndexMemoryOnceABurstOfSmallBatchesIsEvicted()
    {
        final RetentionBuffer buffer = new RetentionBuffer(1 << 20, 1_000);
        for (long s = 1; s <= 10_000; s++)
        {
            buffer.append(ALICE, s, 0, frame(s, 40), 0, 40);
        }
        final int grown = buffer.indexCapacity(ALICE);
        assertThat(grown).isGreaterThanOrEqualTo(10_000);

        assertThat(buffer.evictExpired(5_000)).isEqualTo(10_000);
        buffer.append(ALICE, 10_001, 5_000, frame(10_001, 40), 0, 40);
        assertThat(buffer.indexCapacity(ALICE)).isLessThanOrEqualTo(64);
        assertThat(seqs(buffer, ALICE, 0, Long.MAX_VALUE)).containsExactly(10_001L);
    }

    @Test
    void shouldServeRangesPerOrigin()
    {
        final RetentionBuffer buffer = new RetentionBuffer(CAPACITY, 60_000);
        for (long s = 1; s <= 10; s++)
        {
            buffer.append(ALICE, s, 0, frame(s, 100), 0, 100);
            buffer.append(BOB, s + 100, 0, frame(s + 100, 50), 0, 50);
        }

        assertThat(seqs(buffer, ALICE, 3, 6)).containsExactly(4L, 5L, 6L);
        assertThat(seqs(buffer, BOB, 0, Long.MAX_VALUE)).hasSize(10);
        assertThat(seqs(buffer, 0x3333L, 0, Long.MAX_VALUE)).isEmpty();
        assertThat(buffer.oldestRetained(ALICE)).isEqualTo(-1);
    }

    @Test
    void shouldKeepOneEntryPerSequenceAndServeOnlyLiveBytesAfterAnOriginIsForgottenAndRefetched()
    {
        final RetentionBuffer buffer = new RetentionBuffer(CAPACITY, 60_000);
        for (long s = 1; s <= 10; s++)
        {
            buffer.append(ALICE, s, 0, frame(s, 1000), 0, 1000);
        }
        buffer.append(ALICE, 5, 0, frame(5, 1000), 0, 1000);
        assertThat(seqs(buffer, ALICE, 0, Long.MAX_VALUE)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);

        // The origin left the directory and came back: its history is fetched again while the old bytes remain.
        buffer.forgetOrigin(ALICE);
        for (long s = 1; s <= 10; s++)
        {
            buffer.append(ALICE, s, 0, frame(s, 1000), 0, 1000);
        }
        // Push the old copies (and more) out of the ring with another origin's traffic.
        for (long s = 1; s <= 50; s++)
        {
            buffer.append(BOB, s, 0, frame(s, 1000), 0, 1000);
        }
        // What is still served is intact (seqs() checks every byte), whichever copy went first.
        final List<Long> served = seqs(buffer, ALICE, 0, Long.MAX_VALUE);
        assertThat(served).doesNotHaveDuplicates().isSubsetOf(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    }

    @Test
    void shouldEvictOldestWhenFullAndSayWhatIsGone()
    {
        final RetentionBuffer buffer = new RetentionBuffer(CAPACITY, 60_000);
        final int length = 1000;
        for (long s = 1; s <= 1000; s++)
        {
            buffer.append(ALICE, s, 0, frame(s, length), 0, length);
            assertThat(buffer.bytesHeld()).isLessThanOrEqualTo(CAPACITY);
        }

        final List<Long> kept = seqs(buffer, ALICE, 0, Long.MAX_VALUE);
        assertThat(kept).isNotEmpty().endsWith(1000L);
        assertThat(kept.get(0)).isEqualTo(buffer.oldestRetained(ALICE));
        assertThat(buffer.firstRetainedAfter(ALICE, 0)).isEqualTo(kept.get(0));
        assertThat(kept).hasSize((int)(1001 - kept.get(0)));
        assertThat(kept.size()).isGreaterThan(CAPACITY / 1032 - 3);
        assertThat(buffer.evictedEntries()).isEqualTo(1000 - kept.size());
    }

    @Test
    void shouldEvictByAge()
    {
        final RetentionBuffer buffer = new RetentionBuffer(CAPACITY, 1000);
        buffer.append(ALICE, 1, 0, frame(1, 10), 0, 10);
        buffer.append(ALICE, 2, 500, frame(2, 10), 0, 10);
        buffer.append(BOB, 7, 900, frame(7, 10), 0, 10);

        assertThat(buffer.evictExpired(1000)).isZero();
        assertThat(buffer.evictExpired(1501)).isEqualTo(2);
        assertThat(seqs(buffer, ALICE, 0, 10)).isEmpty();
        assertThat(buffer.oldestRetained(ALICE)).isEqualTo(3);
        assertThat(seqs(buffer, BOB, 0, 10)).containsExactly(7L);
    }

    @Test
    void shouldBoundWorkForHostileRangesAndKeepForgottenOriginsFromBreakingEviction()
    {
        final RetentionBuffer buffer = new RetentionBuffer(CAPACITY, 60_000);
        for (long s = 1; s <= 5; s++)
        {
            buffer.append(ALICE, s, 0, frame(s, 3000), 0, 3000);
        }
        buffer.forgetOrigin(ALICE);
        for (long s = 1; s <= 200; s++)
        {
            buffer.append(BOB, s, 0, frame(s, 777), 0, 777);
        }

        assertThat(seqs(buffer, ALICE, Long.MIN_VALUE, Long.MAX_VALUE)).isEmpty();
        final List<Long> bob = seqs(buffer, BOB, Long.MIN_VALUE, Long.MAX_VALUE);
        assertThat(bob).endsWith(200L);
        assertThat(bob).hasSize((int)(201 - bob.get(0)));
        assertThat(buffer.forEach(BOB, 0, Long.MAX_VALUE, 3, (seq, b, o, l) -> true)).isEqualTo(3);
    }

    @Test
    void shouldServeOldestFirstBySequenceAndStopWhenTheConsumerRefuses()
    {
        final RetentionBuffer buffer = new RetentionBuffer(CAPACITY, 60_000);
        // Newer batches first, then older ones filled in by repair: served in sequence order all the same.
        for (long s = 6; s <= 10; s++)
        {
            buffer.append(ALICE, s, 0, frame(s, 100), 0, 100);
        }
        for (long s = 5; s >= 1; s--)
        {
            buffer.append(ALICE, s, 0, frame(s, 100), 0, 100);
        }
        buffer.append(ALICE, 12, 0, frame(12, 100), 0, 100);
        assertThat(seqs(buffer, ALICE, 0, 100)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 12L);
        assertThat(buffer.firstRetainedAfter(ALICE, 10)).isEqualTo(12);
        assertThat(buffer.firstRetainedAfter(ALICE, 12)).isEqualTo(-1);

        final List<Long> served = new ArrayList<>();
        assertThat(buffer.forEach(ALICE, 2, 100, 100, (seq, b, o, l) -> served.size() < 3 && served.add(seq))).isEqualTo(3);
        assertThat(served).containsExactly(3L, 4L, 5L);
    }

    @Test
    void shouldEvictOutOfOrderEntriesByArrivalAndKeepTheIndexSorted()
    {
        final RetentionBuffer buffer = new RetentionBuffer(CAPACITY, 60_000);
        final int length = 1000;
        buffer.append(ALICE, 100, 0, frame(100, length), 0, length);
        buffer.append(ALICE, 50, 0, frame(50, length), 0, length);   // repaired late: arrives after 100
        for (long s = 101; s <= 200; s++)
        {
            buffer.append(ALICE, s, 0, frame(s, length), 0, length);
        }
        final List<Long> kept = seqs(buffer, ALICE, 0, Long.MAX_VALUE);
        assertThat(kept).doesNotContain(50L, 100L).isSorted().endsWith(200L);
        assertThat(buffer.oldestRetained(ALICE)).isEqualTo(kept.get(0));
    }

    @Test
    void shouldRejectFramesThatCannotFit()
    {
        final RetentionBuffer buffer = new RetentionBuffer(CAPACITY, 1000);
        assertThat(buffer.fits(CAPACITY)).isFalse();
        assertThatThrownBy(() -> buffer.append(ALICE, 1, 0, frame(1, CAPACITY), 0, CAPACITY))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds retention entry limit");
        assertThatThrownBy(() -> new RetentionBuffer(1000, 1)).hasMessageContaining("capacityBytes=1000");
    }
}
