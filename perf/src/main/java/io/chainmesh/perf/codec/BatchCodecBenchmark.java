package io.chainmesh.perf.codec;

import io.chainmesh.codec.batch.BatchDecoder;
import io.chainmesh.codec.batch.BatchEncoder;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Cost of building and of reading a {@code BATCH} of 16 entries of 64 bytes (the signature is
 * measured apart, in {@link SignatureBenchmark}). Run with {@code -prof gc}: both must show ~0 B/op.
 * <pre>
 * perf/jmh.sh codec-batch 'BatchCodecBenchmark' -prof gc -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
public class BatchCodecBenchmark
{
    private static final int ENTRIES = 16;
    private static final int ENTRY_LENGTH = 64;
    private static final int CAPACITY = 4096;

    private final BatchEncoder encoder = new BatchEncoder();
    private final BatchDecoder decoder = new BatchDecoder();
    private UnsafeBuffer encodeBuffer;
    private UnsafeBuffer decodeBuffer;
    private UnsafeBuffer payload;
    private int encodedLength;
    private long batchSeq;

    /**
     * Off-heap buffers, as the engine's slots and Netty's pooled direct buffers are.
     */
    @Setup
    public void setup()
    {
        encodeBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(CAPACITY, 64));
        decodeBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(CAPACITY, 64));
        final byte[] bytes = new byte[ENTRY_LENGTH];
        ThreadLocalRandom.current().nextBytes(bytes);
        payload = new UnsafeBuffer(BufferUtil.allocateDirectAligned(ENTRY_LENGTH, 64));
        payload.putBytes(0, bytes);
        final BatchEncoder setupEncoder = new BatchEncoder().wrap(decodeBuffer, 0, CAPACITY);
        setupEncoder.begin(42, 1, System.currentTimeMillis());
        for (int i = 0; i < ENTRIES; i++)
        {
            setupEncoder.tryAppend(i, payload, 0, ENTRY_LENGTH);
        }
        encodedLength = setupEncoder.finish();
    }

    /**
     * @return the frame length, so the work is not dead code.
     */
    @Benchmark
    public int encode16x64()
    {
        encoder.wrap(encodeBuffer, 0, CAPACITY).begin(42, ++batchSeq, 1_700_000_000_000L);
        for (int i = 0; i < ENTRIES; i++)
        {
            encoder.tryAppend(i, payload, 0, ENTRY_LENGTH);
        }
        return encoder.finish();
    }

    /**
     * @param blackhole consumes each entry's fields.
     * @return the summed entry lengths.
     */
    @Benchmark
    public int decodeAndIterate16x64(final Blackhole blackhole)
    {
        decoder.wrap(decodeBuffer, 0, encodedLength);
        blackhole.consume(decoder.originId());
        blackhole.consume(decoder.batchSeq());
        int total = 0;
        while (decoder.nextEntry())
        {
            blackhole.consume(decoder.entryTopic());
            blackhole.consume(decoder.entryOffset());
            total += decoder.entryLength();
        }
        return total;
    }
}
