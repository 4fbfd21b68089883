package io.chainmesh.chain;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.crypto.PublicKey;
import org.agrona.collections.LongHashSet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Parses and validates fluxd's {@code viewdeterministicfluxnodelist} output: a bare JSON array, or the
 * JSON-RPC envelope {@code {"result": [...], "error": null, "id": ..}} (an envelope may also carry a
 * {@code "height"} number, used by {@link JsonFileSource}).
 * <p>
 * Each entry is validated on its own and rejected with a {@link RejectReason} when bad; the rest of
 * the list is used. Rules:
 * <ul>
 *   <li>required: {@code pubkey} (hex secp256k1, on the curve), {@code ip}, {@code tier},
 *   {@code txhash} (64 hex) and {@code outidx} (both may instead come from {@code collateral}),
 *   {@code added_height};</li>
 *   <li>{@code confirmed_height}, {@code last_confirmed_height}, {@code last_paid_height} default to 0,
 *   {@code payment_address} to empty, {@code rank} to -1;</li>
 *   <li>heights and {@code outidx} are JSON integers or numeric strings, non-negative;</li>
 *   <li>{@code ip}: IPv4 or IPv6 literal with an optional port (default port otherwise), see
 *   {@link EndpointParser}; onion addresses and host names are refused;</li>
 *   <li>{@code collateral}, when present, is {@code COutPoint(<txhash>, <n>)} and agrees with
 *   {@code txhash}/{@code outidx};</li>
 *   <li>string fields are at most {@link Context#maxStringLength()} characters;</li>
 *   <li>an empty {@code ip} is {@link RejectReason#NO_ADDRESS}: such an entry cannot be dialled, and
 *   chainmesh's overlay needs every member reachable;</li>
 *   <li>members are collaterals: any number of entries may share one public key;</li>
 *   <li>duplicates: the <b>first</b> entry in input order with a given collateral, listed socket address or
 *   origin id is kept and later ones are rejected (fluxd's output order is itself deterministic, so every
 *   node keeps the same one).</li>
 * </ul>
 * A body that is not JSON, is truncated, or is neither an array nor an envelope with a result array
 * raises a {@link ChainDataException} so the caller keeps its previous snapshot; so does an envelope
 * whose {@code error} is not null.
 * <p>
 * Public key decompression (a square root mod p, ~10 µs) dominates the cost, so the parser validates all
 * other fields while streaming, then decodes the keys it has not seen in the previous parse — in parallel
 * on the common fork-join pool when there are many (see {@link Context#parallelKeyDecoding(boolean)}) —
 * and remembers them for the next parse (bounded by the list's size). An instance is therefore <b>not
 * thread-safe</b>: it is owned by the one thread that polls (or by the caller).
 */
public final class FluxdNodeListParser
{
    /** FluxOS API port, the default for entries whose {@code ip} has no port. */
    public static final int DEFAULT_FLUXOS_PORT = 16127;

    private static final int PUBKEY = 0;
    private static final int IP = 1;
    private static final int TIER = 2;
    private static final int TXHASH = 3;
    private static final int OUTIDX = 4;
    private static final int COLLATERAL = 5;
    private static final int ADDED_HEIGHT = 6;
    private static final int CONFIRMED_HEIGHT = 7;
    private static final int LAST_CONFIRMED_HEIGHT = 8;
    private static final int LAST_PAID_HEIGHT = 9;
    private static final int PAYMENT_ADDRESS = 10;
    private static final int RANK = 11;
    private static final int FIELD_COUNT = 12;
    private static final String[] FIELD_NAMES = {
        "pubkey", "ip", "tier", "txhash", "outidx", "collateral", "added_height", "confirmed_height",
        "last_confirmed_height", "last_paid_height", "payment_address", "rank" };
    private static final int MAX_EXAMPLE_COLLATERAL = 100;
    private static final int PARALLEL_DECODE_THRESHOLD = 512;

    private final Context ctx;
    private final JsonFactory factory;
    // Scratch for the entry being read; owned by the parsing thread.
    private final JsonToken[] tokens = new JsonToken[FIELD_COUNT];
    private final String[] texts = new String[FIELD_COUNT];
    private Map<String, PublicKey> previousKeys = new HashMap<>();
    private Map<String, MemberId> previousIds = new HashMap<>();

    /**
     * @param ctx settings; {@link Context#conclude()} is called here.
     */
    public FluxdNodeListParser(final Context ctx)
    {
        this.ctx = ctx.conclude();
        this.factory = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64)
                .maxStringLength(Math.max(ctx.maxStringLength(), 1_000_000))
                .maxNumberLength(64)
                .build())
            .build();
    }

    /**
     * A parser with default settings.
     */
    public FluxdNodeListParser()
    {
        this(new Context());
    }

    /**
     * @return the settings.
     */
    public Context context()
    {
        return ctx;
    }

    /**
     * @param json UTF-8 text.
     * @return the accepted members and rejections.
     * @throws ChainDataException if the text is not a node list at all.
     */
    public ParseResult parse(final String json)
    {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return parse(bytes, 0, bytes.length);
    }

    /**
     * @param json   buffer holding UTF-8 JSON.
     * @param offset where the JSON starts.
     * @param length its length in bytes.
     * @return the accepted members and rejections.
     * @throws ChainDataException if the bytes are not a node list at all.
     */
    public ParseResult parse(final byte[] json, final int offset, final int length)
    {
        final Accumulator acc = new Accumulator(ctx.maxRejectionExamples());
        long height = -1;
        try (JsonParser parser = factory.createParser(json, offset, length))
        {
            final JsonToken first = parser.nextToken();
            if (JsonToken.START_ARRAY == first)
            {
                readArray(parser, acc);
            }
            else if (JsonToken.START_OBJECT == first)
            {
                height = readEnvelope(parser, acc);
            }
            else
            {
                throw new ChainDataException(ChainDataException.Kind.MALFORMED,
                    "node list must be a JSON array or an object with a result array, found " +
                    (null == first ? "empty input" : bounded(parser.getText(), 40) + " (" + first + ")"));
            }
            final JsonToken trailing = parser.nextToken();
            if (null != trailing)
            {
                throw new ChainDataException(ChainDataException.Kind.MALFORMED,
                    "node list has trailing content " + trailing + " at offset " +
                    parser.currentTokenLocation().getByteOffset());
            }
        }
        catch (final JsonProcessingException ex)
        {
            throw new ChainDataException(ChainDataException.Kind.MALFORMED,
                "node list is not valid JSON: " + ex.getOriginalMessage() + " at offset " +
                (null == ex.getLocation() ? -1 : ex.getLocation().getByteOffset()), ex);
        }
        catch (final IOException ex)
        {
            throw new ChainDataException(ChainDataException.Kind.MALFORMED, "node list could not be read: " + ex, ex);
        }
        resolveKeys(acc);
        previousKeys = acc.keys;
        previousIds = acc.ids;
        acc.examples.sort(Comparator.comparingInt(Rejection::index));
        final List<Rejection> examples = acc.examples.size() > ctx.maxRejectionExamples() ?
            acc.examples.subList(0, ctx.maxRejectionExamples()) : acc.examples;
        return new ParseResult(acc.members, acc.entryCount, acc.counts, examples, height);
    }

    /**
     * Validates one entry already decoded as a map of field name to scalar value (numbers, strings),
     * e.g. the fields of a {@code getfluxnodestatus} answer.
     *
     * @param fields field values; non-string values are converted with {@code toString()}.
     * @return the member.
     * @throws ChainDataException with kind {@link ChainDataException.Kind#MALFORMED} naming the reason.
     */
    public Member parseEntry(final Map<String, ?> fields)
    {
        Arrays.fill(tokens, null);
        Arrays.fill(texts, null);
        for (int i = 0; i < FIELD_COUNT; i++)
        {
            final Object value = fields.get(FIELD_NAMES[i]);
            if (null != value)
            {
                texts[i] = value.toString();
                tokens[i] = value instanceof Number ? JsonToken.VALUE_NUMBER_INT : JsonToken.VALUE_STRING;
            }
        }
        try
        {
            final Pending entry = validate(0);
            return entry.toMember(MemberId.of(entry.txHash(), entry.outputIndex()), PublicKey.fromHex(entry.pubkey()));
        }
        catch (final EntryException ex)
        {
            throw new ChainDataException(ChainDataException.Kind.MALFORMED, ex.reason() + ": " + ex.getMessage(), ex);
        }
        catch (final CodecException ex)
        {
            throw new ChainDataException(ChainDataException.Kind.MALFORMED, RejectReason.BAD_PUBKEY + ": " + ex.getMessage(), ex);
        }
    }

    private long readEnvelope(final JsonParser parser, final Accumulator acc) throws IOException
    {
        long height = -1;
        boolean sawResult = false;
        int errorCode = 0;
        String errorMessage = null;
        JsonToken token;
        while (JsonToken.FIELD_NAME == (token = parser.nextToken()))
        {
            final String name = parser.currentName();
            final JsonToken value = parser.nextToken();
            switch (name)
            {
                case "result":
                    if (JsonToken.START_ARRAY == value)
                    {
                        readArray(parser, acc);
                        sawResult = true;
                    }
                    else if (JsonToken.VALUE_NULL != value)
                    {
                        throw new ChainDataException(ChainDataException.Kind.MALFORMED,
                            "node list envelope result must be an array, found " + value);
                    }
                    break;

                case "error":
                    if (JsonToken.START_OBJECT == value)
                    {
                        errorMessage = "";
                        while (JsonToken.FIELD_NAME == parser.nextToken())
                        {
                            final String errorField = parser.currentName();
                            final JsonToken errorValue = parser.nextToken();
                            if ("code".equals(errorField) && JsonToken.VALUE_NUMBER_INT == errorValue)
                            {
                                errorCode = parser.getIntValue();
                            }
                            else if ("message".equals(errorField) && JsonToken.VALUE_STRING == errorValue)
                            {
                                errorMessage = bounded(parser.getText(), 200);
                            }
                            else
                            {
                                parser.skipChildren();
                            }
                        }
                    }
                    else if (JsonToken.VALUE_NULL != value)
                    {
                        errorMessage = bounded(parser.getText(), 200);
                        parser.skipChildren();
                    }
                    break;

                case "height":
                    try
                    {
                        height = parseNonNegative(value, parser.getText(), "height");
                    }
                    catch (final EntryException ex)
                    {
                        throw new ChainDataException(ChainDataException.Kind.MALFORMED,
                            "node list envelope " + ex.getMessage());
                    }
                    break;

                default:
                    parser.skipChildren();
            }
        }
        if (JsonToken.END_OBJECT != token)
        {
            throw new ChainDataException(ChainDataException.Kind.MALFORMED, "node list envelope is not a JSON object");
        }
        if (null != errorMessage)
        {
            throw ChainDataException.rpcError(errorCode, errorMessage, "node list");
        }
        if (!sawResult)
        {
            throw new ChainDataException(ChainDataException.Kind.MALFORMED, "node list envelope has no result array");
        }
        return height;
    }

    private void readArray(final JsonParser parser, final Accumulator acc) throws IOException
    {
        JsonToken token;
        while (JsonToken.END_ARRAY != (token = parser.nextToken()))
        {
            if (null == token)
            {
                throw new ChainDataException(ChainDataException.Kind.MALFORMED, "node list array is truncated");
            }
            final int index = acc.entryCount++;
            if (index >= ctx.maxEntries())
            {
                throw new ChainDataException(ChainDataException.Kind.OVERSIZED,
                    "node list has more than maxEntries=" + ctx.maxEntries() + " entries");
            }
            if (JsonToken.START_OBJECT != token)
            {
                parser.skipChildren();
                acc.reject(index, "", RejectReason.NOT_AN_OBJECT, "entry is " + token + ", not an object");
                continue;
            }
            readFields(parser);
            try
            {
                acc.pending.add(validate(index));
            }
            catch (final EntryException ex)
            {
                acc.reject(index, exampleCollateral(), ex.reason(), ex.getMessage());
            }
        }
    }

    /**
     * Second phase, after the whole array is read: decode the public keys not known from the previous
     * parse (in parallel for large lists, since decompression is the dominant cost), then build members and
     * drop duplicates in input order.
     */
    private void resolveKeys(final Accumulator acc)
    {
        final List<Pending> pending = acc.pending;
        final Map<String, Integer> slots = new HashMap<>();
        final List<String> missing = new ArrayList<>();
        for (final Pending entry : pending)
        {
            if (!previousKeys.containsKey(entry.pubkey) && null == slots.putIfAbsent(entry.pubkey, missing.size()))
            {
                missing.add(entry.pubkey);
            }
        }
        final Object[] decoded = new Object[missing.size()];
        final IntConsumer decode = i ->
        {
            try
            {
                decoded[i] = PublicKey.fromHex(missing.get(i));
            }
            catch (final CodecException ex)
            {
                decoded[i] = ex.getMessage();
            }
        };
        IntStream range = IntStream.range(0, decoded.length);
        if (ctx.parallelKeyDecoding() && decoded.length >= PARALLEL_DECODE_THRESHOLD)
        {
            // Joins before returning, which orders the array writes before the reads below.
            range = range.parallel();
        }
        range.forEach(decode);

        for (final Pending entry : pending)
        {
            PublicKey nodeId = previousKeys.get(entry.pubkey);
            if (null == nodeId)
            {
                final Object result = decoded[slots.get(entry.pubkey)];
                if (!(result instanceof PublicKey))
                {
                    acc.reject(entry.index, entry.collateral(), RejectReason.BAD_PUBKEY,
                        "pubkey '" + bounded(entry.pubkey, 140) + "': " + result);
                    continue;
                }
                nodeId = (PublicKey)result;
            }
            acc.keys.put(entry.pubkey, nodeId);
            acc.accept(entry.index, entry.toMember(memberId(entry, acc), nodeId));
        }
    }

    /**
     * The member id of an entry, from the previous parse when the same collateral was listed (a member id costs a
     * hex decode and a SHA-256), remembered for the next parse.
     */
    private MemberId memberId(final Pending entry, final Accumulator acc)
    {
        MemberId id = previousIds.get(entry.txHash);
        if (null == id || id.outputIndex() != entry.outputIndex)
        {
            id = MemberId.of(entry.txHash, entry.outputIndex);
        }
        acc.ids.put(entry.txHash, id);
        return id;
    }

    private void readFields(final JsonParser parser) throws IOException
    {
        Arrays.fill(tokens, null);
        Arrays.fill(texts, null);
        while (JsonToken.FIELD_NAME == parser.nextToken())
        {
            final int field = fieldId(parser.currentName());
            final JsonToken value = parser.nextToken();
            if (field < 0)
            {
                parser.skipChildren();
            }
            else if (value.isStructStart())
            {
                parser.skipChildren();
                tokens[field] = value;
            }
            else if (JsonToken.VALUE_NULL != value)
            {
                tokens[field] = value;
                texts[field] = parser.getText();
            }
        }
    }

    private static int fieldId(final String name)
    {
        switch (name)
        {
            case "pubkey": return PUBKEY;
            case "ip": return IP;
            case "tier": return TIER;
            case "txhash": return TXHASH;
            case "outidx": return OUTIDX;
            case "collateral": return COLLATERAL;
            case "added_height": return ADDED_HEIGHT;
            case "confirmed_height": return CONFIRMED_HEIGHT;
            case "last_confirmed_height": return LAST_CONFIRMED_HEIGHT;
            case "last_paid_height": return LAST_PAID_HEIGHT;
            case "payment_address": return PAYMENT_ADDRESS;
            case "rank": return RANK;
            default: return -1;
        }
    }

    private Pending validate(final int index)
    {
        for (int i = 0; i < FIELD_COUNT; i++)
        {
            if (null != tokens[i])
            {
                if (tokens[i].isStructStart())
                {
                    throw new EntryException(RejectReason.BAD_FIELD, FIELD_NAMES[i] + " must be a scalar, found " + tokens[i]);
                }
                if (texts[i].length() > ctx.maxStringLength())
                {
                    throw new EntryException(RejectReason.BAD_FIELD, FIELD_NAMES[i] + " length " + texts[i].length() +
                        " exceeds limit " + ctx.maxStringLength());
                }
            }
        }

        String txHash = texts[TXHASH];
        String outIdx = texts[OUTIDX];
        JsonToken outIdxToken = tokens[OUTIDX];
        final String collateral = texts[COLLATERAL];
        String collateralHash = null;
        String collateralIndex = null;
        if (null != collateral)
        {
            if (!collateral.startsWith("COutPoint(") || !collateral.endsWith(")"))
            {
                throw new EntryException(RejectReason.BAD_COLLATERAL, "collateral '" + collateral + "' is not COutPoint(<txhash>, <n>)");
            }
            final int comma = collateral.indexOf(',');
            if (comma < 0)
            {
                throw new EntryException(RejectReason.BAD_COLLATERAL, "collateral '" + collateral + "' has no output index");
            }
            collateralHash = collateral.substring("COutPoint(".length(), comma).trim();
            collateralIndex = collateral.substring(comma + 1, collateral.length() - 1).trim();
            if (null == txHash)
            {
                txHash = collateralHash;
            }
            if (null == outIdx)
            {
                outIdx = collateralIndex;
                outIdxToken = JsonToken.VALUE_STRING;
            }
        }

        require(PUBKEY, texts[PUBKEY]);
        require(IP, texts[IP]);
        require(TIER, texts[TIER]);
        require(TXHASH, txHash);
        require(OUTIDX, outIdx);
        require(ADDED_HEIGHT, texts[ADDED_HEIGHT]);

        if (txHash.length() != 64 || !isHex(txHash))
        {
            throw new EntryException(RejectReason.BAD_TXHASH, "txhash '" + txHash + "' is not 64 hex characters");
        }
        final String normalizedHash = txHash.toLowerCase(Locale.ROOT);
        final long outputIndex = parseNonNegativeOr(outIdxToken, outIdx, "outidx", RejectReason.BAD_OUTIDX);
        if (outputIndex > Integer.MAX_VALUE)
        {
            throw new EntryException(RejectReason.BAD_OUTIDX, "outidx " + outputIndex + " exceeds " + Integer.MAX_VALUE);
        }
        if (null != collateral &&
            (!normalizedHash.equalsIgnoreCase(collateralHash) || !Long.toString(outputIndex).equals(collateralIndex)))
        {
            throw new EntryException(RejectReason.BAD_COLLATERAL, "collateral '" + collateral + "' disagrees with txhash " +
                normalizedHash + " outidx " + outputIndex);
        }

        final Tier tier = Tier.parse(texts[TIER]);
        if (null == tier)
        {
            throw new EntryException(RejectReason.UNKNOWN_TIER, "tier '" + texts[TIER] + "' is not CUMULUS, NIMBUS or STRATUS");
        }
        final long addedHeight = parseNonNegative(tokens[ADDED_HEIGHT], texts[ADDED_HEIGHT], "added_height");
        final long confirmedHeight = optionalHeight(CONFIRMED_HEIGHT);
        final long lastConfirmedHeight = optionalHeight(LAST_CONFIRMED_HEIGHT);
        final long lastPaidHeight = optionalHeight(LAST_PAID_HEIGHT);
        final int rank = parseRank();

        final Endpoint endpoint = EndpointParser.parse(texts[IP], ctx.defaultPort());

        final String paymentAddress = null == texts[PAYMENT_ADDRESS] ? "" : texts[PAYMENT_ADDRESS];
        return new Pending(index, texts[PUBKEY], endpoint, normalizedHash, (int)outputIndex, tier, addedHeight,
            confirmedHeight, lastConfirmedHeight, lastPaidHeight, paymentAddress, rank);
    }

    /**
     * An entry whose fields are valid, waiting for its public key to be decoded.
     */
    private record Pending(
        int index,
        String pubkey,
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
        Member toMember(final MemberId id, final PublicKey nodeId)
        {
            return new Member(id, nodeId, endpoint, tier, addedHeight, confirmedHeight,
                lastConfirmedHeight, lastPaidHeight, paymentAddress, rank);
        }

        String collateral()
        {
            return txHash + ":" + outputIndex;
        }
    }

    private void require(final int field, final String value)
    {
        if (null == value)
        {
            throw new EntryException(RejectReason.MISSING_FIELD, FIELD_NAMES[field] + " is missing");
        }
    }

    private long optionalHeight(final int field)
    {
        return null == texts[field] ? 0 : parseNonNegative(tokens[field], texts[field], FIELD_NAMES[field]);
    }

    private int parseRank()
    {
        final String text = texts[RANK];
        if (null == text)
        {
            return -1;
        }
        final String digits = text.startsWith("-") ? text.substring(1) : text;
        if ((JsonToken.VALUE_NUMBER_INT != tokens[RANK] && JsonToken.VALUE_STRING != tokens[RANK]) ||
            digits.isEmpty() || digits.length() > 9 || !isDigits(digits))
        {
            throw new EntryException(RejectReason.BAD_RANK, "rank '" + text + "' is not an integer >= -1");
        }
        final int rank = Integer.parseInt(text);
        if (rank < -1)
        {
            throw new EntryException(RejectReason.BAD_RANK, "rank " + rank + " is not an integer >= -1");
        }
        return rank;
    }

    private static long parseNonNegative(final JsonToken token, final String text, final String field)
    {
        return parseNonNegativeOr(token, text, field, RejectReason.BAD_HEIGHT);
    }

    private static long parseNonNegativeOr(
        final JsonToken token, final String text, final String field, final RejectReason reason)
    {
        if ((JsonToken.VALUE_NUMBER_INT != token && JsonToken.VALUE_STRING != token) ||
            text.isEmpty() || text.length() > 18 || !isDigits(text))
        {
            throw new EntryException(reason, field + " '" + bounded(text, 40) + "' is not a non-negative integer");
        }
        return Long.parseLong(text);
    }

    private static boolean isDigits(final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c < '0' || c > '9')
            {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            if (Character.digit(text.charAt(i), 16) < 0)
            {
                return false;
            }
        }
        return true;
    }

    private String exampleCollateral()
    {
        if (null != texts[COLLATERAL])
        {
            return bounded(texts[COLLATERAL], MAX_EXAMPLE_COLLATERAL);
        }
        if (null != texts[TXHASH])
        {
            return bounded(texts[TXHASH] + ":" + texts[OUTIDX], MAX_EXAMPLE_COLLATERAL);
        }
        return "";
    }

    static String bounded(final String text, final int max)
    {
        return null == text || text.length() <= max ? text : text.substring(0, max) + "...(" + text.length() + " chars)";
    }

    /**
     * Collects one parse's outcome; duplicate detection keeps the first entry in input order.
     */
    private static final class Accumulator
    {
        final List<Member> members = new ArrayList<>();
        final List<Pending> pending = new ArrayList<>();
        final Map<String, PublicKey> keys = new HashMap<>();
        final Map<String, MemberId> ids = new HashMap<>();
        final Set<MemberId> collaterals = new HashSet<>();
        final Set<Endpoint> endpoints = new HashSet<>();
        final LongHashSet originIds = new LongHashSet();
        final EnumMap<RejectReason, Integer> counts = new EnumMap<>(RejectReason.class);
        final List<Rejection> examples = new ArrayList<>();
        final int maxExamples;
        int entryCount;

        Accumulator(final int maxExamples)
        {
            this.maxExamples = maxExamples;
        }

        void accept(final int index, final Member member)
        {
            final String collateral = member.collateral();
            if (collaterals.contains(member.id()))
            {
                reject(index, collateral, RejectReason.DUPLICATE_COLLATERAL, "collateral " + collateral + " already listed earlier");
            }
            else if (endpoints.contains(member.endpoint()))
            {
                reject(index, collateral, RejectReason.DUPLICATE_ENDPOINT,
                    "ip " + member.endpoint() + " already listed earlier for another collateral");
            }
            else if (originIds.contains(member.originId()))
            {
                reject(index, collateral, RejectReason.DUPLICATE_ORIGIN_ID,
                    "originId " + Long.toHexString(member.originId()) + " of " + collateral + " collides with an earlier entry");
            }
            else
            {
                collaterals.add(member.id());
                endpoints.add(member.endpoint());
                originIds.add(member.originId());
                members.add(member);
            }
        }

        void reject(final int index, final String collateral, final RejectReason reason, final String message)
        {
            counts.merge(reason, 1, Integer::sum);
            // Field and key rejections are found in two phases: keep up to the bound from each, sort by
            // index and cut at the end, which yields the first rejections in input order.
            if (examples.size() < 2 * maxExamples)
            {
                examples.add(new Rejection(index, collateral, reason, message));
            }
        }
    }

    /**
     * Parser settings.
     */
    public static final class Context
    {
        private int defaultPort = DEFAULT_FLUXOS_PORT;
        private int maxStringLength = 256;
        private int maxRejectionExamples = 16;
        private int maxEntries = 200_000;
        private boolean parallelKeyDecoding = true;

        /**
         * @param parallel decode new public keys on the common fork-join pool when a list brings more than
         *                 512 of them (default true); false keeps all work on the calling thread.
         * @return this.
         */
        public Context parallelKeyDecoding(final boolean parallel)
        {
            this.parallelKeyDecoding = parallel;
            return this;
        }

        /**
         * @return whether new keys are decoded in parallel.
         */
        public boolean parallelKeyDecoding()
        {
            return parallelKeyDecoding;
        }

        /**
         * @param port port for entries whose {@code ip} has none (default {@value #DEFAULT_FLUXOS_PORT}).
         * @return this.
         */
        public Context defaultPort(final int port)
        {
            this.defaultPort = port;
            return this;
        }

        /**
         * @return port for entries without one.
         */
        public int defaultPort()
        {
            return defaultPort;
        }

        /**
         * @param length longest accepted string field (default 256).
         * @return this.
         */
        public Context maxStringLength(final int length)
        {
            this.maxStringLength = length;
            return this;
        }

        /**
         * @return longest accepted string field.
         */
        public int maxStringLength()
        {
            return maxStringLength;
        }

        /**
         * @param count how many rejected entries are kept as examples (default 16).
         * @return this.
         */
        public Context maxRejectionExamples(final int count)
        {
            this.maxRejectionExamples = count;
            return this;
        }

        /**
         * @return how many rejected entries are kept as examples.
         */
        public int maxRejectionExamples()
        {
            return maxRejectionExamples;
        }

        /**
         * @param count most entries accepted in one list (default 200,000); more fails the whole list.
         * @return this.
         */
        public Context maxEntries(final int count)
        {
            this.maxEntries = count;
            return this;
        }

        /**
         * @return most entries accepted in one list.
         */
        public int maxEntries()
        {
            return maxEntries;
        }

        /**
         * Validates the settings.
         *
         * @return this.
         * @throws IllegalArgumentException naming the first invalid setting.
         */
        public Context conclude()
        {
            if (defaultPort < 1 || defaultPort > 65535)
            {
                throw new IllegalArgumentException("defaultPort=" + defaultPort + " must be in [1, 65535]");
            }
            if (maxStringLength < 64)
            {
                throw new IllegalArgumentException("maxStringLength=" + maxStringLength + " must be >= 64");
            }
            if (maxRejectionExamples < 0)
            {
                throw new IllegalArgumentException("maxRejectionExamples=" + maxRejectionExamples + " must be >= 0");
            }
            if (maxEntries < 1)
            {
                throw new IllegalArgumentException("maxEntries=" + maxEntries + " must be >= 1");
            }
            return this;
        }
    }
}
