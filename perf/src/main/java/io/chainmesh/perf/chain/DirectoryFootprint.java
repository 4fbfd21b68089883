package io.chainmesh.perf.chain;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.FluxdNodeListParser;
import io.chainmesh.chain.MainnetShapedList;
import io.chainmesh.engine.overlay.OverlayTopology;

/**
 * Heap retained per member by a {@link DirectorySnapshot} of the mainnet-shaped list and by its
 * {@link OverlayTopology}: builds {@code copies} of each, measures used heap after full collections before and
 * after, and divides. Run: {@code java -cp <perf classpath> io.chainmesh.perf.chain.DirectoryFootprint [copies]}.
 */
public final class DirectoryFootprint
{
    private DirectoryFootprint()
    {
    }

    /**
     * @param args optional number of copies (default 8).
     */
    public static void main(final String[] args)
    {
        final int copies = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        final MainnetShapedList list = MainnetShapedList.mainnet();
        final DirectorySnapshot[] snapshots = new DirectorySnapshot[copies];
        final OverlayTopology[] overlays = new OverlayTopology[copies];
        final long before = usedAfterGc();
        for (int i = 0; i < copies; i++)
        {
            snapshots[i] = new FluxdNodeListParser().parse(list.json(), 0, list.json().length).toSnapshot(1);
        }
        final long afterSnapshots = usedAfterGc();
        for (int i = 0; i < copies; i++)
        {
            overlays[i] = OverlayTopology.of(snapshots[i], 2);
        }
        final long afterOverlays = usedAfterGc();
        final int members = snapshots[0].size();
        System.out.printf("members %d, keys %d, copies %d%n", members, snapshots[0].distinctKeys(), copies);
        System.out.printf("snapshot: %,d bytes per member (%,d KiB per snapshot)%n",
            (afterSnapshots - before) / copies / members, (afterSnapshots - before) / copies / 1024);
        System.out.printf("overlay:  %,d bytes per member (%,d KiB per overlay)%n",
            (afterOverlays - afterSnapshots) / copies / members, (afterOverlays - afterSnapshots) / copies / 1024);
        if (overlays[copies - 1].size() != members)
        {
            throw new IllegalStateException("overlay size " + overlays[copies - 1].size());
        }
    }

    private static long usedAfterGc()
    {
        final Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 4; i++)
        {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
