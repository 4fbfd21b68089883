package io.chainmesh.node.flux;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the FluxOS bridge counts: connections and why they were refused or closed, frames by kind, and every input
 * it refused. Written by the bridge's thread (and the relay's counters by theirs), read from anywhere: exported on
 * {@code /metrics} as {@code chainmesh_flux_<name>_total} and in {@code /status} under {@code flux}.
 */
public final class FluxBridgeCounters
{
    /** A counter. */
    public enum Counter
    {
        /** FluxOS peers connected now (gauge). */
        PEERS_CONNECTED("FluxOS peers connected now (gauge)."),
        /** Inbound connections that became peers. */
        INBOUND_ACCEPTED("Inbound connections that became peers."),
        /** Outbound connections (to the local FluxOS) that became peers. */
        OUTBOUND_CONNECTED("Outbound connections (to the local FluxOS) that became peers."),
        /** Outbound connection attempts that failed (refused, timed out, bad handshake). */
        OUTBOUND_FAILURES("Outbound connection attempts that failed (refused, timed out, bad handshake)."),
        /** HTTP requests refused before an upgrade: wrong path, method, headers or malformed request. */
        BAD_UPGRADES("HTTP requests refused before an upgrade: wrong path, method, headers or malformed request."),
        /** Inbound connections reset at accept: too many not yet upgraded, in all or from that source. */
        REFUSED_PENDING_UPGRADES("Inbound connections reset at accept: too many not yet upgraded, in all or from that source."),
        /** Inbound peers closed with 4000: the peer cap was reached. */
        REFUSED_MAX_CONNECTIONS("Inbound peers closed with 4000: the peer cap was reached."),
        /** Inbound peers closed with 4001: that ip:port is connected already. */
        REFUSED_DUPLICATE_PEER("Inbound peers closed with 4001: that ip:port is connected already."),
        /** Inbound peers closed with 4003: the address is not allowed. */
        REFUSED_BLOCKED("Inbound peers closed with 4003: the address is not allowed."),
        /** Inbound peers closed with 4019: this node is not a listed member. */
        REFUSED_UNCONFIRMED("Inbound peers closed with 4019: this node is not a listed member."),
        /** Peers closed with 4011: missed pongs. */
        CLOSED_DEAD("Peers closed with 4011: missed pongs."),
        /** Peers closed with 4016/4017: a frame that is not valid. */
        CLOSED_INVALID("Peers closed with 4016/4017: a frame that is not valid."),
        /** Peers closed with 4004/4007: 5 bad messages within 10 minutes. */
        CLOSED_BAD_ORIGIN("Peers closed with 4004/4007: 5 bad messages within 10 minutes."),
        /** Text frames that were envelopes. */
        ENVELOPES_RECEIVED("Text frames that were envelopes."),
        /** Frames over the frame size limit (the connection is closed with 1009). */
        FRAMES_TOO_LARGE("Frames over the frame size limit (the connection is closed with 1009)."),
        /** Frames dropped because the peer sent more than its rate limit (120 a second, as FluxOS). */
        RATE_LIMITED("Frames dropped because the peer sent more than its rate limit (120 a second, as FluxOS)."),
        /** Hash announcements received (text or binary). */
        HASHES_ANNOUNCED("Hash announcements received (text or binary)."),
        /** Hash announcements for a hash requested before: not requested again. */
        HASHES_ALREADY_REQUESTED("Hash announcements for a hash requested before: not requested again."),
        /** Hash requests sent. */
        HASH_REQUESTS_SENT("Hash requests sent."),
        /** Hash requests received: the bridge announces no hashes, so it holds nothing to answer with. */
        HASH_REQUESTS_UNANSWERED("Hash requests received: the bridge announces no hashes, so it holds nothing to answer with."),
        /** NAKs received. */
        NAKS_RECEIVED("NAKs received."),
        /** Peer-exchange, peer-update and sync frames received: capabilities the bridge does not announce. */
        UNSUPPORTED_FRAMES("Peer-exchange, peer-update and sync frames received: capabilities the bridge does not announce."),
        /** Envelopes from the overlay written to a FluxOS peer. */
        DELIVERIES("Envelopes from the overlay written to a FluxOS peer."),
        /** Envelopes from the overlay not written to a peer whose socket was full. */
        DELIVERIES_DROPPED_SLOW_PEER("Envelopes from the overlay not written to a peer whose socket was full.");

