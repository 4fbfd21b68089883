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
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Carries FluxOS broadcast messages across the chainmesh overlay, unchanged: an envelope from a local FluxOS peer
 * is {@linkplain FluxEnvelope#check(long, DirectorySnapshot) checked}, marked seen, and published on the reserved
 * topic {@value #TOPIC} as its original UTF-8 text (without the per-hop {@code T<ms>|} send-time prefix); an envelope from the overlay is checked the same way, marked
 * seen, and handed to the local FluxOS peers. Nothing is marked seen before its signature verifies, so a forged
 * copy cannot shadow the real message; a message seen before (from a peer or the overlay) goes no further and is
 * counted.
 * <p>
 * The seen set ({@code FluxSeenSet}) maps the SHA-256 of a message's signed text to the key and signature that
 * verified for it: an exact copy of a verified message (FluxOS floods many) is known as a duplicate without verifying
 * it again, while a copy with another signature is verified like a new message. It is bounded by a capacity and by
 * FluxOS's freshness window; {@link #evictedFresh()} says whether the capacity is below the network's five-minute
 * volume.
 * <p>
 * Threads: {@link #onFluxPeerMessage} from any thread (the FluxOS peer connections); overlay messages on the
 * node's broadcast commit thread, where the check's signature verification runs (public key recovery, well under
 * a millisecond per message). The local peers' sink is called on that thread and must not block. The seen set is
 * shared by those threads under one monitor: FluxOS networks carry a few messages per second, far from contention.
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
        /** Not an envelope, or not version 1 with a {@code data.type}. */
        MALFORMED,
        /** Older than FluxOS's freshness window. */
        STALE,
        /** Stamped too far ahead. */
        FUTURE,
        /** Signed by a key no listed member holds. */
        UNKNOWN_SIGNER,
        /** Signed by another key than the member listed at the address the message speaks for. */
        ADDRESS_MISMATCH,
        /** The signature does not verify. */
        BAD_SIGNATURE,
        /** Longer than the node's largest broadcast message. */
        TOO_LARGE,
        /** The overlay refused it for now (back pressure, no peers); not marked seen, so a later copy may pass. */
        NOT_PUBLISHED;

        /**
         * @param refusal why the check refused a message.
         * @return the matching outcome.
         */
        static Outcome of(final FluxEnvelope.Refusal refusal)
        {
            return switch (refusal)
            {
                case MALFORMED -> MALFORMED;
                case STALE -> STALE;
                case FUTURE -> FUTURE;
                case UNKNOWN_SIGNER -> UNKNOWN_SIGNER;
                case ADDRESS_MISMATCH -> ADDRESS_MISMATCH;
                case BAD_SIGNATURE -> BAD_SIGNATURE;
            };
        }

        /** @return true if the message was refused by the check (not a duplicate, not too large, not back pressure). */
        public boolean refused()
        {
            return ordinal() >= MALFORMED.ordinal() && ordinal() <= BAD_SIGNATURE.ordinal();
        }
    }

    private final ChainmeshNode node;
    private final Supplier<DirectorySnapshot> directory;
    private final EpochClock clock;
    private final Consumer<String> localPeers;
    private final FluxSeenSet seen;
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
        this.node = node;
        this.directory = directory;
        this.clock = clock;
        this.localPeers = localPeers;
        this.seen = new FluxSeenSet(seenCapacity, clock);
        for (final FluxEnvelope.Refusal refusal : FluxEnvelope.Refusal.values())
        {
            refusals.put(refusal, new AtomicLong());
        }
        subscription = node.subscribe(TOPIC, this::onOverlay);
    }

    /**
     * @param text a text frame from a local FluxOS peer.
     * @return what became of it.
     */
    public Outcome onFluxPeerMessage(final String text)
    {
        final FluxEnvelope envelope;
        try
        {
            envelope = FluxEnvelope.parse(text);
        }
        catch (final FluxEnvelope.FluxEnvelopeException ex)
        {
            return refuse(FluxEnvelope.Refusal.MALFORMED);
        }
        final byte[] bytes = envelope.envelopeText().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > node.maxMessageLength())
        {
            tooLarge.incrementAndGet();
            return Outcome.TOO_LARGE;
        }
        final String key = key(envelope);
        if (seen.isExactCopy(key, envelope))
        {
            duplicates.incrementAndGet();
            return Outcome.DUPLICATE;
        }
        final FluxEnvelope.Refusal refusal = envelope.check(clock.time(), directory.get());
        if (null != refusal)
        {
            return refuse(refusal);
        }
        if (!seen.mark(key, envelope))
        {
            duplicates.incrementAndGet();
            return Outcome.DUPLICATE;
        }
        if (node.offer(TOPIC, new UnsafeBuffer(bytes), 0, bytes.length) < 0)
        {
            seen.unmark(key);
            notPublished.incrementAndGet();
            return Outcome.NOT_PUBLISHED;
        }
        relayed.incrementAndGet();
        return Outcome.RELAYED;
    }

    private void onOverlay(final long originId, final int topic, final DirectBuffer buffer, final int offset, final int length)
    {
        final String text = buffer.getStringWithoutLengthUtf8(offset, length);
        final FluxEnvelope envelope;
        try
        {
            envelope = FluxEnvelope.parse(text);
        }
        catch (final FluxEnvelope.FluxEnvelopeException ex)
        {
            refuse(FluxEnvelope.Refusal.MALFORMED);
            return;
        }
        final String key = key(envelope);
        if (seen.isExactCopy(key, envelope))
        {
            duplicates.incrementAndGet();
            return;
        }
        final FluxEnvelope.Refusal refusal = envelope.check(clock.time(), directory.get());
        if (null != refusal)
        {
            refuse(refusal);
            return;
        }
        if (!seen.mark(key, envelope))
        {
            duplicates.incrementAndGet();
            return;
        }
        delivered.incrementAndGet();
        localPeers.accept(envelope.envelopeText());
    }

    private Outcome refuse(final FluxEnvelope.Refusal refusal)
    {
        refusals.get(refusal).incrementAndGet();
        return Outcome.of(refusal);
    }

    /** @return messages remembered for de-duplication now. */
    public int seenSize()
    {
        return seen.size();
    }

    private static String key(final FluxEnvelope envelope)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
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

    /** @return seen entries pushed out by the capacity while their message was still inside the freshness window. */
    public long evictedFresh()
    {
        return seen.evictedFresh();
    }

    @Override
    public void close()
    {
        org.agrona.CloseHelper.quietClose(subscription);
    }
}
