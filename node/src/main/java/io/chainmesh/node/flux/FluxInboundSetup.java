package io.chainmesh.node.flux;

import io.chainmesh.engine.transport.Admission;
import io.chainmesh.node.flux.FluxBridgeCounters.Counter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

import java.net.InetAddress;

/**
 * Sets up each connection the bridge's endpoint accepts, under the caps on connections not yet upgraded
 * ({@link FluxBridge.Context#maxPendingUpgrades()} in total, {@link FluxBridge.Context#maxPendingUpgradesPerSource()}
 * per source): a connection over a cap is reset at accept and counted ({@code refused_pending_upgrades}); one under
 * them gets an {@link UpgradeDeadline}, which gives its place back when the upgrade completes or the connection closes,
 * an HTTP decoder with small limits, and a {@link FluxUpgradeGuard}.
 * <p>
 * Threads: the bridge's event loop (its group has one) runs every accept and every release.
 */
final class FluxInboundSetup extends ChannelInitializer<SocketChannel>
{
    private final FluxBridge bridge;
    private final Admission pendingUpgrades;

    /**
     * @param bridge the bridge the connections belong to.
     */
    FluxInboundSetup(final FluxBridge bridge)
    {
        this.bridge = bridge;
        this.pendingUpgrades = new Admission(
            bridge.context().maxPendingUpgrades(), bridge.context().maxPendingUpgradesPerSource());
    }

    @Override
    protected void initChannel(final SocketChannel ch)
    {
        final InetAddress source = ch.remoteAddress().getAddress();
        if (null != pendingUpgrades.tryAdmit(source))
        {
            // Over a cap: reset at accept, before any byte is read or any state is held for it.
            bridge.counters().increment(Counter.REFUSED_PENDING_UPGRADES);
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
            ch.close();
            return;
        }
        ch.pipeline()
            .addLast(UpgradeDeadline.HANDLER_NAME, new UpgradeDeadline(bridge.context().upgradeTimeoutMs(),
                () -> pendingUpgrades.release(source)))
            .addLast(new HttpServerCodec(2048, 8192, 1024))
            .addLast(new HttpObjectAggregator(0))
            .addLast(new FluxUpgradeGuard(bridge));
    }
}
