package io.chainmesh.chain;

/**
 * A node's collateral tier, as the node list names it.
 */
public enum Tier
{
    /** Smallest tier. */
    CUMULUS,
    /** Middle tier. */
    NIMBUS,
    /** Largest tier. */
    STRATUS;

    /**
     * @param text tier name as in the node list, case-insensitive.
     * @return the tier, or null if unknown.
     */
    public static Tier parse(final String text)
    {
        if (null != text)
        {
            for (final Tier tier : values())
            {
                if (tier.name().equalsIgnoreCase(text.trim()))
                {
                    return tier;
                }
            }
        }
        return null;
    }
}
