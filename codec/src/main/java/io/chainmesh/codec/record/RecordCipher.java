package io.chainmesh.codec.record;

import io.chainmesh.codec.crypto.Hkdf;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.netty.buffer.ByteBuf;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Arrays;

/**
 * One direction of an encrypted link: the AEAD, its current key and nonce base, and the record sequence.
 * A sealing instance turns plaintext into records in place; an opening instance checks and decrypts
 * them in place. Both ends run the same sequence, so the nonce (nonce base XOR sequence) is implicit.
 * <p>
 * Keys: each direction has a traffic secret; key and nonce base are
 * {@code HKDF-Expand(secret, "chainmesh/record/v1 key+iv", 44)}, so the AEAD key is never an HKDF key.
 * Rekey: a record sealed with {@code keyUpdate} carries {@link RecordDescriptor#FLAG_KEY_UPDATE}; after
 * it, both ends replace the secret with {@code HKDF-Expand(secret, "chainmesh/record/v1 next secret", 32)},
 * derive key and nonce base from it and restart the sequence at 0 (as TLS 1.3 updates its traffic
 * secrets). The old secret and key bytes are overwritten here, so a later compromise of this object does not
 * expose earlier records (the JDK's own key objects keep copies until collected); no message is exchanged
 * and the flag is authenticated like the rest of the header.
 * <p>
 * The {@link Cipher} is created once and re-initialised per record (the JDK has no other way to set a
 * new nonce): that costs one small parameter object per record, not per message. Array-backed buffers
 * are processed with the array API; direct buffers through one {@link ByteBuffer} view per record.
 * <p>
 * Not thread-safe: owned by the channel's IO thread.
 */
public final class RecordCipher
{
    /** Key length of both AEADs (AES-256, ChaCha20). */
    public static final int KEY_LENGTH = 32;
    /** Nonce length of both AEADs. */
    public static final int NONCE_LENGTH = 12;
    /** {@link #open} result when the tag does not verify. */
    public static final int AUTHENTICATION_FAILED = -1;
    /** Records under one key before the sequence would run out; senders rekey long before. */
    public static final long MAX_SEQUENCE = Long.MAX_VALUE;

    /** Length of a traffic secret. */
    public static final int SECRET_LENGTH = 32;

    private static final byte[] KEY_INFO = "chainmesh/record/v1 key+iv".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEXT_SECRET_INFO = "chainmesh/record/v1 next secret".getBytes(StandardCharsets.US_ASCII);

    private final RecordAead aead;
    private final boolean sealing;
    private final Cipher cipher;
    private final byte[] secret = new byte[SECRET_LENGTH];
    private final byte[] key = new byte[KEY_LENGTH];
    private final byte[] nonceBase = new byte[NONCE_LENGTH];
    private final byte[] nonce = new byte[NONCE_LENGTH];
    private final byte[] header = new byte[RecordDescriptor.HEADER_LENGTH];
    private SecretKeySpec keySpec;
    private long sequence;
    private long keyEpoch;

    /**
     * @param aead          the AEAD.
     * @param sealing       true to seal (encrypt), false to open (decrypt).
     * @param trafficSecret 32-byte secret of this direction (copied; the caller should wipe its copy).
     */
    public RecordCipher(final RecordAead aead, final boolean sealing, final byte[] trafficSecret)
    {
        if (trafficSecret.length != SECRET_LENGTH)
        {
            throw new IllegalArgumentException("traffic secret length=" + trafficSecret.length + " must be " + SECRET_LENGTH);
        }
        this.aead = aead;
        this.sealing = sealing;
        try
        {
            this.cipher = Cipher.getInstance(aead.transformation());
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(aead.transformation() + " unavailable", ex);
        }
        install(trafficSecret);
    }

    private void install(final byte[] newSecret)
    {
        System.arraycopy(newSecret, 0, secret, 0, SECRET_LENGTH);
        final byte[] okm = Hkdf.expand(secret, KEY_INFO, KEY_LENGTH + NONCE_LENGTH);
        System.arraycopy(okm, 0, key, 0, KEY_LENGTH);
        System.arraycopy(okm, KEY_LENGTH, nonceBase, 0, NONCE_LENGTH);
        Arrays.fill(okm, (byte)0);
        keySpec = new SecretKeySpec(key, aead.keyAlgorithm());
        sequence = 0;
    }

