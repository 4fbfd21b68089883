package io.chainmesh.engine.broadcast;

import io.chainmesh.codec.control.Digest;
import io.chainmesh.codec.control.OriginProgress;
import io.chainmesh.codec.frame.FrameType;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Digest bytes per link per second at 64 and 13,047 members, as the commit stage encodes them: the
 * per-origin message form sent in full every interval (before) against packed changes only (after).
 * Deterministic byte counts, no timing. Prints the table recorded in perf/results.
 */
class DigestBytesTest
{
    /** Sequences start at an origin's clock in microseconds: 8-byte varints, as in a real run. */
    private static final long START = 1_765_000_000_000_000L;
    private static final int INTERVALS_PER_SECOND = 10;
    private static final int SECONDS = 2;

    /** Bytes one link carries per second in steady state (the first, full digest left out). */
    private record Figures(long before, long after, long firstFull)
    {
    }

    private static OriginStreams<String> streams(final int members)
    {
        final OriginStreams<String> streams = new OriginStreams<>(1024, new SeenWindows());
        for (int origin = 0; origin < members; origin++)
        {
            streams.getOrCreate(origin + 1).window.commit(START + origin * 7_919L);
        }
        return streams;
    }

    private static Figures measure(
        final OriginStreams<String> streams, final int activeOrigins, final int batchesPerSecondEach)
    {
        final RecordingOutbound out = new RecordingOutbound("peer");
        final ControlFrames<String> control = new ControlFrames<>(out, new ExpandableArrayBuffer());
        final DigestWriter<String> writer = new DigestWriter<>(out, control);
        final PeerProgress<String> progress = new PeerProgress<>(out);
        streams.forEachStream((originId, stream) -> stream.advertisedHighest = -1);
        writer.onInterval(streams, false, progress);
        final long firstFull = writer.bytesSent();
        long before = 0;
        for (int interval = 0; interval < SECONDS * INTERVALS_PER_SECOND; interval++)
        {
            for (int origin = 0; origin < activeOrigins; origin++)
            {
                // Spread each origin's batches evenly over the intervals of a second.
                final int due = (interval + 1) * batchesPerSecondEach / INTERVALS_PER_SECOND -
                    interval * batchesPerSecondEach / INTERVALS_PER_SECOND;
                for (int b = 0; b < due; b++)
                {
                    final ReplayWindow window = streams.get(origin + 1).window;
                    window.commit(window.highest() + 1);
                }
            }
            writer.onInterval(streams, false, progress);
            before += legacyDigestLength(streams, control);
        }
        return new Figures(before / SECONDS, (writer.bytesSent() - firstFull) / SECONDS, firstFull);
    }

    /** What every interval sent every peer before: one OriginProgress message per origin, all of them. */
    private static int legacyDigestLength(final OriginStreams<String> streams, final ControlFrames<String> control)
    {
        final Digest.Builder digest = Digest.newBuilder();
        streams.forEachStream((originId, stream) -> digest.addOrigins(OriginProgress.newBuilder().setOriginId(originId)
            .setContiguousSeq(stream.vouchedContiguous()).setHighestSeq(stream.window.highest())));
        return control.encode(FrameType.DIGEST, digest.build());
    }

    @Test
    void shouldSendDigestBytesThatFollowWhatChangesNotHowManyMembersThereAre()
    {
        final StringBuilder table = new StringBuilder()
            .append("| members | origins publishing | batches/s each | before B/s per link | after B/s per link | " +
                "after / before | first full digest (once per link) B |\n")
            .append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        final int[][] workloads = {{0, 0}, {16, 10}, {64, 10}};
        final long[][] after = new long[workloads.length][2];
        final int[] sizes = {64, 13_047};
        for (int s = 0; s < sizes.length; s++)
        {
            final OriginStreams<String> streams = streams(sizes[s]);
            for (int w = 0; w < workloads.length; w++)
            {
                final Figures figures = measure(streams, workloads[w][0], workloads[w][1]);
                after[w][s] = figures.after();
                table.append(String.format("| %,d | %d | %d | %,d | %,d | %.4f | %,d |%n", sizes[s], workloads[w][0],
                    workloads[w][1], figures.before(), figures.after(), (double)figures.after() / figures.before(),
                    figures.firstFull()));
            }
        }
        System.out.print(table);

        assertThat(after[0][0]).isZero();
        assertThat(after[0][1]).isZero();
        // Same changes, same bytes: independent of the number of members.
        assertThat(after[1][1]).isEqualTo(after[1][0]);
        assertThat(after[2][1]).isEqualTo(after[2][0]);
    }
}
