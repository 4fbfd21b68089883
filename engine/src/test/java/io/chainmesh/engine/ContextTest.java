package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.InMemoryDirectorySource;
import io.chainmesh.codec.crypto.NodeKey;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ContextTest
{
    private static final NodeKey KEY = TestDirectory.keys(1).get(0);

    private static ChainmeshNode.Context valid()
    {
        return new ChainmeshNode.Context()
            .nodeKey(KEY).member(TestDirectory.memberIdOf(KEY))
            .directorySource(new InMemoryDirectorySource(DirectorySnapshot.empty()));
    }

    @Test
    void shouldApplyDefaults()
    {
        final ChainmeshNode.Context ctx = valid().conclude();
        assertThat(ctx.ioThreads()).isEqualTo(1);
        assertThat(ctx.ringSuccessors()).isEqualTo(2);
        assertThat(ctx.missedHeartbeatsBeforeDead()).isEqualTo(3);
        assertThat(ctx.maxFrameLength()).isEqualTo(1024 * 1024);
        assertThat(ctx.bindAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", 0));
        assertThat(ctx.resolvedTransport()).isIn(Transport.EPOLL, Transport.NIO);
    }

    @Test
    void shouldNameTheInvalidSetting()
    {
        assertThatThrownBy(() -> valid().peerOutboundBudget(128 * 1024).conclude())
            .hasMessageContaining("broadcast maxBatchFrameLength=65536 must be <= peerOutboundBudget / 8 = 16384");
        assertThatThrownBy(() -> valid().ioThreads(0).conclude()).hasMessageContaining("ioThreads=0");
        final io.chainmesh.engine.broadcast.BatchSignatures unverified = new io.chainmesh.engine.broadcast.BatchSignatures()
        {
            @Override
            public Signer signer(final io.chainmesh.codec.crypto.NodeKey key)
            {
                return encoder -> 0;
            }

            @Override
            public Verifier verifier()
            {
                return (signer, buffer, offset, length) -> true;
            }
        };
        final ChainmeshNode.Context forging = valid();
        forging.broadcast().signatures(unverified);
        assertThatThrownBy(forging::conclude).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("broadcast().signatures must be BatchSignatures.ECDSA on a networked node");
        assertThatThrownBy(() -> valid().ringSuccessors(0).conclude()).hasMessageContaining("ringSuccessors=0");
        assertThatThrownBy(() -> valid().maxPreAuthBytes(10).conclude()).hasMessageContaining("maxPreAuthBytes=10");
        assertThatThrownBy(() -> valid().maxFrameLength(Integer.MAX_VALUE).conclude())
            .hasMessageContaining("maxFrameLength=2147483647");
        assertThatThrownBy(() -> valid().peerOutboundBudget(100_000).conclude())
            .hasMessageContaining("peerOutboundBudget=100000");
        assertThatThrownBy(() -> valid().backoffMinNs(TimeUnit.SECONDS.toNanos(2)).backoffMaxNs(TimeUnit.SECONDS.toNanos(1))
            .conclude()).hasMessageContaining("backoffMaxNs=");
        assertThatThrownBy(() -> valid().hopLimit(0).conclude()).hasMessageContaining("hopLimit=0");
        assertThatThrownBy(() -> valid().heartbeatIntervalNs(0).conclude()).hasMessageContaining("heartbeatIntervalNs=0");
        assertThatThrownBy(() -> new ChainmeshNode.Context().conclude()).hasMessageContaining("nodeKey");
        assertThatThrownBy(() -> new ChainmeshNode.Context().nodeKey(KEY).member(TestDirectory.memberIdOf(KEY)).conclude())
            .hasMessageContaining("directorySource");
    }

    @Test
    void shouldInferTheMemberOfAKeyListedOnceAndNameTheChoicesOtherwise()
    {
        final io.chainmesh.chain.MemberId first = io.chainmesh.chain.MemberId.of("0a".repeat(32), 0);
        final io.chainmesh.chain.MemberId second = io.chainmesh.chain.MemberId.of("0b".repeat(32), 3);
        final DirectorySnapshot once = DirectorySnapshot.of(5, java.util.List.of(TestDirectory.member(first, KEY, 30000, 1)));
        final DirectorySnapshot twice = DirectorySnapshot.of(6, java.util.List.of(TestDirectory.member(first, KEY, 30000, 1),
            TestDirectory.member(second, KEY, 30001, 2)));

        assertThat(new ChainmeshNode.Context().nodeKey(KEY).directorySource(new InMemoryDirectorySource(once)).conclude()
            .member()).isEqualTo(first);
        assertThatThrownBy(() -> new ChainmeshNode.Context().nodeKey(KEY).directorySource(new InMemoryDirectorySource(twice))
            .conclude()).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("member must be set").hasMessageContaining("listed for 2 members at height 6")
            .hasMessageContaining(first.toString()).hasMessageContaining(second.toString());
        assertThatThrownBy(() -> new ChainmeshNode.Context().nodeKey(KEY)
            .directorySource(new InMemoryDirectorySource(DirectorySnapshot.empty())).conclude())
            .hasMessageContaining("listed for 0 members");
        assertThat(new ChainmeshNode.Context().nodeKey(KEY).member(second).directorySource(new InMemoryDirectorySource(twice))
            .conclude().member()).isEqualTo(second);
    }

    @Test
    void shouldFailClearlyWhenEpollRequestedButUnavailable()
    {
        assumeFalse(Epoll.isAvailable(), "epoll is available here");
        assertThatThrownBy(() -> valid().transport(Transport.EPOLL).conclude())
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("transport=EPOLL is unavailable");
        assertThat(valid().transport(Transport.AUTO).conclude().resolvedTransport()).isEqualTo(Transport.NIO);
    }

    @Test
    void shouldRunOverEpollWhenAvailable()
    {
        assumeTrue(Epoll.isAvailable(), "epoll native library not on the classpath");
        try (ChainmeshNode node = ChainmeshNode.launch(valid().transport(Transport.EPOLL)))
        {
            assertThat(node.localAddress().getPort()).isPositive();
        }
    }

    @Test
    void shouldBindToRealPortAndCloseIdempotently()
    {
        final ChainmeshNode node = ChainmeshNode.launch(valid().transport(Transport.NIO));
        assertThat(node.localAddress().getPort()).isPositive();
        assertThat(node.peers()).isEmpty();
        node.close();
        node.close();
    }

    @Test
    void shouldCloseWhatItBuiltWhenLaunchFails()
    {
        try (ChainmeshNode first = ChainmeshNode.launch(valid().transport(Transport.NIO)))
        {
            final InetSocketAddress taken = first.localAddress();
            final java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
            final long ioBefore = before.stream().filter(t -> t.getName().startsWith("chainmesh-io")).count();
            assertThatThrownBy(() -> ChainmeshNode.launch(
                new ChainmeshNode.Context().nodeKey(KEY).member(TestDirectory.memberIdOf(KEY)).transport(Transport.NIO)
                    .directorySource(new InMemoryDirectorySource(DirectorySnapshot.empty()))
                    .bindAddress(taken)))
                .hasMessageContaining("Address already in use");
            Await.until(() -> "failed node IO thread stopped " + Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("chainmesh-io")).map(t -> t.getName() + ":" + t.getState()).toList() + " before=" + ioBefore, 5_000, () -> Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("chainmesh-io") && t.isAlive()).count() <= ioBefore);
        }
    }

    @Test
    void shouldDefaultToAesGcmRecordsAndNameInvalidRecordSettings()
    {
        final ChainmeshNode.Context ctx = valid().conclude();
        assertThat(ctx.channelCipher()).isEqualTo(ChannelCipher.AES_GCM);
        assertThat(ctx.recordSettings().maxRecordPlaintext()).isEqualTo(16 * 1024);
        assertThat(ctx.recordSettings().encrypted()).isTrue();
        assertThatThrownBy(() -> valid().maxRecordPlaintext(100).conclude()).hasMessageContaining("maxRecordPlaintext=100");
        assertThatThrownBy(() -> valid().maxRecordPlaintext(65537).conclude())
            .hasMessageContaining("maxRecordPlaintext=65537");
        assertThatThrownBy(() -> valid().rekeyAfterRecords(0).conclude()).hasMessageContaining("rekeyAfterRecords=0");
        assertThatThrownBy(() -> valid().rekeyAfterBytes(1L << 40).conclude())
            .hasMessageContaining("rekeyAfterBytes=1099511627776");
        assertThatThrownBy(() -> valid().channelCipher(null).conclude()).hasMessageContaining("channelCipher");
    }

    @Test
    void shouldKeepHandlersRegisteredBeforeLaunchAndRefuseABadTopic()
    {
        final io.chainmesh.engine.broadcast.MessageHandler handler = (origin, topic, buffer, offset, length) ->
        {
        };
        final ChainmeshNode.Context ctx = new ChainmeshNode.Context().subscribe(7, handler);

        assertThat(ctx.initialSubscriptions()).containsEntry(7, handler).hasSize(1);
        assertThatThrownBy(() -> ctx.subscribe(70_000, handler)).hasMessageContaining("topic=70000");
    }

    @Test
    void shouldRefuseLinkFaultsWithoutTheTestSwitch()
    {
        final String previous = System.getProperty(io.chainmesh.engine.transport.LinkFaults.ENABLED_PROPERTY);
        System.setProperty(io.chainmesh.engine.transport.LinkFaults.ENABLED_PROPERTY, "true");
        final io.chainmesh.engine.transport.LinkFaults faults =
            new io.chainmesh.engine.transport.LinkFaults(new io.chainmesh.engine.transport.LinkFaults.Context());
        System.clearProperty(io.chainmesh.engine.transport.LinkFaults.ENABLED_PROPERTY);
        try
        {
            final ChainmeshNode.Context ctx = new ChainmeshNode.Context().nodeKey(KEY)
                .directorySource(new InMemoryDirectorySource(DirectorySnapshot.empty())).linkFaults(faults);

            assertThatThrownBy(ctx::conclude).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-D" + io.chainmesh.engine.transport.LinkFaults.ENABLED_PROPERTY + "=true");
        }
        finally
        {
            if (null != previous)
            {
                System.setProperty(io.chainmesh.engine.transport.LinkFaults.ENABLED_PROPERTY, previous);
            }
        }
    }
}
