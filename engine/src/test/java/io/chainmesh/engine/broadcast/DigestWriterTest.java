package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.control.Digest;
import io.chainmesh.codec.control.DigestProgress;
import io.chainmesh.codec.frame.FrameType;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What our digests say, to whom, and when they say nothing. */
class DigestWriterTest
{
    private static final long B = 1_000;

    private final RecordingOutbound out = new RecordingOutbound("a", "b");
    private final OriginStreams<String> streams = new OriginStreams<>(1024, new SeenWindows());
    private final PeerProgress<String> progress = new PeerProgress<>(out);
    private final DigestWriter<String> writer = new DigestWriter<>(out, new ControlFrames<>(out, new ExpandableArrayBuffer()));

    private void commit(final long originId, final long seq)
    {
        final OriginStream<String> stream = streams.getOrCreate(originId);
        final boolean first = stream.window.highest() < 0;
        stream.window.commit(seq);
        if (first)
        {
            stream.onFirstCommit(seq, false, 0);
        }
    }

    private static List<long[]> entries(final Digest digest)
    {
        final List<long[]> entries = new ArrayList<>();
        final DigestProgress.Reader reader = new DigestProgress.Reader().wrap(digest.getProgress());
        while (reader.next())
        {
            entries.add(new long[] {reader.originId(), reader.contiguous(), reader.highest()});
        }
        return entries;
    }

    @Test
    void shouldSayEverythingOnceThenOnlyWhatChangedAndNothingWhenNothingDid()
    {
        for (long origin = 1; origin <= 10; origin++)
        {
            commit(origin, B);
        }
        writer.onInterval(streams, false, progress);
        final Digest first = out.digestsTo("a").get(0);
        assertThat(first.getFull()).isTrue();
        assertThat(entries(first)).hasSize(10);

        commit(3, B + 1);
        commit(3, B + 3);
        writer.onInterval(streams, false, progress);
        final Digest second = out.digestsTo("a").get(1);
        assertThat(second.getFull()).isFalse();
        assertThat(entries(second)).containsExactly(new long[] {3, B + 1, B + 3});

        writer.onInterval(streams, false, progress);
        assertThat(out.digestsTo("a")).hasSize(2);
        assertThat(out.digestsTo("b")).hasSize(2);
    }

    @Test
    void shouldKeepSayingItIsBackedUpWhileItIs()
    {
        commit(1, B);
        writer.onInterval(streams, true, progress);
        writer.onInterval(streams, true, progress);
        final Digest quiet = out.digestsTo("a").get(1);
        assertThat(quiet.getForwardsBackedUp()).isTrue();
        assertThat(entries(quiet)).isEmpty();
    }

    @Test
    void shouldTellAPeerWhatItMissedWhileItsLinkPushedBack()
    {
        commit(1, B);
        commit(2, B);
        writer.onInterval(streams, false, progress);
        out.takes("a", 0);
        commit(1, B + 1);
        writer.onInterval(streams, false, progress);
        commit(2, B + 1);
        writer.onInterval(streams, false, progress);

        out.takes("a", Integer.MAX_VALUE);
        writer.onInterval(streams, false, progress);
        final List<Digest> toA = out.digestsTo("a");
        assertThat(toA).hasSize(2);
        assertThat(entries(toA.get(1))).extracting(e -> e[0]).containsExactlyInAnyOrder(1L, 2L);
        assertThat(out.digestsTo("b")).hasSize(3);
    }

    @Test
    void shouldSayEverythingAgainToAPeerThatAsksAndToOneWhoseLinkReopened()
    {
        commit(1, B);
        commit(2, B);
        writer.onInterval(streams, false, progress);
        writer.resendFull("a");
        out.connect("a");
        writer.onInterval(streams, false, progress);
        out.connect("a", "b");
        writer.onInterval(streams, false, progress);

        assertThat(out.digestsTo("a")).hasSize(2);
        assertThat(out.digestsTo("a").get(1).getFull()).isTrue();
        assertThat(out.digestsTo("b")).hasSize(2);
        assertThat(out.digestsTo("b").get(1).getFull()).isTrue();
        assertThat(entries(out.digestsTo("b").get(1))).hasSize(2);
    }

