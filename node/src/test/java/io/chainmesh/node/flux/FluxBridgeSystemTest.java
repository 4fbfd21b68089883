package io.chainmesh.node.flux;

import io.chainmesh.node.WebSocketWire;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.chain.DevnetChain;
import io.chainmesh.codec.crypto.BitcoinMessage;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.PeerView;
import io.chainmesh.node.flux.FluxBridgeCounters.Counter;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge's FluxOS peer protocol over real sockets (Java only, no Node.js): two nodes, a bridge on each, and
 * FluxOS-style peers written byte by byte ({@link FluxRawPeer}). An envelope from a peer of one bridge reaches the
 * peer of the other unchanged and still verifying; hash announcements are asked for once; every hostile input ends
 * in FluxOS's close code or a counted refusal.
 */
class FluxBridgeSystemTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CAPABLE = "X-Flux-Capabilities: transmissionTimestamps,binaryMessages\r\n" +
        "X-Flux-Version: 8.0.0\r\nX-Flux-Uptime: 100\r\n";

    @Test
    void shouldSpeakFluxOsPeerProtocolAndRefuseHostileInputWithFluxOsCloseCodes() throws Exception
    {
        final DevnetChain chain = DevnetChain.launch(new DevnetChain.Context().memberCount(2));
        final List<ChainmeshNode> nodes = new ArrayList<>();
        final List<FluxBridge> bridges = new ArrayList<>();
        final AtomicBoolean confirmedB = new AtomicBoolean(true);
        final Set<InetAddress> allowedB = ConcurrentHashMap.newKeySet();
        try
        {
            for (int i = 0; i < 2; i++)
            {
                nodes.add(ChainmeshNode.launch(new ChainmeshNode.Context()
                    .nodeKey(chain.memberKey(i))
                    .member(chain.memberId(i))
                    .directorySource(chain)
                    .bindAddress(new InetSocketAddress("127.0.0.1", chain.portFor(i)))
                    .ioThreads(1)
                    .reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
                    .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(50))));
            }
            bridges.add(FluxBridge.launch(new FluxBridge.Context().node(nodes.get(0)).directory(chain::current)
                .bindAddress(new InetSocketAddress("127.0.0.1", 0)).maxPeers(2).maxFrameLength(8192)));
            bridges.add(FluxBridge.launch(new FluxBridge.Context().node(nodes.get(1)).directory(chain::current)
                .bindAddress(new InetSocketAddress("127.0.0.1", 0)).confirmed(confirmedB::get).allowedPeers(allowedB)
                .pingIntervalMs(1000).missedPongs(2)));
            await(() -> nodes.stream().allMatch(n -> n.peers().stream().anyMatch(p -> p.state() == PeerView.State.ACTIVE)));
            final FluxBridge a = bridges.get(0);
            final FluxBridge b = bridges.get(1);

            try (FluxRawPeer peerA = FluxRawPeer.connect(a.localAddress(), "/ws/flux/16127", CAPABLE);
                FluxRawPeer peerB = FluxRawPeer.connect(b.localAddress(), "/ws/flux/16127", ""))
            {
                assertThat(peerA.upgraded()).as(peerA.head).isTrue();
                assertThat(peerA.head).contains("X-Flux-Capabilities: transmissionTimestamps,binaryMessages");
                assertThat(peerB.upgraded()).isTrue();
                await(() -> a.counters().get(Counter.PEERS_CONNECTED) == 1 && b.counters().get(Counter.PEERS_CONNECTED) == 1);

                // An envelope with a send-time prefix crosses the overlay; the far peer gets the envelope unchanged.
                final long now = System.currentTimeMillis();
                final String running = envelope(chain.memberKey(0), "{\"type\":\"fluxapprunning\",\"version\":1," +
                    "\"name\":\"web\",\"hash\":\"h1\",\"ip\":\"" + chain.endpoint(0) + "\",\"broadcastedAt\":" + now + "}", now);
                peerA.sendText("T" + now + "|" + running);
                final String received = peerB.read(0x1).text();
                assertThat(received).isEqualTo(running);
                assertThat(FluxEnvelope.parse(received).check(System.currentTimeMillis(), chain.current())).isNull();

                // Replayed: a duplicate, not relayed again; stale: refused and counted; neither closes the peer.
                peerA.sendText(running);
                peerA.sendText(envelope(chain.memberKey(0), "{\"type\":\"fluxappregister\",\"n\":1}",
                    now - FluxEnvelope.MAX_AGE_MS - 1000));
                await(() -> a.relay().duplicates() == 1 && a.relay().refused(FluxEnvelope.Refusal.STALE) == 1);

                // A signer claiming another member's address: refused as FluxOS refuses it.
                peerA.sendText(envelope(chain.memberKey(0), "{\"type\":\"fluxapprunning\",\"ip\":\"" + chain.endpoint(1) +
                    "\"}", now));
                await(() -> a.relay().refused(FluxEnvelope.Refusal.ADDRESS_MISMATCH) == 1);

                // Hash announcements: binary from a binaryMessages peer is asked for (binary), and only once.
                final byte[] hash = HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233");
                final byte[] announce = new byte[21];
                announce[0] = FluxPeerFrameDescriptor.HASH_PRESENT;
                System.arraycopy(hash, 0, announce, 1, 20);
                peerA.writeFrame(0x2, announce);
                final WebSocketWire.Frame request = peerA.read(0x2);
                assertThat(request.payload()[0]).isEqualTo(FluxPeerFrameDescriptor.HASH_REQUEST);
                assertThat(java.util.Arrays.copyOfRange(request.payload(), 1, 21)).isEqualTo(hash);
                peerA.sendText("{\"messageHashPresent\":\"00112233445566778899aabbccddeeff00112233\"}");
                await(() -> a.counters().get(Counter.HASHES_ALREADY_REQUESTED) == 1);
                // Text announcement to a peer without binaryMessages: asked for in JSON.
                peerB.sendText("{\"messageHashPresent\":\"ffeeddccbbaa99887766554433221100ffeeddcc\"}");
                assertThat(peerB.read(0x1).text())
                    .isEqualTo("{\"requestMessageHash\":\"ffeeddccbbaa99887766554433221100ffeeddcc\"}");

                // A second connection for the same ip:port: 4001; a third peer over the cap: 4000.
                try (FluxRawPeer duplicate = FluxRawPeer.connect(a.localAddress(), "/ws/flux/16127", CAPABLE))
                {
                    assertThat(duplicate.upgraded()).isTrue();
                    assertThat(duplicate.readCloseCode()).isEqualTo(FluxCloseCodes.DUPLICATE_PEER);
                }
                try (FluxRawPeer second = FluxRawPeer.connect(a.localAddress(), "/ws/flux/16128", CAPABLE);
                    FluxRawPeer third = FluxRawPeer.connect(a.localAddress(), "/ws/flux/16129", CAPABLE))
                {
                    assertThat(third.readCloseCode()).isEqualTo(FluxCloseCodes.MAX_CONNECTIONS);
                    // Oversized frame: 1009 and counted.
                    second.sendText("x".repeat(9000));
                    assertThat(second.readCloseCode()).isEqualTo(1009);
                }
                await(() -> a.counters().get(Counter.FRAMES_TOO_LARGE) == 1);

                // Malformed hash announcement: 4016 (invalid message, inbound).
                peerB.sendText("{\"messageHashPresent\":\"abc\"}");
                assertThat(peerB.readCloseCode()).isEqualTo(FluxCloseCodes.INVALID_MSG_INBOUND);
            }

            // Forged envelopes: refused, counted, and the fifth within 10 minutes closes the peer with 4004.
            try (FluxRawPeer forger = FluxRawPeer.connect(a.localAddress(), "/ws/flux/16130", CAPABLE))
            {
                final long now = System.currentTimeMillis();
                for (int i = 0; i < 5; i++)
                {
                    final String real = envelope(chain.memberKey(1), "{\"type\":\"fluxappregister\",\"i\":" + i + "}", now);
                    forger.sendText(real.replace("\"i\":" + i, "\"i\":" + (i + 100)));
                }
                assertThat(forger.readCloseCode()).isEqualTo(FluxCloseCodes.BAD_ORIGIN_INBOUND);
                assertThat(a.relay().refused(FluxEnvelope.Refusal.BAD_SIGNATURE)).isEqualTo(5);
            }

            // Bad paths and requests: HTTP refusals, counted, nothing upgraded.
            for (final String path : new String[] {"/ws/other", "/ws/flux/99999", "/ws/flux/1x", "/ws/flux/"})
            {
                try (FluxRawPeer bad = FluxRawPeer.connect(a.localAddress(), path, CAPABLE))
                {
                    assertThat(bad.head).as(path).startsWith("HTTP/1.1 404");
                }
            }
            assertThat(a.counters().get(Counter.BAD_UPGRADES)).isEqualTo(4);

            // Peer B's bridge: a peer that never answers pings is closed with 4011.
            try (FluxRawPeer silent = FluxRawPeer.connect(b.localAddress(), "/ws/flux/16200", ""))
            {
                assertThat(silent.readCloseCode()).isEqualTo(FluxCloseCodes.DEAD_CONNECTION);
            }
            // Not allowed (the allow list names another address): 4003; this node not confirmed: 4019.
            allowedB.add(InetAddress.getByName("127.0.0.2"));
            try (FluxRawPeer blocked = FluxRawPeer.connect(b.localAddress(), "/ws/flux/16201", ""))
            {
                assertThat(blocked.readCloseCode()).isEqualTo(FluxCloseCodes.BLOCKED_INBOUND);
            }
            allowedB.clear();
            confirmedB.set(false);
            try (FluxRawPeer unconfirmed = FluxRawPeer.connect(b.localAddress(), "/ws/flux/16202", ""))
            {
                assertThat(unconfirmed.readCloseCode()).isEqualTo(FluxCloseCodes.NODE_UNCONFIRMED);
            }
            assertThat(b.counters().get(Counter.CLOSED_DEAD)).isEqualTo(1);
            assertThat(b.counters().get(Counter.REFUSED_BLOCKED)).isEqualTo(1);
            assertThat(b.counters().get(Counter.REFUSED_UNCONFIRMED)).isEqualTo(1);
            final StringBuilder metrics = new StringBuilder();
            a.renderPrometheus(metrics);
            assertThat(metrics.toString()).contains("chainmesh_flux_refused_total{reason=\"bad_signature\"} 5")
                .contains("chainmesh_flux_closed_bad_origin_total 1");
        }
        finally
        {
            bridges.forEach(CloseHelper::quietClose);
            nodes.forEach(CloseHelper::quietClose);
            CloseHelper.quietClose(chain);
        }
    }

    @Test
    void shouldResetConnectionsOverThePendingUpgradeCapsAtAccept() throws Exception
    {
        final DevnetChain chain = DevnetChain.launch(new DevnetChain.Context().memberCount(1));
        final List<Socket> silent = new ArrayList<>();
        FluxBridge bridge = null;
        try (ChainmeshNode node = ChainmeshNode.launch(new ChainmeshNode.Context()
                .nodeKey(chain.memberKey(0))
                .member(chain.memberId(0))
                .directorySource(chain)
                .bindAddress(new InetSocketAddress("127.0.0.1", chain.portFor(0)))
                .ioThreads(1)))
        {
            bridge = FluxBridge.launch(new FluxBridge.Context().node(node).directory(chain::current)
                .bindAddress(new InetSocketAddress("127.0.0.1", 0)).maxPendingUpgrades(3, 2));
            final FluxBridge admitting = bridge;
            // Two connections from 127.0.0.1 that never send a byte hold the source's two places.
            for (int i = 0; i < 2; i++)
            {
                final Socket socket = new Socket();
                socket.connect(admitting.localAddress(), 5_000);
                silent.add(socket);
            }
            // A third from the same source is reset at accept: it reads end of stream or a reset, never a reply. The
            // kernel completes the TCP handshake before the bridge accepts, so the reset can even reach the client
            // while its connect() is still waiting to see the connection established (a descheduled test thread).
            try (Socket third = new Socket())
            {
                int read;
                try
                {
                    third.connect(admitting.localAddress(), 5_000);
                    third.setSoTimeout(10_000);
                    read = third.getInputStream().read();
                }
                catch (final SocketException ex)
                {
                    read = -1;
                }
                assertThat(read).isEqualTo(-1);
            }
            assertThat(admitting.counters().get(Counter.REFUSED_PENDING_UPGRADES)).isEqualTo(1);

            // A place given back (the peer left) admits a real FluxOS peer, which upgrades.
            silent.remove(0).close();
            await(() ->
            {
                try (FluxRawPeer peer = FluxRawPeer.connect(admitting.localAddress(), "/ws/flux/16127", CAPABLE))
                {
                    return peer.upgraded();
                }
                catch (final IOException ex)
                {
                    return false;
                }
            });

            // Shutting the bridge down tells a connected peer so, with FluxOS's code for a closed inbound peer.
            await(() -> admitting.counters().get(Counter.PEERS_CONNECTED) == 0);
            try (FluxRawPeer peer = FluxRawPeer.connect(admitting.localAddress(), "/ws/flux/16128", CAPABLE))
            {
                assertThat(peer.upgraded()).as(peer.head).isTrue();
                await(() -> admitting.counters().get(Counter.PEERS_CONNECTED) == 1);
                admitting.close();
                assertThat(peer.readCloseCode()).isEqualTo(FluxCloseCodes.CLOSED_INBOUND);
            }
        }
        finally
        {
            CloseHelper.quietClose(bridge);
            for (final Socket socket : silent)
            {
                socket.close();
            }
            chain.close();
        }
    }

    static String envelope(final NodeKey key, final String data, final long timestamp) throws Exception
    {
        final String signed = "1" + JsJson.stringify(JSON.readTree(data)) + timestamp;
        return "{\"version\":1,\"timestamp\":" + timestamp + ",\"pubKey\":\"" + key.publicKey().toHex() +
            "\",\"signature\":\"" + BitcoinMessage.sign(key, signed.getBytes(StandardCharsets.UTF_8)) + "\",\"data\":" +
            data + "}";
    }

    private static void await(final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean())
        {
            assertThat(System.nanoTime() - deadline).as("timed out").isNegative();
            Thread.sleep(10);
        }
    }
}