    /**
     * Seals {@code plaintextLength} bytes at {@code index + RecordDescriptor.CIPHERTEXT_OFFSET} into a record
     * in place: writes the header at {@code index}, encrypts, and appends the tag. The buffer's indices are
     * not changed.
     *
     * @param buffer          a writable buffer with one NIO component (or an array) and room for the tag.
     * @param index           where the record starts.
     * @param plaintextLength 1..{@link RecordDescriptor#MAX_PLAINTEXT_LENGTH}.
     * @param keyUpdate       rekey after this record (and tell the peer so in its flags).
     * @return the record length, header and tag included.
     */
    public int seal(final ByteBuf buffer, final int index, final int plaintextLength, final boolean keyUpdate)
    {
        if (!sealing)
        {
            throw new IllegalStateException("an opening RecordCipher cannot seal");
        }
        if (plaintextLength < 1 || plaintextLength > RecordDescriptor.MAX_PLAINTEXT_LENGTH)
        {
            throw new IllegalArgumentException("plaintextLength=" + plaintextLength + " must be in [1, " +
                RecordDescriptor.MAX_PLAINTEXT_LENGTH + "]");
        }
        final int recordLength = plaintextLength + RecordDescriptor.OVERHEAD;
        checkRegion(buffer, index, recordLength);
        final int lengthField = recordLength - FrameDescriptor.LENGTH_FIELD_LENGTH;
        header[0] = (byte)(lengthField >>> 24);
        header[1] = (byte)(lengthField >>> 16);
        header[2] = (byte)(lengthField >>> 8);
        header[3] = (byte)lengthField;
        header[4] = (byte)FrameType.RECORD;
        header[5] = (byte)(keyUpdate ? RecordDescriptor.FLAG_KEY_UPDATE : 0);
        buffer.setBytes(index, header);
        try
        {
            init(Cipher.ENCRYPT_MODE);
            crypt(buffer, index + RecordDescriptor.CIPHERTEXT_OFFSET, plaintextLength,
                recordLength - RecordDescriptor.HEADER_LENGTH);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("sealing a record failed: " + ex, ex);
        }
        advance(keyUpdate);
        return recordLength;
    }

    /**
     * Opens a whole record in place: checks its header, verifies the tag and decrypts; the plaintext is then
     * at {@code index + RecordDescriptor.CIPHERTEXT_OFFSET}. The buffer's indices are not changed. After a
     * failure the state is unusable (the link must close).
     *
     * @param buffer       a writable buffer with one NIO component (or an array) holding the record.
     * @param index        where the record starts.
     * @param recordLength the record's whole length (4 + its length field).
     * @return the plaintext length, or {@link #AUTHENTICATION_FAILED}.
     * @throws io.chainmesh.codec.CodecException if the header is malformed.
     */
    public int open(final ByteBuf buffer, final int index, final int recordLength)
    {
        checkOpen(buffer, index, recordLength);
        checkRegion(buffer, index, recordLength);
        return decrypt(buffer, index + RecordDescriptor.CIPHERTEXT_OFFSET, recordLength);
    }

    /**
     * Opens a whole record into another buffer: checks its header, copies ciphertext and tag to
     * {@code target} at {@code targetIndex}, verifies and decrypts there in place; the plaintext then starts at
     * {@code targetIndex}. Neither buffer's indices change, {@code record} is not modified. After a failure the
     * state is unusable (the link must close).
     *
     * @param record       the record (any buffer).
     * @param index        where the record starts.
     * @param recordLength the record's whole length (4 + its length field).
     * @param target       a writable buffer with one NIO component (or an array) and room for ciphertext + tag.
     * @param targetIndex  where the plaintext goes.
     * @return the plaintext length, or {@link #AUTHENTICATION_FAILED}.
     * @throws io.chainmesh.codec.CodecException if the header is malformed.
     */
    public int open(final ByteBuf record, final int index, final int recordLength, final ByteBuf target, final int targetIndex)
    {
        checkOpen(record, index, recordLength);
        final int sealedLength = recordLength - RecordDescriptor.HEADER_LENGTH;
        checkRegion(target, targetIndex, sealedLength);
        target.setBytes(targetIndex, record, index + RecordDescriptor.CIPHERTEXT_OFFSET, sealedLength);
        return decrypt(target, targetIndex, recordLength);
    }