    @Test
    void shouldSplitEverythingIntoFramesOfBoundedSize()
    {
        final int origins = 2 * DigestWriter.MAX_ORIGINS_PER_FRAME + 5;
        for (long origin = 1; origin <= origins; origin++)
        {
            commit(origin, B);
        }
        writer.onInterval(streams, false, progress);

        final List<Digest> toA = out.digestsTo("a");
        assertThat(toA).hasSize(3);
        assertThat(toA).extracting(Digest::getFull).containsExactly(true, false, false);
        assertThat(toA.stream().mapToInt(d -> entries(d).size()).sum()).isEqualTo(origins);
    }

    @Test
    void shouldAskForEverythingWhenItsFirstWordOfAPeerIsNotEverything()
    {
        commit(1, B);
        progress.onDigest("a", false, false);
        writer.onInterval(streams, false, progress);

        assertThat(out.digestsTo("a").get(0).getResync()).isTrue();
        assertThat(out.digestsTo("b").get(0).getResync()).isFalse();
        writer.onInterval(streams, false, progress);
        assertThat(out.digestsTo("a")).hasSize(1);
    }

    @Test
    void shouldTellChangesToAFixedNumberOfPeersPerIntervalInTurnWithEverythingSinceTheirLastDigest()
    {
        final RecordingOutbound four = new RecordingOutbound("a", "b", "c", "d");
        final PeerProgress<String> fourProgress = new PeerProgress<>(four);
        // One peer per interval (10 per second at 100 ms).
        final DigestWriter<String> inTurn = new DigestWriter<>(four, new ControlFrames<>(four, new ExpandableArrayBuffer()),
            DigestWriter.credit(10, 100));
        commit(1, B);
        inTurn.onInterval(streams, false, fourProgress);
        for (final String peer : new String[] {"a", "b", "c", "d"})
        {
            assertThat(four.digestsTo(peer)).as("full digest at link-up, to everyone at once").hasSize(1);
        }

        commit(1, B + 1);
        commit(2, B);
        inTurn.onInterval(streams, false, fourProgress);
        commit(3, B);
        inTurn.onInterval(streams, false, fourProgress);
        assertThat(four.digestsTo("a")).hasSize(2);
        assertThat(entries(four.digestsTo("a").get(1))).extracting(e -> e[0]).containsExactlyInAnyOrder(1L, 2L);
        assertThat(four.digestsTo("b")).hasSize(2);
        assertThat(entries(four.digestsTo("b").get(1))).extracting(e -> e[0]).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(four.digestsTo("c")).as("not its turn yet").hasSize(1);

        inTurn.onInterval(streams, false, fourProgress);
        inTurn.onInterval(streams, false, fourProgress);
        inTurn.onInterval(streams, false, fourProgress);
        assertThat(entries(four.digestsTo("c").get(1))).extracting(e -> e[0]).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(entries(four.digestsTo("d").get(1))).extracting(e -> e[0]).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(entries(four.digestsTo("a").get(2))).as("a catches up on what changed after its turn")
            .extracting(e -> e[0]).containsExactly(3L);
        for (int i = 0; i < 10; i++)
        {
            inTurn.onInterval(streams, false, fourProgress);
        }
        assertThat(four.digestsTo("a")).as("nothing changed: nothing said").hasSize(3);
        assertThat(four.digestsTo("b")).hasSize(2);
    }

