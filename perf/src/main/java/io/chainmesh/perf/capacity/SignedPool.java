package io.chainmesh.perf.capacity;

import io.chainmesh.chain.DevnetChain;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.batch.BatchSigner;
import io.netty.buffer.ByteBuf;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A capacity run's pool of pre-signed batches: one frame body shared by all (the entries), and per batch its header
 * fields and signature, signed before the measured window on up to two threads. {@link #writeHeader} turns a frame
 * buffer holding the body into batch {@code i}.
 */
final class SignedPool
{
    /** A libsecp256k1 signing context when the codec loaded the library (it registers the JNI methods), else 0. */
    private static final long NATIVE_SIGNING_CONTEXT = io.chainmesh.codec.crypto.Libsecp256k1.isAvailable() ?
        fr.acinq.secp256k1.Secp256k1CFunctions.secp256k1_context_create(
            fr.acinq.secp256k1.Secp256k1CFunctions.SECP256K1_CONTEXT_SIGN) : 0;

    final int count;
    final byte[] template;
    final int frameLength;
    final long[] originIds;
    final long[] seqs;
    final long[] timestamps;
    final byte[] signatures;

    private SignedPool(final int count, final byte[] template, final int frameLength)
    {
        this.count = count;
        this.template = template;
        this.frameLength = frameLength;
        this.originIds = new long[count];
        this.seqs = new long[count];
        this.timestamps = new long[count];
        this.signatures = new byte[count * BatchDescriptor.SIGNATURE_LENGTH];
    }

    /**
     * @return the library the pools are signed with.
     */
    static String signer()
    {
        return NATIVE_SIGNING_CONTEXT != 0 ? "libsecp256k1" : "bouncycastle";
    }

    /**
     * Rewrites header and signature of a frame holding {@link #template} so that it is batch {@code i}.
     *
     * @param frame the frame buffer (indexes untouched).
     * @param i     the batch's index in the pool.
     */
    void writeHeader(final ByteBuf frame, final int i)
    {
        frame.setLong(BatchDescriptor.ORIGIN_ID_OFFSET, originIds[i]);
        frame.setLong(BatchDescriptor.BATCH_SEQ_OFFSET, seqs[i]);
        frame.setLong(BatchDescriptor.TIMESTAMP_OFFSET, timestamps[i]);
        frame.setBytes(frameLength - BatchDescriptor.SIGNATURE_LENGTH, signatures, i * BatchDescriptor.SIGNATURE_LENGTH,
            BatchDescriptor.SIGNATURE_LENGTH);
    }

    /**
     * Signs batches {@code first} to {@code first + count - 1}: batch {@code j} is origin slot {@code j % origins}'s
     * batch {@code firstSeq[slot] + j / origins}, timestamped when it is signed.
     *
     * @param first            index of the pool's first batch in the run.
     * @param count            batches in the pool.
     * @param origins          origin slots.
     * @param originRing       each slot's ring index in {@code snapshot}.
     * @param firstSeq         each slot's first sequence.
     * @param messagesPerBatch messages per batch.
     * @param messageSize      bytes per message.
     * @param topic            topic of the messages.
     * @param chain            the directory's chain, for the origins' keys.
     * @param snapshot         the directory.
     * @param log              progress lines.
     * @return the pool.
     * @throws InterruptedException if interrupted while the signing threads run.
     */
    static SignedPool sign(final int first, final int count, final int origins, final int[] originRing,
        final long[] firstSeq, final int messagesPerBatch, final int messageSize, final int topic,
        final DevnetChain chain, final DirectorySnapshot snapshot, final Consumer<String> log)
        throws InterruptedException
    {
        final long start = System.nanoTime();
        final byte[] payload = new byte[messageSize];
        final UnsafeBuffer payloadBuffer = new UnsafeBuffer(payload);
        final int capacity = 64 * 1024 + 1024;
        final UnsafeBuffer templateBuffer = new UnsafeBuffer(new byte[capacity]);
        final BatchEncoder templateEncoder = new BatchEncoder().wrap(templateBuffer, 0, capacity).begin(0, 0, 0);
        for (int i = 0; i < messagesPerBatch; i++)
        {
            payloadBuffer.putInt(0, i);
            if (!templateEncoder.tryAppend(topic, payloadBuffer, 0, payload.length))
            {
                throw new IllegalArgumentException(messagesPerBatch + " messages of " + payload.length +
                    " B do not fit one batch");
            }
        }
        final int frameLength = templateEncoder.finish();
        final SignedPool pool = new SignedPool(count, java.util.Arrays.copyOf(templateBuffer.byteArray(), frameLength),
            frameLength);
        final int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        final Thread[] workers = new Thread[threads];
        final RuntimeException[] failure = new RuntimeException[1];
        for (int t = 0; t < threads; t++)
        {
            final int worker = t;
            workers[t] = new Thread(() ->
            {
                try
                {
                    final UnsafeBuffer frame = new UnsafeBuffer(pool.template.clone());
                    final Map<Integer, BatchSigner> signers = new HashMap<>();
                    final Map<Integer, byte[]> secrets = new HashMap<>();
                    final java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256");
                    final int signedLength = BatchDescriptor.signedLength(frameLength);
                    for (int i = worker; i < count; i += threads)
                    {
                        final int j = first + i;
                        final int slot = j % origins;
                        final MemberId origin = snapshot.member(originRing[slot]).id();
                        final long seq = firstSeq[slot] + j / origins;
                        final long timestamp = System.currentTimeMillis();
                        frame.putLong(BatchDescriptor.ORIGIN_ID_OFFSET, origin.originId(), ByteOrder.BIG_ENDIAN);
                        frame.putLong(BatchDescriptor.BATCH_SEQ_OFFSET, seq, ByteOrder.BIG_ENDIAN);
                        frame.putLong(BatchDescriptor.TIMESTAMP_OFFSET, timestamp, ByteOrder.BIG_ENDIAN);
                        if (NATIVE_SIGNING_CONTEXT != 0)
                        {
                            // The same ECDSA (RFC 6979, low-S) as BatchSigner, through libsecp256k1: ~3x faster.
                            final byte[] secret = secrets.computeIfAbsent(chain.indexOf(origin),
                                index -> org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32,
                                    chain.memberKey(index).privateKeyParameters().getD()));
                            sha256.update(frame.byteArray(), BatchDescriptor.SIGNED_OFFSET, signedLength);
                            frame.putBytes(frameLength - BatchDescriptor.SIGNATURE_LENGTH,
                                fr.acinq.secp256k1.Secp256k1CFunctions.secp256k1_ecdsa_sign(NATIVE_SIGNING_CONTEXT,
                                    sha256.digest(), secret));
                        }
                        else
                        {
                            final BatchSigner signer = signers.computeIfAbsent(chain.indexOf(origin),
                                index -> new BatchSigner(chain.memberKey(index)));
                            signer.sign(frame, BatchDescriptor.SIGNED_OFFSET, signedLength, frame,
                                frameLength - BatchDescriptor.SIGNATURE_LENGTH);
                        }
                        pool.originIds[i] = origin.originId();
                        pool.seqs[i] = seq;
                        pool.timestamps[i] = timestamp;
                        frame.getBytes(frameLength - BatchDescriptor.SIGNATURE_LENGTH, pool.signatures,
                            i * BatchDescriptor.SIGNATURE_LENGTH, BatchDescriptor.SIGNATURE_LENGTH);
                    }
                }
                catch (final RuntimeException | java.security.NoSuchAlgorithmException ex)
                {
                    failure[0] = new IllegalStateException("signing failed", ex);
                }
            }, "capacity-signer-" + t);
            workers[t].start();
        }
        for (final Thread worker : workers)
        {
            worker.join();
        }
        if (null != failure[0])
        {
            throw failure[0];
        }
        log.accept(String.format("capacity: signed %,d batches of %d x %d B in %.1f s", count,
            messagesPerBatch, messageSize, (System.nanoTime() - start) / 1e9));
        return pool;
    }
}
