package io.chainmesh.node.flux;

import java.util.HexFormat;
import java.util.LinkedHashMap;

/**
 * The announced hashes the bridge has asked a FluxOS peer for, so that a message is asked for once however many peers
 * announce it. Bounded in number ({@link FluxBridge.Context#askedHashCapacity()}, read at each call) and in time: a
 * hash is forgotten once older than {@link FluxEnvelope#MAX_AGE_MS}, after which its message is stale anyway. Kept
 * in asking order, so the entries to forget are always at the head.
 * <p>
 * Threads: the bridge's event loop only.
 */
final class AskedHashes
{
    private final FluxBridge.Context ctx;
    private final LinkedHashMap<String, Long> askedAtMs = new LinkedHashMap<>();

    /**
     * @param ctx the bridge's settings (the capacity).
     */
    AskedHashes(final FluxBridge.Context ctx)
    {
        this.ctx = ctx;
    }

    /**
     * Forgets what is too old or over the capacity, then remembers {@code hash} as asked for now unless it already is.
     *
     * @param hash  an announced hash.
     * @param nowMs the epoch time now.
     * @return true if the hash is to be asked for, false if it was asked for before.
     */
    boolean firstAsk(final byte[] hash, final long nowMs)
    {
        for (final var it = askedAtMs.values().iterator(); it.hasNext(); )
        {
            final long askedAt = it.next();
            if (nowMs - askedAt < FluxEnvelope.MAX_AGE_MS && askedAtMs.size() < ctx.askedHashCapacity())
            {
                break;
            }
            it.remove();
        }
        return null == askedAtMs.putIfAbsent(HexFormat.of().formatHex(hash), nowMs);
    }
}