        private final String help;

        Counter(final String help)
        {
            this.help = help;
        }

        /** @return the Prometheus help text. */
        public String help()
        {
            return help;
        }

        /** @return the Prometheus name. */
        public String metricName()
        {
            return "chainmesh_flux_" + name().toLowerCase(Locale.ROOT) + (this == PEERS_CONNECTED ? "" : "_total");
        }
    }

    private final AtomicLongArray values = new AtomicLongArray(Counter.values().length);

    /**
     * @param counter which.
     * @return its value.
     */
    public long get(final Counter counter)
    {
        return values.get(counter.ordinal());
    }

    void increment(final Counter counter)
    {
        values.incrementAndGet(counter.ordinal());
    }

    void decrement(final Counter counter)
    {
        values.decrementAndGet(counter.ordinal());
    }

    /**
     * @param relay the relay whose counters join these (may be null).
     * @return every counter by lower-case name, then the relay's.
     */
    public Map<String, Object> toMap(final FluxRelay relay)
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        for (final Counter counter : Counter.values())
        {
            map.put(counter.name().toLowerCase(Locale.ROOT), get(counter));
        }
        if (null != relay)
        {
            map.put("relayed", relay.relayed());
            map.put("delivered", relay.delivered());
            map.put("duplicates", relay.duplicates());
            map.put("too_large", relay.tooLarge());
            map.put("not_published", relay.notPublished());
            map.put("seen_evicted_fresh", relay.evictedFresh());
            for (final FluxEnvelope.Refusal refusal : FluxEnvelope.Refusal.values())
            {
                map.put("refused_" + refusal.name().toLowerCase(Locale.ROOT), relay.refused(refusal));
            }
        }
        return map;
    }

    /**
     * Appends the counters in Prometheus text format.
     *
     * @param out   where to.
     * @param relay the relay whose counters join these (may be null).
     */
    public void renderPrometheus(final StringBuilder out, final FluxRelay relay)
    {
        for (final Counter counter : Counter.values())
        {
            final String name = counter.metricName();
            out.append("# HELP ").append(name).append(' ').append(counter.help()).append('\n');
            out.append("# TYPE ").append(name).append(counter == Counter.PEERS_CONNECTED ? " gauge\n" : " counter\n");
            out.append(name).append(' ').append(get(counter)).append('\n');
        }
        if (null == relay)
        {
            return;
        }
        counter(out, "chainmesh_flux_relayed_total", "FluxOS envelopes from local peers published on the overlay",
            relay.relayed());
        counter(out, "chainmesh_flux_delivered_total", "FluxOS envelopes from the overlay handed to the local peers",
            relay.delivered());
        counter(out, "chainmesh_flux_duplicates_total", "FluxOS envelopes seen before, from either side",
            relay.duplicates());
        counter(out, "chainmesh_flux_too_large_total", "FluxOS envelopes longer than the largest broadcast message",
            relay.tooLarge());
        counter(out, "chainmesh_flux_not_published_total", "FluxOS envelopes the overlay refused for now",
            relay.notPublished());
        counter(out, "chainmesh_flux_seen_evicted_fresh_total",
            "De-duplication entries pushed out by the capacity while still fresh", relay.evictedFresh());
        out.append("# HELP chainmesh_flux_refused_total FluxOS envelopes refused by the checks, by reason\n");
        out.append("# TYPE chainmesh_flux_refused_total counter\n");
        for (final FluxEnvelope.Refusal refusal : FluxEnvelope.Refusal.values())
        {
            out.append("chainmesh_flux_refused_total{reason=\"").append(refusal.name().toLowerCase(Locale.ROOT))
                .append("\"} ").append(relay.refused(refusal)).append('\n');
        }
    }

    private static void counter(final StringBuilder out, final String name, final String help, final long value)
    {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(value).append('\n');
    }
}
