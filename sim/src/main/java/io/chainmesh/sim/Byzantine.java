package io.chainmesh.sim;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.control.Want;
import io.chainmesh.codec.control.WantMiss;
import io.chainmesh.codec.control.WantRange;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.engine.broadcast.BroadcastTree;
import io.chainmesh.engine.broadcast.LinkSender;
import io.netty.buffer.Unpooled;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * What byzantine members do instead of following the protocol: forge batches, lie in WANT_MISS, forward with too
 * narrow a range, flood WANTs, replay old genuine batches. They are still listed and linked like any member;
 * honest members must deliver every real batch once, and no forged one.
 */
final class Byzantine
{
    private final Simulation sim;
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[64 * 1024]);
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[16 * 1024]);
    private final BatchEncoder encoder = new BatchEncoder();
    /** Genuine batch frames a replayer keeps to send again: the first ones it received and the latest ones. */
    private static final int REPLAY_KEPT = 16;

    long liesSent;
    long narrowedSent;
    long floodWantsSent;
    long replaysSent;

    Byzantine(final Simulation sim)
    {
        this.sim = sim;
    }

    /**
     * Sends each linked peer a forged batch: a publisher's origin and next sequence, a real batch's payload with
     * its last byte changed after signing (the forger cannot sign for the origin).
     *
     * @param forger the byzantine member.
     * @return frames sent.
     */
    int forge(final SimNode forger)
    {
        final Ledger ledger = sim.ledger;
        if (!forger.alive || ledger.batches() == 0)
        {
            return 0;
        }
        final int victim = ledger.batches() - 1;
        final Member origin = sim.directory.member(ledger.origin(victim));
        final int length = sim.config.payloadBytes();
        payload.putLong(0, victim);
        payload.putLong(8, ledger.publishedAt(victim));
        for (int i = 16; i < length; i++)
        {
            payload.putByte(i, (byte)SimSignatures.mix(victim * 31L + i));
        }
        // The origin's next sequence: taken for real, the forgery would also block the batch that comes with it.
        encoder.wrap(frame, 0, frame.capacity()).begin(origin.originId(), ledger.seq(victim) + 1, sim.clock.time());
        encoder.tryAppend(Simulation.TOPIC, payload, 0, length);
        final int frameLength = sim.signatures.sign(encoder, frame, origin.publicKey());
        final int lastPayloadByte = frameLength - BatchDescriptor.SIGNATURE_LENGTH - 1;
        frame.putByte(lastPayloadByte, (byte)~frame.getByte(lastPayloadByte));
        int sent = 0;
        for (int slot = 0; slot < forger.neighbours.length; slot++)
        {
            if (forger.up[slot] && sim.network.transmit(forger, slot, frame, 0, frameLength) == 0)
            {
                sent++;
            }
        }
        return sent;
    }

    /**
     * A liar's answer to a WANT: a WANT_MISS for every range, claiming everything asked for is gone.
     *
     * @param liar the byzantine member the frame arrived at.
     * @param slot the link it came on.
     * @param t    the frame.
     * @return true if it was a WANT (answered with lies, not handed to the liar's engine).
     */
    boolean lie(final SimNode liar, final int slot, final Transmission t)
    {
        if (t.bytes.length <= FrameDescriptor.TYPE_OFFSET ||
            (t.bytes[FrameDescriptor.TYPE_OFFSET] & 0xFF) != FrameType.WANT)
        {
            return false;
        }
        final Want want = ControlCodec.parseWant(Unpooled.wrappedBuffer(t.bytes));
        for (final WantRange range : want.getRangesList())
        {
            final byte[] body = WantMiss.newBuilder().setOriginId(range.getOriginId()).setAfterSeq(range.getAfterSeq())
                .setOldestRetainedSeq(range.getUpToSeq() + 1).build().toByteArray();
            Frames.writeHeader(frame, 0, FrameType.WANT_MISS, 0, body.length);
            frame.putBytes(FrameDescriptor.BODY_OFFSET, body);
            if (sim.network.transmit(liar, slot, frame, 0, FrameDescriptor.HEADER_LENGTH + body.length) == 0)
            {
                liesSent++;
            }
        }
        return true;
    }

    /**
     * A narrowing member's stage sends a frame: a tree forward goes out with an explicit range narrower than the
     * one the tree gives the receiver (computed from the member's own list, so it follows the tree's shape); the
     * frame flags are not signed, so the receiver cannot tell it from a hand-over.
     *
     * @param from   the byzantine member.
     * @param slot   the link.
     * @param buffer the frame its stage wrote.
     * @param offset where it starts.
     * @param length its length.
     * @return what the link answers.
     */
    int narrowed(final SimNode from, final int slot, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length <= BatchDescriptor.BATCH_SEQ_OFFSET + 8 ||
            (buffer.getByte(offset + FrameDescriptor.TYPE_OFFSET) & 0xFF) != FrameType.BATCH ||
            (buffer.getByte(offset + FrameDescriptor.FLAGS_OFFSET) & BatchDescriptor.FLAG_REPAIR) != 0)
        {
            return sim.network.transmit(from, slot, buffer, offset, length);
        }
        final DirectorySnapshot list = from.snapshot;
        final Member origin = list.findByOriginId(
            buffer.getLong(offset + BatchDescriptor.ORIGIN_ID_OFFSET, ByteOrder.BIG_ENDIAN));
        final int receiver = list.indexOf(sim.nodes[from.neighbours[slot]].id);
        if (null == origin || receiver < 0)
        {
            return sim.network.transmit(from, slot, buffer, offset, length);
        }
        final int n = list.size();
        final int byDefault = BroadcastTree.rangeLength(BroadcastTree.offset(list.indexOf(origin.id()), receiver, n), n);
        if (byDefault <= 1)
        {
            return sim.network.transmit(from, slot, buffer, offset, length);
        }
        // The narrowest range a frame can name: the receiver would cover itself only and leave its subtree to repair.
        frame.putBytes(0, buffer, offset, length);
        frame.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)BatchDescriptor.rangeFlags(1));
        final int result = sim.network.transmit(from, slot, frame, 0, length);
        if (result == LinkSender.SENT)
        {
            narrowedSent++;
        }
        return result;
    }

    /**
     * A flooder asks each linked peer for everything every publisher has published so far, in one WANT.
     *
     * @param flooder the byzantine member.
     */
    void flood(final SimNode flooder)
    {
        final Ledger ledger = sim.ledger;
        if (!flooder.alive || ledger.batches() == 0)
        {
            return;
        }
        final Long2LongHashMap first = new Long2LongHashMap(-1);
        final Long2LongHashMap last = new Long2LongHashMap(-1);
        for (int b = 0; b < ledger.batches(); b++)
        {
            final long origin = sim.directory.member(ledger.origin(b)).originId();
            if (first.get(origin) < 0)
            {
                first.put(origin, ledger.seq(b));
            }
            last.put(origin, ledger.seq(b));
        }
        final Want.Builder want = Want.newBuilder();
        first.forEach((origin, seq) -> want.addRanges(WantRange.newBuilder().setOriginId(origin).setAfterSeq(seq - 1)
            .setUpToSeq(last.get(origin))));
        final byte[] body = want.build().toByteArray();
        Frames.writeHeader(frame, 0, FrameType.WANT, 0, body.length);
        frame.putBytes(FrameDescriptor.BODY_OFFSET, body);
        for (int slot = 0; slot < flooder.neighbours.length; slot++)
        {
            if (flooder.up[slot] &&
                sim.network.transmit(flooder, slot, frame, 0, FrameDescriptor.HEADER_LENGTH + body.length) == LinkSender.SENT)
            {
                floodWantsSent++;
            }
        }
    }

    /**
     * A replayer keeps genuine batch frames it receives: the first {@link #REPLAY_KEPT} and the latest ones.
     *
     * @param replayer the byzantine member.
     * @param t        a frame that reached it.
     */
    void capture(final SimNode replayer, final Transmission t)
    {
        if (null == t.bytes || t.bytes.length <= BatchDescriptor.BATCH_SEQ_OFFSET + 8 ||
            (t.bytes[FrameDescriptor.TYPE_OFFSET] & 0xFF) != FrameType.BATCH)
        {
            return;
        }
        if (null == replayer.captured)
        {
            replayer.captured = new byte[2 * REPLAY_KEPT][];
        }
        final byte[][] kept = replayer.captured;
        final int slot = replayer.capturedCount < REPLAY_KEPT ? replayer.capturedCount :
            REPLAY_KEPT + (replayer.capturedCount - REPLAY_KEPT) % REPLAY_KEPT;
        kept[slot] = t.bytes;
        replayer.capturedCount++;
    }

    /**
     * A replayer sends each linked peer every genuine batch it kept, again, as they were.
     *
     * @param replayer the byzantine member.
     */
    void replay(final SimNode replayer)
    {
        if (!replayer.alive || null == replayer.captured)
        {
            return;
        }
        for (final byte[] bytes : replayer.captured)
        {
            if (null == bytes)
            {
                continue;
            }
            frame.putBytes(0, bytes);
            for (int slot = 0; slot < replayer.neighbours.length; slot++)
            {
                if (replayer.up[slot] && sim.network.transmit(replayer, slot, frame, 0, bytes.length) == LinkSender.SENT)
                {
                    replaysSent++;
                }
            }
        }
    }
}
