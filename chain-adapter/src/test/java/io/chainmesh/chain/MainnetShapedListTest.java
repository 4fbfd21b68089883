package io.chainmesh.chain;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node list as Flux mainnet has it: 13,047 entries, 3,011 keys shared by operators, uncompressed keys,
 * IPv6, UPnP ports, entries without an address, a repeated socket address.
 */
class MainnetShapedListTest
{
    private static final MainnetShapedList LIST = MainnetShapedList.mainnet();

    @Test
    void shouldMakeEveryAddressedEntryAMemberAndRejectOnlyWhatTheRulesSay()
    {
        final ParseResult result = new FluxdNodeListParser().parse(LIST.json(), 0, LIST.json().length);

        assertThat(result.entryCount()).isEqualTo(13_047);
        assertThat(result.rejectionCounts()).isEqualTo(Map.of(
            RejectReason.NO_ADDRESS, LIST.withoutAddress(),
            RejectReason.DUPLICATE_ENDPOINT, LIST.duplicateEndpoints()));
        assertThat(result.members()).hasSize(LIST.expectedMembers());
        final DirectorySnapshot snapshot = result.toSnapshot(2_000_000);
        assertThat(snapshot.size()).isEqualTo(13_037);
        assertThat(snapshot.distinctKeys()).isEqualTo(3_011);
        assertThat(snapshot.members().stream().filter(m -> m.endpoint().host().indexOf(':') >= 0).count())
            .as("IPv6 members").isGreaterThan(200);
        assertThat(snapshot.members().stream().mapToInt(m -> snapshot.membersWithKey(m.publicKey()).size()).max()
            .orElse(0)).as("the largest operator lists many nodes under one key").isGreaterThan(20);
    }

    @Test
    void shouldComputeTheSameOrderOnEveryNodeWhateverTheInputOrderOrDecoding()
    {
        final DirectorySnapshot reference = new FluxdNodeListParser().parse(LIST.json(), 0, LIST.json().length)
            .toSnapshot(1);
        final DirectorySnapshot sequential = new FluxdNodeListParser(
            new FluxdNodeListParser.Context().parallelKeyDecoding(false)).parse(LIST.json(), 0, LIST.json().length)
            .toSnapshot(1);
        final List<Member> shuffled = new ArrayList<>(reference.members());
        Collections.shuffle(shuffled, new Random(7));
        final DirectorySnapshot rebuilt = DirectorySnapshot.of(1, shuffled);

        assertThat(sequential.members()).isEqualTo(reference.members());
        assertThat(rebuilt.members()).isEqualTo(reference.members());
        for (int i = 1; i < reference.size(); i++)
        {
            assertThat(DirectorySnapshot.RING_ORDER.compare(reference.member(i - 1), reference.member(i))).isNegative();
        }
    }

    @Test
    void shouldGiveEveryMemberOfOneOperatorItsOwnOriginAndMeshPort()
    {
        final DirectorySnapshot snapshot = new FluxdNodeListParser().parse(LIST.json(), 0, LIST.json().length)
            .toSnapshot(1);
        final Member first = snapshot.member(0);
        final List<Member> siblings = snapshot.membersWithKey(first.publicKey());

        assertThat(siblings).extracting(Member::originId).doesNotHaveDuplicates();
        for (final Member member : snapshot.members())
        {
            assertThat(snapshot.findByOriginId(member.originId())).isSameAs(member);
            assertThat(member.meshEndpoint().port()).isEqualTo(member.endpoint().port() + Member.MESH_PORT_OFFSET);
        }
    }

    @Test
    void shouldIndexEveryOriginIdByItsRingIndexAndNoOther()
    {
        final DirectorySnapshot snapshot = new FluxdNodeListParser().parse(LIST.json(), 0, LIST.json().length)
            .toSnapshot(1);
        for (int i = 0; i < snapshot.size(); i++)
        {
            assertThat(snapshot.indexOfOriginId(snapshot.member(i).originId())).isEqualTo(i);
            // Neighbouring ids (same probe neighbourhood, no member) are not found.
            assertThat(snapshot.indexOfOriginId(snapshot.member(i).originId() + 1)).isEqualTo(-1);
        }
        assertThat(snapshot.indexOfOriginId(0)).isEqualTo(-1);
        assertThat(DirectorySnapshot.empty().indexOfOriginId(42)).isEqualTo(-1);
        assertThat(DirectorySnapshot.empty().findByOriginId(42)).isNull();
    }
}
