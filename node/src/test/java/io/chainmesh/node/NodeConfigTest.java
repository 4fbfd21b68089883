package io.chainmesh.node;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chainmesh node} validates its config before starting anything: exit 2, message naming the field.
 */
class NodeConfigTest
{
    private static final String KEY = "0000000000000000000000000000000000000000000000000000000000000001";

    @TempDir
    Path dir;

    private String valid;

    @BeforeEach
    void setUp() throws Exception
    {
        Files.writeString(dir.resolve("node.key"), KEY + "\n");
        valid = "node.key.file=node.key\n" +
            "listen.address=127.0.0.1:0\n" +
            "directory.source=devnet\n" +
            "directory.rpc.url=http://127.0.0.1:16124\n" +
            "directory.rpc.user=devnet\n" +
            "directory.rpc.password=devnet\n" +
            "counters.file=counters.dat\n";
    }

    private record Result(int exitCode, String err)
    {
    }

    private Result runNode(final String config) throws Exception
    {
        final Path file = dir.resolve("node.properties");
        Files.writeString(file, config);
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = ChainmeshCli.commandLine(new PrintWriter(out), new PrintWriter(err))
            .execute("node", "--config", file.toString());
        return new Result(code, err.toString());
    }

    private void assertRejected(final String config, final String expectedMessage) throws Exception
    {
        final Result result = runNode(config);
        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).contains(expectedMessage);
    }

    @Test
    void shouldAcceptTheValidConfigAndResolvePathsAgainstItsDirectory() throws Exception
    {
        final Path file = dir.resolve("ok.properties");
        Files.writeString(file, valid);
        final NodeConfig config = NodeConfig.load(file);
        assertThat(config.sourceKind()).isEqualTo(NodeConfig.SourceKind.DEVNET);
        assertThat(config.countersFile()).isEqualTo(dir.resolve("counters.dat"));
        assertThat(config.httpAddress().getAddress().isLoopbackAddress()).isTrue();
        assertThat(config.nodeKey().privateKeyHex()).isEqualTo(KEY);
    }

    @Test
    void shouldLeaveTheApplicationApiOffUnlessConfiguredAndReadItsSettings() throws Exception
    {
        final Path off = dir.resolve("off.properties");
        Files.writeString(off, valid);
        assertThat(NodeConfig.load(off).appAddress()).isNull();

        Files.writeString(dir.resolve("app.token"), "  0123456789abcdef0123456789abcdef\n");
        final Path on = dir.resolve("on.properties");
        Files.writeString(on, valid + "app.address=127.0.0.1:16130\napp.token.file=app.token\n" +
            "app.client.queue.bytes=262144\napp.slow.subscriber=drop\napp.max.clients=3\napp.max.frame.length=4096\n");
        final NodeConfig config = NodeConfig.load(on);
        assertThat(config.appAddress().getPort()).isEqualTo(16130);
        assertThat(config.appToken().matches("0123456789abcdef0123456789abcdef")).isTrue();
        assertThat(config.appToken().matches("0123456789abcdef0123456789abcdeF")).isFalse();
        assertThat(config.appClientQueueBytes()).isEqualTo(262144);
        assertThat(config.appSlowSubscriber()).isEqualTo(io.chainmesh.node.app.AppApiServer.SlowSubscriberPolicy.DROP);
        assertThat(config.appMaxClients()).isEqualTo(3);
        assertThat(config.appMaxFrameLength()).isEqualTo(4096);
    }

    @Test
    void shouldReadAdmissionLimitsWithDefaultsAndRejectBadOnes() throws Exception
    {
        final Path file = dir.resolve("limits.properties");
        Files.writeString(file, valid);
        assertThat(NodeConfig.load(file).maxUnauthenticated()).isEqualTo(512);
        assertThat(NodeConfig.load(file).maxUnauthenticatedPerSource()).isEqualTo(32);
        Files.writeString(file, valid + "limits.max.unauthenticated.connections=100\n" +
            "limits.max.unauthenticated.per.source=4\n");
        assertThat(NodeConfig.load(file).maxUnauthenticated()).isEqualTo(100);
        assertThat(NodeConfig.load(file).maxUnauthenticatedPerSource()).isEqualTo(4);
        Files.writeString(file, valid + "limits.max.unauthenticated.connections=8\n");
        assertThat(NodeConfig.load(file).maxUnauthenticatedPerSource()).isEqualTo(8);
        assertRejected(valid + "limits.max.unauthenticated.connections=0\n",
            "limits.max.unauthenticated.connections=0 must be in [1, 1000000]");
        assertRejected(valid + "limits.max.unauthenticated.connections=10\nlimits.max.unauthenticated.per.source=11\n",
            "limits.max.unauthenticated.per.source=11 must be in [1, 10]");
    }

    @Test
    void shouldLeaveTheFluxBridgeOffUnlessConfiguredAndReadItsSettings() throws Exception
    {
        final Path off = dir.resolve("flux-off.properties");
        Files.writeString(off, valid);
        assertThat(NodeConfig.load(off).fluxBridgeEnabled()).isFalse();

        final Path on = dir.resolve("flux-on.properties");
        Files.writeString(on, valid + "flux.listen.address=0.0.0.0:16134\nflux.fluxos.address=203.0.113.7:16127\n" +
            "flux.peers.allow=203.0.113.7, 127.0.0.1\nflux.max.peers=4\nflux.max.frame.length=65536\n" +
            "flux.seen.capacity=1000\nflux.advertised.port=16134\n");
        final NodeConfig config = NodeConfig.load(on);
        assertThat(config.fluxBridgeEnabled()).isTrue();
        assertThat(config.fluxListenAddress().getPort()).isEqualTo(16134);
        assertThat(config.fluxOsAddress().getAddress().getHostAddress()).isEqualTo("203.0.113.7");
        assertThat(config.fluxPeersAllow()).hasSize(2);
        assertThat(config.fluxMaxPeers()).isEqualTo(4);
        assertThat(config.fluxMaxFrameLength()).isEqualTo(65536);
        assertThat(config.fluxSeenCapacity()).isEqualTo(1000);
        assertThat(config.fluxAdvertisedPort()).isEqualTo(16134);
    }

    @Test
    void shouldRejectBadFluxBridgeSettings() throws Exception
    {
        final String flux = valid + "flux.fluxos.address=203.0.113.7:16127\n";
        assertRejected(valid + "flux.max.peers=4\n",
            "flux.max.peers has no effect without flux.listen.address or flux.fluxos.address");
        assertRejected(valid + "flux.fluxos.address=fluxos.example:16127\n", "host must be a literal IP address");
        assertRejected(valid + "flux.fluxos.address=203.0.113.7:0\n", "port must be FluxOS's API port, not 0");
        assertRejected(flux + "flux.peers.allow=1.2.3.4,host\n", "flux.peers.allow=host must be a comma-separated list");
        assertRejected(flux + "flux.max.peers=0\n", "flux.max.peers=0 must be in [1, 1024]");
        assertRejected(flux + "flux.max.frame.length=10\n", "flux.max.frame.length=10 must be in [1024, 16777216]");
        // Not literals by the node list's strict rules: refused without asking a name service.
        assertRejected(valid + "flux.fluxos.address=1.2.3.999:16127\n", "host must be a literal IP address");
        assertRejected(valid + "flux.fluxos.address=010.1.1.1:16127\n", "host must be a literal IP address");
        assertRejected(flux + "flux.peers.allow=1.2.3.4,1.2.3.999\n", "flux.peers.allow=1.2.3.999 must be a comma-separated list");
    }

    @Test
    void shouldRejectBadApplicationApiSettings() throws Exception
    {
        Files.writeString(dir.resolve("app.token"), "0123456789abcdef0123456789abcdef\n");
        Files.writeString(dir.resolve("short.token"), "short\n");
        Files.writeString(dir.resolve("spaces.token"), "0123456789abcdef 0123456789abcdef\n");
        final String app = valid + "app.address=127.0.0.1:0\n";
        assertRejected(valid + "app.address=10.1.2.3:16130\napp.token.file=app.token\n",
            "app.address=10.1.2.3:16130 must be a loopback address");
        assertRejected(app, "app.token.file=<missing> is required");
        assertRejected(app + "app.token.file=nope.token\n", "app.token.file " + dir.resolve("nope.token") +
            " is not a readable file");
        assertRejected(app + "app.token.file=short.token\n", "length 5 must be in [16, 256]");
        assertRejected(app + "app.token.file=spaces.token\n", "character 16 is not one of");
        assertRejected(app + "app.token.file=app.token\napp.client.queue.bytes=100000\n",
            "app.client.queue.bytes=100000 must be a power of two");
        assertRejected(app + "app.token.file=app.token\napp.slow.subscriber=block\n",
            "app.slow.subscriber=block must be one of close, drop");
        assertRejected(app + "app.token.file=app.token\napp.max.clients=0\n", "app.max.clients=0 must be in [1, 4096]");
        assertRejected(valid + "app.token.file=app.token\n", "app.token.file has no effect without app.address");
    }

    @Test
    void shouldRejectMissingNodeKeyFile() throws Exception
    {
        assertRejected(valid.replace("node.key.file=node.key\n", ""), "node.key.file=<missing> is required");
    }

    @Test
    void shouldRejectKeyFileWithoutHexKey() throws Exception
    {
        Files.writeString(dir.resolve("bad.key"), "not a key");
        assertRejected(valid.replace("node.key.file=node.key", "node.key.file=bad.key"), "node.key.file=");
        assertThat(runNode(valid.replace("node.key.file=node.key", "node.key.file=bad.key")).err())
            .contains("does not hold a 64-hex-digit private key");
    }

    @Test
    void shouldRejectNonLiteralOrMalformedListenAddress() throws Exception
    {
        assertRejected(valid.replace("listen.address=127.0.0.1:0", "listen.address=localhost:1"),
            "listen.address=localhost:1 host must be a literal IP address");
        assertRejected(valid.replace("listen.address=127.0.0.1:0", "listen.address=127.0.0.1:70000"),
            "listen.address=127.0.0.1:70000 port must be in [0, 65535]");
        assertRejected(valid.replace("listen.address=127.0.0.1:0", "listen.address=127.0.0.1"),
            "listen.address=127.0.0.1 must be host:port");
    }

    @Test
    void shouldRejectUnknownDirectorySource() throws Exception
    {
        assertRejected(valid.replace("directory.source=devnet", "directory.source=pigeon"),
            "directory.source=pigeon must be one of fluxd, file, devnet");
    }

    @Test
    void shouldRejectDevnetWithoutRpcUrlOrWithBadUrl() throws Exception
    {
        assertRejected(valid.replace("directory.rpc.url=http://127.0.0.1:16124\n", ""),
            "directory.rpc.url=<missing> is required");
        assertRejected(valid.replace("http://127.0.0.1:16124", "ftp://x"), "directory.rpc.url=ftp://x must be http://host:port");
    }

    @Test
    void shouldRejectFileSourceWithMissingFile() throws Exception
    {
        assertRejected(valid.replace("directory.source=devnet", "directory.source=file") +
            "directory.file.path=absent.json\n", "directory.file.path=" + dir.resolve("absent.json") + " is not a readable file");
    }

    @Test
    void shouldRejectFluxdWithMissingFluxConfOrWithoutAnyEndpoint() throws Exception
    {
        final String fluxd = valid.replace("directory.source=devnet", "directory.source=fluxd");
        assertRejected(fluxd + "directory.fluxd.conf=absent/flux.conf\n",
            "directory.fluxd.conf=" + dir.resolve("absent/flux.conf") + " is not a readable file");
        assertRejected(fluxd.replace("directory.rpc.user=devnet\n", ""), "directory.rpc.user=<missing> is required");
    }

    @Test
    void shouldRejectBadLimits() throws Exception
    {
        assertRejected(valid + "limits.peer.outbound.budget=100000\n",
            "limits.peer.outbound.budget=100000 must be a power of two");
        assertRejected(valid + "limits.max.frame.length=2147483647\n",
            "limits.max.frame.length=2147483647 must be in [64, 67108864]");
        assertRejected(valid + "limits.max.frame.length=lots\n", "limits.max.frame.length=lots is not an integer");
    }

    @Test
    void shouldRejectUnknownSettingAndMissingCountersFile() throws Exception
    {
        assertRejected(valid + "directory.rpc.pasword=hunter2\n", "directory.rpc.pasword is not a known setting");
        assertThat(runNode(valid + "directory.rpc.pasword=hunter2\n").err()).doesNotContain("hunter2");
        assertRejected(valid.replace("counters.file=counters.dat\n", ""), "counters.file=<missing> is required");
    }

    @Test
    void shouldExitWithFailureCodeWhenListenPortIsTaken() throws Exception
    {
        Files.writeString(dir.resolve("nodes.json"), "[]");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1")))
        {
            final Result result = runNode(valid
                .replace("listen.address=127.0.0.1:0", "listen.address=127.0.0.1:" + taken.getLocalPort())
                .replace("directory.source=devnet", "directory.source=file") + "directory.file.path=nodes.json\n");
            assertThat(result.exitCode()).as(result.err()).isEqualTo(ChainmeshCli.EXIT_FAILURE);
            assertThat(result.err()).contains("node failed to start (listen.address=").contains("BindException");
        }
    }

    @Test
    void shouldRejectMissingConfigFile() throws Exception
    {
        final StringWriter err = new StringWriter();
        final int code = ChainmeshCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err))
            .execute("node", "--config", dir.resolve("absent.properties").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("config=").contains("cannot be read");
    }

    @Test
    void shouldRejectCountersFileThatIsNotOurs() throws Exception
    {
        final Path bogus = dir.resolve("bogus.dat");
        Files.write(bogus, new byte[4096]);
        final StringWriter err = new StringWriter();
        final int code = ChainmeshCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err))
            .execute("stat", "--counters", bogus.toString(), "--count", "1");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("counters file magic 0x0 is not 0x54434d43");
    }
}
