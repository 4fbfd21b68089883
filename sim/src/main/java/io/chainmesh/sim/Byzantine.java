package io.chainmesh.sim;

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
import io.netty.buffer.Unpooled;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What byzantine members do instead of following the protocol: forge batches, and lie in WANT_MISS. They
 * are still listed and linked like any member; honest members must deliver every real batch, and no forged one.
 */
final class Byzantine
{
    private final Simulation sim;
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[64 * 1024]);
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[16 * 1024]);
    private final BatchEncoder encoder = new BatchEncoder();
    long liesSent;

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
}
