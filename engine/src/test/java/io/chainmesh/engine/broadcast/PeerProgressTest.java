package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.frame.FrameType;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.LongArrayList;
import org.junit.jupiter.api.Test;

import static io.chainmesh.engine.broadcast.CommitStageFixtures.MS;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.ORIGIN;
import static io.chainmesh.engine.broadcast.CommitStageFixtures.TIMINGS;
import static org.assertj.core.api.Assertions.assertThat;

/** A peer's word stands until it says otherwise: replayed where it can still lead to a WANT. */
class PeerProgressTest
{
    private static final long B = 1_000;
    private static final long T0 = 1_000_000 * MS;

    private final RecordingOutbound out = new RecordingOutbound("a", "b");
    private final BroadcastCounters counters = CommitStageFixtures.counters();
    private final RepairRequester<String> requester = new RepairRequester<>(
        TIMINGS, out, new ControlFrames<>(out, new ExpandableArrayBuffer()), counters);
    private final OriginStreams<String> streams = new OriginStreams<>(1024, new SeenWindows());
    private final PeerProgress<String> progress = new PeerProgress<>(out);
    private final LongArrayList candidates = new LongArrayList();

    private void interval(final long now)
    {
        progress.collectCandidates(streams, originId -> true, candidates, now);
        progress.replay(candidates, streams, requester, out.connectedPeers(), now);
    }

    @Test
    void shouldAskForAHoleFromAPeersStandingWordWithoutItSayingItAgain()
    {
        final OriginStream<String> stream = streams.getOrCreate(ORIGIN);
        for (final long seq : new long[] {B, B + 1, B + 2, B + 4})
        {
            stream.window.commit(seq);
        }
        stream.onFirstCommit(B, false, 0);
        progress.onDigest("a", true, false).record(ORIGIN, B + 4, B + 4);

        interval(T0);
        interval(T0 + TIMINGS.holeDelay() - MS);
        assertThat(out.wants()).isEmpty();
        interval(T0 + TIMINGS.holeDelay());

        assertThat(out.wants()).hasSize(1);
        assertThat(out.sentOfType(FrameType.WANT).get(0).peer()).isEqualTo("a");
        assertThat(out.wants().get(0).getRanges(0).getAfterSeq()).isEqualTo(B + 2);
    }

    @Test
    void shouldReplayNothingForAnOriginWeHaveAllOf()
    {
        final OriginStream<String> stream = streams.getOrCreate(ORIGIN);
        stream.window.commit(B);
        stream.onFirstCommit(B, false, 0);
        progress.onDigest("a", true, false).record(ORIGIN, B, B);

        interval(T0);
        assertThat(candidates.isEmpty()).isTrue();
    }

    @Test
    void shouldDropTheWordOfAPeerWhoseLinkClosedAndAskForEverythingWhenItsFirstWordIsPartial()
    {
        progress.onDigest("a", true, false).record(ORIGIN, B, B);
        out.connect("b");
        progress.forgetDisconnected();
        assertThat(progress.viewOf("a")).isNull();

        progress.onDigest("a", false, false);
        assertThat(progress.resyncWanted("a")).isTrue();
        progress.onDigest("b", false, true);
        assertThat(progress.resyncWanted("b")).isFalse();
    }

    @Test
    void shouldForgetWhatPeersSaidOfAnOriginThatLeft()
    {
        progress.onDigest("a", true, false).record(ORIGIN, B, B);
        progress.viewOf("a").record(ORIGIN + 1, B, B);

        progress.forgetOrigins(originId -> originId == ORIGIN);

        assertThat(progress.viewOf("a").highest(ORIGIN)).isEqualTo(-1);
        assertThat(progress.viewOf("a").size()).isEqualTo(1);
    }

    @Test
    void shouldDropWhatAPeerSaidBeforeWhenItSaysEverything()
    {
        progress.onDigest("a", true, false).record(ORIGIN, B, B);
        progress.onDigest("a", true, false).record(ORIGIN + 1, B, B);

        assertThat(progress.viewOf("a").highest(ORIGIN)).isEqualTo(-1);
        assertThat(progress.viewOf("a").highest(ORIGIN + 1)).isEqualTo(B);
    }
}
