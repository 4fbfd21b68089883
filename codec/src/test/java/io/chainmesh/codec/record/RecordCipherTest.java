package io.chainmesh.codec.record;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.crypto.EphemeralKey;
import io.chainmesh.codec.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordCipherTest
{
    /** Every buffer a test took from the pool, given back after it (the leak detector reports any left). */
    private final List<ByteBuf> allocated = new ArrayList<>();
    @Test
    void shouldDeriveKeysFromTheTrafficSecretAndTheNextSecretOnRekeyAsDocumented() throws Exception
    {
        final byte[] secret = new byte[RecordCipher.SECRET_LENGTH];
        new java.security.SecureRandom().nextBytes(secret);
        final RecordCipher sealer = new RecordCipher(RecordAead.AES_256_GCM, true, secret);
        final byte[] first = sealOne(sealer, "first", true);
        final byte[] second = sealOne(sealer, "second", false);

        // Recomputed here from the class comment alone, with the JDK's AES-GCM.
        final byte[] next = io.chainmesh.codec.crypto.Hkdf.expand(secret,
            "chainmesh/record/v1 next secret".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 32);
        assertThat(openWithJdk(secret, first)).isEqualTo("first");
        assertThat(openWithJdk(next, second)).isEqualTo("second");
        assertThatThrownBy(() -> openWithJdk(secret, second)).as("not under the first secret")
            .isInstanceOf(javax.crypto.AEADBadTagException.class);
    }

    private static byte[] sealOne(final RecordCipher sealer, final String text, final boolean keyUpdate)
    {
        final byte[] plaintext = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final io.netty.buffer.ByteBuf buffer = io.netty.buffer.Unpooled.buffer(plaintext.length + RecordDescriptor.OVERHEAD);
        buffer.setBytes(RecordDescriptor.CIPHERTEXT_OFFSET, plaintext);
        final int length = sealer.seal(buffer, 0, plaintext.length, keyUpdate);
        final byte[] record = new byte[length];
        buffer.getBytes(0, record);
        buffer.release();
        return record;
    }

    /** The first record under {@code trafficSecret}: sequence 0, so the nonce is the nonce base. */
    private static String openWithJdk(final byte[] trafficSecret, final byte[] record) throws Exception
    {
        final byte[] okm = io.chainmesh.codec.crypto.Hkdf.expand(trafficSecret,
            "chainmesh/record/v1 key+iv".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 44);
        final javax.crypto.Cipher gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(javax.crypto.Cipher.DECRYPT_MODE, new javax.crypto.spec.SecretKeySpec(okm, 0, 32, "AES"),
            new javax.crypto.spec.GCMParameterSpec(128, java.util.Arrays.copyOfRange(okm, 32, 44)));
        gcm.updateAAD(record, 0, RecordDescriptor.HEADER_LENGTH);
        final byte[] plaintext = gcm.doFinal(record, RecordDescriptor.HEADER_LENGTH, record.length - RecordDescriptor.HEADER_LENGTH);
        return new String(plaintext, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    static Stream<Arguments> variants()
    {
        final List<Arguments> list = new ArrayList<>();
        for (final RecordAead aead : RecordAead.values())
        {
            list.add(Arguments.of(aead, true));
            list.add(Arguments.of(aead, false));
        }
        return list.stream();
    }

    private static SessionKeys[] pair(final RecordAead aead)
    {
        final EphemeralKey d = EphemeralKey.generate(RANDOM);
        final EphemeralKey a = EphemeralKey.generate(RANDOM);
        final byte[] dPub = d.publicKey();
        final byte[] aPub = a.publicKey();
        final byte[] transcript = new byte[32];
        RANDOM.nextBytes(transcript);
        return new SessionKeys[]{
            SessionKeys.derive(d.agree(aPub), transcript, true, aead, aead),
            SessionKeys.derive(a.agree(dPub), transcript, false, aead, aead)};
    }

    private ByteBuf buffer(final boolean direct, final int capacity)
    {
        final ByteBuf buf = direct ? PooledByteBufAllocator.DEFAULT.directBuffer(capacity) : Unpooled.buffer(capacity);
        allocated.add(buf);
        return buf;
    }

    @AfterEach
    void releaseBuffers()
    {
        for (final ByteBuf buf : allocated)
        {
            if (buf.refCnt() > 0)
            {
                buf.release(buf.refCnt());
            }
        }
        allocated.clear();
    }

    private ByteBuf sealed(final RecordCipher sealer, final boolean direct, final String text, final boolean keyUpdate)
    {
        final byte[] plain = text.getBytes(StandardCharsets.UTF_8);
        final ByteBuf buf = buffer(direct, plain.length + RecordDescriptor.OVERHEAD);
        buf.setBytes(RecordDescriptor.CIPHERTEXT_OFFSET, plain);
        final int length = sealer.seal(buf, 0, plain.length, keyUpdate);
        buf.writerIndex(length);
        return buf;
    }

    private static String open(final RecordCipher opener, final ByteBuf record)
    {
        final int n = opener.open(record, record.readerIndex(), record.readableBytes());
        return n < 0 ? null : record.toString(record.readerIndex() + RecordDescriptor.CIPHERTEXT_OFFSET, n,
            StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void shouldRoundTripBothDirectionsAndHideThePlaintext(final RecordAead aead, final boolean direct)
    {
        final SessionKeys[] keys = pair(aead);
        for (int i = 0; i < 5; i++)
        {
            final ByteBuf there = sealed(keys[0].sealer(), direct, "secret payload " + i, false);
            assertThat(there.getInt(0)).isEqualTo(there.readableBytes() - 4);
            assertThat(there.getByte(4)).isEqualTo((byte)FrameType.RECORD);
            assertThat(ByteBufUtil.getBytes(there)).asString(StandardCharsets.ISO_8859_1).doesNotContain("secret");
            assertThat(open(keys[1].opener(), there)).isEqualTo("secret payload " + i);
            final ByteBuf back = sealed(keys[1].sealer(), direct, "reply " + i, false);
            assertThat(open(keys[0].opener(), back)).isEqualTo("reply " + i);
            there.release();
            back.release();
        }
        assertThat(keys[1].opener().sequence()).isEqualTo(5);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void shouldFailTheTagOfAFlippedBitAnywhere(final RecordAead aead, final boolean direct)
    {
        final int length = sealed(pair(aead)[0].sealer(), direct, "0123456789", false).readableBytes();
        // Every byte but the length field (a changed length is a framing matter, tested below).
        for (int position = 4; position < length; position++)
        {
            final SessionKeys[] keys = pair(aead);
            final ByteBuf record = sealed(keys[0].sealer(), direct, "0123456789", false);
            record.setByte(position, record.getByte(position) ^ 0x10);
            final int at = position;
            if (position == 4 || position == 5)
            {
                assertThatThrownBy(() -> open(keys[1].opener(), record)).as("position %d", at)
                    .isInstanceOf(CodecException.class);
            }
            else
            {
                assertThat(open(keys[1].opener(), record)).as("position %d", at).isNull();
            }
            record.release();
        }
    }

    @ParameterizedTest
    @MethodSource("variants")
    void shouldFailReplayedAndReorderedRecords(final RecordAead aead, final boolean direct)
    {
        final SessionKeys[] keys = pair(aead);
        final ByteBuf first = sealed(keys[0].sealer(), direct, "first", false);
        final ByteBuf copy = first.copy();
        final ByteBuf second = sealed(keys[0].sealer(), direct, "second", false);
        assertThat(open(keys[1].opener(), first)).isEqualTo("first");
        assertThat(open(keys[1].opener(), copy)).as("replay").isNull();
        first.release();
        copy.release();
        second.release();

        final SessionKeys[] other = pair(aead);
        final ByteBuf a = sealed(other[0].sealer(), direct, "a", false);
        final ByteBuf b = sealed(other[0].sealer(), direct, "b", false);
        assertThat(open(other[1].opener(), b)).as("reordered").isNull();
        a.release();
        b.release();
    }

    @ParameterizedTest
    @MethodSource("variants")
    void shouldRekeyBothEndsOnTheFlaggedRecord(final RecordAead aead, final boolean direct)
    {
        final SessionKeys[] keys = pair(aead);
        final ByteBuf before = sealed(keys[0].sealer(), direct, "old key", true);
        assertThat(before.getByte(5)).isEqualTo((byte)RecordDescriptor.FLAG_KEY_UPDATE);
        assertThat(keys[0].sealer().keyEpoch()).isEqualTo(1);
        assertThat(keys[0].sealer().sequence()).isZero();
        final ByteBuf after = sealed(keys[0].sealer(), direct, "new key", false);
        assertThat(open(keys[1].opener(), before)).isEqualTo("old key");
        assertThat(keys[1].opener().keyEpoch()).isEqualTo(1);
        assertThat(open(keys[1].opener(), after)).isEqualTo("new key");
        before.release();
        after.release();
    }

    @ParameterizedTest
    @MethodSource("variants")
    void shouldNotOpenWithTheOtherDirectionsKey(final RecordAead aead, final boolean direct)
    {
        final SessionKeys[] keys = pair(aead);
        final ByteBuf record = sealed(keys[0].sealer(), direct, "reflected", false);
        assertThat(open(keys[0].opener(), record)).as("reflected back to its sender").isNull();
        record.release();
    }

    @ParameterizedTest
    @MethodSource("variants")
    void shouldRefuseMalformedHeaders(final RecordAead aead, final boolean direct)
    {
        final RecordCipher opener = pair(aead)[1].opener();
        final ByteBuf record = buffer(direct, 64);
        record.writeInt(RecordDescriptor.MIN_LENGTH_FIELD - 1).writeByte(FrameType.RECORD).writeByte(0).writeZero(17);
        assertThatThrownBy(() -> opener.open(record, 0, record.readableBytes()))
            .isInstanceOf(CodecException.class).hasMessageContaining("RECORD length 18 must be in [19, 65554]");
        record.setInt(0, 19);
        record.setByte(4, FrameType.DIRECT);
        assertThatThrownBy(() -> opener.open(record, 0, 23))
            .isInstanceOf(CodecException.class).hasMessageContaining("DIRECT is not RECORD");
        record.setByte(4, FrameType.RECORD);
        record.setByte(5, 0x82);
        assertThatThrownBy(() -> opener.open(record, 0, 23))
            .isInstanceOf(CodecException.class).hasMessageContaining("flags 0x82");
        record.release();
    }

    /** A record shorter than its own header (length field 0 or 1) has no type or flags to read. */
    @ParameterizedTest
    @MethodSource("variants")
    void shouldRefuseARecordShorterThanItsHeader(final RecordAead aead, final boolean direct)
    {
        final RecordCipher opener = pair(aead)[1].opener();
        final ByteBuf record = buffer(direct, 5);
        record.writeInt(1).writeByte(FrameType.RECORD);
        assertThatThrownBy(() -> opener.open(record, 0, 5))
            .isInstanceOf(CodecException.class).hasMessageContaining("RECORD length 1 must be in [19, 65554]");
        record.release();
    }
}
