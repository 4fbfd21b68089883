package io.chainmesh.chain;

import io.chainmesh.codec.Hex;
import io.chainmesh.codec.crypto.NodeKey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Generates a {@code viewdeterministicfluxnodelist} answer shaped like Flux mainnet's, for tests and benchmarks
 * of list handling at the real scale: by default 13,047 entries under 3,011 public keys (operators list many
 * nodes under one key, a few operators very many), half the keys written uncompressed ({@code 04...}), about
 * 2 % IPv6 addresses, UPnP nodes on API ports 16127..16197 behind shared IPv4 addresses, 6 entries with an
 * empty {@code ip}, a few entries repeating an earlier socket address, ties on {@code added_height}, and the
 * entries in no particular order. Deterministic for a seed.
 *
 * @param json                the list as JSON bytes (a bare array).
 * @param entries             number of entries written.
 * @param distinctKeys        number of distinct public keys among them.
 * @param withoutAddress      entries with an empty {@code ip}: {@link RejectReason#NO_ADDRESS}.
 * @param duplicateEndpoints  entries at an earlier entry's socket address: {@link RejectReason#DUPLICATE_ENDPOINT}.
 */
public record MainnetShapedList(byte[] json, int entries, int distinctKeys, int withoutAddress, int duplicateEndpoints)
{
    /** Entries in the mainnet fetch FluxOS's sources describe. */
    public static final int MAINNET_ENTRIES = 13_047;
    /** Distinct public keys in that fetch. */
    public static final int MAINNET_KEYS = 3_011;
    /** Entries without an address in that fetch. */
    public static final int MAINNET_WITHOUT_ADDRESS = 6;

    private static final int[] UPNP_API_PORTS = {16127, 16137, 16147, 16157, 16167, 16177, 16187, 16197};

    /**
     * @return the mainnet shape with 4 repeated socket addresses, seed 1.
     */
    public static MainnetShapedList mainnet()
    {
        return generate(MAINNET_ENTRIES, MAINNET_KEYS, MAINNET_WITHOUT_ADDRESS, 4, 1);
    }

    /**
     * @param entries            how many entries.
     * @param keys               how many distinct keys ({@code <= entries}).
     * @param withoutAddress     how many entries have an empty {@code ip}.
     * @param duplicateEndpoints how many entries repeat an earlier entry's socket address.
     * @param seed               seed for keys, hashes, addresses and order.
     * @return the list.
     */
    public static MainnetShapedList generate(
        final int entries, final int keys, final int withoutAddress, final int duplicateEndpoints, final long seed)
    {
        if (keys < 1 || keys > entries || withoutAddress + duplicateEndpoints > entries / 2)
        {
            throw new IllegalArgumentException("entries=" + entries + " keys=" + keys + " withoutAddress=" +
                withoutAddress + " duplicateEndpoints=" + duplicateEndpoints + " do not fit");
        }
        final Random random = new Random(seed);
        final String[] keyHex = new String[keys];
        for (int k = 0; k < keys; k++)
        {
            final NodeKey key = NodeKey.fromBytes(sha256(seed, "key", k));
            keyHex[k] = k % 2 == 0 ? key.publicKey().toHex() :
                Hex.encode(key.publicKey().publicKeyParameters().getQ().getEncoded(false));
        }
        final List<String> items = new ArrayList<>(entries);
        final List<String> addresses = new ArrayList<>(entries);
        for (int i = 0; i < entries; i++)
        {
            // Skewed: a few operators hold very many nodes, most hold a handful.
            final int operator = i < keys ? i : (int)(keys * Math.pow(random.nextDouble(), 3));
            final String ip;
            if (i >= entries - withoutAddress)
            {
                ip = "";
            }
            else if (i >= entries - withoutAddress - duplicateEndpoints)
            {
                ip = addresses.get(random.nextInt(addresses.size()));
            }
            else
            {
                ip = address(i);
                addresses.add(ip);
            }
            final String txHash = Hex.encode(sha256(seed, "tx", i));
            final long added = 1_000_000 + i / 3;
            items.add("{\"collateral\":\"COutPoint(" + txHash + ", " + (i % 2) + ")\",\"txhash\":\"" + txHash +
                "\",\"outidx\":\"" + (i % 2) + "\",\"ip\":\"" + ip + "\",\"network\":\"" +
                (ip.indexOf('[') >= 0 ? "ipv6" : "ipv4") + "\",\"added_height\":" + added + ",\"confirmed_height\":" +
                (added + 2) + ",\"last_confirmed_height\":" + (added + 900) + ",\"last_paid_height\":" + (added + 1500) +
                ",\"tier\":\"" + Tier.values()[i % 3] + "\",\"payment_address\":\"t1" + txHash.substring(0, 33) +
                "\",\"pubkey\":\"" + keyHex[operator] + "\",\"activesince\":\"1700000000\",\"lastpaid\":\"1700001000\"," +
                "\"rank\":" + i + "}");
        }
        Collections.shuffle(items, random);
        return new MainnetShapedList(("[" + String.join(",", items) + "]").getBytes(StandardCharsets.US_ASCII),
            entries, keys, withoutAddress, duplicateEndpoints);
    }

    private static String address(final int i)
    {
        if (i % 50 == 0)
        {
            return "[2001:db8:" + Integer.toHexString(i >>> 16) + "::" + Integer.toHexString(i & 0xFFFF) + "]:16127";
        }
        // Groups of up to 8 nodes behind one IPv4 address on the UPnP API ports; every 5th node plain, no port.
        final int host = i / 8;
        final String ipv4 = (11 + (host >>> 16) % 200) + "." + ((host >>> 8) & 0xFF) + "." + (host & 0xFF) + "." +
            "1";
        return i % 5 == 0 && i % 8 == 0 ? ipv4 : ipv4 + ":" + UPNP_API_PORTS[i % 8];
    }

    private static byte[] sha256(final long seed, final String label, final int index)
    {
        try
        {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((seed + "/" + label + "/" + index).getBytes(StandardCharsets.US_ASCII));
            return digest.digest();
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 unavailable", ex);
        }
    }

    /**
     * @return entries that become members: all but those without an address and the repeated endpoints.
     */
    public int expectedMembers()
    {
        return entries - withoutAddress - duplicateEndpoints;
    }
}
