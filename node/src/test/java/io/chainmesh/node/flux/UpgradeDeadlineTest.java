package io.chainmesh.node.flux;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The upgrade deadline without sockets: the event loop's clock is advanced by hand.
 */
class UpgradeDeadlineTest
{
    private static final long TIMEOUT_MS = 1000;

    private final AtomicInteger released = new AtomicInteger();

    @Test
    void shouldEndAConnectionThatTricklesBytesWithoutUpgrading()
    {
        final Recorder recorder = new Recorder();
        final EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(UpgradeDeadline.HANDLER_NAME, new UpgradeDeadline(TIMEOUT_MS, released::incrementAndGet))
            .addLast(recorder);

        // A byte every 300 ms never lets a read go idle, yet the connection has had its time after 1 s.
        for (int i = 0; i < 3; i++)
        {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{'G'}));
            channel.advanceTimeBy(300, TimeUnit.MILLISECONDS);
            channel.runPendingTasks();
            assertThat(channel.isOpen()).isTrue();
        }
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{'E'}));
        channel.advanceTimeBy(300, TimeUnit.MILLISECONDS);
        channel.runPendingTasks();

        assertThat(channel.isOpen()).isFalse();
        assertThat(released).as("place given back once, on close").hasValue(1);
        assertThat(recorder.failures).singleElement(InstanceOfAssertFactories.THROWABLE)
            .isInstanceOf(ChannelException.class).hasMessage("no WebSocket upgrade within 1000 ms");
    }

    @Test
    void shouldLeaveAnUpgradedConnectionAlone()
    {
        final Recorder recorder = new Recorder();
        final EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(UpgradeDeadline.HANDLER_NAME, new UpgradeDeadline(TIMEOUT_MS, released::incrementAndGet))
            .addLast(recorder);

        channel.advanceTimeBy(TIMEOUT_MS / 2, TimeUnit.MILLISECONDS);
        channel.runPendingTasks();
        channel.pipeline().remove(UpgradeDeadline.HANDLER_NAME);
        channel.advanceTimeBy(10 * TIMEOUT_MS, TimeUnit.MILLISECONDS);
        channel.runPendingTasks();

        assertThat(channel.isOpen()).isTrue();
        assertThat(recorder.failures).isEmpty();
        channel.finishAndReleaseAll();
        assertThat(released).as("place given back once, at the upgrade, not again at close").hasValue(1);
    }

    private static final class Recorder extends ChannelInboundHandlerAdapter
    {
        private final List<Throwable> failures = new ArrayList<>();

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            failures.add(cause);
        }
    }
}
