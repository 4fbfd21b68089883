package io.chainmesh.engine.transport;

import io.chainmesh.chain.MemberId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.agrona.concurrent.NanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link LinkFaultHandler} on {@link EmbeddedChannel}s: the event loop's time is frozen and advanced together with
 * the clock the handler reads, so every delay is exact and nothing sleeps.
 */
class LinkFaultHandlerTest
{
    private static final MemberId PEER = MemberId.of("0a".repeat(32), 0);
    private static final MemberId OTHER = MemberId.of("0b".repeat(32), 1);

    private final long[] now = {1_000_000_000L};
    private final NanoClock clock = () -> now[0];
    private final List<ByteBuf> received = new ArrayList<>();
    private String previous;

    @BeforeEach
    void enable()
    {
        previous = System.getProperty(LinkFaults.ENABLED_PROPERTY);
        System.setProperty(LinkFaults.ENABLED_PROPERTY, "true");
    }

    @AfterEach
    void restore()
    {
        if (null == previous)
        {
            System.clearProperty(LinkFaults.ENABLED_PROPERTY);
        }
        else
        {
            System.setProperty(LinkFaults.ENABLED_PROPERTY, previous);
        }
        received.forEach(ByteBuf::release);
    }

    private LinkFaults faults(final LinkFaults.Context ctx)
    {
        return new LinkFaults(ctx.nanoClock(clock));
    }

    private EmbeddedChannel channel(final LinkFaults faults, final MemberId peer)
    {
        final EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addFirst(LinkFaultHandler.NAME, faults.newHandler(peer));
        return channel;
    }

    private void advance(final EmbeddedChannel channel, final long millis)
    {
        now[0] += TimeUnit.MILLISECONDS.toNanos(millis);
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runPendingTasks();
        channel.runScheduledPendingTasks();
        drain(channel);
    }

    private void drain(final EmbeddedChannel channel)
    {
        ByteBuf next;
        while (null != (next = channel.readInbound()))
        {
            received.add(next);
        }
    }

    private static ByteBuf bytes(final int first, final int length)
    {
        final ByteBuf buf = Unpooled.buffer(length);
        buf.writeByte(first);
        buf.writeZero(length - 1);
        return buf;
    }

    private List<Integer> firstBytes()
    {
        return received.stream().map(b -> (int)b.getByte(0)).toList();
    }

    @Test
    void shouldRefuseToCreateFaultsWithoutTheTestSwitch()
    {
        System.clearProperty(LinkFaults.ENABLED_PROPERTY);

        assertThatThrownBy(() -> new LinkFaults(new LinkFaults.Context()))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("-D" + LinkFaults.ENABLED_PROPERTY + "=true");
    }

