package io.chainmesh.chain;

import io.chainmesh.codec.crypto.NodeKey;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the seed inputs of {@link ChainFuzzTest}: node lists in the fluxd {@code viewdeterministiczelnodelist}
 * entry format and as {@link FluxdNodeListWriter} writes them (array and RPC envelope), endpoints of every
 * accepted form and a {@code flux.conf}. Run from the repository root after a format change and commit the
 * files (the README's fuzzing section has the command).
 */
public final class ChainFuzzSeeds
{
    private ChainFuzzSeeds()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final Path root = Paths.get(args.length > 0 ? args[0] : "chain-adapter/src/test/resources")
            .resolve("io/chainmesh/chain/ChainFuzzTestInputs");
        final String fluxd = "[" + fluxdEntry(1, "1.2.3.4:16127", 0) + "," + fluxdEntry(2, "[::1]:16137", 1) + "," +
            fluxdEntry(3, "2001:db8::1", 0) + "]";
        final List<Member> members = new ArrayList<>();
        for (int i = 1; i <= 3; i++)
        {
            members.add(new Member(MemberId.of(String.format("%064x", 1000 + i), i), NodeKey.fromHex(String.format("%064x", 100 + i)).publicKey(),
                new Endpoint("10.0.0." + i, 16127), Tier.CUMULUS, 5, 12, 13, 0,
                "t1abc", i));
        }
        final byte[] array = FluxdNodeListWriter.toJsonArray(members);
        final ByteArrayOutputStream envelope = new ByteArrayOutputStream();
        FluxdNodeListWriter.writeEnvelope(42, members, envelope);

        write(root, "nodeListParser", "fluxd-entries", utf8(fluxd));
        write(root, "nodeListParser", "writer-array", array);
        write(root, "nodeListParser", "writer-envelope", envelope.toByteArray());
        write(root, "nodeListParser", "duplicate-and-bad", utf8("[" + fluxdEntry(1, "1.2.3.4", 0) + "," +
            fluxdEntry(1, "1.2.3.5", 1) + "," + fluxdEntry(4, "node.example", 0) + ",7]"));

        write(root, "jsonFileSource", "envelope-then-array", concat(envelope.toByteArray(), new byte[] {0}, array));
        write(root, "jsonFileSource", "fluxd-then-broken", concat(utf8(fluxd), new byte[] {0}, utf8("[{\"pubkey\":")));

        for (final String ip : new String[] {"1.2.3.4", "1.2.3.4:16127", "[::1]:16127", "[::1]", "2001:db8::1",
            "abc.onion:80", "node.example"})
        {
            write(root, "endpointParser", ip.replaceAll("[^0-9a-z]", "_"), utf8(ip));
        }
        write(root, "fluxConf", "flux.conf", utf8("# flux daemon\nrpcuser=flux\nrpcpassword=secret # trailing\r\n" +
            "rpcport=16124\nrpcallowip=127.0.0.1\n=novalue\nlistonly\n"));
    }

    private static String fluxdEntry(final int key, final String ip, final int outidx)
    {
        final String txhash = String.format("%064x", 1000 + key);
        final String pubkey = NodeKey.fromHex(String.format("%064x", 100 + key)).publicKey().toHex();
        return "{\"collateral\":\"COutPoint(" + txhash + ", " + outidx + ")\",\"txhash\":\"" + txhash +
            "\",\"outidx\":\"" + outidx + "\",\"ip\":\"" + ip + "\",\"network\":\"ipv4\",\"added_height\":5" +
            ",\"confirmed_height\":\"12\",\"last_confirmed_height\":13,\"last_paid_height\":0,\"tier\":\"CUMULUS\"," +
            "\"payment_address\":\"t1abc\",\"pubkey\":\"" + pubkey + "\",\"activesince\":\"1700000000\",\"lastpaid\":\"0\",\"rank\":3}";
    }

    private static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static void write(final Path root, final String target, final String name, final byte[] bytes)
        throws IOException
    {
        final Path dir = root.resolve(target);
        Files.createDirectories(dir);
        Files.write(dir.resolve("seed-" + name), bytes);
    }
}
