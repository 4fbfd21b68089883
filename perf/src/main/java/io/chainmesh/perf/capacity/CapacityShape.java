package io.chainmesh.perf.capacity;

import io.chainmesh.chain.DevnetChain;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;

import java.util.ArrayList;
import java.util.List;

/**
 * The directory both processes of a capacity run compute on their own, identically: a {@link DevnetChain} of
 * {@code members} members under {@code operators} keys (mainnet's shape by default: 13,047 members, 3,011 keys),
 * on 127.0.0.1, and the node under test at ring index {@code nodeRing}. Ring order does not depend on ports, so the
 * generator first builds the chain with placeholder ports ({@code basePort + i}, never bound, below the ephemeral
 * range), binds port 0 for each overlay neighbour of the node and for the node itself, and hands both processes the
 * resulting port of every member (a ports file). The other members are listed and never dialled.
 *
 * @param members   members listed.
 * @param operators distinct keys among them.
 * @param seed      devnet seed (keys, collaterals).
 * @param basePort  mesh port of member 0; below the ephemeral range so nothing else takes them.
 * @param nodeRing  ring index of the node under test.
 */
public record CapacityShape(int members, int operators, long seed, int basePort, int nodeRing)
{
    /** Mainnet's shape: 13,047 members under 3,011 keys. */
    public static CapacityShape mainnet()
    {
        return new CapacityShape(13_047, 3_011, 7, 2_005, 4_242);
    }

    /**
     * @return the chain (derives every operator key: ~1 s for mainnet's 3,011 on this machine).
     */
    public DevnetChain chain()
    {
        return new DevnetChain(new DevnetChain.Context().memberCount(members).operators(operators).seed(seed)
            .basePort(basePort));
    }

    /**
     * @param ports mesh port per member (chain) index.
     * @return the chain with those ports.
     */
    public DevnetChain chain(final int[] ports)
    {
        return new DevnetChain(new DevnetChain.Context().memberCount(members).operators(operators).seed(seed)
            .ports(ports));
    }

    /**
     * @param file a ports file: the ports separated by commas.
     * @return the ports.
     * @throws java.io.IOException if it cannot be read.
     */
    public static int[] readPorts(final java.nio.file.Path file) throws java.io.IOException
    {
        return java.util.Arrays.stream(java.nio.file.Files.readString(file).trim().split(","))
            .mapToInt(Integer::parseInt).toArray();
    }

    /**
     * @param file  where to write.
     * @param ports mesh port per member index.
     * @throws java.io.IOException if it cannot be written.
     */
    public static void writePorts(final java.nio.file.Path file, final int[] ports) throws java.io.IOException
    {
        java.nio.file.Files.writeString(file, java.util.Arrays.stream(ports).mapToObj(Integer::toString)
            .collect(java.util.stream.Collectors.joining(",")));
    }

    /**
     * @param chain the chain of this shape.
     * @param ring  a ring index of its snapshot.
     * @return the chain index of that member (its key: {@code chain.memberKey(index)}).
     */
    public static int chainIndex(final DevnetChain chain, final int ring)
    {
        final MemberId id = chain.current().member(ring).id();
        return chain.indexOf(id);
    }

    /**
     * @return the arguments that rebuild this shape in {@link #parse(String[])}.
     */
    public List<String> toArgs()
    {
        final List<String> args = new ArrayList<>();
        args.add("--members");
        args.add(Integer.toString(members));
        args.add("--operators");
        args.add(Integer.toString(operators));
        args.add("--seed");
        args.add(Long.toString(seed));
        args.add("--base-port");
        args.add(Integer.toString(basePort));
        args.add("--node-ring");
        args.add(Integer.toString(nodeRing));
        return args;
    }

    /**
     * @param args command-line arguments (unknown ones are ignored).
     * @return the shape they name, mainnet's for the ones left out.
     */
    public static CapacityShape parse(final String[] args)
    {
        final CapacityShape d = mainnet();
        return new CapacityShape(intArg(args, "--members", d.members), intArg(args, "--operators", d.operators),
            intArg(args, "--seed", (int)d.seed), intArg(args, "--base-port", d.basePort),
            intArg(args, "--node-ring", d.nodeRing));
    }

    static int intArg(final String[] args, final String name, final int fallback)
    {
        for (int i = 0; i < args.length - 1; i++)
        {
            if (args[i].equals(name))
            {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }

    static String stringArg(final String[] args, final String name, final String fallback)
    {
        for (int i = 0; i < args.length - 1; i++)
        {
            if (args[i].equals(name))
            {
                return args[i + 1];
            }
        }
        return fallback;
    }

    /**
     * @param snapshot the snapshot.
     * @return the ring index of the node under test, checked against the snapshot's size.
     */
    public int nodeRing(final DirectorySnapshot snapshot)
    {
        if (nodeRing < 0 || nodeRing >= snapshot.size())
        {
            throw new IllegalArgumentException("--node-ring " + nodeRing + " outside 0.." + (snapshot.size() - 1));
        }
        return nodeRing;
    }
}
