package io.chainmesh.node.flux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.codec.crypto.PublicKey;
import io.chainmesh.codec.crypto.NodeKey;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * FluxOS envelopes against vectors signed by {@code bitcoinjs-message} in Node.js, as FluxOS signs them
 * ({@code node/src/test/js/gen-flux-envelopes.js}, committed in {@code src/test/resources/flux/envelopes.json}):
 * JavaScript's {@code JSON.stringify} reproduced character for character, signatures verified, and every refusal.
 */
class FluxEnvelopeTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldStringifyDataExactlyAsJavaScriptAndVerifyFluxOsSignatures() throws Exception
    {
        final JsonNode vectors = vectors();
        final long timestamp = vectors.get("timestamp").asLong();
        assertThat(vectors.get("cases").size()).isEqualTo(7);
        for (final JsonNode vector : vectors.get("cases"))
        {
            final String raw = vector.get("raw").asText();
            assertThat(JsJson.stringify(JSON.readTree(raw))).as(raw).isEqualTo(vector.get("stringified").asText());
            final FluxEnvelope envelope = FluxEnvelope.parse(vector.get("text").asText());
            assertThat(envelope.signedText()).isEqualTo("1" + vector.get("stringified").asText() + timestamp);
            assertThat(envelope.originalText()).isEqualTo(vector.get("text").asText());
            final PublicKey signer = PublicKey.fromHex(vector.get("pubKey").asText());
            assertThat(envelope.check(timestamp + 1000, signer::equals)).as(raw).isNull();
            assertThat(FluxEnvelope.parse("T" + (timestamp + 5) + "|" + vector.get("text").asText())
                .check(timestamp, signer::equals)).isNull();
        }
        assertThat(FluxEnvelope.parse(vectors.get("cases").get(0).get("text").asText()).type()).isEqualTo("fluxapprunning");
    }

    @Test
    void shouldRefuseStaleFutureUnlistedAndForgedEnvelopesBeforeVerifying() throws Exception
    {
        final JsonNode vector = vectors().get("cases").get(5);
        final long timestamp = vectors().get("timestamp").asLong();
        final String text = vector.get("text").asText();
        final PublicKey signer = PublicKey.fromHex(vector.get("pubKey").asText());
        final FluxEnvelope envelope = FluxEnvelope.parse(text);

        assertThat(envelope.check(timestamp + FluxEnvelope.MAX_AGE_MS + 1, signer::equals))
            .isEqualTo(FluxEnvelope.Refusal.STALE);
        assertThat(envelope.check(timestamp - FluxEnvelope.MAX_AHEAD_MS - 1, signer::equals))
            .isEqualTo(FluxEnvelope.Refusal.FUTURE);
        final Predicate<PublicKey> nobody = id -> false;
        assertThat(envelope.check(timestamp, nobody)).isEqualTo(FluxEnvelope.Refusal.UNKNOWN_SIGNER);

        // Changed data, changed timestamp, or a listed member's key claimed for another's signature: no.
        assertThat(FluxEnvelope.parse(text.replace("\"instances\":3", "\"instances\":4")).check(timestamp, signer::equals))
            .isEqualTo(FluxEnvelope.Refusal.BAD_SIGNATURE);
        assertThat(FluxEnvelope.parse(text.replace("\"timestamp\":" + timestamp, "\"timestamp\":" + (timestamp + 1)))
            .check(timestamp, signer::equals)).isEqualTo(FluxEnvelope.Refusal.BAD_SIGNATURE);
        final PublicKey other = NodeKey.fromHex("0000000000000000000000000000000000000000000000000000000000000002").publicKey();
        assertThat(FluxEnvelope.parse(text.replace(vector.get("pubKey").asText(), other.toHex()))
            .check(timestamp, other::equals)).isEqualTo(FluxEnvelope.Refusal.BAD_SIGNATURE);
        final String signature = envelope.signature();
        assertThat(FluxEnvelope.parse(text.replace(signature, "AAAA")).check(timestamp, signer::equals))
            .isEqualTo(FluxEnvelope.Refusal.BAD_SIGNATURE);
        assertThat(FluxEnvelope.parse(text.replace(vector.get("pubKey").asText(), "02ff")).check(timestamp, signer::equals))
            .isEqualTo(FluxEnvelope.Refusal.MALFORMED);
    }

    @Test
    void shouldNameWhatIsWrongWithMalformedEnvelopes()
    {
        final String valid = "{\"version\":1,\"timestamp\":5,\"pubKey\":\"02aa\",\"signature\":\"AAAA\",\"data\":{}}";
        assertThat(FluxEnvelope.parse(valid).signedText()).isEqualTo("1{}5");
        assertMalformed("{not json", "not JSON");
        assertMalformed("[1]", "envelope is not a JSON object");
        assertMalformed(valid + " {}", "text after the envelope");
        assertMalformed(valid.replace("\"version\":1", "\"version\":\"1\""), "version=\"1\" must be an integer");
        assertMalformed(valid.replace("\"timestamp\":5", "\"timestamp\":-5"), "timestamp=-5 must be an integer");
        assertMalformed(valid.replace("\"timestamp\":5", "\"timestamp\":5.5"), "timestamp=5.5 must be an integer");
        assertMalformed(valid.replace("\"pubKey\":\"02aa\"", "\"pubKey\":2"), "pubKey must be a string");
        assertMalformed(valid.replace("\"data\":{}", "\"data\":[]"), "data=ARRAY must be a JSON object");
        assertMalformed(valid.replace(",\"data\":{}", ""), "data=<missing>");
        assertMalformed("Tx|" + valid, "send-time prefix Tx|");
        assertMalformed(valid.replace("\"data\":{}", "\"data\":" + "{\"a\":".repeat(40) + "1" + "}".repeat(40)),
            "not JSON");
        assertMalformed("{\"pad\":\"" + "x".repeat(FluxEnvelope.MAX_LENGTH) + "\"}", "exceeds limit");
    }

    @Test
    void shouldPrintNumbersAsJavaScriptDoes()
    {
        assertThat(JsJson.number(1e21)).isEqualTo("1e+21");
        assertThat(JsJson.number(1e20)).isEqualTo("100000000000000000000");
        assertThat(JsJson.number(123e-20)).isEqualTo("1.23e-18");
        assertThat(JsJson.number(1e-7)).isEqualTo("1e-7");
        assertThat(JsJson.number(0.000001)).isEqualTo("0.000001");
        assertThat(JsJson.number(0.1)).isEqualTo("0.1");
        assertThat(JsJson.number(-123.456)).isEqualTo("-123.456");
        assertThat(JsJson.number(Double.MIN_VALUE)).isEqualTo("5e-324");
        assertThat(JsJson.number(12345678901234567890.0)).isEqualTo("12345678901234567000");
        assertThat(JsJson.number(-0.0)).isEqualTo("0");
        assertThat(JsJson.isArrayIndex("4294967294")).isTrue();
        assertThat(JsJson.isArrayIndex("4294967295")).isFalse();
        assertThat(JsJson.isArrayIndex("01")).isFalse();
    }

    private static void assertMalformed(final String text, final String message)
    {
        assertThatThrownBy(() -> FluxEnvelope.parse(text)).isInstanceOf(FluxEnvelope.FluxEnvelopeException.class)
            .hasMessageContaining(message);
    }

    private static JsonNode vectors() throws Exception
    {
        try (InputStream in = FluxEnvelopeTest.class.getResourceAsStream("/flux/envelopes.json"))
        {
            return JSON.readTree(in);
        }
    }
}