    private void checkOpen(final ByteBuf buffer, final int index, final int recordLength)
    {
        if (sealing)
        {
            throw new IllegalStateException("a sealing RecordCipher cannot open");
        }
        final int lengthField = buffer.getInt(index);
        if (lengthField < FrameDescriptor.MIN_LENGTH_FIELD)
        {
            // Too short to hold the type and flags that checkHeader reads: refuse it as the malformed header it is.
            RecordDescriptor.checkHeader(FrameType.RECORD, 0, lengthField);
        }
        final int flags = buffer.getUnsignedByte(index + RecordDescriptor.HEADER_LENGTH - 1);
        RecordDescriptor.checkHeader(buffer.getUnsignedByte(index + RecordDescriptor.HEADER_LENGTH - 2), flags,
            lengthField);
        if (recordLength != lengthField + FrameDescriptor.LENGTH_FIELD_LENGTH)
        {
            throw new IllegalArgumentException("recordLength=" + recordLength + " does not match length field " +
                lengthField);
        }
        buffer.getBytes(index, header);
    }

    private int decrypt(final ByteBuf buffer, final int body, final int recordLength)
    {
        try
        {
            init(Cipher.DECRYPT_MODE);
            final int sealedLength = recordLength - RecordDescriptor.HEADER_LENGTH;
            crypt(buffer, body, sealedLength, sealedLength);
        }
        catch (final AEADBadTagException ex)
        {
            sequence = MAX_SEQUENCE;
            return AUTHENTICATION_FAILED;
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("opening a record failed: " + ex, ex);
        }
        advance((header[RecordDescriptor.HEADER_LENGTH - 1] & RecordDescriptor.FLAG_KEY_UPDATE) != 0);
        return RecordDescriptor.plaintextLength(recordLength);
    }

    private static void checkRegion(final ByteBuf buffer, final int index, final int length)
    {
        // The array path writes through the backing array, which a pooled buffer shares with others.
        if (index < 0 || index > buffer.capacity() - length || buffer.nioBufferCount() != 1 || buffer.isReadOnly())
        {
            throw new IllegalArgumentException("record region [" + index + ", " + (index + length) +
                ") needs a writable single-component buffer of capacity " + buffer.capacity());
        }
    }

    private void init(final int mode) throws GeneralSecurityException
    {
        if (sequence >= MAX_SEQUENCE)
        {
            throw new IllegalStateException("record sequence exhausted (or a failed open) without rekey");
        }
        System.arraycopy(nonceBase, 0, nonce, 0, NONCE_LENGTH);
        long s = sequence;
        for (int i = NONCE_LENGTH - 1; i >= NONCE_LENGTH - 8; i--)
        {
            nonce[i] ^= (byte)s;
            s >>>= 8;
        }
        // The parameter specs copy the nonce: this is the one allocation per record.
        final AlgorithmParameterSpec spec = aead == RecordAead.AES_256_GCM ?
            new GCMParameterSpec(RecordDescriptor.TAG_LENGTH * 8, nonce) : new IvParameterSpec(nonce);
        cipher.init(mode, keySpec, spec);
        cipher.updateAAD(header);
    }

    private void crypt(final ByteBuf buffer, final int body, final int inputLength, final int outputRoom)
        throws GeneralSecurityException
    {
        if (buffer.hasArray())
        {
            final byte[] array = buffer.array();
            final int offset = buffer.arrayOffset() + body;
            cipher.doFinal(array, offset, inputLength, array, offset);
        }
        else
        {
            final ByteBuffer input = buffer.internalNioBuffer(body, outputRoom);
            final int start = input.position();
            final ByteBuffer output = input.duplicate();
            input.limit(start + inputLength);
            cipher.doFinal(input, output);
        }
    }

    private void advance(final boolean keyUpdate)
    {
        sequence++;
        if (keyUpdate)
        {
            rekey();
        }
    }

    /**
     * Replaces key and nonce base with the next ones and restarts the sequence (see the class comment).
     * Called by {@link #seal} and {@link #open} for records flagged {@link RecordDescriptor#FLAG_KEY_UPDATE}.
     */
    void rekey()
    {
        final byte[] next = Hkdf.expand(secret, NEXT_SECRET_INFO, SECRET_LENGTH);
        install(next);
        Arrays.fill(next, (byte)0);
        keyEpoch++;
    }

    /**
     * @return records sealed or opened under the current key.
     */
    public long sequence()
    {
        return sequence;
    }

    /**
     * @return number of rekeys so far.
     */
    public long keyEpoch()
    {
        return keyEpoch;
    }

    /**
     * @return the AEAD.
     */
    public RecordAead aead()
    {
        return aead;
    }
}
