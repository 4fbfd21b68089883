package io.chainmesh.engine.broadcast;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.TestDirectory;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Commit stages of a ten-member directory linked by one in-memory queue, on a clock the test moves: what a stage sends
 * waits in {@link #inFlight} until {@link #drain()} hands it, in order, to the stage it was sent to. Members
 * {@code [0, linked)} are linked with each other; a send to any other member, or one {@link #refusal} names, is refused
 * as not connected.
 */
final class QueuedStages
{
    /** Refuses chosen frames as not connected. */
    @FunctionalInterface
    interface Refusal
    {
        /**
         * @param from  the sending stage's index.
         * @param to    the addressed stage's index.
         * @param frame the frame's bytes.
         * @return true to refuse it.
         */
        boolean refuses(int from, int to, byte[] frame);
    }

    final List<NodeKey> keys = TestDirectory.keys(10);
    final DirectorySnapshot directory = TestDirectory.snapshot(1, keys,
        List.of(1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010));
    final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(new byte[512 * 1024]), new UnsafeBuffer(new byte[128 * 1024]));
    /** Sent and not yet drained: {@code {from, to, bytes}}. */
    final ArrayDeque<Object[]> inFlight = new ArrayDeque<>();
    final CommitStage[] stages;
    private final int linked;
    Refusal refusal = (from, to, frame) -> false;
    long nanos;

    /**
     * @param stages stages, by directory index.
     * @param linked the first members of the directory that are linked with each other.
     */
    QueuedStages(final int stages, final int linked)
    {
        this.stages = new CommitStage[stages];
        this.linked = linked;
    }

    MemberId member(final int index)
    {
        return directory.member(index).id();
    }

    int keyIndexOf(final MemberId id)
    {
        for (int k = 0; k < keys.size(); k++)
        {
            if (TestDirectory.memberIdOf(keys.get(k)).equals(id))
            {
                return k;
            }
        }
        throw new IllegalStateException("no key for " + id);
    }

    BroadcastContext context(final int index)
    {
        final MemberId self = member(index);
        return new BroadcastContext()
            .nodeKey(keys.get(keyIndexOf(self)))
            .member(self)
            .directory(() -> directory)
            .clock(() -> 1_000_000L + nanos / 1_000_000)
            .nanoClock(() -> nanos)
            .links(new QueueLinks(index));
    }

    /**
     * Writes a BATCH of one 3-byte message from member 0, signed with its key.
     *
     * @return the frame length.
     */
    int signedBatch(final UnsafeBuffer frame, final long seq, final int topic)
    {
        final BatchEncoder encoder = new BatchEncoder().wrap(frame, 0, frame.capacity());
        encoder.begin(member(0).originId(), seq, 1_000_000L + nanos / 1_000_000);
        encoder.tryAppend(topic, new UnsafeBuffer(new byte[]{1, 2, 3}), 0, 3);
        return BatchSignatures.ECDSA.signer(keys.get(keyIndexOf(member(0)))).sign(encoder);
    }

    /** Hands every frame in flight, and what they lead to, to the stages they were sent to. */
    void drain()
    {
        while (!inFlight.isEmpty())
        {
            final Object[] sent = inFlight.poll();
            final byte[] bytes = (byte[])sent[2];
            stages[directory.indexOf((MemberId)sent[1])].onFrame(
                (MemberId)sent[0], new UnsafeBuffer(bytes), 0, bytes.length, inFlight.isEmpty());
        }
    }

    private final class QueueLinks implements LinkSender
    {
        private final int self;

        QueueLinks(final int self)
        {
            this.self = self;
        }

        @Override
        public int send(final MemberId peer, final DirectBuffer frame, final int offset, final int length)
        {
            final int target = directory.indexOf(peer);
            if (target < 0 || target >= linked)
            {
                return NOT_CONNECTED;
            }
            final byte[] copy = new byte[length];
            frame.getBytes(offset, copy);
            if (refusal.refuses(self, target, copy))
            {
                return NOT_CONNECTED;
            }
            inFlight.add(new Object[]{member(self), peer, copy});
            return SENT;
        }

        @Override
        public void flush()
        {
        }

        @Override
        public MemberId[] connectedPeers()
        {
            final List<MemberId> others = new ArrayList<>();
            for (int i = 0; i < linked; i++)
            {
                if (i != self)
                {
                    others.add(member(i));
                }
            }
            return others.toArray(new MemberId[0]);
        }

        @Override
        public void closePeer(final MemberId peer, final CloseReason reason, final String text)
        {
        }
    }
}
