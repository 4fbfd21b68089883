package io.chainmesh.chain;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DevnetChainTest
{
    private static DevnetChain.Context context(final long seed)
    {
        return new DevnetChain.Context().seed(seed).memberCount(12).basePort(20000);
    }

    @Test
    void shouldProduceIdenticalSnapshotsForSameSeed()
    {
        try (DevnetChain a = new DevnetChain(context(7).leaveAt(100, 3).joinAt(101, 3));
            DevnetChain b = new DevnetChain(context(7).leaveAt(100, 3).joinAt(101, 3)))
        {
            assertThat(a.current().members()).isEqualTo(b.current().members());
            assertThat(a.current().height()).isEqualTo(b.current().height());
            assertThat(a.advanceTo(105).members()).isEqualTo(b.advanceTo(105).members());
            for (int i = 0; i < a.memberCount(); i++)
            {
                assertThat(a.memberKey(i).privateKeyHex()).isEqualTo(b.memberKey(i).privateKeyHex());
            }
        }
    }

    @Test
    void shouldProduceDifferentKeysForDifferentSeeds()
    {
        try (DevnetChain a = new DevnetChain(context(7)); DevnetChain b = new DevnetChain(context(8)))
        {
            assertThat(a.publicKey(0)).isNotEqualTo(b.publicKey(0));
            assertThat(a.current().member(0).txHash()).isNotEqualTo(b.current().member(0).txHash());
        }
    }

    @Test
    void shouldOrderByAddedHeightThenTxHashIncludingTies()
    {
        try (DevnetChain chain = new DevnetChain(context(3)))
        {
            final List<Member> members = chain.current().members();
            assertThat(members).hasSize(12);
            final Set<Long> heights = new HashSet<>();
            boolean sawTie = false;
            for (int i = 1; i < members.size(); i++)
            {
                final Member prev = members.get(i - 1);
                final Member next = members.get(i);
                assertThat(next.addedHeight()).isGreaterThanOrEqualTo(prev.addedHeight());
                if (next.addedHeight() == prev.addedHeight())
                {
                    sawTie = true;
                    assertThat(next.txHash()).isGreaterThan(prev.txHash());
                }
                heights.add(next.addedHeight());
            }
            assertThat(sawTie).isTrue();
            assertThat(heights.size()).isGreaterThan(1);
            final List<Member> sorted = new ArrayList<>(members);
            sorted.sort(DirectorySnapshot.RING_ORDER);
            assertThat(members).isEqualTo(sorted);
        }
    }

    @Test
    void shouldDeriveKeysMatchingListedPublicKeys()
    {
        try (DevnetChain chain = new DevnetChain(context(5)))
        {
            for (int i = 0; i < chain.memberCount(); i++)
            {
                final Member member = chain.current().find(chain.memberId(i));
                assertThat(member).isNotNull();
                assertThat(member.meshEndpoint()).isEqualTo(new Endpoint("127.0.0.1", 20000 + i));
                assertThat(member.endpoint()).as("listed like a FluxOS API port")
                    .isEqualTo(new Endpoint("127.0.0.1", 20000 + i - Member.MESH_PORT_OFFSET));
                assertThat(chain.indexOf(member.id())).isEqualTo(i);
            }
        }
    }

    @Test
    void shouldPublishJoinsAndLeavesWithDiff()
    {
        try (DevnetChain chain = new DevnetChain(context(9).initiallyActive(10)))
        {
            final List<DirectoryDiff> diffs = new ArrayList<>();
            chain.subscribe((snapshot, diff) -> diffs.add(diff));
            final long start = chain.height();

            chain.leave(2);
            chain.join(10);
            final DirectorySnapshot next = chain.advance();

            assertThat(next.height()).isEqualTo(start + 1);
            assertThat(next.size()).isEqualTo(10);
            assertThat(diffs).singleElement().satisfies(diff ->
            {
                assertThat(diff.joined()).extracting(Member::id).containsExactly(chain.memberId(10));
                assertThat(diff.left()).extracting(Member::id).containsExactly(chain.memberId(2));
                assertThat(diff.changed()).isEmpty();
                assertThat(diff.fromHeight()).isEqualTo(start);
            });
            assertThat(next.find(chain.memberId(10)).addedHeight()).isEqualTo(start + 1);
            assertThat(next.member(next.size() - 1).id()).isEqualTo(chain.memberId(10));
            assertThat(chain.isActive(2)).isFalse();
        }
    }

    @Test
    void shouldApplyScriptedEventsAtTheirHeight()
    {
        final DevnetChain.Context ctx = context(4).initiallyActive(11);
        try (DevnetChain probe = new DevnetChain(new DevnetChain.Context().seed(4).memberCount(12).basePort(20000)))
        {
            final long genesis = probe.genesisHeight();
            ctx.joinAt(genesis + 2, 11).leaveAt(genesis + 3, 0);
            try (DevnetChain chain = new DevnetChain(ctx))
            {
                assertThat(chain.advance().size()).isEqualTo(11);
                assertThat(chain.advance().contains(chain.memberId(11))).isTrue();
                final DirectorySnapshot third = chain.advance();
                assertThat(third.contains(chain.memberId(0))).isFalse();
                assertThat(third.size()).isEqualTo(11);
            }
        }
    }

    @Test
    void shouldPickDistinctFreePortsByDefault()
    {
        try (DevnetChain chain = new DevnetChain(new DevnetChain.Context().memberCount(5)))
        {
            final Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < 5; i++)
            {
                ports.add(chain.portFor(i));
            }
            assertThat(ports).hasSize(5).allSatisfy(p -> assertThat(p).isPositive());
        }
    }

    @Test
    void shouldUseExplicitPorts()
    {
        try (DevnetChain chain = new DevnetChain(new DevnetChain.Context().memberCount(3).ports(5001, 5003, 5002)))
        {
            assertThat(chain.portFor(1)).isEqualTo(5003);
            assertThat(chain.endpoint(1)).isEqualTo(new Endpoint("127.0.0.1", 5003 - Member.MESH_PORT_OFFSET));
        }
    }

    @Test
    void shouldListMembersOfOneOperatorUnderOneKeyAsSeparateMembers()
    {
        try (DevnetChain chain = new DevnetChain(new DevnetChain.Context().memberCount(9).operators(2).basePort(30000)))
        {
            final DirectorySnapshot snapshot = chain.current();
            assertThat(snapshot.size()).isEqualTo(9);
            assertThat(snapshot.distinctKeys()).isEqualTo(2);
            assertThat(snapshot.membersWithKey(chain.publicKey(0))).hasSize(5);
            assertThat(snapshot.membersWithKey(chain.publicKey(1))).hasSize(4);
            assertThat(chain.memberKey(4)).isSameAs(chain.memberKey(0));
            assertThat(snapshot.members()).extracting(Member::originId).doesNotHaveDuplicates();
        }
        assertThatThrownBy(() -> new DevnetChain.Context().operators(-1).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("operators=-1");
    }

    @Test
    void shouldRejectInvalidSettingsNamingThem()
    {
        assertThatThrownBy(() -> new DevnetChain(new DevnetChain.Context().memberCount(0)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("memberCount=0");
        assertThatThrownBy(() -> new DevnetChain(new DevnetChain.Context().memberCount(2).ports(1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ports length=1");
        assertThatThrownBy(() -> new DevnetChain(new DevnetChain.Context().host("localhost")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host=localhost");
        assertThatThrownBy(() -> new DevnetChain(context(1).joinAt(1, 0)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("genesis height");
        assertThatThrownBy(() -> new DevnetChain(context(1)).memberKey(12))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index=12");
    }

    @Test
    void shouldMineOnItsOwnThreadWhenIntervalSet() throws Exception
    {
        final java.util.concurrent.CountDownLatch blocks = new java.util.concurrent.CountDownLatch(2);
        try (DevnetChain chain = new DevnetChain(context(2).blockIntervalMs(5)))
        {
            chain.subscribe((snapshot, diff) -> blocks.countDown());
            chain.launch();
            assertThat(blocks.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(chain.height()).isGreaterThanOrEqualTo(chain.genesisHeight() + 2);
        }
    }
}
