package io.chainmesh.perf.pipeline;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.broadcast.BroadcastPipeline;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The broadcast pipeline end to end in one process: node A offers 64-byte messages, its batcher signs batches,
 * its commit stage forwards them over an {@link InProcessLink} to B, whose verify worker checks the signature and
 * whose commit stage delivers. One operation is one accepted {@code offer}; once the rings are full, offers go at
 * the rate the whole pipeline sustains. With {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes all
 * threads allocate per message (ECDSA per batch, spread over its messages).
 * <pre>
 * perf/jmh.sh pipeline PipelineBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
public class PipelineBenchmark
{
    private static final int TOPIC = 1;
    private static final int SIZE = 64;
    private final BroadcastPipeline[] nodes = new BroadcastPipeline[2];
    private final AtomicLong delivered = new AtomicLong();
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[SIZE]);
    private long offered;

    /** Launches both pipelines, linked in process. */
    @Setup(Level.Trial)
    public void setup()
    {
        final NodeKey a = NodeKey.fromHex(String.format("%064x", 7101));
        final NodeKey b = NodeKey.fromHex(String.format("%064x", 7102));
        final DirectorySnapshot directory = DirectorySnapshot.of(1, List.of(
            new Member(a.nodeId(), new Endpoint("127.0.0.1", 1), String.format("%064x", 1), 0, Tier.CUMULUS, 1, 1, 1, 0, "", 0),
            new Member(b.nodeId(), new Endpoint("127.0.0.1", 2), String.format("%064x", 2), 0, Tier.CUMULUS, 1, 1, 1, 0, "", 1)));
        nodes[0] = BroadcastPipeline.launch(new BroadcastPipeline.Context().nodeKey(a).directory(() -> directory)
            .links(new InProcessLink(b.nodeId(), a.nodeId(), nodes, 1)).name("A").retentionBytes(1 << 20));
        nodes[1] = BroadcastPipeline.launch(new BroadcastPipeline.Context().nodeKey(b).directory(() -> directory)
            .links(new InProcessLink(a.nodeId(), b.nodeId(), nodes, 0)).name("B").retentionBytes(1 << 20));
        nodes[1].subscribe(TOPIC, (originId, topic, buffer, offset, length) -> delivered.lazySet(delivered.get() + 1));
    }

    /**
     * @return status of the accepted offer.
     */
    @Benchmark
    public long offer()
    {
        payload.putLong(0, offered);
        long status;
        while ((status = nodes[0].offer(TOPIC, payload, 0, SIZE)) < 0)
        {
            Thread.onSpinWait();
        }
        offered++;
        return status;
    }

    /** Waits (bounded) for B to deliver what was offered, then closes both pipelines. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (delivered.get() < offered && System.nanoTime() - deadline < 0)
        {
            Thread.onSpinWait();
        }
        nodes[0].close();
        nodes[1].close();
    }
}
