package io.chainmesh.node.flux;

import io.chainmesh.node.flux.FluxBridgeCounters.Counter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One peer session without sockets: the event loop's clock is advanced by hand.
 */
class FluxPeerSessionTest
{
    private static final long PING_INTERVAL_MS = 100;

    @Test
    void shouldCloseADeadPeerOnceEvenWhenItNeverTakesTheCloseFrame()
    {
        final FluxBridge bridge = new FluxBridge(new FluxBridge.Context().pingIntervalMs(PING_INTERVAL_MS).missedPongs(2));
        final StuckSocket socket = new StuckSocket();
        final EmbeddedChannel channel = new EmbeddedChannel(socket);
        channel.freezeTime();
        channel.pipeline().addLast(new FluxPeerSession(bridge, true, "1.2.3.4:16127", Set.of()));
        assertThat(bridge.counters().get(Counter.PEERS_CONNECTED)).isEqualTo(1);

        // Two pings unanswered, then the third tick declares the peer dead and writes a close frame it never takes.
        for (int tick = 0; tick < 3; tick++)
        {
            channel.advanceTimeBy(PING_INTERVAL_MS, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
        }
        assertThat(bridge.counters().get(Counter.CLOSED_DEAD)).isEqualTo(1);
        assertThat(socket.closeFrames()).isEqualTo(1);

        // Further ticks neither count it again nor queue more close frames; the connection goes after the grace time.
        channel.advanceTimeBy(FluxPeerSession.FORCE_CLOSE_MS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(bridge.counters().get(Counter.CLOSED_DEAD)).isEqualTo(1);
        assertThat(socket.closeFrames()).isEqualTo(1);
        assertThat(channel.isOpen()).isFalse();
        assertThat(bridge.counters().get(Counter.PEERS_CONNECTED)).isZero();
        socket.releaseAll();
    }

    /** A socket whose peer reads nothing: writes are taken but never complete. */
    private static final class StuckSocket extends ChannelOutboundHandlerAdapter
    {
        private final List<Object> pending = new ArrayList<>();

        @Override
        public void write(final ChannelHandlerContext ctx, final Object msg, final ChannelPromise promise)
        {
            pending.add(msg);
        }

        long closeFrames()
        {
            return pending.stream().filter(CloseWebSocketFrame.class::isInstance).count();
        }

        void releaseAll()
        {
            pending.forEach(ReferenceCountUtil::release);
            pending.clear();
        }
    }
}
