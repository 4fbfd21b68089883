package io.chainmesh.perf.capacity;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a JFR recording's CPU samples went: Java samples ({@code jdk.ExecutionSample}) by thread (numbers and
 * node names stripped, so {@code chainmesh-verify-0-x} counts as {@code chainmesh-verify}), by top frame and by the
 * first chainmesh frame on the stack; native samples ({@code jdk.NativeMethodSample}) by top frame.
 * <pre>
 * JfrSummary recording.jfr [top 15] [from epoch millis]
 * </pre>
 */
public final class JfrSummary
{
    private JfrSummary()
    {
    }

    /**
     * @param args the recording, then how many rows per table.
     * @throws IOException if it cannot be read.
     */
    public static void main(final String[] args) throws IOException
    {
        System.out.print(summarize(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 15,
            args.length > 2 ? java.time.Instant.ofEpochMilli(Long.parseLong(args[2])) : java.time.Instant.MIN));
    }

    /**
     * @param recording a JFR file.
     * @param top       rows per table.
     * @return the tables as text.
     * @throws IOException if it cannot be read.
     */
    public static String summarize(final Path recording, final int top) throws IOException
    {
        return summarize(recording, top, java.time.Instant.MIN);
    }

    /**
     * @param recording a JFR file.
     * @param top       rows per table.
     * @param from      samples before this instant are left out (start-up, warm-up).
     * @return the tables as text.
     * @throws IOException if it cannot be read.
     */
    public static String summarize(final Path recording, final int top, final java.time.Instant from) throws IOException
    {
        final Map<String, Integer> threads = new HashMap<>();
        final Map<String, Integer> topFrames = new HashMap<>();
        final Map<String, Integer> chainmeshFrames = new HashMap<>();
        final Map<String, Integer> nativeFrames = new HashMap<>();
        int javaSamples = 0;
        int nativeSamples = 0;
        for (final RecordedEvent event : RecordingFile.readAllEvents(recording))
        {
            if (event.getStartTime().isBefore(from))
            {
                continue;
            }
            final String type = event.getEventType().getName();
            final RecordedStackTrace stack = event.getStackTrace();
            if ("jdk.ExecutionSample".equals(type) && null != stack && !stack.getFrames().isEmpty())
            {
                javaSamples++;
                final RecordedThread thread = event.getThread("sampledThread");
                final String name = null == thread || null == thread.getJavaName() ? "?" : thread.getJavaName();
                threads.merge(name.replaceAll("-[0-9]+.*$|-[0-9a-f]{8,}.*$", ""), 1, Integer::sum);
                topFrames.merge(frame(stack.getFrames().get(0)), 1, Integer::sum);
                for (final RecordedFrame f : stack.getFrames())
                {
                    if (f.getMethod().getType().getName().startsWith("io.chainmesh."))
                    {
                        chainmeshFrames.merge(frame(f), 1, Integer::sum);
                        break;
                    }
                }
            }
            else if ("jdk.NativeMethodSample".equals(type) && null != stack && !stack.getFrames().isEmpty())
            {
                nativeSamples++;
                nativeFrames.merge(frame(stack.getFrames().get(0)), 1, Integer::sum);
            }
        }
        final StringBuilder out = new StringBuilder();
        out.append("Java samples: ").append(javaSamples).append('\n');
        table(out, "thread", threads, javaSamples, top);
        table(out, "top frame", topFrames, javaSamples, top);
        table(out, "first chainmesh frame", chainmeshFrames, javaSamples, top);
        out.append("native samples (threads in native code, incl. blocked in epoll/read): ").append(nativeSamples)
            .append('\n');
        table(out, "native top frame", nativeFrames, nativeSamples, top);
        return out.toString();
    }

    private static String frame(final RecordedFrame frame)
    {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static void table(
        final StringBuilder out, final String label, final Map<String, Integer> counts, final int total, final int top)
    {
        final List<Map.Entry<String, Integer>> rows = new ArrayList<>(counts.entrySet());
        rows.sort((a, b) -> Integer.compare(b.getValue(), a.getValue()));
        for (int i = 0; i < Math.min(top, rows.size()); i++)
        {
            out.append(String.format("  %-22s %5.1f%%  %s%n", label, 100.0 * rows.get(i).getValue() / Math.max(1, total),
                rows.get(i).getKey()));
        }
    }
}
