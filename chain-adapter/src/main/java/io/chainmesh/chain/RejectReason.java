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
    /** {@code ip} cannot be parsed as an IP literal with an optional port. */
    BAD_ENDPOINT,
    /** {@code ip} is an onion address or a host name: chainmesh only dials IP literals. */
    UNSUPPORTED_HOST,
    /** The port of {@code ip} is not a number in {@code [1, 65535]}. */
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
    /** The public key already appeared earlier in the list. */
    DUPLICATE_PUBKEY,
    /** The collateral outpoint already appeared earlier in the list. */
    DUPLICATE_COLLATERAL,
    /** The 8-byte origin id (hash prefix of the key) collides with an earlier entry's. */
    DUPLICATE_ORIGIN_ID
}
