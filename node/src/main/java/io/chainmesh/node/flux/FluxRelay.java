package io.chainmesh.node.flux;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.engine.ChainmeshNode;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Carries FluxOS broadcast messages across the chainmesh overlay, unchanged: an envelope from a local FluxOS peer
 * is {@linkplain FluxEnvelope#check checked}, marked seen, and published on the reserved topic {@value #TOPIC} as
 * its original UTF-8 text; an envelope from the overlay is checked the same way, marked seen, and handed to the
 * local FluxOS peers. Nothing is marked seen before its signature verifies, so a forged copy cannot shadow the
 * real message; a message seen before (from a peer or the overlay) goes no further and is counted.
 * <p>
 * The seen set holds the SHA-256 of the signed text of the last {@code seenCapacity} messages (FIFO); FluxOS
 * refuses messages older than 5 minutes, so the capacity needs to cover 5 minutes of network-wide traffic (FluxOS
 * networks carry a few messages per second).
 * <p>
 * Threads: {@link #onFluxPeerMessage} from any thread (the FluxOS peer connections); overlay messages on the
 * node's broadcast commit thread, where the check's signature verification runs (public key recovery, well under
 * a millisecond per message). The local peers' sink is called on that thread and must not block.
 */
public final class FluxRelay implements AutoCloseable
{
    /** The overlay topic FluxOS messages travel on (in the range the application API reserves for the node). */
    public static final int TOPIC = 0xFF01;

    /** Outcome of an envelope from a local FluxOS peer. */
    public enum Outcome
    {
        /** Published on the overlay. */
        RELAYED,
        /** Seen before: not relayed again. */
        DUPLICATE,
        /** Refused by the check (see the refusal counters). */
        REFUSED,
        /** Longer than the node's largest broadcast message. */
        TOO_LARGE,
        /** The overlay refused it for now (back pressure, no peers); not marked seen, so a later copy may pass. */
        NOT_PUBLISHED
    }

    private final ChainmeshNode node;
    private final Supplier<DirectorySnapshot> directory;
    private final EpochClock clock;
    private final Consumer<String> localPeers;
    private final Map<String, Boolean> seen;
    private final AutoCloseable subscription;
    private final Map<FluxEnvelope.Refusal, AtomicLong> refusals = new EnumMap<>(FluxEnvelope.Refusal.class);
    private final AtomicLong relayed = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong tooLarge = new AtomicLong();
    private final AtomicLong notPublished = new AtomicLong();

    /**
     * @param node         the running node.
     * @param directory    the current directory (signers must be listed members).
     * @param clock        epoch clock for the freshness window.
     * @param localPeers   receives each new, verified envelope from the overlay (original text); must not block.
     * @param seenCapacity messages remembered for de-duplication.
     */
    public FluxRelay(
        final ChainmeshNode node,
        final Supplier<DirectorySnapshot> directory,
        final EpochClock clock,
        final Consumer<String> localPeers,
        final int seenCapacity)
    {
        if (seenCapacity < 1)
        {
            throw new IllegalArgumentException("seenCapacity=" + seenCapacity + " must be >= 1");
        }
        this.node = node;
        this.directory = directory;
        this.clock = clock;
        this.localPeers = localPeers;
        for (final FluxEnvelope.Refusal refusal : FluxEnvelope.Refusal.values())
        {
            refusals.put(refusal, new AtomicLong());
        }
        this.seen = new LinkedHashMap<>(16, 0.75f, false)
        {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(final Map.Entry<String, Boolean> eldest)
            {
                return size() > seenCapacity;
            }
        };
        subscription = node.subscribe(TOPIC, this::onOverlay);
    }

    /**
     * @param text a text frame from a local FluxOS peer.
     * @return what became of it.
     */
    public Outcome onFluxPeerMessage(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > node.maxMessageLength())
        {
            tooLarge.incrementAndGet();
            return Outcome.TOO_LARGE;
        }
        final FluxEnvelope envelope = checked(text);
        if (null == envelope)
        {
            return Outcome.REFUSED;
        }
        final String key = key(envelope);
        if (!markSeen(key))
        {
            duplicates.incrementAndGet();
            return Outcome.DUPLICATE;
        }
        if (node.offer(TOPIC, new UnsafeBuffer(bytes), 0, bytes.length) < 0)
        {
            unmark(key);
            notPublished.incrementAndGet();
            return Outcome.NOT_PUBLISHED;
        }
        relayed.incrementAndGet();
        return Outcome.RELAYED;
    }

    private void onOverlay(final long originId, final int topic, final DirectBuffer buffer, final int offset, final int length)
    {
        final String text = buffer.getStringWithoutLengthUtf8(offset, length);
        final FluxEnvelope envelope = checked(text);
        if (null == envelope)
        {
            return;
        }
        if (!markSeen(key(envelope)))
        {
            duplicates.incrementAndGet();
            return;
        }
        delivered.incrementAndGet();
        localPeers.accept(envelope.originalText());
    }

    private FluxEnvelope checked(final String text)
    {
        final FluxEnvelope envelope;
        try
        {
            envelope = FluxEnvelope.parse(text);
        }
        catch (final FluxEnvelope.FluxEnvelopeException ex)
        {
            refusals.get(FluxEnvelope.Refusal.MALFORMED).incrementAndGet();
            return null;
        }
        final DirectorySnapshot snapshot = directory.get();
        final FluxEnvelope.Refusal refusal = envelope.check(clock.time(), snapshot::hasKey);
        if (null != refusal)
        {
            refusals.get(refusal).incrementAndGet();
            return null;
        }
        return envelope;
    }

    private synchronized boolean markSeen(final String key)
    {
        return null == seen.putIfAbsent(key, Boolean.TRUE);
    }

    private synchronized void unmark(final String key)
    {
        seen.remove(key);
    }

    private static String key(final FluxEnvelope envelope)
    {
        try
        {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(envelope.signedText().getBytes(StandardCharsets.UTF_8)));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
    }

    /**
     * @param refusal which.
     * @return envelopes refused for it, from peers and the overlay.
     */
    public long refused(final FluxEnvelope.Refusal refusal)
    {
        return refusals.get(refusal).get();
    }

    /** @return envelopes from local peers published on the overlay. */
    public long relayed()
    {
        return relayed.get();
    }

    /** @return envelopes from the overlay handed to local peers. */
    public long delivered()
    {
        return delivered.get();
    }

    /** @return envelopes seen before, from either side. */
    public long duplicates()
    {
        return duplicates.get();
    }

    /** @return envelopes longer than the node's largest broadcast message. */
    public long tooLarge()
    {
        return tooLarge.get();
    }

    /** @return envelopes the overlay refused for now. */
    public long notPublished()
    {
        return notPublished.get();
    }

    @Override
    public void close()
    {
        org.agrona.CloseHelper.quietClose(subscription);
    }
}
