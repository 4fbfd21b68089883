package io.chainmesh.perf.capacity;

import io.chainmesh.chain.DevnetChain;
import io.chainmesh.chain.Member;
import io.chainmesh.codec.crypto.EcdsaVerifier;
import io.chainmesh.codec.crypto.Libsecp256k1;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.ChannelCipher;
import io.chainmesh.engine.broadcast.BroadcastCounters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node under test of a capacity run, alone in its JVM: one chainmesh member of a {@link CapacityShape}
 * directory, launched through the public {@link ChainmeshNode} API with the engine's defaults (encrypted links,
 * tree broadcast, libsecp256k1 where it loads), subscribed to the run's topic. The generator drives it over
 * stdin, one command a line, and reads one JSON line per answer on stdout:
 * <ul>
 *   <li>{@code delivered}: the messages delivered so far, a bare number (the generator's window);</li>
 *   <li>{@code stats}: delivered messages, this process's CPU time, links, engine and broadcast counters;</li>
 *   <li>{@code profile start}, {@code profile stop FILE}: samples this process's CPU with async-profiler between
 *       the two, written as collapsed stacks per thread ({@code {"profile":...}}, or the reason it cannot);</li>
 *   <li>{@code exit}: closes the node and exits 0.</li>
 * </ul>
 * It prints {@code {"ready":...}} once launched (with the verifier provider that runs).
 * <pre>
 * CapacityNode [CapacityShape args] --ports-file FILE [--topic 7] [--verify-workers 1] [--cipher AES_GCM|PLAINTEXT]
 * </pre>
 */
public final class CapacityNode
{
    /** One sample per half millisecond of CPU: ~2,000 samples a second per busy core. */
    private static final long PROFILE_INTERVAL_NANOS = 500_000;

    private CapacityNode()
    {
    }

    /**
     * @param args see the class comment.
     * @throws Exception if the node cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        final PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
            StandardCharsets.UTF_8);
        final CapacityShape shape = CapacityShape.parse(args);
        final int topic = CapacityShape.intArg(args, "--topic", 7);
        final int verifyWorkers = CapacityShape.intArg(args, "--verify-workers", 1);
        final ChannelCipher cipher = ChannelCipher.valueOf(
            CapacityShape.stringArg(args, "--cipher", ChannelCipher.AES_GCM.name()));
        final DevnetChain chain = shape.chain(CapacityShape.readPorts(
            java.nio.file.Path.of(CapacityShape.stringArg(args, "--ports-file", "ports.txt"))));
        final int ring = shape.nodeRing(chain.current());
        final int index = CapacityShape.chainIndex(chain, ring);
        final Member self = chain.current().member(ring);
        final AtomicLong delivered = new AtomicLong();
        final ChainmeshNode.Context ctx = new ChainmeshNode.Context()
            .nodeKey(chain.memberKey(index))
            .member(self.id())
            .directorySource(chain)
            .bindAddress(new InetSocketAddress("127.0.0.1", self.meshEndpoint().port()))
            .channelCipher(cipher);
        ctx.broadcast().verifyWorkers(verifyWorkers);
        try (ChainmeshNode node = ChainmeshNode.launch(ctx))
        {
            // The commit thread is the only writer: a plain increment published with an ordered store.
            final AutoCloseable subscription = node.subscribe(topic,
                (originId, t, buffer, offset, length) -> delivered.lazySet(delivered.get() + 1));
            out.println("{\"ready\":true,\"port\":" + node.localAddress().getPort() + ",\"member\":\"" + self.id() +
                "\",\"ringIndex\":" + ring + ",\"verifier\":\"" + EcdsaVerifier.preferred().provider() +
                "\",\"nativeLoadFailure\":" + quote(Libsecp256k1.loadFailure()) + ",\"verifyWorkers\":" + verifyWorkers +
                ",\"pid\":" + ProcessHandle.current().pid() + "}");
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while (null != (line = in.readLine()))
            {
                if ("delivered".equals(line.trim()))
                {
                    out.println(delivered.get());
                }
                else if ("stats".equals(line.trim()))
                {
                    out.println(stats(node, delivered.get()));
                }
                else if (line.startsWith("profile "))
                {
                    out.println(profile(line.substring("profile ".length()).trim()));
                }
                else if ("exit".equals(line.trim()))
                {
                    break;
                }
            }
            subscription.close();
        }
    }

    private static String stats(final ChainmeshNode node, final long delivered)
    {
        final BroadcastCounters b = node.broadcastCounters();
        long gcMillis = 0;
        long gcCount = 0;
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
        {
            gcMillis += Math.max(0, gc.getCollectionTime());
            gcCount += Math.max(0, gc.getCollectionCount());
        }
        final long cpuNanos = ((com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
        return "{\"nanoTime\":" + System.nanoTime() + ",\"delivered\":" + delivered + ",\"cpuNanos\":" + cpuNanos +
            ",\"peers\":" + node.peers().stream().filter(p -> "ACTIVE".equals(String.valueOf(p.state()))).count() +
            ",\"bytesOut\":" + node.counters().bytesOut().get() + ",\"bytesIn\":" + node.counters().bytesIn().get() +
            ",\"framesOut\":" + node.counters().framesOut().get() +
            ",\"batchesCommitted\":" + b.batchesCommitted() + ",\"batchesForwarded\":" + b.batchesForwarded() +
            ",\"messagesDelivered\":" + b.messagesDelivered() + ",\"duplicates\":" + b.duplicates() +
            ",\"forged\":" + b.forged() + ",\"malformed\":" + b.malformed() + ",\"notAMember\":" + b.notAMember() +
            ",\"outsideTimeWindow\":" + b.outsideTimeWindow() + ",\"forwardsSkipped\":" + b.forwardsSkipped() +
            ",\"wantsSent\":" + b.wantsSent() + ",\"ingressFull\":" + b.ingressFull() +
            ",\"gcMillis\":" + gcMillis + ",\"gcCount\":" + gcCount + "}";
    }

    /**
     * {@code start} samples this process's CPU with async-profiler (every thread, native and kernel frames
     * included); {@code stop FILE} writes the samples since as collapsed stacks with thread names.
     */
    private static String profile(final String command)
    {
        try
        {
            final one.profiler.AsyncProfiler profiler = one.profiler.AsyncProfiler.getInstance();
            final String answer = "start".equals(command) ?
                profiler.execute("start,event=cpu,interval=" + PROFILE_INTERVAL_NANOS + ",threads") :
                profiler.execute("stop,file=" + command.substring("stop ".length()) + ",collapsed");
            return "{\"profile\":" + quote(answer.trim()) + "}";
        }
        catch (final Throwable ex)
        {
            // Another platform, or perf events refused: the run goes on unprofiled and says why.
            return "{\"profile\":null,\"profileFailure\":" + quote(ex.toString()) + "}";
        }
    }

    private static String quote(final String text)
    {
        return null == text ? "null" : "\"" + text.replace("\\", "\\\\").replace("\"", "'") + "\"";
    }
}
