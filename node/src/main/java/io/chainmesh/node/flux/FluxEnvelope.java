package io.chainmesh.node.flux;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonFactory;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.crypto.BitcoinMessage;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.node.json.JsonErrors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * One FluxOS broadcast message: the JSON text frame {@code {"version":1,"timestamp":<ms>,"pubKey":"<hex>",
 * "signature":"<base64>","data":{...}}}, optionally prefixed {@code T<ms>|} with the sender's send time.
 * <p>
 * FluxOS signs {@code version + JSON.stringify(data) + timestamp} as a Bitcoin signed message with the key of
 * {@code pubKey}; {@link #signedText()} rebuilds those characters with {@link JsJson}. {@link #check} refuses, in
 * order of cost, a message outside FluxOS's freshness window (older than 5 minutes, more than 2 minutes ahead), a
 * signer that is not a listed member, and a signature that does not verify: all before anything may mark the
 * message as seen, so a forged copy cannot shadow the real one. The original text is kept unchanged.
 */
public record FluxEnvelope(String originalText, long version, long timestampMs, String pubKey, String signature,
    JsonNode data, String signedText)
{
    /** Longest envelope accepted, in characters. */
    public static final int MAX_LENGTH = 256 * 1024;
    /** Deepest JSON nesting accepted. */
    public static final int MAX_NESTING = 32;
    /** A message older than this is stale. */
    public static final long MAX_AGE_MS = TimeUnit.MINUTES.toMillis(5);
    /** A message stamped further ahead than this is refused. */
    public static final long MAX_AHEAD_MS = TimeUnit.MINUTES.toMillis(2);

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
        .build());

    /** The only envelope version FluxOS accepts. */
    public static final long VERSION = 1;
    /** The API port FluxOS assumes for an address listed without one. */
    public static final int DEFAULT_API_PORT = 16127;
    private static final Pattern PORT = Pattern.compile("[1-9][0-9]{0,4}");

    /** Why a message is refused. */
    public enum Refusal
    {
        /** Not an envelope: bad JSON, a field missing or of the wrong kind, a malformed key or signature. */
        MALFORMED,
        /** Older than {@link #MAX_AGE_MS}. */
        STALE,
        /** Stamped more than {@link #MAX_AHEAD_MS} ahead. */
        FUTURE,
        /** {@code pubKey} is not the key of a listed member. */
        UNKNOWN_SIGNER,
        /**
         * The message names the node it speaks for ({@code data.ip}, or {@code data.oldIP} for
         * {@code fluxipchanged}) and the member listed at that address holds another key, or none is listed there.
         */
        ADDRESS_MISMATCH,
        /** The signature does not verify for {@code pubKey} over the signed text. */
        BAD_SIGNATURE
    }

    /**
     * @param text a text frame from a FluxOS peer.
     * @return the envelope.
     * @throws FluxEnvelopeException naming what is wrong (refusal {@link Refusal#MALFORMED}).
     */
    public static FluxEnvelope parse(final String text)
    {
        if (text.length() > MAX_LENGTH)
        {
            throw new FluxEnvelopeException("envelope length=" + text.length() + " exceeds limit " + MAX_LENGTH);
        }
        String body = text;
        if (text.startsWith("T"))
        {
            final int bar = text.indexOf('|');
            if (bar < 2 || bar > 21 || !text.substring(1, bar).chars().allMatch(Character::isDigit))
            {
                throw new FluxEnvelopeException("send-time prefix " + text.substring(0, Math.min(22, text.length())) +
                    " is not T<ms>|");
            }
            body = text.substring(bar + 1);
        }
        final JsonNode root;
        try (JsonParser parser = JSON.createParser(body))
        {
            root = JSON.readTree(parser);
            if (null != parser.nextToken() && parser.currentToken() != JsonToken.NOT_AVAILABLE)
            {
                throw new FluxEnvelopeException("text after the envelope's JSON object");
            }
        }
        catch (final IOException ex)
        {
            throw new FluxEnvelopeException("not JSON: " + JsonErrors.firstLine(ex.getMessage()));
        }
        if (null == root || !root.isObject())
        {
            throw new FluxEnvelopeException("envelope is not a JSON object");
        }
        final long version = integral(root, "version");
        final long timestamp = integral(root, "timestamp");
        final String pubKey = text(root, "pubKey", 130);
        final String signature = text(root, "signature", BitcoinMessage.MAX_BASE64_LENGTH);
        final JsonNode data = root.get("data");
        if (null == data || !data.isObject())
        {
            throw new FluxEnvelopeException("data=" + (null == data ? "<missing>" : data.getNodeType()) +
                " must be a JSON object");
        }
        final String signedText = JsJson.number(version) + JsJson.stringify(data) + JsJson.number(timestamp);
        return new FluxEnvelope(text, version, timestamp, pubKey, signature, data, signedText);
    }

    /**
     * Checks the message as FluxOS does, cheapest first; verification (ECDSA public key recovery) runs last.
     *
     * @param nowMs    the current time, epoch ms.
     * @param isMember whether a key belongs to a listed member.
     * @return null if the message may be relayed, else why not.
     */
    public Refusal check(final long nowMs, final Predicate<PublicKey> isMember)
    {
        return check(nowMs, isMember, false, null);
    }

    private Refusal check(
        final long nowMs, final Predicate<PublicKey> isMember, final boolean targeted, final PublicKey listedAtTarget)
    {
        if (nowMs - timestampMs > MAX_AGE_MS)
        {
            return Refusal.STALE;
        }
        if (timestampMs - nowMs > MAX_AHEAD_MS)
        {
            return Refusal.FUTURE;
        }
        final PublicKey signer;
        try
        {
            signer = PublicKey.fromHex(pubKey);
        }
        catch (final CodecException ex)
        {
            return Refusal.MALFORMED;
        }
        if (!isMember.test(signer))
        {
            return Refusal.UNKNOWN_SIGNER;
        }
        if (targeted && !signer.equals(listedAtTarget))
        {
            return Refusal.ADDRESS_MISMATCH;
        }
        try
        {
            return BitcoinMessage.verify(signer, signedText.getBytes(StandardCharsets.UTF_8), signature) ? null :
                Refusal.BAD_SIGNATURE;
        }
        catch (final CodecException ex)
        {
            return Refusal.BAD_SIGNATURE;
        }
    }

    /**
     * @return the address the message speaks for, as FluxOS reads it ({@code data.oldIP} for {@code fluxipchanged},
     *         {@code data.ip} for the app-state and sigterm types), or null for the types FluxOS checks by key only.
     */
    public String targetAddress()
    {
        final String type = type();
        if (null == type)
        {
            return null;
        }
        final String field = switch (type)
        {
            case "fluxapprunning", "fluxappinstalling", "fluxappinstallingerror", "fluxappremoved", "fluxnodesigterm" ->
                "ip";
            case "fluxipchanged" -> "oldIP";
            default -> null;
        };
        if (null == field)
        {
            return null;
        }
        final JsonNode value = data.get(field);
        // FluxOS looks up whatever is there; a missing or non-text address finds no node.
        return null == value ? "" : value.isTextual() ? value.textValue() : value.toString();
    }

    /**
     * @param address {@code host} or {@code host:port} (IPv4), as the node list writes it.
     * @return the listed endpoint, port {@value #DEFAULT_API_PORT} if none is given; null if it is not one.
     */
    static Endpoint endpoint(final String address)
    {
        final int colon = address.indexOf(':');
        if (address.isEmpty() || address.length() > 64 || (colon >= 0 && address.indexOf(':', colon + 1) >= 0))
        {
            return null;
        }
        final String host = colon < 0 ? address : address.substring(0, colon);
        final String digits = colon < 0 ? null : address.substring(colon + 1);
        // As the node list writes a port: no sign, no leading zero ("+16137" and "016137" name no listed node).
        if (host.isEmpty() || (null != digits && !PORT.matcher(digits).matches()))
        {
            return null;
        }
        final int port = null == digits ? DEFAULT_API_PORT : Integer.parseInt(digits);
        return port > 65535 ? null : new Endpoint(host, port);
    }

    /**
     * Checks the message as FluxOS's {@code verifyFluxBroadcast} does: version 1 and a {@code data.type}, the
     * freshness window, a signer that holds a listed member's key and, for the types that name the node they speak
     * for ({@code data.ip}; {@code data.oldIP} for {@code fluxipchanged}), the member listed at that address holds
     * the signer's key; the signature last.
     *
     * @param nowMs     the current time, epoch ms.
     * @param directory the node list.
     * @return null if the message may be relayed, else why not.
     */
    public Refusal check(final long nowMs, final DirectorySnapshot directory)
    {
        if (VERSION != version || null == type())
        {
            return Refusal.MALFORMED;
        }
        final String target = targetAddress();
        if (null == target)
        {
            return check(nowMs, directory::hasKey, false, null);
        }
        final Endpoint endpoint = endpoint(target);
        final Member listed = null == endpoint ? null : directory.findByEndpoint(endpoint);
        return check(nowMs, directory::hasKey, true, null == listed ? null : listed.publicKey());
    }

    /**
     * @return the envelope's JSON text without the {@code T<ms>|} send-time prefix: the bytes the signer's node sent,
     *         which the bridge carries unchanged (the prefix describes one hop and each sender writes its own).
     */
    public String envelopeText()
    {
        return originalText.startsWith("T") ? originalText.substring(originalText.indexOf('|') + 1) : originalText;
    }

    /** @return {@code data.type}, or null. */
    public String type()
    {
        final JsonNode type = data.get("type");
        return null == type || !type.isTextual() ? null : type.textValue();
    }

    private static long integral(final JsonNode root, final String name)
    {
        final JsonNode value = root.get(name);
        if (null == value || !value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0 ||
            value.longValue() > (1L << 53))
        {
            throw new FluxEnvelopeException(name + "=" + value + " must be an integer in [0, 2^53]");
        }
        return value.longValue();
    }

    private static String text(final JsonNode root, final String name, final int maxLength)
    {
        final JsonNode value = root.get(name);
        if (null == value || !value.isTextual() || value.textValue().isEmpty() || value.textValue().length() > maxLength)
        {
            throw new FluxEnvelopeException(name + " must be a string of 1 to " + maxLength + " characters");
        }
        return value.textValue();
    }

    /** A text that is not a FluxOS envelope; the message says why. */
    public static final class FluxEnvelopeException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        /** @param message what is wrong. */
        public FluxEnvelopeException(final String message)
        {
            super(message, null, false, false);
        }
    }
}
