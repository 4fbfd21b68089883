package io.chainmesh.perf.pipeline;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.engine.broadcast.BroadcastContext;
import io.chainmesh.engine.broadcast.BroadcastPipeline;
import io.chainmesh.engine.broadcast.LinkSender;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes allocated per message on each thread of the broadcast pipeline, in steady state: node A offers
 * 64-byte messages, its batcher signs batches, its commit stage forwards them to node B (in-process link,
 * frames copied as the Netty link would), B's verify worker checks them and B's commit stage delivers.
 * Measured with {@code ThreadMXBean.getThreadAllocatedBytes} over a window after warm-up, so it names the
 * thread that allocates. Writes {@code perf/results/<date>-pipeline-allocation.md}.
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "perf/target/classes:$(cat perf/target/classpath.txt)" \
 *     io.chainmesh.perf.pipeline.PipelineAllocation [messages=2000000]
 * </pre>
 */
public final class PipelineAllocation
{
    private PipelineAllocation()
    {
    }

    /**
     * @param args optional message count of the measured window.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final long measured = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000;
        final NodeKey a = NodeKey.fromHex(String.format("%064x", 7001));
        final NodeKey b = NodeKey.fromHex(String.format("%064x", 7002));
        final MemberId ma = MemberId.of(String.format("%064x", 1), 0);
        final MemberId mb = MemberId.of(String.format("%064x", 2), 0);
        final DirectorySnapshot directory = DirectorySnapshot.of(1, List.of(
            new Member(ma, a.publicKey(), new Endpoint("127.0.0.1", 1), Tier.CUMULUS, 1, 1, 1, 0, "", 0),
            new Member(mb, b.publicKey(), new Endpoint("127.0.0.1", 2), Tier.CUMULUS, 1, 1, 1, 0, "", 1)));
        final BroadcastPipeline[] nodes = new BroadcastPipeline[2];
        final AtomicLong delivered = new AtomicLong();
        nodes[0] = BroadcastPipeline.launch(new BroadcastContext().nodeKey(a).member(ma).directory(() -> directory)
            .links(new Link(mb, ma, nodes, 1)).name("A").retentionBytes(1 << 20));
        nodes[1] = BroadcastPipeline.launch(new BroadcastContext().nodeKey(b).member(mb).directory(() -> directory)
            .links(new Link(ma, mb, nodes, 0)).name("B").retentionBytes(1 << 20));
        nodes[1].subscribe(1, (originId, topic, buffer, offset, length) -> delivered.lazySet(delivered.get() + 1));
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
        final long warmup = measured / 2;
        run(nodes[0], payload, delivered, warmup);

        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final Map<String, Long> before = snapshot(threads);
        final long start = System.nanoTime();
        run(nodes[0], payload, delivered, warmup + measured);
        final double seconds = (System.nanoTime() - start) / 1e9;
        final Map<String, Long> after = snapshot(threads);
        final long batches = nodes[0].counters().batchesPublished();
        final double messagesPerBatch = nodes[0].counters().messagesPublished() / (double)Math.max(1, batches);

        final StringBuilder md = new StringBuilder();
        md.append("# Broadcast pipeline allocation, steady state\n\n");
        md.append(String.format("%,d messages of 64 B from A to B after %,d of warm-up, %.0f msgs/s, %.1f messages per " +
            "signed batch. Bytes allocated per message, by thread:%n%n", measured, warmup, measured / seconds, messagesPerBatch));
        md.append("| thread | bytes / message | what it does |\n| --- | ---: | --- |\n");
        for (final Map.Entry<String, Long> e : after.entrySet())
        {
            final String name = e.getKey();
            if (!name.startsWith("chainmesh-") || name.startsWith("chainmesh-tick"))
            {
                continue;
            }
            final long bytes = e.getValue() - before.getOrDefault(name, 0L);
            md.append(String.format("| %s | %.2f | %s |%n", name, bytes / (double)measured, role(name)));
        }
        md.append("\nThe batcher's and verifier's bytes are Bouncy Castle's ECDSA arithmetic (BigIntegers), paid once per ")
            .append("batch and spread over its messages; the commit stages (replay window, retention, delivery, ")
            .append("forwarding) and the offer path allocate nothing per message. The tick thread (repair digests every ")
            .append("100 ms) is left out.\n\nReproduce: `java ... io.chainmesh.perf.pipeline.PipelineAllocation ")
            .append(measured).append("` (see perf/README.md).\n");
        nodes[0].close();
        nodes[1].close();
        Files.createDirectories(Path.of("perf/results"));
        Files.writeString(Path.of("perf/results/" + LocalDate.now() + "-pipeline-allocation.md"), md.toString());
        System.out.println(md);
    }

    private static void run(final BroadcastPipeline node, final UnsafeBuffer payload, final AtomicLong delivered, final long upTo)
    {
        long offered = delivered.get();
        while (offered < upTo)
        {
            payload.putLong(0, offered);
            if (node.offer(1, payload, 0, 64) >= 0)
            {
                offered++;
            }
            else
            {
                Thread.onSpinWait();
            }
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (delivered.get() < upTo && System.nanoTime() - deadline < 0)
        {
            Thread.onSpinWait();
        }
    }

    private static String role(final String name)
    {
        if (name.contains("batcher"))
        {
            return "packs and signs batches (A)";
        }
        if (name.contains("verify"))
        {
            return name.endsWith("-B") ? "verifies batch signatures (B)" : "idle: A receives nothing";
        }
        if (name.contains("commit"))
        {
            return name.endsWith("-A") ? "retains and forwards A's batches" : "replay check, retention, delivery (B)";
        }
        return "";
    }

    private static Map<String, Long> snapshot(final com.sun.management.ThreadMXBean threads)
    {
        final Map<String, Long> bytes = new LinkedHashMap<>();
        for (final java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds()))
        {
            if (null != info)
            {
                bytes.merge(info.getThreadName(), threads.getThreadAllocatedBytes(info.getThreadId()), Long::sum);
            }
        }
        return bytes;
    }

    /** An in-process link: copies the frame into the peer's ingress ring, as the Netty link does. */
    static final class Link implements LinkSender
    {
        private final MemberId[] peers;
        private final MemberId self;
        private final BroadcastPipeline[] nodes;
        private final int peerIndex;

        Link(final MemberId peer, final MemberId self, final BroadcastPipeline[] nodes, final int peerIndex)
        {
            this.peers = new MemberId[] {peer};
            this.self = self;
            this.nodes = nodes;
            this.peerIndex = peerIndex;
        }

        @Override
        public int send(final MemberId peer, final DirectBuffer frame, final int offset, final int length)
        {
            final BroadcastPipeline target = nodes[peerIndex];
            if (null == target)
            {
                return NOT_CONNECTED;
            }
            // Batches wait for room (lossless, as TCP would push back); control frames (digests) are refused
            // when the peer is full, as a full link queue would: both commit threads spinning on each other's
            // full ring would deadlock, which the real link (never blocking) cannot.
            final boolean batch = frame.getByte(offset + FrameDescriptor.TYPE_OFFSET) == FrameType.BATCH;
            while (!target.onFrame(self, frame, offset, length))
            {
                if (!batch)
                {
                    return BACK_PRESSURED;
                }
                Thread.onSpinWait();
            }
            return SENT;
        }

        @Override
        public void flush()
        {
        }

        @Override
        public MemberId[] connectedPeers()
        {
            return peers;
        }

        @Override
        public void closePeer(final MemberId peer, final CloseReason reason, final String text)
        {
        }
    }
}
