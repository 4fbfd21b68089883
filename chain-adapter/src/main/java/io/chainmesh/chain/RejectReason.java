package io.chainmesh.chain;

/**
 * Why a single node list entry was rejected. The rest of the list is still used.
 */
public enum RejectReason
{
    /** The array element is not a JSON object. */
    NOT_AN_OBJECT,
    /** A required field ({@code pubkey}, {@code ip}, {@code tier}, {@code txhash}, {@code outidx}, {@code added_height}) is absent or null. */
    MISSING_FIELD,
    /** A string field is longer than the configured bound, or a field has a non-scalar value. */
    BAD_FIELD,
    /** {@code pubkey} is not hex, has the wrong length or is not a point on secp256k1. */
    BAD_PUBKEY,
    /** {@code ip} is empty: the entry has no address to reach it at, so it is not an overlay member. */
    NO_ADDRESS,
    /** {@code ip} cannot be parsed as an IP literal with an optional port. */
    BAD_ENDPOINT,
    /** {@code ip} is an onion address or a host name: chainmesh only dials IP literals. */
    UNSUPPORTED_HOST,
    /** The port of {@code ip} is not a number in {@code [1, 65535]}, or leaves no room for the mesh port above it. */
    BAD_PORT,
    /** {@code tier} is not CUMULUS, NIMBUS or STRATUS. */
    UNKNOWN_TIER,
    /** A height is not a non-negative integer (a JSON number or a numeric string). */
    BAD_HEIGHT,
    /** {@code txhash} is not 64 hex characters. */
    BAD_TXHASH,
    /** {@code outidx} is not a non-negative integer. */
    BAD_OUTIDX,
    /** {@code collateral} is not {@code COutPoint(<txhash>, <n>)} or disagrees with {@code txhash}/{@code outidx}. */
    BAD_COLLATERAL,
    /** {@code rank} is present but not an integer {@code >= -1}. */
    BAD_RANK,
    /** The collateral outpoint already appeared earlier in the list. */
    DUPLICATE_COLLATERAL,
    /** The listed socket address (host and port) already belongs to an earlier entry. */
    DUPLICATE_ENDPOINT,
    /** The 8-byte origin id (hash prefix of the collateral) collides with an earlier entry's. */
    DUPLICATE_ORIGIN_ID
}
