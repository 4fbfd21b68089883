package io.chainmesh.perf.chain;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.FluxdNodeListParser;
import io.chainmesh.chain.MainnetShapedList;
import io.chainmesh.chain.ParseResult;
import io.chainmesh.engine.overlay.OverlayTopology;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * The node list at Flux mainnet's shape ({@link MainnetShapedList}: 13,047 entries under 3,011 keys, half of
 * them uncompressed, IPv6, UPnP ports, 6 entries without address), from the raw JSON bytes of fluxd's
 * {@code viewdeterministicfluxnodelist} answer:
 * <ul>
 *   <li>{@code cold}: parse + validate + order with a fresh parser, so every distinct key is decompressed and
 *   checked on the curve: the first poll after start (goal ≤ 300 ms);</li>
 *   <li>{@code warm}: the same with a parser that saw the list before, so keys come from its cache: every later
 *   poll, since fluxd's list changes by a few entries per block (goal ≤ 50 ms);</li>
 *   <li>{@code overlay}: {@link OverlayTopology#of} over the ordered snapshot: targets and expected inbound links
 *   of every member, what each node computes on every new snapshot.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class NodeListParseBenchmark
{
    /** Entries in the generated list. */
    @Param("13047")
    public int entries;

    /** Distinct public keys among them. */
    @Param("3011")
    public int keys;

    private byte[] json;
    private FluxdNodeListParser warmParser;
    private DirectorySnapshot snapshot;

    /**
     * Generates the list and primes the warm parser.
     */
    @Setup
    public void setUp()
    {
        final MainnetShapedList list = MainnetShapedList.generate(entries, keys, 6, 4, 1);
        json = list.json();
        warmParser = new FluxdNodeListParser();
        final ParseResult result = warmParser.parse(json, 0, json.length);
        snapshot = result.toSnapshot(1);
        if (snapshot.size() != list.expectedMembers())
        {
            throw new IllegalStateException("generated list parsed to " + snapshot.size() + " members, expected " +
                list.expectedMembers() + ": " + result.rejectionCounts());
        }
    }

    /**
     * @return the ordered snapshot from a fresh parser (every key decompressed).
     */
    @Benchmark
    public DirectorySnapshot cold()
    {
        return new FluxdNodeListParser().parse(json, 0, json.length).toSnapshot(1);
    }

    /**
     * @return the ordered snapshot from a parser that saw the same list before.
     */
    @Benchmark
    public DirectorySnapshot warm()
    {
        return warmParser.parse(json, 0, json.length).toSnapshot(1);
    }

    /**
     * @return the overlay of the whole snapshot.
     */
    @Benchmark
    public OverlayTopology overlay()
    {
        return OverlayTopology.of(snapshot, 2);
    }
}
