package io.chainmesh.engine;

import io.chainmesh.codec.control.CloseReason;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteBuffer;

/**
 * The engine's counters, in an Agrona {@link CountersManager} so a tool can read them from the buffers
 * (which may be a memory-mapped file, see {@link ChainmeshNode.Context#countersBuffers}).
 * <p>
 * Counters are written from several threads (IO threads, the conductor, callers of
 * {@link ChainmeshNode#send}), so writes use atomic increments; gauges (connections by state) go up and
 * down. Type ids: {@link #TYPE_ID} for all of them; labels say what they count.
 */
public final class EngineCounters
{
    /** Counter type id used for every engine counter. */
    public static final int TYPE_ID = 1001;
    /** Upper bounds of the {@link #rttMicros()} buckets: 50 us to 5 s. */
    public static final long[] RTT_BOUNDS_MICROS = {
        50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
        2_500_000, 5_000_000};
    /** Values buffer length allocated when the Context gives none. */
    public static final int DEFAULT_VALUES_LENGTH = 256 * CountersReader.COUNTER_LENGTH;

    /** Why {@code send} or a relay refused a direct message. */
    public enum DirectRefusal
    {
        /** Outbound budget full or channel not writable. */
        BACK_PRESSURED,
        /** No route to the destination from the sender. */
        NO_ROUTE,
        /** Node closed. */
        CLOSED,
        /** Payload too long. */
        MESSAGE_TOO_LARGE,
        /** A relay found no route for a message in transit. */
        RELAY_NO_ROUTE,
        /** A relay's next link was back-pressured. */
        RELAY_BACK_PRESSURED,
        /** The message's hop limit ran out in transit. */
        HOP_LIMIT,
        /** Malformed DIRECT frame or unknown source. */
        MALFORMED,
        /**
         * Accepted (sent here or relayed) and still queued on a link that closed without writing it: the peer was
         * silent or misbehaved, or the connection broke. Orderly closes write what was accepted first.
         */
        LINK_CLOSED,
        /**
         * Read on a link before it was registered, beyond what is held meanwhile (see
         * {@code SessionHandler.MAX_HELD_DIRECT_BYTES}), or on a link that was refused (its peer is not a member, or
         * not expected to link here): never delivered nor relayed.
         */
        UNREGISTERED_LINK
    }

    /** Connection states counted as gauges. */
    public enum ConnectionState
    {
        /** TCP connect in progress (outbound). */
        DIALING,
        /** Connected, handshake in progress. */
        HANDSHAKING,
        /** Authenticated and registered. */
        ACTIVE
    }

    /** How a handshake ended when the peer went away instead of refusing with a CLOSE: not a failure of ours. */
    public enum HandshakeEnd
    {
        /** The peer reset the connection (an {@link java.io.IOException} from the socket). */
        RESET,
        /** The peer closed its side (end of stream) before authenticating. */
        EOF
    }

    /** Which admission limit refused a connection at accept (before any handshake work). */
    public enum AdmissionRefusal
    {
        /** Unauthenticated connections of the node at their limit. */
        TOTAL_LIMIT,
        /** Unauthenticated connections from the source address at their limit. */
        PER_SOURCE_LIMIT
    }

    /** How a registered link ended when no CLOSE was exchanged ({@link #linksEnded(CloseReason)} otherwise). */
    public enum LinkEnd
    {
        /** The peer reset the connection. */
        RESET,
        /** The connection closed without a CLOSE either way (the peer's end of stream, or a local close). */
        EOF
    }

    private final CountersManager manager;
    private final AtomicCounter[] handshakeEnds = new AtomicCounter[HandshakeEnd.values().length];
    private final AtomicCounter[] admissionRefused = new AtomicCounter[AdmissionRefusal.values().length];
    private final AtomicCounter[] linksEndedByReason;
    private final AtomicCounter[] linksEndedOther = new AtomicCounter[LinkEnd.values().length];
    private final AtomicCounter[] connections = new AtomicCounter[ConnectionState.values().length];
    private final AtomicCounter[] handshakeFailures;
    private final AtomicCounter[] closesSent;
    private final AtomicCounter[] closesReceived;
    private final AtomicCounter[] directRefused = new AtomicCounter[DirectRefusal.values().length];
    private final AtomicCounter bytesIn;
    private final AtomicCounter bytesOut;
    private final AtomicCounter framesIn;
    private final AtomicCounter framesOut;
    private final AtomicCounter directSent;
    private final AtomicCounter directReceived;
    private final AtomicCounter directForwarded;
    private final AtomicCounter backoffs;
    private final AtomicCounter dialFailures;
    private final AtomicCounter linksOpened;
    private final AtomicCounter linksClosed;
    private final AtomicCounter rttLastMicros;
    private final AtomicCounter rttMaxMicros;
    /** Heartbeat RTT samples of all links, in microseconds (kept in the heap, not in the counters buffers). */
    private final FixedBucketHistogram rttMicros = new FixedBucketHistogram(RTT_BOUNDS_MICROS);
    private final AtomicCounter errors;
    private final AtomicCounter framesUnhandled;
    private final io.chainmesh.engine.transport.RecordCounters records;

