package io.chainmesh.node;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.DataFormatException;

/**
 * The line protocol between {@code chainmesh devnet --processes} and its {@code devnet-member} children.
 * <p>
 * Parent to child, on the child's stdin, one command a line: {@code start}, {@code ack <delivered> <window>}
 * (closed-loop pacing for {@code --rate 0}), {@code stop}, {@code finish}, and with link faults
 * {@code partition <groups>} ({@link FaultPlan} syntax, {@code 0-3|4-7}) and {@code heal}. The child treats the end of its
 * stdin as the parent's death and exits.
 * <p>
 * Child to parent, on its stdout, one JSON object a line with a {@code type}: {@code ready}, {@code progress}
 * (every {@link #REPORT_INTERVAL_MS} ms), {@code stopped}, {@code final}, {@code error}. Lines are bounded
 * ({@link #MAX_CHILD_LINE} bytes, {@link #MAX_PARENT_LINE} the other way); a longer line is a protocol error,
 * not something to buffer. Latency histograms travel as base64 of HdrHistogram's compressed encoding.
 */
final class MemberChannel
{
    /** Longest line a child may write (a final report with a full latency histogram fits easily). */
    static final int MAX_CHILD_LINE = 512 * 1024;
    /** Longest command line the parent writes. */
    static final int MAX_PARENT_LINE = 256;
    /** How often a child reports progress. */
    static final long REPORT_INTERVAL_MS = 100;
    /** Largest histogram accepted from a child, decoded. */
    private static final int MAX_HISTOGRAM_BYTES = 256 * 1024;

    /** JSON with the nesting depth bounded: children are separate processes, their output is input. */
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).maxStringLength(MAX_CHILD_LINE).build())
        .build());

    private MemberChannel()
    {
    }

    /**
     * Reads one {@code \n}-terminated UTF-8 line of at most {@code max} bytes (a trailing {@code \r} dropped).
     *
     * @param in  the stream.
     * @param max longest line accepted.
     * @return the line, or null at the end of the stream.
     * @throws IOException on a read error, or a line longer than {@code max} (the rest is not read).
     */
    static String readLine(final InputStream in, final int max) throws IOException
    {
        final ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true)
        {
            final int b = in.read();
            if (b < 0)
            {
                return line.size() == 0 ? null : decode(line);
            }
            if (b == '\n')
            {
                return decode(line);
            }
            if (line.size() >= max)
            {
                throw new IOException("line longer than " + max + " bytes");
            }
            line.write(b);
        }
    }

    private static String decode(final ByteArrayOutputStream line)
    {
        final String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    static String encode(final Histogram histogram)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
    }

    static Histogram decode(final String base64)
    {
        final byte[] bytes = Base64.getDecoder().decode(base64);
        if (bytes.length > MAX_HISTOGRAM_BYTES)
        {
            throw new IllegalArgumentException("histogram of " + bytes.length + " bytes exceeds " + MAX_HISTOGRAM_BYTES);
        }
        try
        {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
        }
        catch (final DataFormatException | RuntimeException ex)
        {
            throw new IllegalArgumentException("malformed histogram: " + ex, ex);
        }
    }
}