    @Test
    void shouldSpreadASlowerFanoutOverIntervalsWithoutSavingItUpWhileNothingChanges()
    {
        final RecordingOutbound four = new RecordingOutbound("a", "b", "c", "d");
        final PeerProgress<String> fourProgress = new PeerProgress<>(four);
        // Half a peer per interval (5 per second at 100 ms).
        final DigestWriter<String> inTurn = new DigestWriter<>(four, new ControlFrames<>(four, new ExpandableArrayBuffer()),
            DigestWriter.credit(5, 100));
        commit(1, B);
        inTurn.onInterval(streams, false, fourProgress);
        for (int i = 0; i < 20; i++)
        {
            inTurn.onInterval(streams, false, fourProgress);
        }
        final int before = four.sentOfType(FrameType.DIGEST).size();
        commit(1, B + 1);
        int intervals = 0;
        while (four.sentOfType(FrameType.DIGEST).size() < before + 4)
        {
            inTurn.onInterval(streams, false, fourProgress);
            intervals++;
        }
        assertThat(intervals).as("one peer at once, then one every other interval").isEqualTo(7);
    }

    @Test
    void shouldTellEveryPeerEveryIntervalWhileBackedUpAndTheNewOrTheAskingAtOnce()
    {
        final RecordingOutbound three = new RecordingOutbound("a", "b");
        // A tenth of a peer per interval: nobody would be told in turn during this test.
        final PeerProgress<String> threeProgress = new PeerProgress<>(three);
        final DigestWriter<String> inTurn = new DigestWriter<>(three, new ControlFrames<>(three,
            new ExpandableArrayBuffer()), DigestWriter.credit(1, 100));
        commit(1, B);
        inTurn.onInterval(streams, false, threeProgress);
        inTurn.onInterval(streams, true, threeProgress);
        assertThat(three.digestsTo("a")).hasSize(2);
        assertThat(three.digestsTo("b")).hasSize(2);
        assertThat(three.digestsTo("b").get(1).getForwardsBackedUp()).isTrue();

        three.connect("a", "b", "c");
        inTurn.resendFull("a");
        inTurn.onInterval(streams, false, threeProgress);
        assertThat(three.digestsTo("c")).hasSize(1);
        assertThat(three.digestsTo("c").get(0).getFull()).isTrue();
        assertThat(three.digestsTo("a")).hasSize(3);
        assertThat(three.digestsTo("a").get(2).getFull()).isTrue();
    }

    @Test
    void shouldTellMorePeersInTurnWhenMoreBatchBytesWereCommitted()
    {
        final RecordingOutbound four = new RecordingOutbound("a", "b", "c", "d");
        final PeerProgress<String> fourProgress = new PeerProgress<>(four);
        // A tenth of a peer per interval from the fanout alone.
        final DigestWriter<String> inTurn = new DigestWriter<>(four, new ControlFrames<>(four, new ExpandableArrayBuffer()),
            DigestWriter.credit(1, 100));
        commit(1, B);
        inTurn.onInterval(streams, false, fourProgress, 0);
        commit(1, B + 1);
        inTurn.onInterval(streams, false, fourProgress, 0);
        assertThat(four.sentOfType(FrameType.DIGEST)).as("full digests only").hasSize(4);

        commit(1, B + 2);
        // Digest bytes worth 1/DATA_SHARE of what was committed pay for turns beyond the fanout: here everyone's.
        inTurn.onInterval(streams, false, fourProgress, DigestWriter.DATA_SHARE * 1_000L);
        for (final String peer : new String[] {"a", "b", "c", "d"})
        {
            assertThat(four.digestsTo(peer)).hasSize(2);
            assertThat(entries(four.digestsTo(peer).get(1))).containsExactly(new long[] {1, B + 2, B + 2});
        }

        // Committed bytes worth exactly one catch-up frame buy one turn per interval.
        final long frameLength = four.sent.get(four.sent.size() - 1).frame().length;
        commit(1, B + 3);
        inTurn.onInterval(streams, false, fourProgress, DigestWriter.DATA_SHARE * frameLength);
        commit(1, B + 4);
        inTurn.onInterval(streams, false, fourProgress, DigestWriter.DATA_SHARE * frameLength);
        assertThat(four.sentOfType(FrameType.DIGEST)).hasSize(10);
    }
}
