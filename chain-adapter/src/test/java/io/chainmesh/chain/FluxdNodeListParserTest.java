package io.chainmesh.chain;

import io.chainmesh.codec.crypto.NodeKey;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FluxdNodeListParserTest
{
    private static final String HASH_A = "aa".repeat(32);
    private static final String HASH_B = "bb".repeat(32);
    private static final String HASH_C = "cc".repeat(32);
    private static final String PUB_1 = key(1);
    private static final String PUB_2 = key(2);
    private static final String PUB_3 = key(3);

    private final FluxdNodeListParser parser = new FluxdNodeListParser();

    private static String key(final int seed)
    {
        return NodeKey.fromHex(String.format("%064x", seed)).publicKey().toHex();
    }

    static String entry(final String pubkey, final String ip, final String txhash, final String outidx, final Object addedHeight)
    {
        return "{\"collateral\":\"COutPoint(" + txhash + ", " + outidx + ")\",\"txhash\":\"" + txhash +
            "\",\"outidx\":\"" + outidx + "\",\"ip\":\"" + ip + "\",\"network\":\"ipv4\",\"added_height\":" + addedHeight +
            ",\"confirmed_height\":\"12\",\"last_confirmed_height\":13,\"last_paid_height\":0,\"tier\":\"CUMULUS\"," +
            "\"payment_address\":\"t1abc\",\"pubkey\":\"" + pubkey + "\",\"activesince\":\"1700000000\",\"lastpaid\":\"0\",\"rank\":3}";
    }

    private static String good(final int n)
    {
        return entry(key(100 + n), "10.0." + (n / 250) + "." + (n % 250 + 1) + ":16127", String.format("%064x", 1000 + n), "0", 5);
    }

    /** One bad entry sandwiched between two good ones. */
    private ParseResult parseAmongGood(final String bad)
    {
        return parser.parse("[" + good(1) + "," + bad + "," + good(2) + "]");
    }

    private void assertRejected(final String bad, final RejectReason reason)
    {
        final ParseResult result = parseAmongGood(bad);
        assertThat(result.members()).hasSize(2);
        assertThat(result.entryCount()).isEqualTo(3);
        assertThat(result.rejectionCounts()).containsOnlyKeys(reason);
        assertThat(result.rejected(reason)).isEqualTo(1);
        assertThat(result.rejectionExamples()).singleElement()
            .satisfies(r -> assertThat(r.index()).isEqualTo(1))
            .satisfies(r -> assertThat(r.reason()).isEqualTo(reason));
    }

    @Test
    void shouldParseBareArrayWithAllFields()
    {
        final ParseResult result = parser.parse("[" + entry(PUB_1, "1.2.3.4:16137", HASH_A, "1", "\"7\"") + "]");

        assertThat(result.rejectedCount()).isZero();
        assertThat(result.height()).isEqualTo(-1);
        final Member member = result.members().get(0);
        assertThat(member.publicKey().toHex()).isEqualTo(PUB_1);
        assertThat(member.endpoint()).isEqualTo(new Endpoint("1.2.3.4", 16137));
        assertThat(member.txHash()).isEqualTo(HASH_A);
        assertThat(member.outputIndex()).isEqualTo(1);
        assertThat(member.tier()).isEqualTo(Tier.CUMULUS);
        assertThat(member.addedHeight()).isEqualTo(7);
        assertThat(member.confirmedHeight()).isEqualTo(12);
        assertThat(member.lastConfirmedHeight()).isEqualTo(13);
        assertThat(member.lastPaidHeight()).isZero();
        assertThat(member.paymentAddress()).isEqualTo("t1abc");
        assertThat(member.rank()).isEqualTo(3);
    }

    @Test
    void shouldParseEnvelopeWithHeight()
    {
        final ParseResult result = parser.parse("{\"id\":1,\"height\":\"42\",\"result\":[" + good(1) + "],\"error\":null}");

        assertThat(result.members()).hasSize(1);
        assertThat(result.height()).isEqualTo(42);
    }

    @Test
    void shouldApplyDefaultPortAndParseIpv6Forms()
    {
        final FluxdNodeListParser custom = new FluxdNodeListParser(new FluxdNodeListParser.Context().defaultPort(4000));
        final ParseResult result = custom.parse("[" +
            entry(PUB_1, "1.2.3.4", HASH_A, "0", 1) + "," +
            entry(PUB_2, "[::1]:16127", HASH_B, "0", 1) + "," +
            entry(PUB_3, "2001:DB8::1", HASH_C, "0", 1) + "]");

        assertThat(result.rejectedCount()).isZero();
        assertThat(result.members()).extracting(Member::endpoint).containsExactly(
            new Endpoint("1.2.3.4", 4000), new Endpoint("::1", 16127), new Endpoint("2001:db8::1", 4000));
    }

    @Test
    void shouldOrderSnapshotByAddedHeightThenTxHash()
    {
        final ParseResult result = parser.parse("[" +
            entry(PUB_1, "1.1.1.1", HASH_C, "0", 5) + "," +
            entry(PUB_2, "1.1.1.2", HASH_B, "0", 9) + "," +
            entry(PUB_3, "1.1.1.3", HASH_A, "0", 5) + "]");

        assertThat(result.toSnapshot(10).members()).extracting(Member::txHash).containsExactly(HASH_A, HASH_C, HASH_B);
    }

    @Test
    void shouldRejectEntryThatIsNotAnObject()
    {
        assertRejected("[1,2]", RejectReason.NOT_AN_OBJECT);
        assertRejected("\"text\"", RejectReason.NOT_AN_OBJECT);
    }

    @Test
    void shouldRejectMissingRequiredField()
    {
        assertRejected("{\"pubkey\":\"" + PUB_1 + "\",\"ip\":\"1.2.3.4\",\"tier\":\"NIMBUS\",\"txhash\":\"" + HASH_A +
            "\",\"outidx\":\"0\"}", RejectReason.MISSING_FIELD);
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", 1).replace("\"ip\":\"1.2.3.4\"", "\"ip\":null"),
            RejectReason.MISSING_FIELD);
    }

    @Test
    void shouldRejectOverlongOrStructuredField()
    {
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", 1).replace("t1abc", "x".repeat(300)), RejectReason.BAD_FIELD);
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", 1).replace("\"tier\":\"CUMULUS\"", "\"tier\":{\"a\":[1]}"),
            RejectReason.BAD_FIELD);
    }

    @Test
    void shouldRejectBadPubkey()
    {
        assertRejected(entry("02" + "zz".repeat(32), "1.2.3.4", HASH_A, "0", 1), RejectReason.BAD_PUBKEY);
        assertRejected(entry("02" + "ff".repeat(32), "1.2.3.4", HASH_A, "0", 1), RejectReason.BAD_PUBKEY);
        assertRejected(entry("05" + PUB_1.substring(2), "1.2.3.4", HASH_A, "0", 1), RejectReason.BAD_PUBKEY);
        assertRejected(entry("", "1.2.3.4", HASH_A, "0", 1), RejectReason.BAD_PUBKEY);
    }

    @Test
    void shouldRejectUnparsableEndpoint()
    {
        assertRejected(entry(PUB_1, "1.2.3.256", HASH_A, "0", 1), RejectReason.BAD_ENDPOINT);
        assertRejected(entry(PUB_1, "[::1", HASH_A, "0", 1), RejectReason.BAD_ENDPOINT);
        assertRejected(entry(PUB_1, "1::2::3", HASH_A, "0", 1), RejectReason.BAD_ENDPOINT);
        assertRejected(entry(PUB_1, "1.2.3.4/24", HASH_A, "0", 1), RejectReason.BAD_ENDPOINT);
    }

    @Test
    void shouldRejectOnionAndHostName()
    {
        assertRejected(entry(PUB_1, "abcdefghijklmnop.onion:16127", HASH_A, "0", 1), RejectReason.UNSUPPORTED_HOST);
        assertRejected(entry(PUB_1, "node.example.com", HASH_A, "0", 1), RejectReason.UNSUPPORTED_HOST);
    }

    @Test
    void shouldRejectPortOutOfRange()
    {
        assertRejected(entry(PUB_1, "1.2.3.4:0", HASH_A, "0", 1), RejectReason.BAD_PORT);
        assertRejected(entry(PUB_1, "1.2.3.4:65536", HASH_A, "0", 1), RejectReason.BAD_PORT);
        assertRejected(entry(PUB_1, "1.2.3.4:http", HASH_A, "0", 1), RejectReason.BAD_PORT);
        assertRejected(entry(PUB_1, "[::1]:", HASH_A, "0", 1), RejectReason.BAD_PORT);
    }

    @Test
    void shouldRejectUnknownTier()
    {
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", 1).replace("CUMULUS", "BASIC"), RejectReason.UNKNOWN_TIER);
    }

    @Test
    void shouldRejectNegativeFractionalOrNonNumericHeight()
    {
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", -1), RejectReason.BAD_HEIGHT);
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", 1.5), RejectReason.BAD_HEIGHT);
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", "\"12a\""), RejectReason.BAD_HEIGHT);
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", true), RejectReason.BAD_HEIGHT);
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", 1).replace("\"confirmed_height\":\"12\"",
            "\"confirmed_height\":\"-3\""), RejectReason.BAD_HEIGHT);
    }

    @Test
    void shouldRejectBadTxHash()
    {
        assertRejected(entry(PUB_1, "1.2.3.4", "abc", "0", 1), RejectReason.BAD_TXHASH);
        assertRejected(entry(PUB_1, "1.2.3.4", "g".repeat(64), "0", 1), RejectReason.BAD_TXHASH);
    }

    @Test
    void shouldRejectBadOutputIndex()
    {
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "x", 1), RejectReason.BAD_OUTIDX);
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "99999999999", 1), RejectReason.BAD_OUTIDX);
    }

    @Test
    void shouldRejectInconsistentOrMalformedCollateral()
    {
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", 1).replace("COutPoint(" + HASH_A + ", 0)",
            "COutPoint(" + HASH_B + ", 0)"), RejectReason.BAD_COLLATERAL);
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", 1).replace("COutPoint(" + HASH_A + ", 0)",
            "COutPoint(" + HASH_A + ", 1)"), RejectReason.BAD_COLLATERAL);
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", 1).replace("COutPoint(" + HASH_A + ", 0)", "junk"),
            RejectReason.BAD_COLLATERAL);
    }

    @Test
    void shouldRejectBadRank()
    {
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", 1).replace("\"rank\":3", "\"rank\":-5"), RejectReason.BAD_RANK);
        assertRejected(entry(PUB_1, "1.2.3.4", HASH_A, "0", 1).replace("\"rank\":3", "\"rank\":\"first\""), RejectReason.BAD_RANK);
    }

    @Test
    void shouldAcceptManyMembersUnderOneKey()
    {
        final ParseResult result = parser.parse("[" + entry(PUB_1, "1.2.3.4", HASH_A, "0", 1) + "," +
            entry(PUB_1, "1.2.3.5", HASH_B, "0", 1) + "," + entry(PUB_1, "1.2.3.5:16137", HASH_B, "1", 1) + "]");

        assertThat(result.rejectedCount()).isZero();
        assertThat(result.members()).extracting(Member::collateral)
            .containsExactly(HASH_A + ":0", HASH_B + ":0", HASH_B + ":1");
        final DirectorySnapshot snapshot = result.toSnapshot(10);
        assertThat(snapshot.distinctKeys()).isEqualTo(1);
        assertThat(snapshot.membersWithKey(result.members().get(0).publicKey())).hasSize(3);
        assertThat(result.members()).extracting(Member::originId).doesNotHaveDuplicates();
    }

    @Test
    void shouldKeepFirstAndRejectLaterDuplicateEndpoint()
    {
        final ParseResult result = parser.parse("[" + entry(PUB_1, "1.2.3.4:16137", HASH_A, "0", 1) + "," +
            entry(PUB_2, "1.2.3.4:16137", HASH_B, "0", 1) + "," + entry(PUB_2, "1.2.3.4", HASH_B, "1", 1) + "]");

        assertThat(result.members()).extracting(Member::collateral).containsExactly(HASH_A + ":0", HASH_B + ":1");
        assertThat(result.rejected(RejectReason.DUPLICATE_ENDPOINT)).isEqualTo(1);
        assertThat(result.rejectionExamples().get(0).index()).isEqualTo(1);
        assertThat(result.rejectionExamples().get(0).message()).contains("1.2.3.4:16137");
    }

    @Test
    void shouldRejectEntryWithoutAddressAsNoAddress()
    {
        assertRejected(entry(PUB_1, "", HASH_A, "0", 1), RejectReason.NO_ADDRESS);
        assertRejected(entry(PUB_1, "  ", HASH_A, "0", 1), RejectReason.NO_ADDRESS);
    }

    @Test
    void shouldRejectPortThatLeavesNoMeshPort()
    {
        assertRejected(entry(PUB_1, "1.2.3.4:65531", HASH_A, "0", 1), RejectReason.BAD_PORT);
        assertThat(parser.parse("[" + entry(PUB_1, "1.2.3.4:65530", HASH_A, "0", 1) + "]").members()).singleElement()
            .satisfies(m -> assertThat(m.meshEndpoint()).isEqualTo(new Endpoint("1.2.3.4", 65535)));
    }

    @Test
    void shouldRejectDuplicateCollateral()
    {
        assertRejected(entry(PUB_1, "1.2.3.4", String.format("%064x", 1001), "0", 1), RejectReason.DUPLICATE_COLLATERAL);
    }

    @Test
    void shouldBoundRejectionExamplesButCountAll()
    {
        final FluxdNodeListParser bounded = new FluxdNodeListParser(new FluxdNodeListParser.Context().maxRejectionExamples(2));
        final List<String> entries = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            entries.add("7");
        }
        final ParseResult result = bounded.parse("[" + String.join(",", entries) + "]");

        assertThat(result.rejected(RejectReason.NOT_AN_OBJECT)).isEqualTo(10);
        assertThat(result.rejectionExamples()).hasSize(2);
    }

    @Test
    void shouldFailWholeListWhenNotJson()
    {
        assertThatThrownBy(() -> parser.parse("<html>oops</html>"))
            .isInstanceOf(ChainDataException.class)
            .hasMessageContaining("not valid JSON")
            .satisfies(e -> assertThat(((ChainDataException)e).kind()).isEqualTo(ChainDataException.Kind.MALFORMED));
    }

    @Test
    void shouldFailWholeListWhenTruncated()
    {
        final String full = "[" + good(1) + "," + good(2) + "]";
        assertThatThrownBy(() -> parser.parse(full.substring(0, full.length() - 40)))
            .isInstanceOf(ChainDataException.class)
            .hasMessageContaining("not valid JSON");
    }

    @Test
    void shouldFailWholeListWhenNotArray()
    {
        assertThatThrownBy(() -> parser.parse("42")).isInstanceOf(ChainDataException.class).hasMessageContaining("found 42");
        assertThatThrownBy(() -> parser.parse("{\"result\":7}")).isInstanceOf(ChainDataException.class)
            .hasMessageContaining("result must be an array");
        assertThatThrownBy(() -> parser.parse("{\"id\":1}")).isInstanceOf(ChainDataException.class)
            .hasMessageContaining("no result array");
        assertThatThrownBy(() -> parser.parse("")).isInstanceOf(ChainDataException.class).hasMessageContaining("empty input");
        assertThatThrownBy(() -> parser.parse("[] []")).isInstanceOf(ChainDataException.class).hasMessageContaining("trailing");
    }

    @Test
    void shouldFailWholeListOnEnvelopeError()
    {
        assertThatThrownBy(() -> parser.parse("{\"result\":null,\"error\":{\"code\":-28,\"message\":\"Loading block index...\"},\"id\":1}"))
            .isInstanceOf(ChainDataException.class)
            .satisfies(e -> assertThat(((ChainDataException)e).kind()).isEqualTo(ChainDataException.Kind.WARMING_UP))
            .satisfies(e -> assertThat(((ChainDataException)e).rpcCode()).isEqualTo(-28));
    }

    @Test
    void shouldFailWhenTooManyEntries()
    {
        final FluxdNodeListParser small = new FluxdNodeListParser(new FluxdNodeListParser.Context().maxEntries(2));
        assertThatThrownBy(() -> small.parse("[1,2,3]")).isInstanceOf(ChainDataException.class)
            .hasMessageContaining("maxEntries=2");
    }

    @Test
    void shouldFailOnDeepNesting()
    {
        final String deep = "[".repeat(5000) + "]".repeat(5000);
        assertThatThrownBy(() -> parser.parse(deep.getBytes(StandardCharsets.UTF_8), 0, deep.length()))
            .isInstanceOf(ChainDataException.class);
    }

    @Test
    void shouldRoundTripWriterOutput()
    {
        final ParseResult first = parser.parse("[" + good(1) + "," + good(2) + "," + good(3) + "]");
        final byte[] written = FluxdNodeListWriter.toJsonArray(first.members());
        final ParseResult second = new FluxdNodeListParser().parse(written, 0, written.length);

        assertThat(second.members()).isEqualTo(first.members());
    }

    @Test
    void shouldValidateSingleEntryFromMap()
    {
        final Member member = parser.parseEntry(java.util.Map.of("pubkey", PUB_1, "ip", "1.2.3.4", "tier", "STRATUS",
            "collateral", "COutPoint(" + HASH_A + ", 2)", "added_height", 5));

        assertThat(member.txHash()).isEqualTo(HASH_A);
        assertThat(member.outputIndex()).isEqualTo(2);
        assertThatThrownBy(() -> parser.parseEntry(java.util.Map.of("pubkey", PUB_1)))
            .isInstanceOf(ChainDataException.class).hasMessageContaining("MISSING_FIELD");
    }
    @Test
    void shouldReuseDecodedKeysFromPreviousParse()
    {
        final String list = "[" + good(1) + "," + good(2) + "]";
        final ParseResult first = parser.parse(list);
        final ParseResult second = parser.parse(list);

        assertThat(second.members().get(0).publicKey()).isSameAs(first.members().get(0).publicKey());
        assertThat(new FluxdNodeListParser().parse(list).members().get(0).publicKey())
            .isNotSameAs(first.members().get(0).publicKey())
            .isEqualTo(first.members().get(0).publicKey());
    }

    @Test
    void shouldDecodeLargeListInParallelWithSameResultAsSequential()
    {
        final StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < 700; i++)
        {
            list.append(i == 0 ? "" : ",").append(i == 350 ? entry("02" + "ff".repeat(32), "1.2.3.4", HASH_A, "0", 1) : good(i));
        }
        list.append(",").append(good(5)).append("]");

        final ParseResult parallel = new FluxdNodeListParser().parse(list.toString());
        final ParseResult sequential = new FluxdNodeListParser(new FluxdNodeListParser.Context().parallelKeyDecoding(false))
            .parse(list.toString());

        assertThat(parallel.members()).hasSize(699).isEqualTo(sequential.members());
        assertThat(parallel.rejectionCounts()).isEqualTo(sequential.rejectionCounts())
            .containsEntry(RejectReason.BAD_PUBKEY, 1).containsEntry(RejectReason.DUPLICATE_COLLATERAL, 1);
        assertThat(parallel.rejectionExamples()).extracting(Rejection::index).containsExactly(350, 700);
    }

    @Test
    void shouldKeepFirstRejectionExamplesInInputOrderAcrossPhases()
    {
        final FluxdNodeListParser bounded = new FluxdNodeListParser(new FluxdNodeListParser.Context().maxRejectionExamples(2));
        final ParseResult result = bounded.parse("[" + entry("02" + "ff".repeat(32), "1.2.3.4", HASH_A, "0", 1) + ",7," +
            entry(PUB_1, "bad host!", HASH_B, "0", 1) + ",8]");

        assertThat(result.rejectionExamples()).extracting(Rejection::index).containsExactly(0, 1);
        assertThat(result.rejectedCount()).isEqualTo(4);
    }
}
