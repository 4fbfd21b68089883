package io.chainmesh.node.flux;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.chain.Tier;
import io.chainmesh.codec.crypto.NodeKey;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge's rules without sockets: the node-list checks FluxOS applies to an envelope (version, type, the owner
 * of the address a message speaks for), the peer path, the binary frame lengths and the capability header.
 */
class FluxBridgeRulesTest
{
    private static final long NOW = 1_765_015_200_000L;
    private static final NodeKey OPERATOR = NodeKey.fromHex("00000000000000000000000000000000000000000000000000000000000000a1");
    private static final NodeKey OTHER = NodeKey.fromHex("00000000000000000000000000000000000000000000000000000000000000b2");
    private static final DirectorySnapshot LIST = DirectorySnapshot.of(10, List.of(
        member(1, OPERATOR, "1.2.3.4", 16127),
        member(2, OPERATOR, "1.2.3.4", 16137),
        member(3, OTHER, "5.6.7.8", 16127)));

    @Test
    void shouldCheckTheAddressAMessageSpeaksForAgainstTheNodeList() throws Exception
    {
        // The listed owner of data.ip signed it: accepted, with or without the default port.
        assertThat(check(OPERATOR, "{\"type\":\"fluxapprunning\",\"ip\":\"1.2.3.4:16137\"}")).isNull();
        assertThat(check(OPERATOR, "{\"type\":\"fluxapprunning\",\"ip\":\"1.2.3.4\"}")).isNull();
        assertThat(check(OTHER, "{\"type\":\"fluxappinstalling\",\"ip\":\"5.6.7.8:16127\"}")).isNull();
        // Another listed member's key, no member at the address, or no address at all: refused.
        assertThat(check(OTHER, "{\"type\":\"fluxapprunning\",\"ip\":\"1.2.3.4:16127\"}"))
            .isEqualTo(FluxEnvelope.Refusal.ADDRESS_MISMATCH);
        assertThat(check(OPERATOR, "{\"type\":\"fluxapprunning\",\"ip\":\"9.9.9.9:16127\"}"))
            .isEqualTo(FluxEnvelope.Refusal.ADDRESS_MISMATCH);
        assertThat(check(OPERATOR, "{\"type\":\"fluxnodesigterm\"}")).isEqualTo(FluxEnvelope.Refusal.ADDRESS_MISMATCH);
        assertThat(check(OPERATOR, "{\"type\":\"fluxipchanged\",\"oldIP\":\"5.6.7.8\",\"newIP\":\"1.1.1.1\"}"))
            .isEqualTo(FluxEnvelope.Refusal.ADDRESS_MISMATCH);
        assertThat(check(OTHER, "{\"type\":\"fluxipchanged\",\"oldIP\":\"5.6.7.8\",\"newIP\":\"1.1.1.1\"}")).isNull();
        // Types FluxOS checks by key only: any listed key.
        assertThat(check(OTHER, "{\"type\":\"fluxappregister\",\"hash\":\"x\"}")).isNull();
        assertThat(check(NodeKey.fromHex("00000000000000000000000000000000000000000000000000000000000000c3"),
            "{\"type\":\"fluxappregister\"}")).isEqualTo(FluxEnvelope.Refusal.UNKNOWN_SIGNER);
        // Not version 1, or no type: malformed, as FluxOS's verifyFluxBroadcast says.
        assertThat(FluxEnvelope.parse(FluxBridgeSystemTest.envelope(OTHER, "{\"type\":\"fluxappregister\"}", NOW)
            .replace("\"version\":1", "\"version\":2")).check(NOW, LIST)).isEqualTo(FluxEnvelope.Refusal.MALFORMED);
        assertThat(check(OTHER, "{\"name\":\"no type\"}")).isEqualTo(FluxEnvelope.Refusal.MALFORMED);
        // The freshness window comes before the address lookup.
        assertThat(FluxEnvelope.parse(FluxBridgeSystemTest.envelope(OPERATOR,
            "{\"type\":\"fluxapprunning\",\"ip\":\"9.9.9.9\"}", NOW - FluxEnvelope.MAX_AGE_MS - 1)).check(NOW, LIST))
            .isEqualTo(FluxEnvelope.Refusal.STALE);
    }

