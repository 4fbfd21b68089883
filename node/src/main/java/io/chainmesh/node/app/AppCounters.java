package io.chainmesh.node.app;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the application API counts: clients, requests by outcome, deliveries, drops and every refused frame.
 * Written by the API's thread and, for deliveries and drops, by the engine's commit and IO threads; read by the
 * HTTP thread ({@code /status} {@code app}, {@code /metrics}).
 */
public final class AppCounters
{
    /** One counter each; the name is its {@code /status} key and, in snake case, its metric name. */
    public enum Counter
    {
        /** Clients connected now (a gauge). */
        CLIENTS_CONNECTED("clientsConnected"),
        /** WebSocket sessions opened after a valid token. */
        CLIENTS_ACCEPTED("clientsAccepted"),
        /** Upgrades refused for a missing or wrong token. */
        AUTH_REFUSED("authRefused"),
        /** Upgrades refused because {@code app.max.clients} are connected. */
        CLIENTS_REFUSED("clientsRefused"),
        /** HTTP requests that were not a WebSocket upgrade on the API's path. */
        BAD_UPGRADES("badUpgrades"),
        /** PUBLISH requests the engine accepted. */
        PUBLISHED("published"),
        /** SEND requests the engine accepted. */
        SENT("sent"),
        /** PUBLISH or SEND requests refused with BACK_PRESSURED. */
        BACK_PRESSURED("backPressured"),
        /** PUBLISH or SEND requests refused for another reason (no route, not connected, too large, unknown member). */
        REFUSED("refused"),
        /** Messages put in a client's delivery queue. */
        DELIVERED("delivered"),
        /** Messages not delivered because a client's queue was full. */
        DROPPED_SLOW("droppedSlow"),
        /** Messages not delivered because they exceed a client queue's largest record (1/8 of the queue). */
        DROPPED_TOO_LARGE("droppedTooLarge"),
        /** Clients closed because their queue was full ({@code app.slow.subscriber=close}). */
        CLOSED_SLOW("closedSlow"),
        /** Direct messages for a topic no client of this node subscribes to. */
        DIRECT_UNSUBSCRIBED("directUnsubscribed"),
        /** Direct messages too short to hold the topic. */
        DIRECT_MALFORMED("directMalformed"),
        /** Binary frames that break the layout, and text frames that are not a known JSON request. */
        MALFORMED_FRAMES("malformedFrames"),
        /** WebSocket protocol violations (oversized frames, bad opcodes, masking), each closing its client. */
        PROTOCOL_ERRORS("protocolErrors"),
        /** Control (JSON) requests answered. */
        CONTROL_REQUESTS("controlRequests");

        private final String key;

        Counter(final String key)
        {
            this.key = key;
        }

        /** @return the {@code /status} key. */
        public String key()
        {
            return key;
        }
    }

    private final AtomicLongArray values = new AtomicLongArray(Counter.values().length);

    void increment(final Counter counter)
    {
        values.incrementAndGet(counter.ordinal());
    }

    void decrement(final Counter counter)
    {
        values.decrementAndGet(counter.ordinal());
    }

    /**
     * @param counter which.
     * @return its value now.
     */
    public long get(final Counter counter)
    {
        return values.get(counter.ordinal());
    }

    /** @return every counter by its {@code /status} key, in declaration order. */
    public Map<String, Long> toMap()
    {
        final Map<String, Long> map = new LinkedHashMap<>();
        for (final Counter counter : Counter.values())
        {
            map.put(counter.key(), get(counter));
        }
        return map;
    }

    /**
     * Appends the counters in Prometheus text format: {@code chainmesh_app_<name>_total}, and
     * {@code chainmesh_app_clients_connected} as a gauge.
     *
     * @param out where to append.
     */
    public void renderPrometheus(final StringBuilder out)
    {
        for (final Counter counter : Counter.values())
        {
            final boolean gauge = counter == Counter.CLIENTS_CONNECTED;
            final String name = "chainmesh_app_" + counter.name().toLowerCase(java.util.Locale.ROOT) + (gauge ? "" : "_total");
            out.append("# TYPE ").append(name).append(gauge ? " gauge\n" : " counter\n");
            out.append(name).append(' ').append(get(counter)).append('\n');
        }
    }
}
