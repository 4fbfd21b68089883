package io.chainmesh.chain;

import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FluxdRpcSourceTest
{
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(final T resource)
    {
        resources.add(resource);
        return resource;
    }

    private DevnetChain chain(final int active)
    {
        return track(new DevnetChain(new DevnetChain.Context().seed(11).memberCount(10).initiallyActive(active).basePort(30000)));
    }

    private DevnetRpcServer server(final DevnetChain chain, final DevnetRpcServer.Context ctx) throws IOException
    {
        return track(DevnetRpcServer.launch(ctx.source(chain)));
    }

    private static FluxdRpcSource.Context sourceContext(final URI uri)
    {
        return new FluxdRpcSource.Context().uri(uri).rpcUser("devnet").rpcPassword("devnet")
            .requestTimeoutMs(2_000).connectTimeoutMs(1_000).backoff(10, 40).pollIntervalMs(20).jitterSeed(1);
    }

    private FluxdRpcSource source(final FluxdRpcSource.Context ctx)
    {
        return track(new FluxdRpcSource(ctx));
    }

    @Test
    void shouldPublishDevnetListThroughRealRpcServer() throws IOException
    {
        final DevnetChain chain = chain(10);
        final DevnetRpcServer server = server(chain, new DevnetRpcServer.Context());
        final FluxdRpcSource source = source(sourceContext(server.uri()));

        assertThat(source.current().size()).isZero();
        assertThat(source.pollOnce()).isTrue();

        assertThat(source.current().members()).isEqualTo(chain.current().members());
        assertThat(source.current().height()).isEqualTo(chain.height());
        final FluxdRpcSource.Health health = source.health();
        assertThat(health.state()).isEqualTo(FluxdRpcSource.State.HEALTHY);
        assertThat(health.consecutiveFailures()).isZero();
        assertThat(health.height()).isEqualTo(chain.height());
        assertThat(health.listMethod()).isEqualTo(FluxdRpcSource.LIST_METHOD);
        assertThat(source.lastParse().rejectedCount()).isZero();
    }

    @Test
    void shouldPublishDiffWithJoinsAndLeavesOnHeightChange() throws IOException
    {
        final DevnetChain chain = chain(8);
        final DevnetRpcServer server = server(chain, new DevnetRpcServer.Context());
        final FluxdRpcSource source = source(sourceContext(server.uri()));
        final List<DirectoryDiff> diffs = new CopyOnWriteArrayList<>();
        source.subscribe((snapshot, diff) -> diffs.add(diff));
        assertThat(source.pollOnce()).isTrue();

        chain.leave(3);
        chain.join(8);
        chain.join(9);
        chain.advance();
        assertThat(source.pollOnce()).isTrue();

        assertThat(diffs).hasSize(2);
        final DirectoryDiff diff = diffs.get(1);
        assertThat(diff.toHeight()).isEqualTo(chain.height());
        assertThat(diff.joined()).extracting(Member::id).containsExactlyInAnyOrder(chain.memberId(8), chain.memberId(9));
        assertThat(diff.left()).extracting(Member::id).containsExactly(chain.memberId(3));
        assertThat(diff.changed()).isEmpty();
        assertThat(source.current().members()).isEqualTo(chain.current().members());
    }

    @Test
    void shouldNotRefetchListWhenHeightIsUnchanged() throws IOException
    {
        final DevnetChain chain = chain(4);
        final DevnetRpcServer server = server(chain, new DevnetRpcServer.Context());
        final FluxdRpcSource source = source(sourceContext(server.uri()));
        assertThat(source.pollOnce()).isTrue();
        final long callsAfterFirst = server.callCount();

        assertThat(source.pollOnce()).isTrue();

        assertThat(server.callCount()).isEqualTo(callsAfterFirst + 1);
    }

    @Test
    void shouldFallBackToAliasWhenListMethodIsUnknown() throws IOException
    {
        final DevnetChain chain = chain(6);
        final DevnetRpcServer server = server(chain, new DevnetRpcServer.Context().legacyMethodsOnly(true));
        final FluxdRpcSource source = source(sourceContext(server.uri()));

        assertThat(source.pollOnce()).isTrue();

        assertThat(source.health().listMethod()).isEqualTo(FluxdRpcSource.LIST_METHOD_ALIAS);
        assertThat(source.current().members()).isEqualTo(chain.current().members());
        assertThat(source.nodeStatus(chain.memberId(2)).isConfirmed()).isTrue();
    }

    @Test
    void shouldReportWarmUpThenSucceed() throws IOException
    {
        final DevnetChain chain = chain(5);
        final DevnetRpcServer server = server(chain, new DevnetRpcServer.Context().warmUpCalls(2));
        final FluxdRpcSource source = source(sourceContext(server.uri()));

        assertThat(source.pollOnce()).isFalse();
        assertThat(source.health().state()).isEqualTo(FluxdRpcSource.State.WARMING_UP);
        assertThat(source.health().lastError()).contains("-28").contains("Loading block index");
        assertThat(source.pollOnce()).isFalse();
        assertThat(source.health().consecutiveFailures()).isEqualTo(2);

        assertThat(source.pollOnce()).isTrue();
        assertThat(source.health().state()).isEqualTo(FluxdRpcSource.State.HEALTHY);
        assertThat(source.health().consecutiveFailures()).isZero();
        assertThat(source.current().size()).isEqualTo(5);
    }

    @Test
    void shouldReportUnauthorizedOnWrongPassword() throws IOException
    {
        final DevnetChain chain = chain(5);
        final DevnetRpcServer server = server(chain, new DevnetRpcServer.Context());
        final FluxdRpcSource source = source(sourceContext(server.uri()).rpcPassword("wrong"));

        assertThat(source.pollOnce()).isFalse();

        assertThat(source.health().lastErrorKind()).isEqualTo(ChainDataException.Kind.UNAUTHORIZED);
        assertThat(source.health().lastError()).contains("HTTP 401");
        assertThat(source.health().state()).isEqualTo(FluxdRpcSource.State.FAILING);
        assertThat(source.current().size()).isZero();
    }

    private void assertKeepsSnapshotWhen(final ScriptedFluxd.Mode mode, final ChainDataException.Kind kind) throws IOException
    {
        final DevnetChain chain = chain(6);
        final ScriptedFluxd fluxd = track(new ScriptedFluxd(chain));
        final FluxdRpcSource source = source(sourceContext(fluxd.uri()).maxBodyBytes(1024 * 1024).requestTimeoutMs(5_000));
        assertThat(source.pollOnce()).isTrue();
        final DirectorySnapshot good = source.current();

        fluxd.mode.set(mode);
        chain.join(7);
        chain.advance();
        assertThat(source.pollOnce()).isFalse();

        assertThat(source.current()).isSameAs(good);
        final FluxdRpcSource.Health health = source.health();
        assertThat(health.lastErrorKind()).as(health.lastError()).isEqualTo(kind);
        assertThat(health.consecutiveFailures()).isEqualTo(1);
        assertThat(health.snapshotHeight()).isEqualTo(good.height());

        fluxd.mode.set(ScriptedFluxd.Mode.OK);
        assertThat(source.pollOnce()).isTrue();
        assertThat(source.current().size()).isEqualTo(7);
    }

    @Test
    void shouldKeepSnapshotOnHttp500()
    {
        assertKeepsSnapshotWhenUnchecked(ScriptedFluxd.Mode.HTTP_500_HTML, ChainDataException.Kind.HTTP_STATUS);
    }

    @Test
    void shouldKeepSnapshotOnMalformedJson()
    {
        assertKeepsSnapshotWhenUnchecked(ScriptedFluxd.Mode.MALFORMED_JSON, ChainDataException.Kind.MALFORMED);
    }

    @Test
    void shouldKeepSnapshotOnTruncatedJson()
    {
        assertKeepsSnapshotWhenUnchecked(ScriptedFluxd.Mode.TRUNCATED_JSON, ChainDataException.Kind.MALFORMED);
    }

    @Test
    void shouldKeepSnapshotWhenConnectionClosesMidBody()
    {
        assertKeepsSnapshotWhenUnchecked(ScriptedFluxd.Mode.CONNECTION_CLOSED_EARLY, ChainDataException.Kind.UNREACHABLE);
    }

    @Test
    void shouldStopReadingOversizedChunkedBody()
    {
        assertKeepsSnapshotWhenUnchecked(ScriptedFluxd.Mode.OVERSIZED_CHUNKED, ChainDataException.Kind.OVERSIZED);
    }

    @Test
    void shouldRefuseOversizedDeclaredBody()
    {
        assertKeepsSnapshotWhenUnchecked(ScriptedFluxd.Mode.OVERSIZED_DECLARED, ChainDataException.Kind.OVERSIZED);
    }

    @Test
    void shouldKeepSnapshotWhenResultIsNotAnArray()
    {
        assertKeepsSnapshotWhenUnchecked(ScriptedFluxd.Mode.NOT_AN_ARRAY, ChainDataException.Kind.MALFORMED);
    }

    private void assertKeepsSnapshotWhenUnchecked(final ScriptedFluxd.Mode mode, final ChainDataException.Kind kind)
    {
        try
        {
            assertKeepsSnapshotWhen(mode, kind);
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
    }

    @Test
    void shouldTimeOutAgainstServerThatNeverAnswers() throws Exception
    {
        final ServerSocket silent = track(new ServerSocket());
        silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        final Thread acceptor = new Thread(() ->
        {
            try
            {
                while (true)
                {
                    accepted.add(silent.accept());
                }
            }
            catch (final IOException closed)
            {
                // Test over.
            }
        }, "silent-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        final FluxdRpcSource source = source(sourceContext(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/"))
            .requestTimeoutMs(300));

        assertThat(source.pollOnce()).isFalse();

        assertThat(source.health().lastErrorKind()).isEqualTo(ChainDataException.Kind.TIMEOUT);
        assertThat(source.health().lastError()).contains("timed out after 300 ms");
        for (final Socket socket : accepted)
        {
            socket.close();
        }
    }

    @Test
    void shouldReportRefusedConnection() throws IOException
    {
        final int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            port = probe.getLocalPort();
        }
        final FluxdRpcSource source = source(sourceContext(URI.create("http://127.0.0.1:" + port + "/")));

        assertThat(source.pollOnce()).isFalse();

        assertThat(source.health().lastErrorKind()).isEqualTo(ChainDataException.Kind.UNREACHABLE);
        assertThat(source.health().lastError()).contains("127.0.0.1:" + port);
    }

    @Test
    void shouldBackOffExponentiallyWithJitterUpToMax() throws IOException
    {
        final int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            port = probe.getLocalPort();
        }
        final CachedEpochClock clock = new CachedEpochClock();
        clock.update(1_000_000);
        final FluxdRpcSource source = source(sourceContext(URI.create("http://127.0.0.1:" + port + "/"))
            .clock(clock).backoff(1_000, 4_000));

        final long[] upper = { 1_000, 2_000, 4_000, 4_000 };
        for (int i = 0; i < upper.length; i++)
        {
            assertThat(source.doWork()).isEqualTo(1);
            final long delay = source.nextAttemptMs() - clock.time();
            assertThat(delay).as("delay after failure %d", i + 1).isBetween(upper[i] / 2, upper[i]);
            assertThat(source.health().consecutiveFailures()).isEqualTo(i + 1);
            clock.advance(delay - 1);
            assertThat(source.doWork()).isZero();
            clock.advance(1);
        }
    }

    @Test
    void shouldPollOnItsOwnThreadAndNotifyListeners() throws Exception
    {
        final DevnetChain chain = chain(7);
        final DevnetRpcServer server = server(chain, new DevnetRpcServer.Context());
        final FluxdRpcSource source = source(sourceContext(server.uri()));
        final CountDownLatch first = new CountDownLatch(1);
        final CountDownLatch joined = new CountDownLatch(1);
        final List<String> threads = new CopyOnWriteArrayList<>();
        source.subscribe((snapshot, diff) ->
        {
            threads.add(Thread.currentThread().getName());
            first.countDown();
            if (diff.joined().stream().anyMatch(m -> m.id().equals(chain.memberId(9))))
            {
                joined.countDown();
            }
        });

        source.launch();
        assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
        chain.join(9);
        chain.advance();
        assertThat(joined.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(threads).allMatch("chainmesh-fluxd-poller"::equals);
        source.close();
        source.close();
        assertThat(source.pollOnce()).isFalse();
    }

    @Test
    void shouldReadCredentialsAndPortFromFluxConf(@TempDir final Path dir) throws IOException
    {
        final DevnetChain chain = chain(3);
        final DevnetRpcServer server = server(chain, new DevnetRpcServer.Context().credentials("fluxrpc", "s3cret"));
        final Path conf = dir.resolve("flux.conf");
        Files.writeString(conf, "# flux.conf\nrpcuser=fluxrpc\nrpcpassword = s3cret # inline\nrpcport=" + server.port() +
            "\nrpcallowip=127.0.0.1\n\n");
        final FluxdRpcSource source = source(new FluxdRpcSource.Context().fluxConf(conf).requestTimeoutMs(2_000));

        assertThat(source.pollOnce()).isTrue();
        assertThat(source.current().size()).isEqualTo(3);
    }

    @Test
    void shouldReportNodeStatusForListedAndUnlistedKeys() throws IOException
    {
        final DevnetChain chain = chain(5);
        final DevnetRpcServer server = server(chain, new DevnetRpcServer.Context());
        final FluxdRpcSource source = source(sourceContext(server.uri()));

        final FluxNodeStatus listed = source.nodeStatus(chain.memberId(1));
        assertThat(listed.isConfirmed()).isTrue();
        assertThat(listed.member()).isEqualTo(chain.activeMember(1));

        final FluxNodeStatus unlisted = source.nodeStatus(chain.memberId(8));
        assertThat(unlisted.status()).isEqualTo("EXPIRED");
        assertThat(unlisted.isConfirmed()).isFalse();

        assertThatThrownBy(source::nodeStatus).isInstanceOf(ChainDataException.class).hasMessageContaining("-8");
    }

    @Test
    void shouldRejectInvalidSettingsNamingThem()
    {
        assertThatThrownBy(() -> new FluxdRpcSource(new FluxdRpcSource.Context().pollIntervalMs(0)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pollIntervalMs=0");
        assertThatThrownBy(() -> new FluxdRpcSource(new FluxdRpcSource.Context().backoff(10, 5)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backoff min=10 max=5");
        assertThatThrownBy(() -> new FluxdRpcSource(new FluxdRpcSource.Context().maxBodyBytes(10)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBodyBytes=10");
        assertThatThrownBy(() -> new FluxdRpcSource(new FluxdRpcSource.Context().fluxConf(Path.of("/nonexistent/flux.conf"))))
            .isInstanceOf(ChainDataException.class).hasMessageContaining("/nonexistent/flux.conf");
    }
    @Test
    void shouldNotPublishListFromLowerHeightAfterReorg() throws IOException
    {
        final DevnetChain chain = chain(6);
        final ScriptedFluxd fluxd = track(new ScriptedFluxd(chain));
        final FluxdRpcSource source = source(sourceContext(fluxd.uri()));
        chain.advance();
        assertThat(source.pollOnce()).isTrue();
        final DirectorySnapshot published = source.current();

        fluxd.heightOverride.set(chain.height() - 1);
        chain.leave(0);
        chain.advance();
        assertThat(source.pollOnce()).isTrue();

        assertThat(source.current()).isSameAs(published);
        assertThat(source.health().height()).isEqualTo(published.height() - 1);
        assertThat(source.health().snapshotHeight()).isEqualTo(published.height());

        fluxd.heightOverride.set(-1);
        assertThat(source.pollOnce()).isTrue();
        assertThat(source.current().height()).isEqualTo(chain.height());
        assertThat(source.current().size()).isEqualTo(5);
    }
    @Test
    void shouldGiveSeparateNodesSharingOneDevnetServerTheSameOrderedDirectory() throws IOException
    {
        final DevnetChain chain = chain(9);
        final DevnetRpcServer server = server(chain, new DevnetRpcServer.Context());
        final FluxdRpcSource nodeA = source(sourceContext(server.uri()));
        final FluxdRpcSource nodeB = source(sourceContext(server.uri()));

        assertThat(nodeA.pollOnce()).isTrue();
        assertThat(nodeB.pollOnce()).isTrue();

        assertThat(nodeA.current().members()).isEqualTo(nodeB.current().members());
        for (final int index : new int[]{ 0, 4, 8 })
        {
            final FluxNodeStatus self = nodeA.nodeStatus(chain.memberId(index));
            assertThat(self.isConfirmed()).isTrue();
            assertThat(nodeB.current().indexOf(self.member().id())).isEqualTo(chain.current().indexOf(chain.memberId(index)));
        }
    }
}
