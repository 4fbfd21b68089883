package io.chainmesh.node.flux;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.chain.DevnetChain;
import io.chainmesh.codec.crypto.BitcoinMessage;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.PeerView;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * FluxOS messages carried across a 4-node in-process devnet (real sockets on 127.0.0.1): each verified envelope
 * handed in at one node reaches the local FluxOS side of every other node exactly once, unchanged and still
 * verifying; forged, stale, unlisted and replayed envelopes are refused and counted, and a forged copy never
 * shadows the real message.
 */
class FluxRelaySystemTest
{
    private static final int NODES = 4;
    private static final long NOW = 1_765_015_200_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldCarryEachVerifiedEnvelopeToEveryOtherNodeExactlyOnce() throws Exception
    {
        final DevnetChain chain = DevnetChain.launch(new DevnetChain.Context().memberCount(NODES));
        final List<ChainmeshNode> nodes = new ArrayList<>();
        final List<FluxRelay> relays = new ArrayList<>();
        final List<Queue<String>> received = new ArrayList<>();
        try
        {
            for (int i = 0; i < NODES; i++)
            {
                final ChainmeshNode node = ChainmeshNode.launch(new ChainmeshNode.Context()
                    .nodeKey(chain.memberKey(i))
                    .directorySource(chain)
                    .bindAddress(new InetSocketAddress("127.0.0.1", chain.portFor(i)))
                    .ioThreads(1)
                    .reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
                    .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(50)));
                nodes.add(node);
                final Queue<String> queue = new ConcurrentLinkedQueue<>();
                received.add(queue);
                relays.add(new FluxRelay(node, chain::current, () -> NOW, queue::add, 1024));
            }
            await(() -> nodes.stream().allMatch(n -> active(n) == NODES - 1));

            final String running = envelope(chain.memberKey(1), "{\"type\":\"fluxapprunning\",\"version\":1," +
                "\"name\":\"web\",\"hash\":\"a1\",\"ip\":\"" + chain.endpoint(1) + "\",\"broadcastedAt\":" + (NOW - 10) + "}", NOW - 10);
            final String register = envelope(chain.memberKey(2), "{\"type\":\"fluxappregister\",\"version\":3," +
                "\"appSpecifications\":{\"name\":\"web\",\"instances\":3,\"ports\":[31000]},\"hash\":\"b2\",\"timestamp\":" +
                NOW + ",\"note\":\"caf\u00e9 \\\"q\\\"\"}", NOW);

            // A forged copy first (same signed text, another signature): refused, and it must not shadow the real one.
            final String forged = running.replaceFirst("\"signature\":\"[^\"]+\"",
                "\"signature\":\"" + BitcoinMessage.sign(chain.memberKey(3), "other".getBytes(StandardCharsets.UTF_8)) + "\"");
            assertThat(relays.get(0).onFluxPeerMessage(forged)).isEqualTo(FluxRelay.Outcome.BAD_SIGNATURE);
            assertThat(relays.get(0).refused(FluxEnvelope.Refusal.BAD_SIGNATURE)).isEqualTo(1);

            assertThat(relayUntilPublished(relays.get(0), running)).isEqualTo(FluxRelay.Outcome.RELAYED);
            assertThat(relayUntilPublished(relays.get(0), register)).isEqualTo(FluxRelay.Outcome.RELAYED);
            assertThat(relays.get(0).onFluxPeerMessage(running)).isEqualTo(FluxRelay.Outcome.DUPLICATE);

            // Refused at the door, counted: stale, ahead of time, unlisted signer, not an envelope.
            assertThat(relays.get(0).onFluxPeerMessage(envelope(chain.memberKey(1), "{\"type\":\"old\"}",
                NOW - FluxEnvelope.MAX_AGE_MS - 1))).isEqualTo(FluxRelay.Outcome.STALE);
            assertThat(relays.get(0).onFluxPeerMessage(envelope(chain.memberKey(1), "{\"type\":\"soon\"}",
                NOW + FluxEnvelope.MAX_AHEAD_MS + 1))).isEqualTo(FluxRelay.Outcome.FUTURE);
            assertThat(relays.get(0).onFluxPeerMessage(envelope(NodeKey.fromHex(
                "00000000000000000000000000000000000000000000000000000000000000aa"), "{\"type\":\"x\"}", NOW)))
                .isEqualTo(FluxRelay.Outcome.UNKNOWN_SIGNER);
            assertThat(relays.get(0).onFluxPeerMessage("{\"type\":\"x\"}")).isEqualTo(FluxRelay.Outcome.MALFORMED);
            assertThat(relays.get(0).refused(FluxEnvelope.Refusal.STALE)).isEqualTo(1);
            assertThat(relays.get(0).refused(FluxEnvelope.Refusal.FUTURE)).isEqualTo(1);
            assertThat(relays.get(0).refused(FluxEnvelope.Refusal.UNKNOWN_SIGNER)).isEqualTo(1);
            assertThat(relays.get(0).refused(FluxEnvelope.Refusal.MALFORMED)).isEqualTo(1);

            // A member that skips the check and publishes a forgery on the topic: every far side refuses it.
            final byte[] forgedBytes = forged.replace("\"a1\"", "\"a2\"").getBytes(StandardCharsets.UTF_8);
            await(() -> nodes.get(3).offer(FluxRelay.TOPIC, new UnsafeBuffer(forgedBytes), 0, forgedBytes.length) >= 0);

            // A last message from the same node: once it has arrived everywhere, everything before it has.
            final String marker = envelope(chain.memberKey(0), "{\"type\":\"marker\"}", NOW);
            assertThat(relayUntilPublished(relays.get(0), marker)).isEqualTo(FluxRelay.Outcome.RELAYED);
            await(() -> received.subList(1, NODES).stream().allMatch(q -> q.size() == 3));
            await(() -> relays.subList(0, 3).stream().allMatch(r -> r.refused(FluxEnvelope.Refusal.BAD_SIGNATURE) >= 1) &&
                relays.get(1).refused(FluxEnvelope.Refusal.BAD_SIGNATURE) == 1);

            for (int i = 1; i < NODES; i++)
            {
                assertThat(received.get(i)).containsExactlyInAnyOrder(running, register, marker);
                for (final String text : received.get(i))
                {
                    // Unchanged, and the original signature still verifies for its signer, as FluxOS will check.
                    assertThat(FluxEnvelope.parse(text).check(NOW, chain.current()::hasKey)).isNull();
                }
                // A FluxOS peer of this node offering the same message again: not relayed a second time.
                assertThat(relays.get(i).onFluxPeerMessage(running)).isEqualTo(FluxRelay.Outcome.DUPLICATE);
            }
            assertThat(received.get(0)).isEmpty();
            assertThat(JSON.readTree(received.get(2).stream().filter(t -> t.contains("fluxappregister")).findFirst()
                .orElseThrow()).get("data").get("note").asText()).isEqualTo("caf\u00e9 \"q\"");
        }
        finally
        {
            relays.forEach(CloseHelper::quietClose);
            nodes.forEach(CloseHelper::quietClose);
            CloseHelper.quietClose(chain);
        }
    }

    private static String envelope(final NodeKey key, final String data, final long timestamp) throws Exception
    {
        final String signed = "1" + JsJson.stringify(JSON.readTree(data)) + timestamp;
        return "{\"version\":1,\"timestamp\":" + timestamp + ",\"pubKey\":\"" + key.publicKey().toHex() +
            "\",\"signature\":\"" + BitcoinMessage.sign(key, signed.getBytes(StandardCharsets.UTF_8)) + "\",\"data\":" +
            data + "}";
    }

    private static FluxRelay.Outcome relayUntilPublished(final FluxRelay relay, final String text) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        FluxRelay.Outcome outcome;
        while ((outcome = relay.onFluxPeerMessage(text)) == FluxRelay.Outcome.NOT_PUBLISHED &&
            System.nanoTime() - deadline < 0)
        {
            Thread.sleep(5);
        }
        return outcome;
    }

    private static int active(final ChainmeshNode node)
    {
        return (int)node.peers().stream().filter(p -> p.state() == PeerView.State.ACTIVE).count();
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
