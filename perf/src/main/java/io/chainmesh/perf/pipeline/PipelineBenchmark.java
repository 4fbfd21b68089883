package io.chainmesh.perf.pipeline;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.batch.BatchSigner;
import io.chainmesh.codec.batch.BatchVerifier;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.broadcast.BatchSignatures;
import io.chainmesh.engine.broadcast.BroadcastContext;
import io.chainmesh.engine.broadcast.BroadcastPipeline;
import org.agrona.concurrent.UnsafeBuffer;
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

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Allocation through the broadcast pipeline's egress and ingress in steady state, for {@code -prof gc}
 * (which sums the bytes allocated by every thread over an iteration and divides by the operations):
 * {@link #offerThroughTwoNodes} offers one 64 B message on node A (egress ring, batcher packs and signs,
 * A's commit stage retains and forwards) which node B takes in (ingress ring, verify, replay window,
 * retention, delivery to a subscriber), over the same in-process link as {@link PipelineAllocation}.
 * With {@code signatures=NONE} the batches are neither signed nor checked (a stub
 * {@link BatchSignatures}: the encoder finishes the frame, the verifier accepts): that isolates the
 * pipeline's own allocation, which is the claim (~0 B/op). With {@code ECDSA} (what a node runs) Bouncy
 * Castle's arithmetic is included; {@link #signAndVerifyBatch}, in the same run, is what one batch costs
 * in it (sign on A plus verify on B), to be divided by the messages per batch printed at the end of
 * each fork.
 * <pre>
 * perf/jmh.sh pipeline-gc 'PipelineBenchmark' -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
public class PipelineBenchmark
{
    /** Origin id of the codec-level batches (any 8 bytes: only the engine maps it to a member). */
    private static final long ORIGIN_ID = 0x075fce99a18c5a94L;

    /** Two pipelines, A offering, B subscribed. */
    @State(Scope.Benchmark)
    public static class TwoNodes
    {
        /** ECDSA (as deployed) or NONE (stub, to isolate the pipeline's own allocation). */
        @Param({"NONE", "ECDSA"})
        public String signatures;

        final BroadcastPipeline[] nodes = new BroadcastPipeline[2];
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);

        /** Starts both pipelines. */
        @Setup
        public void setup()
        {
            final NodeKey a = NodeKey.fromHex(String.format("%064x", 7001));
            final NodeKey b = NodeKey.fromHex(String.format("%064x", 7002));
            final MemberId ma = MemberId.of(String.format("%064x", 1), 0);
            final MemberId mb = MemberId.of(String.format("%064x", 2), 0);
            final DirectorySnapshot directory = DirectorySnapshot.of(1, List.of(
                new Member(ma, a.publicKey(), new Endpoint("127.0.0.1", 1), Tier.CUMULUS, 1, 1, 1, 0, "", 0),
                new Member(mb, b.publicKey(), new Endpoint("127.0.0.1", 2), Tier.CUMULUS, 1, 1, 1, 0, "", 1)));
            final BatchSignatures scheme = "ECDSA".equals(signatures) ? BatchSignatures.ECDSA : new NoSignatures();
            nodes[0] = BroadcastPipeline.launch(new BroadcastContext().nodeKey(a).member(ma).directory(() -> directory)
                .links(new PipelineAllocation.Link(mb, ma, nodes, 1)).name("A").retentionBytes(1 << 20)
                .signatures(scheme));
            nodes[1] = BroadcastPipeline.launch(new BroadcastContext().nodeKey(b).member(mb).directory(() -> directory)
                .links(new PipelineAllocation.Link(ma, mb, nodes, 0)).name("B").retentionBytes(1 << 20)
                .signatures(scheme));
            nodes[1].subscribe(1, (originId, topic, buffer, offset, length) -> { });
        }

        /** Prints the batching of the run (needed to take the ECDSA share out) and stops both. */
        @TearDown
        public void tearDown()
        {
            final long batches = Math.max(1, nodes[0].counters().batchesPublished());
            System.out.printf("%n[pipeline] messages per batch %.1f (%d messages, %d batches, %d delivered at B, " +
                "%d duplicates skipped before verification)%n", nodes[0].counters().messagesPublished() / (double)batches,
                nodes[0].counters().messagesPublished(), batches, nodes[1].counters().messagesDelivered(),
                nodes[1].counters().duplicatesBeforeVerify());
            nodes[0].close();
            nodes[1].close();
        }
    }

    /** Benchmark only: leaves the signature bytes as they are and accepts every batch. */
    static final class NoSignatures implements BatchSignatures
    {
        @Override
        public Signer signer(final NodeKey key)
        {
            return BatchEncoder::finish;
        }

        @Override
        public Verifier verifier()
        {
            return (signer, buffer, offset, length) -> true;
        }
    }

    /** One 16 x 64 B batch and a key, for the ECDSA baseline. */
    @State(Scope.Thread)
    public static class Batch
    {
        final BatchSigner signer = new BatchSigner(NodeKey.fromHex(String.format("%064x", 7003)));
        final BatchVerifier verifier = new BatchVerifier();
        final BatchEncoder encoder = new BatchEncoder();
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);
        final UnsafeBuffer entry = new UnsafeBuffer(new byte[64]);
    }

    /**
     * @param nodes the two pipelines.
     * @return the offer's position (spins while back-pressured: the op is one accepted message).
     */
    @Benchmark
    public long offerThroughTwoNodes(final TwoNodes nodes)
    {
        long position;
        while ((position = nodes.nodes[0].offer(1, nodes.payload, 0, 64)) < 0)
        {
            Thread.onSpinWait();
        }
        return position;
    }

    /**
     * @param batch a key, an encoder and a buffer.
     * @return whether it verified (always).
     */
    @Benchmark
    public boolean signAndVerifyBatch(final Batch batch)
    {
        batch.encoder.wrap(batch.frame, 0, batch.frame.capacity()).begin(ORIGIN_ID, 1, 2);
        for (int i = 0; i < 16; i++)
        {
            batch.encoder.tryAppend(1, batch.entry, 0, 64);
        }
        final int length = batch.encoder.sign(batch.signer);
        return batch.verifier.verify(batch.signer.key().publicKey(), batch.frame, 0, length);
    }
}
