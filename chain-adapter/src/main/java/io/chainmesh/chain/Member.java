package io.chainmesh.chain;

import io.chainmesh.codec.crypto.NodeId;

import java.util.Objects;

/**
 * One confirmed entry of the deterministic node list. Immutable.
 *
 * @param nodeId              the member's public key.
 * @param endpoint            where it listens.
 * @param txHash              collateral transaction hash (64 lower-case hex characters).
 * @param outputIndex         collateral output index.
 * @param tier                collateral tier.
 * @param addedHeight         height at which the node was added to the list.
 * @param confirmedHeight     height of its first confirmation.
 * @param lastConfirmedHeight height of its latest confirmation.
 * @param lastPaidHeight      height of its latest payment (0 if never paid).
 * @param paymentAddress      payment address, may be empty.
 * @param rank                position in the payment queue as reported by the chain, -1 if unknown.
 */
public record Member(
    NodeId nodeId,
    Endpoint endpoint,
    String txHash,
    int outputIndex,
    Tier tier,
    long addedHeight,
    long confirmedHeight,
    long lastConfirmedHeight,
    long lastPaidHeight,
    String paymentAddress,
    int rank)
{
    /**
     * Validates the fields that the directory relies on.
     *
     * @param nodeId              as in the record.
     * @param endpoint            as in the record.
     * @param txHash              as in the record.
     * @param outputIndex         as in the record.
     * @param tier                as in the record.
     * @param addedHeight         as in the record.
     * @param confirmedHeight     as in the record.
     * @param lastConfirmedHeight as in the record.
     * @param lastPaidHeight      as in the record.
     * @param paymentAddress      as in the record.
     * @param rank                as in the record.
     */
    public Member
    {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(txHash, "txHash");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(paymentAddress, "paymentAddress");
        if (outputIndex < 0)
        {
            throw new IllegalArgumentException("outputIndex=" + outputIndex + " must be >= 0");
        }
        if (addedHeight < 0 || confirmedHeight < 0 || lastConfirmedHeight < 0 || lastPaidHeight < 0)
        {
            throw new IllegalArgumentException("heights must be >= 0 for " + txHash + ":" + outputIndex);
        }
    }

    /**
     * @return the 8-byte id that names this member in hot-path headers.
     */
    public long originId()
    {
        return nodeId.originId();
    }

    /**
     * @return the collateral outpoint as {@code txhash:index}.
     */
    public String collateral()
    {
        return txHash + ":" + outputIndex;
    }
}
