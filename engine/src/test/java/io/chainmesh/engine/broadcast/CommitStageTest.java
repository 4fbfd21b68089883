package io.chainmesh.engine.broadcast;

import io.chainmesh.chain.MemberId;
import com.google.protobuf.ByteString;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.control.Digest;
import io.chainmesh.codec.control.DigestProgress;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommitStageTest
{
    private static final int TOPIC = 7;

    private final QueuedStages net = new QueuedStages(10, 10);
    private final CommitStage[] stages = net.stages;
    private final ArrayDeque<Object[]> inFlight = net.inFlight;
    private final int[] delivered = new int[10];

    @Test
    void shouldDeliverALocalBatchToEveryOtherMemberOnceAndRejectAForgery()
    {
        for (int i = 0; i < stages.length; i++)
        {
            final int index = i;
            stages[i] = CommitStage.create(context(i), net.countersManager, () -> false);
            stages[i].subscribe(TOPIC, (originId, topic, buffer, offset, length) -> delivered[index]++);
        }
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);
        final int length = signedBatch(frame, 1);
        stages[0].onLocalBatch(frame, 0, length, true);
        drain();

        assertThat(delivered).containsExactly(0, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        assertThat(stages[1].classify(frame, 0, length)).isEqualTo(CommitStage.BATCH_KNOWN_DUPLICATE);

        final int forgedLength = signedBatch(frame, 2);
        frame.putByte(forgedLength - 1, (byte)(frame.getByte(forgedLength - 1) ^ 1));
        assertThat(stages[1].classify(frame, 0, forgedLength)).isEqualTo(CommitStage.BATCH_TO_VERIFY);
        stages[1].onFrame(member(0), frame, 0, forgedLength, true);
        drain();

        assertThat(delivered).containsExactly(0, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        assertThat(stages[1].counters().forged()).isEqualTo(1);
    }

    @Test
    void shouldSendDigestsOnTicksOnceSomethingCommitted()
    {
        for (int i = 0; i < 4; i++)
        {
            stages[i] = CommitStage.create(context(i), net.countersManager, () -> false);
        }
        stages[0].onTick(true);
        assertThat(inFlight).isEmpty();
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);
        stages[0].onLocalBatch(frame, 0, signedBatch(frame, 1), true);
        inFlight.clear();
        net.nanos += 100_000_000L;
        stages[0].onTick(true);
        assertThat(inFlight).isNotEmpty();
    }

    @Test
    void shouldNotForwardARepairedBatchToAChildWhoseDigestSaysItHoldsIt()
    {
        // Ten members, origin at ring index 0: the member at index 8 covers [8, 10) and forwards to index 9.
        final CommitStage parent = CommitStage.create(context(8), net.countersManager, () -> false);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);
        final int length = signedBatch(frame, 5);
        frame.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)BatchDescriptor.FLAG_REPAIR);
        final UnsafeBuffer digest = digestFrom(member(0).originId(), 5);
        parent.onFrame(member(9), digest, 0, digest.capacity(), true);

        parent.onFrame(member(1), frame, 0, length, true);

        assertThat(batchesSentTo(member(9))).isZero();
        assertThat(parent.counters().repairForwardsHeld()).isEqualTo(1);
    }

    @Test
    void shouldForwardARepairedBatchToAChildThatHasNotSaidItHoldsIt()
    {
        final CommitStage parent = CommitStage.create(context(8), net.countersManager, () -> false);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);
        final int length = signedBatch(frame, 5);
        frame.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)BatchDescriptor.FLAG_REPAIR);
        final UnsafeBuffer digest = digestFrom(member(0).originId(), 4);
        parent.onFrame(member(9), digest, 0, digest.capacity(), true);

        parent.onFrame(member(1), frame, 0, length, true);

        assertThat(batchesSentTo(member(9))).isEqualTo(1);
        assertThat(parent.counters().repairForwardsHeld()).isZero();
    }

    /** A full DIGEST saying the origin is contiguous and highest at {@code seq}. */
    private static UnsafeBuffer digestFrom(final long originId, final long seq)
    {
        final byte[] packed = new byte[DigestProgress.MAX_ENTRY_LENGTH];
        final int length = DigestProgress.put(packed, 0, originId, seq, seq);
        final ControlFrames<String> control = new ControlFrames<>(null, new ExpandableArrayBuffer(256));
        final int frameLength = control.encode(FrameType.DIGEST, Digest.newBuilder()
            .setProgress(ByteString.copyFrom(packed, 0, length)).setFull(true).build());
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[frameLength]);
        frame.putBytes(0, control.buffer(), 0, frameLength);
        return frame;
    }

    private long batchesSentTo(final MemberId peer)
    {
        return inFlight.stream().filter(sent -> sent[1].equals(peer) &&
            (((byte[])sent[2])[FrameDescriptor.TYPE_OFFSET] & 0xFF) == FrameType.BATCH).count();
    }

    @Test
    void shouldRefuseADigestFanoutBelowOnePeerPerSecond()
    {
        assertThatThrownBy(() -> context(0).digestPeersPerSecond(0).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("digestPeersPerSecond=0 must be >= 1");
        assertThat(context(0).digestPeersPerSecond(1).conclude()).isNotNull();
    }

    private int signedBatch(final UnsafeBuffer frame, final long seq)
    {
        return net.signedBatch(frame, seq, TOPIC);
    }

    private MemberId member(final int index)
    {
        return net.member(index);
    }

    private BroadcastContext context(final int index)
    {
        return net.context(index);
    }

    private void drain()
    {
        net.drain();
    }
}
