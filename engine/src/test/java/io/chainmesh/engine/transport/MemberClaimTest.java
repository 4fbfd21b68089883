package io.chainmesh.engine.transport;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.TestDirectory;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MemberClaimTest
{
    private static final NodeKey OPERATOR = TestDirectory.keys(1).get(0);
    private static final NodeKey OTHER = TestDirectory.keys(1).get(0);
    private static final MemberId SELF = MemberId.of("01".repeat(32), 0);
    private static final MemberId SIBLING_V4 = MemberId.of("02".repeat(32), 0);
    private static final MemberId SIBLING_V6 = MemberId.of("02".repeat(32), 1);
    private static final MemberId OTHERS = MemberId.of("03".repeat(32), 0);
    private static final DirectorySnapshot SNAPSHOT = DirectorySnapshot.of(7, List.of(
        member(SELF, OTHER, "127.0.0.1", 1),
        member(SIBLING_V4, OPERATOR, "203.0.113.9", 2),
        member(SIBLING_V6, OPERATOR, "2001:db8::9", 3),
        member(OTHERS, OTHER, "198.51.100.4", 4)));

    private static Member member(final MemberId id, final NodeKey key, final String host, final int height)
    {
        return new Member(id, key.publicKey(), new Endpoint(host, 16127), Tier.CUMULUS, height, height, height, 0, "", -1);
    }

    private static MemberClaim.Verdict inbound(final MemberId claimed, final NodeKey key, final String fromHost)
    {
        return MemberClaim.check(SNAPSHOT, SELF, claimed, key.publicKey(), null, new InetSocketAddress(fromHost, 50000));
    }

    @Test
    void shouldAcceptAListedMemberWithItsKeyFromItsListedHost()
    {
        assertThat(inbound(SIBLING_V4, OPERATOR, "203.0.113.9")).isEqualTo(MemberClaim.Verdict.ACCEPTED);
        assertThat(inbound(SIBLING_V6, OPERATOR, "2001:db8:0:0:0:0:0:9")).isEqualTo(MemberClaim.Verdict.ACCEPTED);
    }

    @Test
    void shouldAcceptAnIpv4MappedAddressAsItsIpv4Host()
    {
        assertThat(MemberClaim.sameHost("203.0.113.9", new InetSocketAddress("::ffff:203.0.113.9", 1))).isTrue();
        assertThat(MemberClaim.sameHost("203.0.113.9", new InetSocketAddress("203.0.113.10", 1))).isFalse();
    }

    @Test
    void shouldRefuseEachBrokenRuleWithItsOwnReason()
    {
        assertThat(inbound(SELF, OTHER, "127.0.0.1")).isEqualTo(MemberClaim.Verdict.SELF);
        assertThat(inbound(MemberId.of("04".repeat(32), 0), OPERATOR, "127.0.0.1"))
            .isEqualTo(MemberClaim.Verdict.NOT_LISTED);
        assertThat(inbound(OTHERS, OPERATOR, "198.51.100.4")).isEqualTo(MemberClaim.Verdict.WRONG_KEY);
        assertThat(inbound(SIBLING_V4, OPERATOR, "2001:db8::9")).as("a sibling's claim from the other sibling's host")
            .isEqualTo(MemberClaim.Verdict.WRONG_HOST);
        assertThat(MemberClaim.check(SNAPSHOT, SELF, SIBLING_V4, OPERATOR.publicKey(), SIBLING_V6, null))
            .as("dialled one sibling, the other answered").isEqualTo(MemberClaim.Verdict.NOT_DIALLED);
        assertThat(MemberClaim.Verdict.WRONG_KEY.closeReason()).isEqualTo(CloseReason.KEY_NOT_LISTED_FOR_MEMBER);
        assertThat(MemberClaim.Verdict.WRONG_HOST.closeReason()).isEqualTo(CloseReason.ADDRESS_NOT_LISTED_FOR_MEMBER);
    }

    @Test
    void shouldLeaveTheHostToTheDialWhenThisNodeDialled()
    {
        assertThat(MemberClaim.check(SNAPSHOT, SELF, SIBLING_V4, OPERATOR.publicKey(), SIBLING_V4, null))
            .isEqualTo(MemberClaim.Verdict.ACCEPTED);
    }
}
