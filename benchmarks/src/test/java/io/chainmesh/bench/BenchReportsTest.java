package io.chainmesh.bench;

import com.google.protobuf.ByteString;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.control.BenchReport;
import io.chainmesh.codec.control.BenchTier;
import io.chainmesh.codec.crypto.NodeKey;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchReportsTest
{
    private static final NodeKey ALICE = NodeKey.fromHex("01".repeat(32));
    private static final NodeKey BOB = NodeKey.fromHex("02".repeat(32));
    private static final NodeKey STRANGER = NodeKey.fromHex("03".repeat(32));
    private static final NodeMeasurements MEASUREMENTS =
        new NodeMeasurements(8, 64_000_000_000L, 1_000_000_000_000L, 500, 1600, 9000, 450, 120, 900);

    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private final DirectorySnapshot directory = DirectorySnapshot.of(10, List.of(member(ALICE, 0), member(BOB, 1)));

    private static final MemberId ALICE_MEMBER = memberId(0);
    private static final MemberId BOB_MEMBER = memberId(1);

    private static MemberId memberId(final int index)
    {
        return MemberId.of(String.format("%064x", index + 1), 0);
    }

    private static Member member(final NodeKey key, final int index)
    {
        return new Member(memberId(index), key.publicKey(), new Endpoint("127.0.0.1", 20000 + index),
            Tier.STRATUS, 1, 1, 1, 0, "", index);
    }

    private BenchReport report(final NodeKey key, final long timestamp)
    {
        return BenchReports.create(key, MEASUREMENTS, TierVerdict.derive(MEASUREMENTS, TierRequirement.FLUX_DEFAULTS),
            timestamp);
    }

    @Test
    void shouldRoundTripAndVerify()
    {
        final BenchReport report = report(ALICE, now.get());
        final byte[] bytes = report.toByteArray();

        final BenchReport parsed = BenchReports.parse(bytes, 0, bytes.length);

        assertThat(parsed).isEqualTo(report);
        assertThat(BenchReports.verify(parsed)).isEqualTo(ALICE.publicKey());
        assertThat(parsed.getTier()).isEqualTo(BenchTier.STRATUS);
        assertThat(parsed.getEpsMulti()).isEqualTo(1600.0);
    }

    @Test
    void shouldRejectTamperedReport()
    {
        final BenchReport tampered = report(ALICE, now.get()).toBuilder().setCores(64).build();

        assertThatThrownBy(() -> BenchReports.verify(tampered)).isInstanceOf(CodecException.class)
            .hasMessageContaining("does not verify");
    }

    @Test
    void shouldRejectReportClaimingAnotherSigner()
    {
        final BenchReport stolen = report(ALICE, now.get()).toBuilder()
            .setNodeId(ByteString.copyFrom(BOB.publicKey().toBytes())).build();

        assertThatThrownBy(() -> BenchReports.verify(stolen)).isInstanceOf(CodecException.class);
    }

    @Test
    void shouldRejectOversizedOrGarbageBytes()
    {
        assertThatThrownBy(() -> BenchReports.parse(new byte[5000], 0, 5000)).isInstanceOf(CodecException.class)
            .hasMessageContaining("exceeds limit 4096");
        final byte[] garbage = {(byte)0xFF, (byte)0xFF, (byte)0xFF};
        assertThatThrownBy(() -> BenchReports.parse(garbage, 0, garbage.length)).isInstanceOf(CodecException.class)
            .hasMessageContaining("not a valid BenchReport");
    }

    @Test
    void shouldKeepOnlyLatestValidReportPerMember()
    {
        final BenchReportBook book = new BenchReportBook(now::get, 120_000);

        assertThat(book.offer(ALICE_MEMBER, report(ALICE, now.get() - 10), directory)).isEqualTo(BenchReportBook.Outcome.ACCEPTED);
        assertThat(book.offer(ALICE_MEMBER, report(ALICE, now.get() - 20), directory)).isEqualTo(BenchReportBook.Outcome.STALE);
        assertThat(book.offer(ALICE_MEMBER, report(ALICE, now.get() - 10), directory)).isEqualTo(BenchReportBook.Outcome.STALE);
        assertThat(book.offer(ALICE_MEMBER, report(ALICE, now.get()), directory)).isEqualTo(BenchReportBook.Outcome.ACCEPTED);
        assertThat(book.offer(memberId(7), report(STRANGER, now.get()), directory)).isEqualTo(BenchReportBook.Outcome.NOT_A_MEMBER);
        assertThat(book.offer(BOB_MEMBER, report(BOB, now.get() + 120_001), directory))
            .isEqualTo(BenchReportBook.Outcome.FROM_THE_FUTURE);
        assertThat(book.offer(BOB_MEMBER, report(BOB, now.get()).toBuilder().setEpsMulti(1).build(), directory))
            .isEqualTo(BenchReportBook.Outcome.FORGED);

        assertThat(book.offer(BOB_MEMBER, report(ALICE, now.get()), directory))
            .as("a key listed for another member").isEqualTo(BenchReportBook.Outcome.NOT_A_MEMBER);

        assertThat(book.latest()).containsOnlyKeys(ALICE_MEMBER);
        assertThat(book.latest().get(ALICE_MEMBER).getTimestampMillis()).isEqualTo(now.get());
        assertThat(book.outcomeCounts().get(BenchReportBook.Outcome.STALE)).isEqualTo(2);
        assertThat(book.table(directory)).contains("127.0.0.1:20000").contains("STRATUS").doesNotContain("20001");

        book.retainMembers(DirectorySnapshot.of(11, List.of(member(BOB, 1))));
        assertThat(book.latest()).isEmpty();
    }

}
