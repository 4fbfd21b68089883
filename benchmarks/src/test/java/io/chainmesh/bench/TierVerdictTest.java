package io.chainmesh.bench;

import io.chainmesh.chain.Tier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TierVerdictTest
{
    private static final long GB = 1_000_000_000L;

    private static NodeMeasurements atMinimum(final TierRequirement r)
    {
        return new NodeMeasurements(r.minCores(), r.minRamBytes(), r.minStorageBytes(), r.minEps(), r.minEps(),
            10_000, r.minDiskWriteMBps(), 100, r.minThroughputMbps());
    }

    @Test
    void shouldGrantEachTierExactlyAtItsMinimums()
    {
        for (final TierRequirement r : TierRequirement.FLUX_DEFAULTS)
        {
            assertThat(TierVerdict.derive(atMinimum(r), TierRequirement.FLUX_DEFAULTS).tier()).isEqualTo(r.tier());
        }
    }

    @Test
    void shouldFallToLowerTierJustBelowEachMinimumWithReason()
    {
        final TierRequirement nimbus = TierRequirement.FLUX_DEFAULTS[1];
        final NodeMeasurements m = atMinimum(nimbus);

        assertVerdict(new NodeMeasurements(3, m.ramBytes(), m.storageBytes(), m.epsSingle(), m.epsMulti(), 1,
            m.diskWriteMBps(), 1, m.networkThroughputMbps()), Tier.CUMULUS, "NIMBUS needs cores >= 4, has 3");
        assertVerdict(new NodeMeasurements(4, 32 * GB - 1, m.storageBytes(), m.epsSingle(), m.epsMulti(), 1,
            m.diskWriteMBps(), 1, m.networkThroughputMbps()), Tier.CUMULUS, "NIMBUS needs ram >= 32.0 GB");
        assertVerdict(new NodeMeasurements(4, m.ramBytes(), 440 * GB - 1, m.epsSingle(), m.epsMulti(), 1,
            m.diskWriteMBps(), 1, m.networkThroughputMbps()), Tier.CUMULUS, "NIMBUS needs storage >= 440.0 GB");
        assertVerdict(new NodeMeasurements(4, m.ramBytes(), m.storageBytes(), 1, 639.99, 1,
            m.diskWriteMBps(), 1, m.networkThroughputMbps()), Tier.CUMULUS, "NIMBUS needs eps >= 640.0");
        assertVerdict(new NodeMeasurements(4, m.ramBytes(), m.storageBytes(), 1, 640, 1,
            249.9, 1, m.networkThroughputMbps()), Tier.CUMULUS, "NIMBUS needs disk write >= 250.0 MB/s");
        assertVerdict(new NodeMeasurements(4, m.ramBytes(), m.storageBytes(), 1, 640, 1,
            250, 1, 49.9), Tier.CUMULUS, "NIMBUS needs throughput >= 50.0 Mb/s");
    }

    @Test
    void shouldNotQualifyBelowCumulusAndSayWhy()
    {
        final TierVerdict verdict = TierVerdict.derive(
            new NodeMeasurements(1, 64 * GB, 1000 * GB, 5000, 5000, 1, 1000, 1, 1000), TierRequirement.FLUX_DEFAULTS);

        assertThat(verdict.qualifies()).isFalse();
        assertThat(verdict.reason()).isEqualTo("CUMULUS needs cores >= 2, has 1");
    }

    @Test
    void shouldTreatUnmeasuredNetworkAsNotCheckedButUnmeasuredCpuAsFailing()
    {
        final NodeMeasurements stratus = atMinimum(TierRequirement.FLUX_DEFAULTS[2]);
        assertThat(TierVerdict.derive(stratus.withNetwork(Double.NaN, Double.NaN), TierRequirement.FLUX_DEFAULTS).reason())
            .isEqualTo("meets STRATUS");

        final NodeMeasurements noCpu = new NodeMeasurements(8, 64 * GB, 880 * GB, Double.NaN, Double.NaN, 1, 400, 1, 100);
        assertThat(TierVerdict.derive(noCpu, TierRequirement.FLUX_DEFAULTS).qualifies()).isFalse();
    }

    private static void assertVerdict(final NodeMeasurements m, final Tier tier, final String reasonPrefix)
    {
        final TierVerdict verdict = TierVerdict.derive(m, TierRequirement.FLUX_DEFAULTS);
        assertThat(verdict.tier()).isEqualTo(tier);
        assertThat(verdict.reason()).startsWith(reasonPrefix);
    }
}
