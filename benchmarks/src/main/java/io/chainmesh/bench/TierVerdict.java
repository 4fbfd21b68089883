package io.chainmesh.bench;

import io.chainmesh.chain.Tier;

/**
 * The highest tier a node qualifies for, and why it does not reach the next one.
 *
 * @param tier   highest tier met, or null if it does not meet CUMULUS.
 * @param reason the first unmet minimum of the next tier up, or {@code "meets STRATUS"}.
 */
public record TierVerdict(Tier tier, String reason)
{
    /**
     * Derives the verdict from measurements against a table of requirements (lowest tier first).
     *
     * @param m            measurements.
     * @param requirements minimums, lowest tier first, e.g. {@link TierRequirement#FLUX_DEFAULTS}.
     * @return the verdict.
     */
    public static TierVerdict derive(final NodeMeasurements m, final TierRequirement[] requirements)
    {
        Tier met = null;
        for (final TierRequirement requirement : requirements)
        {
            final String shortfall = requirement.firstShortfall(m);
            if (null != shortfall)
            {
                return new TierVerdict(met, shortfall);
            }
            met = requirement.tier();
        }
        return new TierVerdict(met, "meets " + met);
    }

    /**
     * @return true if the node meets at least the lowest tier.
     */
    public boolean qualifies()
    {
        return null != tier;
    }
}
