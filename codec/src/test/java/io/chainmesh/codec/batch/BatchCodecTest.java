package io.chainmesh.codec.batch;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchCodecTest
{
    private static final NodeKey KEY = NodeKey.fromHex("11".repeat(32));
    private static final long ORIGIN_ID = 0x075fce99a18c5a94L;
    private static final NodeKey OTHER = NodeKey.fromHex("22".repeat(32));

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
    private final BatchEncoder encoder = new BatchEncoder();
    private final BatchDecoder decoder = new BatchDecoder();
    private final BatchSigner signer = new BatchSigner(KEY);
    private final BatchVerifier verifier = new BatchVerifier();

    private static UnsafeBuffer bytes(final String text)
    {
        return new UnsafeBuffer(text.getBytes(UTF_8));
    }

    private int encodeThree(final int frameOffset)
    {
        encoder.wrap(buffer, frameOffset, 1024).begin(ORIGIN_ID, 17, 1_700_000_000_000L);
        assertThat(encoder.tryAppend(1, bytes("alpha"), 0, 5)).isTrue();
        assertThat(encoder.tryAppend(65535, bytes(""), 0, 0)).isTrue();
        assertThat(encoder.tryAppend(300, bytes("xgammax"), 1, 5)).isTrue();
        return encoder.sign(signer);
    }

    @Test
    void shouldRoundTripSignedBatch()
    {
        final int length = encodeThree(7);

        assertThat(length).isEqualTo(BatchDescriptor.MIN_FRAME_LENGTH + 3 * 6 + 10);
        assertThat(buffer.getInt(7, ByteOrder.BIG_ENDIAN)).isEqualTo(length - 4);
        assertThat(buffer.getByte(7 + FrameDescriptor.TYPE_OFFSET)).isEqualTo((byte)FrameType.BATCH);

        decoder.wrap(buffer, 7, length);
        assertThat(decoder.originId()).isEqualTo(ORIGIN_ID);
        assertThat(decoder.batchSeq()).isEqualTo(17);
        assertThat(decoder.timestampMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(decoder.count()).isEqualTo(3);
        for (int pass = 0; pass < 2; pass++)
        {
            assertThat(decoder.nextEntry()).isTrue();
            assertThat(decoder.entryTopic()).isEqualTo(1);
            assertThat(buffer.getStringWithoutLengthAscii(decoder.entryOffset(), decoder.entryLength())).isEqualTo("alpha");
            assertThat(decoder.nextEntry()).isTrue();
            assertThat(decoder.entryTopic()).isEqualTo(65535);
            assertThat(decoder.entryLength()).isZero();
            assertThat(decoder.nextEntry()).isTrue();
            assertThat(decoder.entryTopic()).isEqualTo(300);
            assertThat(buffer.getStringWithoutLengthAscii(decoder.entryOffset(), decoder.entryLength())).isEqualTo("gamma");
            assertThat(decoder.nextEntry()).isFalse();
            decoder.reset();
        }
        assertThat(verifier.verify(KEY.publicKey(), buffer, 7, length)).isTrue();
    }

    @Test
    void shouldIterateAValidatedFrameTheSameWithoutWalkingItAgain()
    {
        final int length = encodeThree(7);
        decoder.wrap(buffer, 7, length);
        decoder.wrapValidated(buffer, 7, length);
        assertThat(decoder.originId()).isEqualTo(ORIGIN_ID);
        assertThat(decoder.count()).isEqualTo(3);
        assertThat(decoder.nextEntry()).isTrue();
        assertThat(buffer.getStringWithoutLengthAscii(decoder.entryOffset(), decoder.entryLength())).isEqualTo("alpha");
        assertThat(decoder.nextEntry()).isTrue();
        assertThat(decoder.entryTopic()).isEqualTo(65535);
        assertThat(decoder.nextEntry()).isTrue();
        assertThat(buffer.getStringWithoutLengthAscii(decoder.entryOffset(), decoder.entryLength())).isEqualTo("gamma");
        assertThat(decoder.nextEntry()).isFalse();
    }

    @Test
    void shouldStopAtTheSignatureWhenAFrameWrappedAsValidatedWasNot()
    {
        final int length = encodeThree(0);
        // The second entry claims to run past the signature; the count claims more entries than there are.
        buffer.putInt(BatchDescriptor.ENTRIES_OFFSET + BatchDescriptor.ENTRY_HEADER_LENGTH + 5 +
            BatchDescriptor.ENTRY_LENGTH_OFFSET, 1_000, ByteOrder.BIG_ENDIAN);
        buffer.putShort(BatchDescriptor.COUNT_OFFSET, (short)9, ByteOrder.BIG_ENDIAN);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length)).isInstanceOf(CodecException.class);

        decoder.wrapValidated(buffer, 0, length);
        assertThat(decoder.nextEntry()).isTrue();
        assertThat(decoder.entryLength()).isEqualTo(5);
        assertThat(decoder.nextEntry()).isFalse();
        assertThat(decoder.nextEntry()).isFalse();
        assertThatThrownBy(() -> decoder.wrapValidated(buffer, 0, BatchDescriptor.MIN_FRAME_LENGTH - 1))
            .isInstanceOf(CodecException.class);
    }

    @Test
    void shouldDecodeAndVerifyBatchInPooledDirectByteBuf()
    {
        final int length = encodeThree(0);
        final ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(length + 3);
        try
        {
            frame.writeZero(3).readerIndex(3);
            frame.writeBytes(buffer.byteArray(), 0, length);

            decoder.wrap(frame);
            assertThat(decoder.count()).isEqualTo(3);
            assertThat(decoder.frameLength()).isEqualTo(length);
            assertThat(decoder.nextEntry()).isTrue();
            assertThat(decoder.buffer().getStringWithoutLengthAscii(decoder.entryOffset(), decoder.entryLength()))
                .isEqualTo("alpha");
            assertThat(BatchDescriptor.originId(frame)).isEqualTo(ORIGIN_ID);
            assertThat(BatchDescriptor.batchSeq(frame)).isEqualTo(17);
            assertThat(BatchDescriptor.count(frame)).isEqualTo(3);
            assertThat(verifier.verify(KEY.publicKey(), decoder.buffer(), 0, decoder.frameLength())).isTrue();
        }
        finally
        {
            frame.release();
        }
    }

    @Test
    void shouldRoundTripEmptyBatch()
    {
        encoder.wrap(buffer, 0, 200).begin(1, 2, 3);
        final int length = encoder.sign(signer);

        assertThat(length).isEqualTo(BatchDescriptor.MIN_FRAME_LENGTH);
        assertThat(decoder.wrap(buffer, 0, length).count()).isZero();
        assertThat(decoder.nextEntry()).isFalse();
        assertThat(verifier.verify(KEY.publicKey(), buffer, 0, length)).isTrue();
    }

    @Test
    void shouldSignOffHeapBatchLikeOnHeap()
    {
        final int length = encodeThree(0);
        final UnsafeBuffer offHeap = new UnsafeBuffer(BufferUtil.allocateDirectAligned(8192, 64));
        offHeap.putBytes(100, buffer, 0, length);
        final byte[] expected = new byte[64];
        buffer.getBytes(length - 64, expected);

        encoder.wrap(offHeap, 100, 5000);
        assertThat(verifier.verify(KEY.publicKey(), offHeap, 100, length)).isTrue();
        final byte[] actual = new byte[64];
        new BatchSigner(KEY).sign(offHeap, 100 + BatchDescriptor.SIGNED_OFFSET, BatchDescriptor.signedLength(length),
            new UnsafeBuffer(actual), 0);
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void shouldRejectBatchWithForgedSignature()
    {
        final int length = encodeThree(0);

        assertThat(verifier.verify(OTHER.publicKey(), buffer, 0, length)).isFalse();
        buffer.putByte(length - 1, (byte)(buffer.getByte(length - 1) ^ 1));
        assertThat(verifier.verify(KEY.publicKey(), buffer, 0, length)).isFalse();
    }

    @Test
    void shouldRejectBatchWithTamperedEntry()
    {
        final int length = encodeThree(0);
        buffer.putByte(BatchDescriptor.ENTRIES_OFFSET + BatchDescriptor.ENTRY_HEADER_LENGTH, (byte)'A');

        assertThat(decoder.wrap(buffer, 0, length).count()).isEqualTo(3);
        assertThat(verifier.verify(KEY.publicKey(), buffer, 0, length)).isFalse();
    }

    @Test
    void shouldNotLetFlagsChangeTheSignature()
    {
        final int length = encodeThree(0);
        buffer.putByte(FrameDescriptor.FLAGS_OFFSET, (byte)0x80);

        assertThat(verifier.verify(KEY.publicKey(), buffer, 0, length)).isTrue();
    }

    @Test
    void shouldReturnFalseRatherThanThrowForBadVerifyRegion()
    {
        assertThat(verifier.verify(KEY.publicKey(), buffer, 0, 95)).isFalse();
        assertThat(verifier.verify(KEY.publicKey(), buffer, 4000, 200)).isFalse();
        assertThat(verifier.verify(KEY.publicKey(), buffer, -1, 200)).isFalse();
    }

    @Test
    void shouldRejectFrameBelowMinimum()
    {
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, 95)).isInstanceOf(CodecException.class)
            .hasMessage("BATCH frame length 95 is below minimum 96");
    }

    @Test
    void shouldRejectFrameOutsideBuffer()
    {
        assertThatThrownBy(() -> decoder.wrap(buffer, 4000, 200)).isInstanceOf(CodecException.class)
            .hasMessage("BATCH frame offset=4000 length=200 is outside buffer capacity 4096");
        assertThatThrownBy(() -> decoder.wrap(buffer, -5, 200)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, -5)).isInstanceOf(CodecException.class);
    }

    @Test
    void shouldRejectWrongType()
    {
        final int length = encodeThree(0);
        buffer.putByte(FrameDescriptor.TYPE_OFFSET, (byte)FrameType.DIRECT);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length)).isInstanceOf(CodecException.class)
            .hasMessage("frame type DIRECT is not BATCH");
    }

    @Test
    void shouldRejectLengthFieldThatDisagrees()
    {
        final int length = encodeThree(0);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length + 1)).isInstanceOf(CodecException.class)
            .hasMessage("BATCH length field " + (length - 4) + " disagrees with frame length " + (length + 1));
    }

    @Test
    void shouldRejectCountHigherThanEntries()
    {
        final int length = encodeThree(0);
        buffer.putShort(BatchDescriptor.COUNT_OFFSET, (short)4, ByteOrder.BIG_ENDIAN);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length)).isInstanceOf(CodecException.class)
            .hasMessage("BATCH entry 3 of count 4 at offset 60 has no room for its header before the signature at 60");
        buffer.putShort(BatchDescriptor.COUNT_OFFSET, (short)0xFFFF, ByteOrder.BIG_ENDIAN);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length)).isInstanceOf(CodecException.class)
            .hasMessageStartingWith("BATCH entry 3 of count 65535");
    }

    @Test
    void shouldRejectCountLowerThanEntries()
    {
        final int length = encodeThree(0);
        buffer.putShort(BatchDescriptor.COUNT_OFFSET, (short)2, ByteOrder.BIG_ENDIAN);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length)).isInstanceOf(CodecException.class)
            .hasMessage("BATCH entries end at offset 49 but the signature starts at 60 (count 2)");
    }

    @Test
    void shouldRejectEntryLengthBeyondBody()
    {
        final int length = encodeThree(0);
        final int firstLength = BatchDescriptor.ENTRIES_OFFSET + BatchDescriptor.ENTRY_LENGTH_OFFSET;
        buffer.putInt(firstLength, 1000, ByteOrder.BIG_ENDIAN);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length)).isInstanceOf(CodecException.class)
            .hasMessage("BATCH entry 0 length 1000 exceeds remaining body 22");
        buffer.putInt(firstLength, -1, ByteOrder.BIG_ENDIAN);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length)).isInstanceOf(CodecException.class)
            .hasMessage("BATCH entry 0 length 4294967295 exceeds remaining body 22");
        buffer.putInt(firstLength, 0x7FFFFFFF, ByteOrder.BIG_ENDIAN);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length)).isInstanceOf(CodecException.class)
            .hasMessage("BATCH entry 0 length 2147483647 exceeds remaining body 22");
    }

    @Test
    void shouldRejectEntryLengthShorterThanEntry()
    {
        final int length = encodeThree(0);
        final int lastEntry = BatchDescriptor.ENTRIES_OFFSET + (6 + 5) + 6;
        buffer.putInt(lastEntry + BatchDescriptor.ENTRY_LENGTH_OFFSET, 4, ByteOrder.BIG_ENDIAN);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, length)).isInstanceOf(CodecException.class)
            .hasMessage("BATCH entries end at offset 59 but the signature starts at 60 (count 3)");
    }

    @Test
    void shouldLeaveDecoderUnwrappedAfterRejection()
    {
        final int length = encodeThree(0);
        decoder.wrap(buffer, 0, length);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, 95)).isInstanceOf(CodecException.class);
        assertThat(decoder.buffer()).isNull();
    }

    @Test
    void shouldRefuseEntryThatExceedsCapacity()
    {
        encoder.wrap(buffer, 0, 200).begin(1, 2, 3);
        final UnsafeBuffer src = new UnsafeBuffer(new byte[200]);
        final int room = encoder.remainingPayloadCapacity();
        assertThat(room).isEqualTo(200 - 96 - 6);

        assertThat(encoder.tryAppend(1, src, 0, room + 1)).isFalse();
        assertThat(encoder.entryCount()).isZero();
        assertThat(encoder.tryAppend(1, src, 0, room)).isTrue();
        assertThat(encoder.frameLength()).isEqualTo(200);
        assertThat(encoder.tryAppend(1, src, 0, 0)).isFalse();
        assertThat(encoder.remainingPayloadCapacity()).isZero();
    }

    @Test
    void shouldRefuseBadTopicOrLength()
    {
        encoder.wrap(buffer, 0, 200).begin(1, 2, 3);
        final UnsafeBuffer src = new UnsafeBuffer(new byte[8]);
        assertThat(encoder.tryAppend(65536, src, 0, 1)).isFalse();
        assertThat(encoder.tryAppend(-1, src, 0, 1)).isFalse();
        assertThat(encoder.tryAppend(1, src, 0, -1)).isFalse();
        assertThat(encoder.entryCount()).isZero();
    }

    @Test
    void shouldRefuseMoreThanMaxEntries()
    {
        final UnsafeBuffer big = new UnsafeBuffer(new byte[BatchDescriptor.MIN_FRAME_LENGTH + 65536 * 6]);
        encoder.wrap(big, 0, big.capacity()).begin(1, 2, 3);
        final UnsafeBuffer src = new UnsafeBuffer(new byte[1]);
        for (int i = 0; i < BatchDescriptor.MAX_ENTRIES; i++)
        {
            assertThat(encoder.tryAppend(i, src, 0, 0)).isTrue();
        }
        assertThat(encoder.tryAppend(0, src, 0, 0)).isFalse();
        final int length = encoder.finish();
        assertThat(decoder.wrap(big, 0, length).count()).isEqualTo(65535);
    }

    @Test
    void shouldRejectEncoderRegionOutsideBuffer()
    {
        assertThatThrownBy(() -> encoder.wrap(buffer, 4000, 200)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("capacity=200");
        assertThatThrownBy(() -> encoder.wrap(buffer, 0, 95)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldValidateDescriptorLimits()
    {
        assertThat(BatchDescriptor.checkCount(65535)).isEqualTo(65535);
        assertThatThrownBy(() -> BatchDescriptor.checkCount(65536)).hasMessage("BATCH count=65536 must be in [0, 65535]");
        assertThatThrownBy(() -> BatchDescriptor.checkTopic(-1)).hasMessage("BATCH topic=-1 must be in [0, 65535]");
        assertThatThrownBy(() -> BatchDescriptor.checkFrameLength(2000, 1000))
            .hasMessage("BATCH frame length 2000 exceeds limit 1004");
        assertThat(BatchDescriptor.checkFrameLength(96, 1000)).isEqualTo(96);
    }

    @Test
    void shouldEncodeAndDecodeWithoutAllocating()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
        final long threadId = Thread.currentThread().getId();
        long checksum = 0;
        for (int round = 0; round < 2; round++)
        {
            final long before = threads.getThreadAllocatedBytes(threadId);
            for (int i = 0; i < 20_000; i++)
            {
                encoder.wrap(buffer, 0, 4096).begin(1, i, 3);
                for (int e = 0; e < 16; e++)
                {
                    encoder.tryAppend(e, payload, 0, 64);
                }
                final int length = encoder.finish();
                decoder.wrap(buffer, 0, length);
                while (decoder.nextEntry())
                {
                    checksum += decoder.entryLength();
                }
            }
            final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
            if (round == 1)
            {
                // Only the measurement itself may allocate a little; per-batch allocation would be megabytes.
                assertThat(allocated).isLessThan(4096);
            }
        }
        assertThat(checksum).isEqualTo(2L * 20_000 * 16 * 64);
    }
}