    /**
     * @param metaDataBuffer counters metadata, at least 4x the values buffer (Agrona's layout).
     * @param valuesBuffer   counter values.
     */
    public EngineCounters(final AtomicBuffer metaDataBuffer, final AtomicBuffer valuesBuffer)
    {
        this.manager = new CountersManager(metaDataBuffer, valuesBuffer);
        for (final ConnectionState state : ConnectionState.values())
        {
            connections[state.ordinal()] = counter("connections " + state);
        }
        final CloseReason[] reasons = CloseReason.values();
        handshakeFailures = new AtomicCounter[reasons.length];
        closesSent = new AtomicCounter[reasons.length];
        closesReceived = new AtomicCounter[reasons.length];
        linksEndedByReason = new AtomicCounter[reasons.length];
        for (final CloseReason reason : reasons)
        {
            if (reason != CloseReason.UNRECOGNIZED)
            {
                handshakeFailures[reason.getNumber()] = counter("handshake failures " + reason);
                closesSent[reason.getNumber()] = counter("closes sent " + reason);
                closesReceived[reason.getNumber()] = counter("closes received " + reason);
            }
        }
        for (final HandshakeEnd end : HandshakeEnd.values())
        {
            handshakeEnds[end.ordinal()] = counter("handshakes ended " + end);
        }
        for (final AdmissionRefusal refusal : AdmissionRefusal.values())
        {
            admissionRefused[refusal.ordinal()] = counter("admission refused " + refusal);
        }
        for (final CloseReason reason : reasons)
        {
            if (reason != CloseReason.UNRECOGNIZED)
            {
                linksEndedByReason[reason.getNumber()] = counter("links ended " + reason);
            }
        }
        for (final LinkEnd end : LinkEnd.values())
        {
            linksEndedOther[end.ordinal()] = counter("links ended " + end);
        }
        for (final DirectRefusal refusal : DirectRefusal.values())
        {
            directRefused[refusal.ordinal()] = counter("direct refused " + refusal);
        }
        bytesIn = counter("bytes in");
        bytesOut = counter("bytes out");
        framesIn = counter("frames in");
        framesOut = counter("frames out");
        directSent = counter("direct sent");
        directReceived = counter("direct received");
        directForwarded = counter("direct forwarded");
        backoffs = counter("backoffs");
        dialFailures = counter("dial failures");
        linksOpened = counter("links opened");
        linksClosed = counter("links closed");
        rttLastMicros = counter("rtt last micros");
        rttMaxMicros = counter("rtt max micros");
        errors = counter("errors");
        framesUnhandled = counter("frames unhandled");
        records = new io.chainmesh.engine.transport.RecordCounters(manager, TYPE_ID);
    }

    /**
     * @return counters over freshly allocated direct buffers of the default size.
     */
    public static EngineCounters allocate()
    {
        final UnsafeBuffer values = new UnsafeBuffer(ByteBuffer.allocateDirect(DEFAULT_VALUES_LENGTH));
        final UnsafeBuffer meta = new UnsafeBuffer(ByteBuffer.allocateDirect(DEFAULT_VALUES_LENGTH *
            (CountersReader.METADATA_LENGTH / CountersReader.COUNTER_LENGTH)));
        return new EngineCounters(meta, values);
    }

    private AtomicCounter counter(final String label)
    {
        return manager.newCounter(label, TYPE_ID);
    }

    /**
     * @return the manager, so other components of the node (the broadcast pipeline) allocate their
     *         counters in the same buffers.
     */
    CountersManager manager()
    {
        return manager;
    }

    /**
     * @return a reader over all counters (for tools and tests).
     */
    public CountersReader reader()
    {
        return manager;
    }

    /**
     * Finds a counter's current value by its label.
     *
     * @param label exact label, e.g. {@code "handshake failures NOT_A_MEMBER"}.
     * @return its value, or -1 if no such counter.
     */
    public long valueOf(final String label)
    {
        final long[] result = {-1};
        manager.forEach((counterId, typeId, keyBuffer, l) ->
        {
            if (l.equals(label))
            {
                result[0] = manager.getCounterValue(counterId);
            }
        });
        return result[0];
    }

