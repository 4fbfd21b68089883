package io.chainmesh.perf.record;

import io.chainmesh.codec.record.RecordAead;
import io.chainmesh.codec.record.RecordCipher;
import io.chainmesh.codec.record.RecordDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * Seal and open of one record in place with each JDK AEAD, on a heap (array API) or a pooled direct
 * buffer (ByteBuffer API), for a small record (one 64 B message flushed alone) and full records.
 * {@code sealThenOpen} seals with a second sealer in step with the opener (so every open sees a valid
 * record at the expected sequence): the open cost is its time minus {@code seal}'s.
 * <pre>
 * perf/jmh.sh record-cipher 'RecordCipherBenchmark' -prof gc -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
public class RecordCipherBenchmark
{
    /** AEAD under test. */
    @Param({"AES_256_GCM", "CHACHA20_POLY1305"})
    public String aead;

    /** Plaintext bytes per record. */
    @Param({"64", "16384", "65536"})
    public int plaintext;

    /** Direct (pooled, as Netty reads and writes) or heap buffer. */
    @Param({"true", "false"})
    public boolean direct;

    private RecordCipher sealer;
    private RecordCipher pairedSealer;
    private RecordCipher opener;
    private ByteBuf buffer;

    /** Keys and a buffer for one record. */
    @Setup
    public void setup()
    {
        final SecureRandom random = new SecureRandom();
        final byte[] secret = new byte[RecordCipher.SECRET_LENGTH];
        random.nextBytes(secret);
        final RecordAead a = RecordAead.valueOf(aead);
        sealer = new RecordCipher(a, true, secret);
        pairedSealer = new RecordCipher(a, true, secret);
        opener = new RecordCipher(a, false, secret);
        final int capacity = plaintext + RecordDescriptor.OVERHEAD;
        buffer = direct ? PooledByteBufAllocator.DEFAULT.directBuffer(capacity, capacity) :
            PooledByteBufAllocator.DEFAULT.heapBuffer(capacity, capacity);
        buffer.setZero(0, capacity);
    }

    /** Releases the buffer. */
    @TearDown
    public void tearDown()
    {
        buffer.release();
    }

    /**
     * @return record length.
     */
    @Benchmark
    public int seal()
    {
        return sealer.seal(buffer, 0, plaintext, false);
    }

    /**
     * @return plaintext length (seal with the paired sealer, then open).
     */
    @Benchmark
    public int sealThenOpen()
    {
        final int length = pairedSealer.seal(buffer, 0, plaintext, false);
        return opener.open(buffer, 0, length);
    }
}
