package io.chainmesh.bench;

/**
 * What a node measured about itself. Units are chosen to match FluxBench's output: bytes for
 * sizes, MB/s (10^6 bytes) for disk and memory speeds, Mb/s (10^6 bits) for network throughput.
 * A figure that was not measured is {@link Double#NaN}.
 *
 * @param cores                  logical processors available to the JVM.
 * @param ramBytes               physical memory.
 * @param storageBytes           total size of the benchmarked file store.
 * @param epsSingle              CPU events per second, one thread.
 * @param epsMulti               CPU events per second, all processors.
 * @param memoryBandwidthMBps    memory copy bandwidth.
 * @param diskWriteMBps          sequential write speed with fsync.
 * @param networkRttMicros       median round trip to peers through the engine.
 * @param networkThroughputMbps  throughput to peers through the engine.
 */
public record NodeMeasurements(
    int cores,
    long ramBytes,
    long storageBytes,
    double epsSingle,
    double epsMulti,
    double memoryBandwidthMBps,
    double diskWriteMBps,
    double networkRttMicros,
    double networkThroughputMbps)
{
    /**
     * @param networkRttMicros      measured RTT.
     * @param networkThroughputMbps measured throughput.
     * @return a copy with the network figures set.
     */
    public NodeMeasurements withNetwork(final double networkRttMicros, final double networkThroughputMbps)
    {
        return new NodeMeasurements(cores, ramBytes, storageBytes, epsSingle, epsMulti, memoryBandwidthMBps,
            diskWriteMBps, networkRttMicros, networkThroughputMbps);
    }
}
