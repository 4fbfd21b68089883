package io.chainmesh.perf.chain;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.FluxdNodeListParser;
import io.chainmesh.chain.FluxdNodeListWriter;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.Hex;
import io.chainmesh.codec.crypto.NodeId;
import io.chainmesh.codec.crypto.NodeKey;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Parse + validate + order a fluxd {@code viewdeterministicfluxnodelist} answer of 20,000 entries (about
 * mainnet's size), from the raw JSON bytes to an ordered {@link DirectorySnapshot}.
 * <ul>
 *   <li>{@code cold}: a fresh parser, so every public key is decompressed and checked on the curve — the
 *   first poll after start;</li>
 *   <li>{@code warm}: one parser reused, so keys seen in the previous list are taken from its cache —
 *   every later poll (fluxd's list changes by a few entries per block);</li>
 *   <li>{@code decodeKeysOnly}: just {@code NodeId.fromHex} over the 20,000 keys, the cost that dominates
 *   {@code cold}.</li>
 * </ul>
 * The list is generated in {@code @Setup}: ~95% IPv4 with port, some without port, some IPv6, ties on
 * {@code added_height}, shuffled input order.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class NodeListParseBenchmark
{
    /** Number of entries in the generated list. */
    @Param("20000")
    public int entries;

    private byte[] json;
    private String[] pubkeys;
    private FluxdNodeListParser warmParser;

    /**
     * Generates the list (deterministic keys, shuffled) and primes the warm parser.
     *
     * @throws Exception if SHA-256 is unavailable.
     */
    @Setup
    public void setUp() throws Exception
    {
        final Random random = new Random(42);
        final MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        final List<Member> members = new ArrayList<>(entries);
        pubkeys = new String[entries];
        for (int i = 0; i < entries; i++)
        {
            final byte[] seed = ByteBuffer.allocate(8).putInt(0x5eed).putInt(i).array();
            final NodeKey key = NodeKey.fromBytes(sha256.digest(seed));
            final String txHash = Hex.encode(sha256.digest(ByteBuffer.allocate(8).putInt(0x7a).putInt(i).array()));
            final Endpoint endpoint = i % 50 == 0 ?
                new Endpoint("2001:db8::" + Integer.toHexString(i), 16127) :
                new Endpoint((10 + random.nextInt(200)) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." +
                    (1 + random.nextInt(254)), i % 7 == 0 ? FluxdNodeListParser.DEFAULT_FLUXOS_PORT : 16100 + random.nextInt(100));
            final long added = 1_000_000 + i / 4;
            members.add(new Member(MemberId.of(txHash, i % 3), key.nodeId(), endpoint, Tier.values()[i % 3], added, added + 2,
                added + 900, added + 1500, "t1" + txHash.substring(0, 33), i));
            pubkeys[i] = key.nodeId().toHex();
        }
        Collections.shuffle(members, random);
        json = FluxdNodeListWriter.toJsonArray(members);
        warmParser = new FluxdNodeListParser();
        final DirectorySnapshot check = warmParser.parse(json, 0, json.length).toSnapshot(1);
        if (check.size() != entries)
        {
            throw new IllegalStateException("generated list parsed to " + check.size() + " members, expected " + entries);
        }
    }

    /**
     * @return the ordered snapshot from a fresh parser (all keys decompressed).
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
     * @param blackhole consumes the ids.
     */
    @Benchmark
    public void decodeKeysOnly(final Blackhole blackhole)
    {
        for (final String pubkey : pubkeys)
        {
            blackhole.consume(NodeId.fromHex(pubkey));
        }
    }
}
