package io.chainmesh.chain;

import io.chainmesh.codec.crypto.PublicKey;

import java.util.Objects;

/**
 * One confirmed entry of the deterministic node list. Immutable.
 * <p>
 * A member is its collateral ({@link #id()}); the public key is its credential and may be shared by many
 * members of one operator. The listed endpoint is the node's FluxOS API address; chainmesh listens beside
 * it at {@link #meshEndpoint()}, the listed port plus {@link #MESH_PORT_OFFSET}.
 *
 * @param id                  the collateral outpoint that names the member.
 * @param publicKey           the key that signs for it (its HELLO, AUTH and batches).
 * @param endpoint            the listed address: host and FluxOS API port.
 * @param tier                collateral tier.
 * @param addedHeight         height at which the node was added to the list.
 * @param confirmedHeight     height of its first confirmation.
 * @param lastConfirmedHeight height of its latest confirmation.
 * @param lastPaidHeight      height of its latest payment (0 if never paid).
 * @param paymentAddress      payment address, may be empty.
 * @param rank                position in the payment queue as reported by the chain, -1 if unknown.
 */
public record Member(
    MemberId id,
    PublicKey publicKey,
    Endpoint endpoint,
    Tier tier,
    long addedHeight,
    long confirmedHeight,
    long lastConfirmedHeight,
    long lastPaidHeight,
    String paymentAddress,
    int rank)
{
    /**
     * chainmesh's port is the listed (FluxOS API) port plus this offset on every member. FluxOS holds the
     * API port {@code p}, its UI at {@code p - 1}, its TLS API at {@code p + 1}, syncthing at {@code p + 2} and a
     * UPnP test mapping at {@code p + 3}; the API ports of several nodes behind one address are 10 apart
     * (16127, 16137, ... 16197), so {@code p + 5} is free on every real node and never meets a neighbour's block.
     */
    public static final int MESH_PORT_OFFSET = 5;

    /** The highest listed port whose mesh port is still a valid port. */
    public static final int MAX_LISTED_PORT = 65535 - MESH_PORT_OFFSET;

    /**
     * Validates the fields that the directory relies on.
     *
     * @param id                  as in the record.
     * @param publicKey           as in the record.
     * @param endpoint            as in the record.
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
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(paymentAddress, "paymentAddress");
        if (endpoint.port() > MAX_LISTED_PORT)
        {
            throw new IllegalArgumentException("listed port " + endpoint.port() + " of " + id + " leaves no mesh port (max " +
                MAX_LISTED_PORT + ")");
        }
        if (addedHeight < 0 || confirmedHeight < 0 || lastConfirmedHeight < 0 || lastPaidHeight < 0)
        {
            throw new IllegalArgumentException("heights must be >= 0 for " + id);
        }
    }

    /**
     * @param meshEndpoint where chainmesh listens.
     * @return the endpoint the node list carries for it (the FluxOS API port).
     * @throws IllegalArgumentException if the mesh port is not above {@link #MESH_PORT_OFFSET}.
     */
    public static Endpoint listedEndpointFor(final Endpoint meshEndpoint)
    {
        if (meshEndpoint.port() <= MESH_PORT_OFFSET)
        {
            throw new IllegalArgumentException("mesh port " + meshEndpoint.port() + " must be > " + MESH_PORT_OFFSET);
        }
        return new Endpoint(meshEndpoint.host(), meshEndpoint.port() - MESH_PORT_OFFSET);
    }

    /**
     * @return where this member's chainmesh node listens: the listed host, port + {@link #MESH_PORT_OFFSET}.
     */
    public Endpoint meshEndpoint()
    {
        return new Endpoint(endpoint.host(), endpoint.port() + MESH_PORT_OFFSET);
    }

    /**
     * @return the 8-byte id that names this member in hot-path headers.
     */
    public long originId()
    {
        return id.originId();
    }

    /**
     * @return the collateral transaction hash, 64 lower-case hex characters.
     */
    public String txHash()
    {
        return id.txHash();
    }

    /**
     * @return the collateral output index.
     */
    public int outputIndex()
    {
        return id.outputIndex();
    }

    /**
     * @return the collateral outpoint as {@code txhash:index}.
     */
    public String collateral()
    {
        return id.toString();
    }
}
