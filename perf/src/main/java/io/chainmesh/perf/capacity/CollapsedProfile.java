package io.chainmesh.perf.capacity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads an async-profiler CPU profile written as collapsed stacks with thread names ({@code [thread tid=N];frame;...
 * count}) and says where the CPU went: per thread group, per kind of work (by the frame that was running: signature
 * verification, AES-GCM, SHA-256, the kernel, copies, thread hand-offs, JIT, GC, the rest) and the top frames.
 */
public final class CollapsedProfile
{
    /** Kinds of work, in the order a sample's running frame is tested against them. */
    static final String JIT = "JIT compiler threads";
    static final String GC = "GC and VM threads";
    static final String VERIFY = "ECDSA verify (libsecp256k1)";
    static final String AEAD = "AES-GCM (record layer)";
    static final String SHA = "SHA-256 (batch hash)";
    static final String KERNEL = "kernel (socket calls, TCP, scheduling)";
    static final String COPY = "memory copies and fills";
    static final String HANDOFF = "thread hand-offs (park, wake)";
    static final String OTHER = "other Java and native (engine, Netty, JDK)";

    private static final Pattern THREAD_SUFFIX = Pattern.compile("([-#][0-9a-f]+|[0-9]+)+$");

    private CollapsedProfile()
    {
    }

    /**
     * @param file   collapsed stacks with thread names.
     * @param mapper for the result.
     * @return {@code samples}, {@code kinds} (share of samples per kind of work), {@code threads} (share per thread
     *         group) and {@code top} (the running frames with the most samples, with their shares).
     * @throws IOException if the file cannot be read.
     */
    public static ObjectNode summarize(final Path file, final ObjectMapper mapper) throws IOException
    {
        final Map<String, Long> kinds = new LinkedHashMap<>();
        for (final String kind : new String[]{ VERIFY, AEAD, SHA, KERNEL, COPY, HANDOFF, OTHER, JIT, GC })
        {
            kinds.put(kind, 0L);
        }
        final Map<String, Long> threads = new LinkedHashMap<>();
        final Map<String, Long> frames = new LinkedHashMap<>();
        long total = 0;
        for (final String line : Files.readAllLines(file))
        {
            final int space = line.lastIndexOf(' ');
            if (space < 0)
            {
                continue;
            }
            final long count;
            try
            {
                count = Long.parseLong(line.substring(space + 1).trim());
            }
            catch (final NumberFormatException ex)
            {
                continue;
            }
            final String[] stack = line.substring(0, space).split(";");
            final String thread = threadGroup(stack[0]);
            final String running = stack[stack.length - 1];
            total += count;
            threads.merge(thread, count, Long::sum);
            frames.merge(running, count, Long::sum);
            kinds.merge(kind(thread, stack), count, Long::sum);
        }
        final ObjectNode result = mapper.createObjectNode();
        result.put("samples", total);
        final ObjectNode kindShares = result.putObject("kinds");
        for (final Map.Entry<String, Long> e : kinds.entrySet())
        {
            kindShares.put(e.getKey(), share(e.getValue(), total));
        }
        final long all = total;
        final ObjectNode threadShares = result.putObject("threads");
        threads.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(8)
            .forEach(e -> threadShares.put(e.getKey(), share(e.getValue(), all)));
        final ObjectNode top = result.putObject("top");
        frames.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(20)
            .forEach(e -> top.put(e.getKey(), share(e.getValue(), all)));
        return result;
    }

    /**
     * @param summary          a {@link #summarize} result.
     * @param microsPerMessage the node's CPU per delivered message over the same window.
     * @return the summary as text: each kind of work's share and its part of the CPU per message, the thread groups
     *         and the top frames.
     */
    public static String text(final ObjectNode summary, final double microsPerMessage)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "samples: %,d (one per 0.5 ms of CPU)%n",
            summary.path("samples").asLong()));
        sb.append(String.format(Locale.ROOT, "%-45s %7s %12s%n", "kind of work (by the running frame)", "share",
            "µs per msg"));
        summary.path("kinds").properties().forEach(e -> sb.append(String.format(Locale.ROOT, "%-45s %6.1f%% %12.3f%n",
            e.getKey(), 100 * e.getValue().asDouble(), e.getValue().asDouble() * microsPerMessage)));
        sb.append("threads:\n");
        summary.path("threads").properties().forEach(e -> sb.append(String.format(Locale.ROOT, "  %6.1f%%  %s%n",
            100 * e.getValue().asDouble(), e.getKey())));
        sb.append("running frames:\n");
        summary.path("top").properties().forEach(e -> sb.append(String.format(Locale.ROOT, "  %6.1f%%  %s%n",
            100 * e.getValue().asDouble(), e.getKey())));
        return sb.toString();
    }

    static String threadGroup(final String threadFrame)
    {
        String name = threadFrame.startsWith("[") ? threadFrame.substring(1) : threadFrame;
        final int tid = name.indexOf(" tid=");
        if (tid >= 0)
        {
            name = name.substring(0, tid);
        }
        if (name.endsWith("]"))
        {
            name = name.substring(0, name.length() - 1);
        }
        return THREAD_SUFFIX.matcher(name.trim()).replaceAll("");
    }

    static String kind(final String thread, final String[] stack)
    {
        final String running = stack[stack.length - 1];
        if (thread.startsWith("C1 Compiler") || thread.startsWith("C2 Compiler"))
        {
            return JIT;
        }
        if (thread.startsWith("GC Thread") || thread.startsWith("G1 ") || thread.startsWith("VM Thread"))
        {
            return GC;
        }
        // The codec extracts libsecp256k1 to a temporary file and deletes it once loaded: its frames then carry
        // only the library's path.
        if (running.startsWith("secp256k1_") || running.contains("libsecp256k1"))
        {
            return VERIFY;
        }
        if (running.contains("counterMode_AESCrypt") || running.contains("ghash_") || running.contains("aescrypt") ||
            running.contains("GHASH") || running.contains("GaloisCounterMode") || running.contains("GCTR") ||
            running.contains("CounterMode"))
        {
            return AEAD;
        }
        if (running.contains("sha256") || running.contains("SHA2") || running.contains("DigestBase"))
        {
            return SHA;
        }
        if (running.endsWith("_[k]"))
        {
            // The kernel parking or waking a thread is a hand-off, not socket work.
            return parksOrWakes(stack) ? HANDOFF : KERNEL;
        }
        if (running.contains("arraycopy") || running.contains("copyMemory") || running.contains("memmove") ||
            running.contains("memcpy") || running.contains("memset") || running.contains("fill_to_memory"))
        {
            return COPY;
        }
        if (running.contains("futex") || running.contains("Unsafe.park") || running.contains("Unsafe.unpark") ||
            running.contains("pthread_cond") || running.contains("lll_lock"))
        {
            return HANDOFF;
        }
        return OTHER;
    }

    private static boolean parksOrWakes(final String[] stack)
    {
        for (final String frame : stack)
        {
            if (frame.contains("futex") || frame.contains("Unsafe.park") || frame.contains("Unsafe.unpark"))
            {
                return true;
            }
        }
        return false;
    }

    private static double share(final long count, final long total)
    {
        return total == 0 ? 0 : (double)count / total;
    }
}
