package io.chainmesh.node.flux;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DoubleNode;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.crypto.BitcoinMessage;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.crypto.PublicKey;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets: text frames from FluxOS peers into {@link FluxEnvelope#parse}, and JSON values into
 * {@link JsJson#stringify} (the characters FluxOS signs).
 * <p>
 * Contract of {@code parse}: only {@link FluxEnvelope.FluxEnvelopeException}; an accepted envelope's signed text is
 * {@code version + JSON.stringify(data) + timestamp} as read independently here from the same text. Contract of
 * {@code stringify}: its output is JSON that reads back to a value it stringifies to again, character for character;
 * a number prints as JavaScript's {@code Number.prototype.toString} does (reads back as the same double, shortest
 * digits, plain notation from 1e-6 up to below 1e21).
 */
class FluxEnvelopeFuzzTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long CHECK_NOW = 1_765_015_200_000L;
    private static final NodeKey OPERATOR =
        NodeKey.fromHex("00000000000000000000000000000000000000000000000000000000000000a1");
    private static final NodeKey OTHER =
        NodeKey.fromHex("00000000000000000000000000000000000000000000000000000000000000b2");
    private static final DirectorySnapshot CHECK_LIST = DirectorySnapshot.of(10, List.of(
        member(1, OPERATOR, "1.2.3.4", 16127),
        member(2, OPERATOR, "1.2.3.4", 16137),
        member(3, OTHER, "5.6.7.8", 16127)));

    /**
     * Input: a text frame, UTF-8.
     */
    @FuzzTest(maxDuration = "5m")
    void fluxEnvelope(final byte[] input)
    {
        final String text = new String(input, StandardCharsets.UTF_8);
        final FluxEnvelope envelope;
        try
        {
            envelope = FluxEnvelope.parse(text);
        }
        catch (final FluxEnvelope.FluxEnvelopeException ex)
        {
            assertThat(ex.getMessage()).isNotBlank();
            return;
        }
        assertThat(text.length()).isLessThanOrEqualTo(FluxEnvelope.MAX_LENGTH);
        final String body = text.startsWith("T") ? text.substring(text.indexOf('|') + 1) : text;
        final JsonNode root;
        try
        {
            root = JSON.readTree(body);
        }
        catch (final Exception ex)
        {
            throw new AssertionError("accepted an envelope that is not JSON: " + ex.getMessage(), ex);
        }
        final JsonNode data = root.get("data");
        assertThat(data.isObject()).isTrue();
        assertThat(envelope.signedText()).isEqualTo(root.get("version").longValue() + JsJson.stringify(data) +
            root.get("timestamp").longValue());
    }

    /**
     * Input: a text frame, UTF-8, checked against a small node list at a fixed time. The seeds are envelopes signed
     * by the list's keys ({@link #seedsAreAcceptedSoTheCorpusReachesEveryCheck}), so mutations reach each refusal.
     * <p>
     * Contract of {@code check}: it never throws; it refuses with the first rule FluxOS applies that the envelope
     * breaks (version and type, freshness, a listed signer, the owner of the address it speaks for, the signature),
     * each rule judged here independently; it accepts only what a separate signature check verifies.
     */
    @FuzzTest(maxDuration = "5m")
    void fluxCheck(final byte[] input)
    {
        final FluxEnvelope envelope;
        try
        {
            envelope = FluxEnvelope.parse(new String(input, StandardCharsets.UTF_8));
        }
        catch (final FluxEnvelope.FluxEnvelopeException ex)
        {
            return;
        }
        final FluxEnvelope.Refusal refusal = envelope.check(CHECK_NOW, CHECK_LIST);
        assertThat(refusal).isEqualTo(expectedRefusal(envelope));
    }

    private static FluxEnvelope.Refusal expectedRefusal(final FluxEnvelope envelope)
    {
        if (envelope.version() != 1 || null == envelope.data().get("type") || !envelope.data().get("type").isTextual())
        {
            return FluxEnvelope.Refusal.MALFORMED;
        }
        if (CHECK_NOW - envelope.timestampMs() > FluxEnvelope.MAX_AGE_MS)
        {
            return FluxEnvelope.Refusal.STALE;
        }
        if (envelope.timestampMs() - CHECK_NOW > FluxEnvelope.MAX_AHEAD_MS)
        {
            return FluxEnvelope.Refusal.FUTURE;
        }
        final PublicKey signer;
        try
        {
            signer = PublicKey.fromHex(envelope.pubKey());
        }
        catch (final CodecException ex)
        {
            return FluxEnvelope.Refusal.MALFORMED;
        }
        if (!CHECK_LIST.hasKey(signer))
        {
            return FluxEnvelope.Refusal.UNKNOWN_SIGNER;
        }
        final String target = envelope.targetAddress();
        if (null != target)
        {
            final Member listed = CHECK_LIST.members().stream()
                .filter(m -> target.equals(m.endpoint().host()) && m.endpoint().port() == FluxEnvelope.DEFAULT_API_PORT ||
                    target.equals(m.endpoint().host() + ":" + m.endpoint().port()))
                .findFirst().orElse(null);
            if (null == listed || !listed.publicKey().equals(signer))
            {
                return FluxEnvelope.Refusal.ADDRESS_MISMATCH;
            }
        }
        boolean verified;
        try
        {
            verified = BitcoinMessage.verify(signer, envelope.signedText().getBytes(StandardCharsets.UTF_8),
                envelope.signature());
        }
        catch (final CodecException ex)
        {
            verified = false;
        }
        return verified ? null : FluxEnvelope.Refusal.BAD_SIGNATURE;
    }

    /** Every committed seed of {@code fluxCheck} that is an envelope verifies against the list it is checked with. */
    @Test
    void seedsAreAcceptedSoTheCorpusReachesEveryCheck() throws Exception
    {
        final Path seeds = Path.of("src/test/resources/io/chainmesh/node/flux/FluxEnvelopeFuzzTestInputs/fluxCheck");
        int accepted = 0;
        try (var files = Files.list(seeds))
        {
            for (final Path seed : files.filter(f -> f.getFileName().toString().startsWith("seed-signed-")).toList())
            {
                final byte[] text = Files.readAllBytes(seed);
                assertThat(FluxEnvelope.parse(new String(text, StandardCharsets.UTF_8)).check(CHECK_NOW, CHECK_LIST))
                    .as(seed.toString()).isNull();
                fluxCheck(text);
                accepted++;
            }
        }
        assertThat(accepted).isGreaterThanOrEqualTo(4);
    }

    /**
     * Input: the first 8 bytes are a double (big-endian bits) printed as a number; all of it is read as JSON text.
     */
    @FuzzTest(maxDuration = "5m")
    void jsJson(final byte[] input)
    {
        if (input.length >= 8)
        {
            checkNumber(ByteBuffer.wrap(input, 0, 8).getDouble());
        }
        final JsonNode value;
        try
        {
            value = JSON.readTree(input);
        }
        catch (final Exception ex)
        {
            return;
        }
        if (null == value || value.isMissingNode())
        {
            return;
        }
        final String once = JsJson.stringify(value);
        final JsonNode again;
        try
        {
            again = JSON.readTree(once);
        }
        catch (final Exception ex)
        {
            throw new AssertionError("stringify wrote text that is not JSON: " + once, ex);
        }
        assertThat(JsJson.stringify(again)).as("stringify of what stringify wrote").isEqualTo(once);
        checkNumbers(value);
    }

    private static void checkNumbers(final JsonNode value)
    {
        if (value.isNumber())
        {
            checkNumber(value.doubleValue());
        }
        for (final JsonNode child : value)
        {
            checkNumbers(child);
        }
    }

    private static void checkNumber(final double value)
    {
        final String text = JsJson.stringify(DoubleNode.valueOf(value));
        if (Double.isNaN(value) || Double.isInfinite(value))
        {
            assertThat(text).isEqualTo("null");
            return;
        }
        assertThat(Double.parseDouble(text)).as("%s reads back", text).isEqualTo(value == 0 ? 0.0 : value);
        final double magnitude = Math.abs(value);
        assertThat(text.indexOf('e') >= 0).as("exponent notation of %s", text)
            .isEqualTo(magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21));
        if (value != 0)
        {
            // Shortest: one digit fewer does not read back as the same double.
            final String digits = text.replaceFirst("^-", "").replaceFirst("e.*$", "").replace(".", "")
                .replaceFirst("^0+", "").replaceFirst("0+$", "");
            assertThat(digits.length()).isBetween(1, 17);
            if (digits.length() > 1)
            {
                final BigDecimal fewer = new BigDecimal(magnitude).round(new MathContext(digits.length() - 1,
                    RoundingMode.HALF_EVEN));
                assertThat(fewer.doubleValue()).as("%s is not the shortest", text).isNotEqualTo(magnitude);
            }
        }
    }

    /** The harness reaches both kinds of envelope and the notations of numbers. */
    @Test
    void parsesAnEnvelopeAndPrintsNumbersAsJavaScript()
    {
        final String valid = "{\"version\":1,\"timestamp\":5,\"pubKey\":\"02aa\",\"signature\":\"AAAA\"," +
            "\"data\":{\"b\":1e21,\"1\":0.1,\"a\":[1e-7,1.5e-8,-0]}}";
        fluxEnvelope(valid.getBytes(StandardCharsets.UTF_8));
        assertThat(FluxEnvelope.parse(valid).signedText()).isEqualTo("1{\"1\":0.1,\"b\":1e+21,\"a\":[1e-7,1.5e-8,0]}5");
        fluxEnvelope("T12|{}".getBytes(StandardCharsets.UTF_8));
        final byte[] withDouble = Arrays.copyOf(ByteBuffer.allocate(8).putDouble(123.456e300).array(), 12);
        jsJson(withDouble);
        jsJson("{\"x\":[1,2.5,\"\\u0001\",null,true]}".getBytes(StandardCharsets.UTF_8));
    }

    private static Member member(final int index, final NodeKey key, final String host, final int port)
    {
        return new Member(MemberId.of("%064x".formatted(index), 0), key.publicKey(), new Endpoint(host, port),
            Tier.CUMULUS, index, index, index, 0, "", -1);
    }
}
