package io.chainmesh.engine.broadcast;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.MessageLite;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.Digest;
import io.chainmesh.codec.control.OriginProgress;
import io.chainmesh.codec.control.Want;
import io.chainmesh.codec.control.WantMiss;
import io.chainmesh.codec.control.WantRange;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.engine.TestDirectory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Object2IntHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stateful fuzz target: the broadcast commit stage ({@link CommitHandler}, called as the ingress ring calls it,
 * without the ring) fed fuzzer-chosen event sequences from three peers: batches that passed verification or
 * failed it (forged, malformed, too old, ...), DIGEST, WANT and WANT_MISS bodies with arbitrary numbers, ticks
 * of a fake clock, this node's own batches, and peers whose links refuse or drop what they are sent.
 * <p>
 * Invariants after every event: no message of a batch that failed verification is ever delivered (those
 * batches carry a marker in every entry); no message is delivered twice; a verified batch that was never
 * delivered is delivered when it arrives (inside the replay window; a peer's WANT_MISS may move the contiguous
 * mark past a gap, never the window's record of what was committed); the window never moves past what was
 * verified on a peer's word: each origin's highest is at most the highest verified batch of that origin, its
 * contiguous mark at most its highest, and every sequence it holds as committed is one that was verified;
 * memory stays bounded: retention bytes within {@code retentionBytes}, bytes owed to each peer within half of it
 * and at most {@link OwedQueue#CAPACITY} batches, origin streams and each peer's recorded word only for members
 * (so never more than the directory holds, however many origin ids DIGESTs name), invalid counts only for peers;
 * the stage never throws.
 */
class CommitFuzzTest
{
    private static final NodeKey LOCAL = NodeKey.fromHex("11".repeat(32));
    private static final NodeKey[] PEERS = {
        NodeKey.fromHex("22".repeat(32)), NodeKey.fromHex("33".repeat(32)), NodeKey.fromHex("44".repeat(32))};
    /**
     * Six listed members that never link make the ring 10 long, so that we forward some origin's batches: at offset 8
     * from PEERS[1] we cover [8, 10) of its 8-nomial tree and forward to PEERS[0].
     */
    private static final DirectorySnapshot DIRECTORY = TestDirectory.snapshot(9,
        List.of(LOCAL, PEERS[0], PEERS[1], PEERS[2], NodeKey.fromHex("55".repeat(32)), NodeKey.fromHex("66".repeat(32)),
            NodeKey.fromHex("77".repeat(32)), NodeKey.fromHex("88".repeat(32)), NodeKey.fromHex("99".repeat(32)),
            NodeKey.fromHex("aa".repeat(32))),
        List.of(10, 11, 12, 13, 14, 15, 16, 17, 18, 19));
    private static final int TOPIC = 7;
    private static final int ENTRIES = 2;
    private static final byte FORGED_MARK = (byte)0xBD;
    private static final int[] BAD_VERDICTS = {IngressEvent.MALFORMED, IngressEvent.NOT_A_MEMBER, IngressEvent.FORGED,
        IngressEvent.TOO_OLD, IngressEvent.FROM_THE_FUTURE, IngressEvent.KNOWN_DUPLICATE};
    private static final int OPS = 8;
    private static final int RETENTION_BYTES = 64 << 10;
    /** Origin ids that no member has: DIGESTs name them to make us keep state for them. */
    private static final long JUNK_ORIGIN_BASE = 1_000_000L;
    /** Shared by every run: statistics only, no invariant reads them, and a counters file has room for few sets. */
    private static final BroadcastCounters COUNTERS = new BroadcastCounters(new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)), new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024))), "fuzz");

    /** Links to the three peers: each may be connected, back-pressured or gone; counts what is sent. */
    private static final class Links implements LinkSender
    {
        final int[] modes = new int[PEERS.length];
        final MemberId[] connected = {TestDirectory.memberIdOf(PEERS[0]), TestDirectory.memberIdOf(PEERS[1]), TestDirectory.memberIdOf(PEERS[2])};
        long sent;

        @Override
        public int send(final MemberId peer, final DirectBuffer frame, final int offset, final int length)
        {
            assertThat(length).isGreaterThanOrEqualTo(FrameDescriptor.HEADER_LENGTH);
            for (int i = 0; i < PEERS.length; i++)
            {
                if (connected[i].equals(peer))
                {
                    if (modes[i] == 1)
                    {
                        return BACK_PRESSURED;
                    }
                    if (modes[i] == 2)
                    {
                        return NOT_CONNECTED;
                    }
                    sent++;
                    return SENT;
                }
            }
            return NOT_CONNECTED;
        }

        @Override
        public void flush()
        {
        }

        @Override
        public MemberId[] connectedPeers()
        {
            return connected;
        }

        @Override
        public void closePeer(final MemberId peer, final CloseReason reason, final String text)
        {
            assertThat(reason).isNotEqualTo(CloseReason.CLOSE_REASON_UNSPECIFIED);
        }
    }

    private static final class Run
    {
        final byte[] input;
        int position;
        long now = 1_700_000_000_000L;
        long localSeq;
        final Links links = new Links();
        final CommitHandler commit;
        final IngressEvent event = new IngressEvent();
        final Set<Long> delivered = new HashSet<>();
        /** Per origin (peers 0-2, then us): the verified sequences fed to the stage, and the highest of them. */
        final Set<Long> verifiedSeqs = new HashSet<>();
        final long[] highestVerified = {-1, -1, -1, -1};
        final State state;
        String violation;
        long sequence;

        Run(final byte[] input)
        {
            this.input = input;
            final BroadcastContext ctx = new BroadcastContext().nodeKey(LOCAL)
                .member(TestDirectory.memberIdOf(LOCAL))
                .directory(() -> DIRECTORY).links(links).clock(() -> now)
                .nanoClock(() -> java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(now)).name("fuzz")
                .maxBatchFrameLength(16 << 10).maxMessageLength(1024).retentionBytes(RETENTION_BYTES).maxFramesPerWant(16)
                .conclude();
            final Int2ObjectHashMap<MessageHandler> handlers = new Int2ObjectHashMap<>();
            handlers.put(TOPIC, this::onMessage);
            commit = new CommitHandler(ctx, () -> DIRECTORY, () -> handlers, COUNTERS, new SeenWindows(),
                () -> false, new OriginPause(), new LocalCommitProgress());
            state = new State(commit);
        }

        int u8()
        {
            return position < input.length ? input[position++] & 0xFF : 0;
        }

        long u64()
        {
            long value = 0;
            for (int i = 0; i < 8; i++)
            {
                value = (value << 8) | u8();
            }
            return value;
        }

        /** Entry payload: origin index, seq, entry index, then the forged mark or 0. */
        private void onMessage(final long originId, final int topic, final DirectBuffer buffer, final int offset,
            final int length)
        {
            if (length != 4 || null != violation)
            {
                violation = null == violation ? "unexpected message length " + length : violation;
                return;
            }
            final int origin = buffer.getByte(offset);
            final int seq = buffer.getByte(offset + 1) & 0xFF;
            final int entry = buffer.getByte(offset + 2);
            if (buffer.getByte(offset + 3) == FORGED_MARK)
            {
                violation = "delivered a message of a batch that failed verification: origin " + origin + " seq " + seq;
            }
            else if (!delivered.add(key(origin, seq, entry)))
            {
                violation = "delivered twice: origin " + origin + " seq " + seq + " entry " + entry;
            }
            else if (TestDirectory.memberIdOf(PEERS[origin]).originId() != originId)
            {
                violation = "delivered under origin id " + originId + " a message of origin " + origin;
            }
        }

        private static long key(final int origin, final int seq, final int entry)
        {
            return ((long)origin << 32) | ((long)seq << 8) | entry;
        }

        void step(final int op)
        {
            event.clear();
            switch (op % OPS)
            {
                case 0, 1 -> remoteBatch(op % OPS == 0);
                case 2 -> control(FrameType.DIGEST, Digest.newBuilder()
                    .addOrigins(progress()).addOrigins(progress()).setForwardsBackedUp((u8() & 1) != 0).build());
                case 3 -> control(FrameType.WANT, Want.newBuilder().addRanges(WantRange.newBuilder()
                    .setOriginId(originId(u8())).setAfterSeq(u8() % 40).setUpToSeq(u8() % 40)).build());
                case 4 ->
                {
                    final int origin = u8() % PEERS.length;
                    control(FrameType.WANT_MISS, WantMiss.newBuilder().setOriginId(TestDirectory.memberIdOf(PEERS[origin]).originId())
                        .setAfterSeq(u8() % 40).setOldestRetainedSeq(u8() % 40).build());
                }
                case 5 ->
                {
                    now += 10L * u8();
                    event.kind = IngressEvent.TICK;
                    deliver();
                }
                case 6 -> localBatch();
                default -> links.modes[u8() % PEERS.length] = u8() % 3;
            }
        }

        private OriginProgress progress()
        {
            return OriginProgress.newBuilder().setOriginId(originId(u8())).setContiguousSeq(u8() % 40)
                .setHighestSeq(u8() % 40).build();
        }

        private static long originId(final int pick)
        {
            // One in five is us, one in five an id no member has (51 of them).
            return pick % 5 == 4 ? TestDirectory.memberIdOf(LOCAL).originId() :
                pick % 5 == 3 ? JUNK_ORIGIN_BASE + pick : TestDirectory.memberIdOf(PEERS[pick % 5]).originId();
        }

        private void remoteBatch(final boolean verified)
        {
            final int from = u8() % PEERS.length;
            final int origin = u8() % PEERS.length;
            final int seq = 1 + u8() % 32;
            final int flags = u8() & (io.chainmesh.codec.batch.BatchDescriptor.FLAG_REPAIR | 0x06);
            final int length = batch(TestDirectory.memberIdOf(PEERS[origin]).originId(), origin, seq, flags, !verified);
            event.kind = IngressEvent.REMOTE_BATCH;
            event.from = TestDirectory.memberIdOf(PEERS[from]);
            event.origin = DIRECTORY.findByOriginId(TestDirectory.memberIdOf(PEERS[origin]).originId());
            event.length = length;
            event.verdict = verified ? IngressEvent.VALID : BAD_VERDICTS[u8() % BAD_VERDICTS.length];
            final boolean wasDelivered = delivered.contains(key(origin, seq, 0));
            if (verified)
            {
                verifiedSeqs.add(key(origin, seq, 0));
                highestVerified[origin] = Math.max(highestVerified[origin], seq);
            }
            deliver();
            if (verified && !wasDelivered && null == violation && !delivered.contains(key(origin, seq, 0)))
            {
                violation = "verified batch origin " + origin + " seq " + seq + " was never delivered and not delivered now";
            }
        }

        private void localBatch()
        {
            event.kind = IngressEvent.LOCAL_BATCH;
            final int seq = (int)(++localSeq & 0xFF);
            verifiedSeqs.add(key(PEERS.length, seq, 0));
            highestVerified[PEERS.length] = Math.max(highestVerified[PEERS.length], seq);
            event.length = batch(TestDirectory.memberIdOf(LOCAL).originId(), 0, seq, 0, false);
            deliver();
        }

        private int batch(final long originId, final int origin, final int seq, final int flags, final boolean forged)
        {
            event.ensureCapacity(256);
            final BatchEncoder encoder = new BatchEncoder().wrap(event.buffer, 0, event.buffer.capacity());
            encoder.begin(originId, seq, now);
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[4]);
            for (int i = 0; i < ENTRIES; i++)
            {
                payload.putByte(0, (byte)origin);
                payload.putByte(1, (byte)seq);
                payload.putByte(2, (byte)i);
                payload.putByte(3, forged ? FORGED_MARK : 0);
                encoder.tryAppend(TOPIC, payload, 0, 4);
            }
            final int length = encoder.finish();
            event.buffer.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)flags);
            return length;
        }

        private void control(final int type, final MessageLite message)
        {
            final ByteBuf frame = Frames.encodeControl(UnpooledByteBufAllocator.DEFAULT, type, message);
            try
            {
                event.kind = IngressEvent.CONTROL;
                event.from = TestDirectory.memberIdOf(PEERS[u8() % PEERS.length]);
                event.ensureCapacity(frame.readableBytes());
                event.buffer.putBytes(0, frame.nioBuffer(), frame.readableBytes());
                event.length = frame.readableBytes();
            }
            finally
            {
                frame.release();
            }
            deliver();
        }

        private void deliver()
        {
            commit.onEvent(event, sequence++, true);
        }

        /** The invariants on the stage's own state, checked after every event. */
        void checkState()
        {
            if (null != violation)
            {
                return;
            }
            for (int origin = 0; origin <= PEERS.length && null == violation; origin++)
            {
                final MemberId member = TestDirectory.memberIdOf(origin < PEERS.length ? PEERS[origin] : LOCAL);
                final OriginStream<MemberId> stream = state.streams.get(member.originId());
                if (null != stream)
                {
                    violation = checkWindow(origin, stream.window);
                }
            }
            final int[] streams = {0};
            state.streams.forEachStream((originId, stream) ->
            {
                streams[0]++;
                if (null == violation && null == DIRECTORY.findByOriginId(originId))
                {
                    violation = "state kept for origin " + originId + ", not a member";
                }
            });
            if (null == violation && streams[0] > DIRECTORY.size())
            {
                violation = streams[0] + " origin streams for a directory of " + DIRECTORY.size();
            }
            if (null == violation && state.retention.bytesHeld() > RETENTION_BYTES)
            {
                violation = "retention holds " + state.retention.bytesHeld() + " bytes, more than " + RETENTION_BYTES;
            }
            int owedPeers = 0;
            for (final OwedQueue queue : state.owed.queues())
            {
                owedPeers++;
                if (null == violation && (queue.bytes() > RETENTION_BYTES / 2 || queue.size() > OwedQueue.CAPACITY))
                {
                    violation = "owed " + queue.size() + " batches, " + queue.bytes() + " bytes to one peer";
                }
            }
            if (null == violation && owedPeers > PEERS.length)
            {
                violation = "owed queues for " + owedPeers + " peers, " + PEERS.length + " linked";
            }
            for (int i = 0; i < PEERS.length && null == violation; i++)
            {
                final PeerProgress.View view = state.peerProgress.viewOf(TestDirectory.memberIdOf(PEERS[i]));
                if (null != view && view.size() > DIRECTORY.size())
                {
                    violation = "the word of peer " + i + " is kept for " + view.size() + " origins, " +
                        DIRECTORY.size() + " members";
                }
            }
            if (null == violation && state.invalidByPeer.size() > PEERS.length)
            {
                violation = "invalid counts for " + state.invalidByPeer.size() + " peers";
            }
        }

        private String checkWindow(final int origin, final ReplayWindow window)
        {
            final long highest = window.highest();
            if (highest > highestVerified[origin])
            {
                return "origin " + origin + ": window highest " + highest + " past the highest verified " +
                    highestVerified[origin];
            }
            if (window.contiguous() > highest)
            {
                return "origin " + origin + ": contiguous " + window.contiguous() + " past highest " + highest;
            }
            // Seqs are small here: every one the window still tells apart is checked.
            for (long seq = Math.max(0, highest - 255); seq <= highest; seq++)
            {
                if (window.check(seq) == ReplayWindow.DUPLICATE && !verifiedSeqs.contains(key(origin, (int)seq, 0)))
                {
                    return "origin " + origin + ": seq " + seq + " held as committed, never verified";
                }
            }
            return null;
        }
    }

    /** The commit stage's state the invariants read (its fields, by name: the stage exposes no accessors). */
    private static final class State
    {
        final OriginStreams<MemberId> streams;
        final RetentionBuffer retention;
        final OwedForwards<MemberId> owed;
        final PeerProgress<MemberId> peerProgress;
        final Object2IntHashMap<MemberId> invalidByPeer;

        State(final CommitHandler commit)
        {
            streams = field(commit, "streams");
            retention = field(commit, "retention");
            owed = field(commit, "owed");
            peerProgress = field(commit, "peerProgress");
            invalidByPeer = field(commit, "invalidByPeer");
        }

        @SuppressWarnings("unchecked")
        private static <T> T field(final CommitHandler commit, final String name)
        {
            try
            {
                final Field field = CommitHandler.class.getDeclaredField(name);
                field.setAccessible(true);
                return (T)field.get(commit);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new IllegalStateException("CommitHandler." + name + " is what the invariants read", ex);
            }
        }
    }

    /**
     * Input: events, one byte each plus their operands (see {@code Run.step}); at most 256 events.
     */
    @FuzzTest(maxDuration = "5m")
    void commitStage(final byte[] input)
    {
        final Run run = new Run(input);
        int steps = 0;
        while (run.position < input.length && steps++ < 256)
        {
            run.step(run.u8());
            run.checkState();
            assertThat(run.violation).isNull();
        }
    }

    /** The harness reaches what its invariants are about: verified batches are delivered once, forged never. */
    @Test
    void verifiedBatchesAreDeliveredOnceAndForgedOnesNever()
    {
        // verified (0) from peer 0, origin 1, seq 5, no flags; again; forged (1) of origin 1 seq 6, verdict 2.
        final Run run = new Run(new byte[] {0, 0, 1, 4, 0, 0, 0, 1, 4, 0, 1, 0, 1, 5, 0, 2});
        while (run.position < run.input.length)
        {
            run.step(run.u8());
        }
        assertThat(run.violation).isNull();
        assertThat(run.delivered).hasSize(ENTRIES);
        assertThat(run.links.sent).isPositive();
    }

    /** DIGESTs that name origin ids no member has leave no state behind: a peer's word is kept for members only. */
    @Test
    void aPeersWordIsKeptForMembersOnly()
    {
        // Three DIGESTs from peer 0, each naming two origin ids no member has (picks 3, 8, 13, ...), then one of peer 1.
        final byte[] input = new byte[4 * 9];
        for (int d = 0; d < 4; d++)
        {
            final byte[] digest = {2, (byte)(3 + 10 * d), 1, 2, (byte)(8 + 10 * d), 1, 2, 0, (byte)(d / 3)};
            System.arraycopy(digest, 0, input, 9 * d, 9);
        }
        final Run run = new Run(input);
        while (run.position < run.input.length)
        {
            run.step(run.u8());
            run.checkState();
            assertThat(run.violation).isNull();
        }
        assertThat(run.state.peerProgress.viewOf(TestDirectory.memberIdOf(PEERS[0]))).isNotNull();
    }
}