    /**
     * @param state a connection state.
     * @return its gauge.
     */
    public AtomicCounter connections(final ConnectionState state)
    {
        return connections[state.ordinal()];
    }

    /**
     * @param end how the peer went away.
     * @return handshakes that ended so (not failures: port scans and health checks end this way).
     */
    public AtomicCounter handshakeEnds(final HandshakeEnd end)
    {
        return handshakeEnds[end.ordinal()];
    }

    /**
     * @param refusal the limit.
     * @return connections closed at accept because of it.
     */
    public AtomicCounter admissionRefused(final AdmissionRefusal refusal)
    {
        return admissionRefused[refusal.ordinal()];
    }

    /**
     * @param reason the reason of the CLOSE sent or received.
     * @return registered links that ended with it.
     */
    public AtomicCounter linksEnded(final CloseReason reason)
    {
        return linksEndedByReason[safe(reason)];
    }

    /**
     * @param end how the link went away without a CLOSE.
     * @return registered links that ended so.
     */
    public AtomicCounter linksEnded(final LinkEnd end)
    {
        return linksEndedOther[end.ordinal()];
    }

    /**
     * @param reason a close reason.
     * @return handshakes refused for it.
     */
    public AtomicCounter handshakeFailures(final CloseReason reason)
    {
        return handshakeFailures[safe(reason)];
    }

    /**
     * @param reason a close reason.
     * @return CLOSE frames sent with it.
     */
    public AtomicCounter closesSent(final CloseReason reason)
    {
        return closesSent[safe(reason)];
    }

    /**
     * @param reason a close reason.
     * @return CLOSE frames received with it.
     */
    public AtomicCounter closesReceived(final CloseReason reason)
    {
        return closesReceived[safe(reason)];
    }

    private static int safe(final CloseReason reason)
    {
        return reason == CloseReason.UNRECOGNIZED ? 0 : reason.getNumber();
    }

    /**
     * @param refusal why.
     * @return direct messages refused for it.
     */
    public AtomicCounter directRefused(final DirectRefusal refusal)
    {
        return directRefused[refusal.ordinal()];
    }

    /** @return bytes read from peers. */
    public AtomicCounter bytesIn()
    {
        return bytesIn;
    }

    /** @return bytes written to peers. */
    public AtomicCounter bytesOut()
    {
        return bytesOut;
    }

    /** @return frames read from peers. */
    public AtomicCounter framesIn()
    {
        return framesIn;
    }

    /** @return frames written to peers. */
    public AtomicCounter framesOut()
    {
        return framesOut;
    }

    /** @return direct messages accepted by {@code send} and written to their link (counted per drain). */
    public AtomicCounter directSent()
    {
        return directSent;
    }

    /** @return direct messages delivered to the handler. */
    public AtomicCounter directReceived()
    {
        return directReceived;
    }

    /** @return direct messages relayed towards another member. */
    public AtomicCounter directForwarded()
    {
        return directForwarded;
    }

    /** @return dial attempts postponed by backoff. */
    public AtomicCounter backoffs()
    {
        return backoffs;
    }

    /** @return TCP connects that failed. */
    public AtomicCounter dialFailures()
    {
        return dialFailures;
    }

    /** @return links that completed the handshake and were registered. */
    public AtomicCounter linksOpened()
    {
        return linksOpened;
    }

    /** @return registered links that closed. */
    public AtomicCounter linksClosed()
    {
        return linksClosed;
    }

    /** @return latest RTT sample of any link, in microseconds. */
    public AtomicCounter rttLastMicros()
    {
        return rttLastMicros;
    }

    /** @return highest RTT sample seen, in microseconds. */
    public AtomicCounter rttMaxMicros()
    {
        return rttMaxMicros;
    }

    /** @return every heartbeat RTT sample of any link, in microseconds, by {@link #RTT_BOUNDS_MICROS}. */
    public FixedBucketHistogram rttMicros()
    {
        return rttMicros;
    }

    /** @return frames of a known type this engine version does not handle yet (counted, then ignored). */
    public AtomicCounter framesUnhandled()
    {
        return framesUnhandled;
    }

    /** @return the record layer's counters (records sealed/opened, rekeys, failures by kind). */
    public io.chainmesh.engine.transport.RecordCounters records()
    {
        return records;
    }

    /** @return unexpected errors (exceptions caught on IO threads). */
    public AtomicCounter errors()
    {
        return errors;
    }

    /**
     * Records an RTT sample.
     *
     * @param rttNs the sample.
     */
    public void onRtt(final long rttNs)
    {
        final long micros = rttNs / 1000;
        rttLastMicros.setRelease(micros);
        rttMaxMicros.proposeMax(micros);
        rttMicros.record(micros);
    }
}