    @Test
    void shouldReadAddressesAsTheNodeListWritesThem()
    {
        assertThat(FluxEnvelope.endpoint("1.2.3.4")).isEqualTo(new Endpoint("1.2.3.4", 16127));
        assertThat(FluxEnvelope.endpoint("1.2.3.4:16137")).isEqualTo(new Endpoint("1.2.3.4", 16137));
        assertThat(FluxEnvelope.endpoint("")).isNull();
        assertThat(FluxEnvelope.endpoint("1.2.3.4:0")).isNull();
        assertThat(FluxEnvelope.endpoint("1.2.3.4:x")).isNull();
        assertThat(FluxEnvelope.endpoint("1.2.3.4:99999")).isNull();
        assertThat(FluxEnvelope.endpoint("1.2.3.4:016137")).isNull();
        assertThat(FluxEnvelope.endpoint("1.2.3.4:+16137")).isNull();
        assertThat(FluxEnvelope.endpoint("1.2.3.4:")).isNull();
        assertThat(FluxEnvelope.endpoint("::1")).isNull();
        assertThat(FluxEnvelope.endpoint(":16127")).isNull();
        assertThat(FluxEnvelope.endpoint("x".repeat(100))).isNull();
    }

    @Test
    void shouldStripOnlyTheSendTimePrefix() throws Exception
    {
        final String text = FluxBridgeSystemTest.envelope(OTHER, "{\"type\":\"fluxappregister\",\"s\":\"T1|x\"}", NOW);
        assertThat(FluxEnvelope.parse("T" + NOW + "|" + text).envelopeText()).isEqualTo(text);
        assertThat(FluxEnvelope.parse(text).envelopeText()).isEqualTo(text);
    }

    @Test
    void shouldAcceptOnlyFluxOsPeerPaths()
    {
        assertThat(FluxUpgradeGuard.pathPort("/ws/flux/16127")).isEqualTo(16127);
        assertThat(FluxUpgradeGuard.pathPort("/ws/flux/1?x=1")).isEqualTo(1);
        assertThat(FluxUpgradeGuard.pathPort("/ws/flux")).isEqualTo(FluxEnvelope.DEFAULT_API_PORT);
        for (final String bad : new String[] {"/ws/flux/", "/ws/flux/0", "/ws/flux/65536", "/ws/flux/123456",
            "/ws/flux/-1", "/ws/flux/1a", "/ws/fluxx", "/", "/ws/flux/16127/x", "/v1"})
        {
            assertThat(FluxUpgradeGuard.pathPort(bad)).as(bad).isEqualTo(-1);
        }
    }

    @Test
    void shouldCheckBinaryFrameLengths()
    {
        assertThat(FluxPeerFrameDescriptor.checkLength(FluxPeerFrameDescriptor.HASH_PRESENT, 21)).isNull();
        assertThat(FluxPeerFrameDescriptor.checkLength(FluxPeerFrameDescriptor.HASH_REQUEST, 21)).isNull();
        assertThat(FluxPeerFrameDescriptor.checkLength(FluxPeerFrameDescriptor.NAK, 22)).isNull();
        assertThat(FluxPeerFrameDescriptor.checkLength(FluxPeerFrameDescriptor.HASH_PRESENT, 20))
            .isEqualTo("type=0x1 length=20 must be 21");
        assertThat(FluxPeerFrameDescriptor.checkLength(FluxPeerFrameDescriptor.NAK, 21)).isNotNull();
        assertThat(FluxPeerFrameDescriptor.checkLength((byte)0x10, 3 + 6 * 10)).isNull();
        assertThat(FluxPeerFrameDescriptor.checkLength((byte)0x7F, FluxPeerFrameDescriptor.MAX_FRAME_LENGTH + 1))
            .contains("exceeds");
    }

    @Test
    void shouldReadTheCapabilitiesHeaderBounded()
    {
        assertThat(FluxBridge.capabilities(" transmissionTimestamps, binaryMessages ,,appStateSync"))
            .containsExactlyInAnyOrder("transmissionTimestamps", "binaryMessages", "appStateSync");
        assertThat(FluxBridge.capabilities(null)).isEmpty();
        assertThat(FluxBridge.capabilities("a,".repeat(600))).isEmpty();
        assertThat(FluxBridge.capabilities(String.join(",", java.util.stream.IntStream.range(0, 100)
            .mapToObj(i -> "c" + i).toList()))).hasSize(32);
    }

    private static FluxEnvelope.Refusal check(final NodeKey signer, final String data) throws Exception
    {
        return FluxEnvelope.parse(FluxBridgeSystemTest.envelope(signer, data, NOW)).check(NOW + 1000, LIST);
    }

    private static Member member(final int index, final NodeKey key, final String host, final int port)
    {
        return new Member(MemberId.of("%064x".formatted(index), 0), key.publicKey(), new Endpoint(host, port),
            Tier.CUMULUS, index, index, index, 0, "", -1);
    }
}