    @Test
    void shouldRefuseSettingsOutOfRangeNamingThem()
    {
        assertThatThrownBy(() -> faults(new LinkFaults.Context().latencyNs(300, 50)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("latency=300..50ns");
        assertThatThrownBy(() -> faults(new LinkFaults.Context().bytesPerSecond(10)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytesPerSecond=10");
    }

    @Test
    void shouldHoldReceivedBytesForTheLinkLatencyAndKeepTheirOrderUnderJitter()
    {
        final long ms = TimeUnit.MILLISECONDS.toNanos(1);
        final EmbeddedChannel channel = channel(faults(new LinkFaults.Context().latencyNs(100 * ms, 100 * ms)
            .jitterNs(50 * ms).seed(7)), PEER);

        for (int i = 0; i < 20; i++)
        {
            channel.writeInbound(bytes(i, 8));
            advance(channel, 1);
        }
        assertThat(received).as("nothing before the latency").isEmpty();
        advance(channel, 79);
        assertThat(received).as("nothing before the latency").isEmpty();
        // t = 150 ms: the first read is due by its latency plus the most jitter.
        advance(channel, 51);
        assertThat(received).isNotEmpty();
        advance(channel, 19);

        assertThat(firstBytes()).as("all, in order").containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
            16, 17, 18, 19);
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void shouldDrawEachLinksLatencyFromTheSeededRange()
    {
        final long ms = TimeUnit.MILLISECONDS.toNanos(1);
        final LinkFaults a = faults(new LinkFaults.Context().latencyNs(50 * ms, 300 * ms).seed(11));
        final LinkFaults b = faults(new LinkFaults.Context().latencyNs(50 * ms, 300 * ms).seed(11));
        final List<Long> first = new ArrayList<>();
        final List<Long> second = new ArrayList<>();

        for (int i = 0; i < 50; i++)
        {
            first.add(((LinkFaultHandler)a.newHandler(PEER)).latencyNs());
            second.add(((LinkFaultHandler)b.newHandler(PEER)).latencyNs());
        }

        assertThat(first).isEqualTo(second).allMatch(l -> l >= 50 * ms && l <= 300 * ms);
        assertThat(Set.copyOf(first).size()).as("links differ").isGreaterThan(40);
    }

    @Test
    void shouldSpaceReceivedBytesOutAtTheBandwidthCap()
    {
        final EmbeddedChannel channel = channel(faults(new LinkFaults.Context().bytesPerSecond(10_000)), PEER);

        channel.writeInbound(bytes(1, 5_000));
        channel.writeInbound(bytes(2, 5_000));
        advance(channel, 499);
        assertThat(received).isEmpty();
        advance(channel, 1);
        assertThat(firstBytes()).containsExactly(1);
        advance(channel, 500);

        assertThat(firstBytes()).containsExactly(1, 2);
        channel.finishAndReleaseAll();
    }

    @Test
    void shouldHoldEverythingReceivedDuringAStall()
    {
        final LinkFaults faults = faults(new LinkFaults.Context());
        final EmbeddedChannel channel = channel(faults, PEER);
        channel.writeInbound(bytes(1, 8));
        drain(channel);
        assertThat(firstBytes()).as("no latency: passed at once").containsExactly(1);

        faults.stall(TimeUnit.SECONDS.toNanos(2));
        channel.writeInbound(bytes(2, 8));
        advance(channel, 1_999);
        assertThat(firstBytes()).containsExactly(1);
        advance(channel, 1);

        assertThat(firstBytes()).containsExactly(1, 2);
        assertThat(faults.bytesDelayed()).isEqualTo(8);
        channel.finishAndReleaseAll();
    }

    @Test
    void shouldDropBothWaysWhilePartitionedAndPassAgainOnceHealed()
    {
        final LinkFaults faults = faults(new LinkFaults.Context());
        final EmbeddedChannel channel = channel(faults, PEER);
        faults.partition(List.of(PEER));
        channel.runPendingTasks();

        final ByteBuf in = bytes(1, 10);
        final ByteBuf out = bytes(2, 20);
        channel.writeInbound(in);
        channel.writeOutbound(out);
        drain(channel);

        assertThat(received).isEmpty();
        final Object written = channel.readOutbound();
        assertThat(written).isNull();
        assertThat(in.refCnt()).as("released").isZero();
        assertThat(out.refCnt()).as("released").isZero();
        assertThat(faults.bytesDropped()).isEqualTo(30);

        faults.heal();
        channel.runPendingTasks();
        channel.writeInbound(bytes(3, 10));
        drain(channel);
        assertThat(firstBytes()).containsExactly(3);
        channel.finishAndReleaseAll();
    }

    @Test
    void shouldDiscardWhatIsHeldWhenThePartitionStarts()
    {
        final long ms = TimeUnit.MILLISECONDS.toNanos(1);
        final LinkFaults faults = faults(new LinkFaults.Context().latencyNs(100 * ms, 100 * ms));
        final EmbeddedChannel channel = channel(faults, PEER);
        final ByteBuf held = bytes(1, 8);
        channel.writeInbound(held);

        faults.partition(List.of(PEER));
        advance(channel, 200);

        assertThat(received).isEmpty();
        assertThat(held.refCnt()).isZero();
        channel.finishAndReleaseAll();
    }

    @Test
    void shouldLeaveLinksToOtherMembersAlone()
    {
        final LinkFaults faults = faults(new LinkFaults.Context());
        final EmbeddedChannel channel = channel(faults, OTHER);
        faults.partition(List.of(PEER));
        channel.runPendingTasks();

        channel.writeInbound(bytes(5, 8));
        drain(channel);

        assertThat(firstBytes()).containsExactly(5);
        channel.finishAndReleaseAll();
    }

    @Test
    void shouldCloseANewConnectionToAPartitionedPeerWhenItBecomesActive()
    {
        final LinkFaults faults = faults(new LinkFaults.Context());
        faults.partition(List.of(PEER));

        // EmbeddedChannel registers and activates the channel with the handler in place.
        final EmbeddedChannel channel = new EmbeddedChannel(faults.newHandler(PEER));

        assertThat(channel.isOpen()).isFalse();
        assertThat(faults.linksRefused()).isEqualTo(1);
    }

    @Test
    void shouldResetTheLinksOfAMemberOnCommand()
    {
        final LinkFaults faults = faults(new LinkFaults.Context());
        final EmbeddedChannel toPeer = channel(faults, PEER);
        final EmbeddedChannel toOther = channel(faults, OTHER);

        faults.reset(PEER);
        toPeer.runPendingTasks();
        toOther.runPendingTasks();

        assertThat(toPeer.isOpen()).isFalse();
        assertThat(toOther.isOpen()).isTrue();
        assertThat(faults.linksReset()).isEqualTo(1);
        toOther.finishAndReleaseAll();
    }

    @Test
    void shouldResetALinkThatHoldsMoreThanItsBound()
    {
        final long ms = TimeUnit.MILLISECONDS.toNanos(1);
        final LinkFaults faults = faults(new LinkFaults.Context().latencyNs(100 * ms, 100 * ms).maxQueuedBytes(64 * 1024));
        final EmbeddedChannel channel = channel(faults, PEER);

        channel.writeInbound(bytes(1, 40 * 1024));
        assertThat(channel.isOpen()).isTrue();
        channel.writeInbound(bytes(2, 40 * 1024));

        assertThat(channel.isOpen()).isFalse();
        assertThat(faults.linksReset()).isEqualTo(1);
    }
}
