package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.control.CloseReason;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One member dies (every socket reset at once, no CLOSE) while every member publishes as fast as the overlay
 * takes it: the links to the dead member close and no other link does. Heartbeats are judged by any sign of life
 * of the peer, not only by a PONG that may be queued behind megabytes of batches in either direction, so a busy
 * peer is never taken for a dead one. The heartbeat window is the default (3 x 1 s); judged by PONGs alone, about 15
 * links close by heartbeat in this test (50 to 225 with 4 x 250 ms). The members publish in a closed loop (at most 8 MiB
 * not yet delivered to the slowest live member), so links stay full. The batches queued to the dead member are a hole
 * of hundreds of batches in some survivors' streams, and repair under saturation is slower than eviction from a
 * 32 MiB retention: a survivor chases the eviction edge, told again and again what is gone. It must not be closed for
 * that (it asks each peer only past what that peer said is gone).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MemberDeathUnderLoadSystemTest
{
    private static final int TOPIC = 7;
    private static final int NODES = 6;
    private static final long HEARTBEAT_MS = 1000;
    private static final int MISSED = 3;
    /** Load after the death, in heartbeat windows: a false timeout has many chances to show. */
    private static final int WINDOWS_AFTER_DEATH = 3;

    @Test
    void shouldCloseNoOtherLinkWhenAMemberDiesUnderSaturatingBroadcast() throws Exception
    {
        final List<Thread> publishers = new ArrayList<>();
        final AtomicBoolean publishing = new AtomicBoolean(true);
        try (Cluster cluster = new Cluster(NODES, 2, ctx -> ctx
            .heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MS))
            .missedHeartbeatsBeforeDead(MISSED)))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until(() -> cluster.describe(snapshot, 2), 20_000, () -> cluster.formsTopology(snapshot, 2));
            final Load load = new Load(cluster.nodes);
            assertThat(linkEnds(cluster.nodes)).as("no link ended while the overlay formed").isEmpty();

            for (int i = 0; i < NODES; i++)
            {
                final int origin = i;
                final Thread publisher = new Thread(() -> load.publish(origin, publishing), "publisher-" + i);
                publisher.setDaemon(true);
                publisher.start();
                publishers.add(publisher);
            }
            Await.until(() -> "warm-up: " + load, 60_000, () -> load.delivered() >= 10_000);

            final int victimIndex = 2;
            final ChainmeshNode victim = cluster.nodes.get(victimIndex);
            final MemberId victimId = victim.member();
            final List<ChainmeshNode> survivors = new ArrayList<>(cluster.nodes);
            survivors.remove(victim);
            final long linkedToVictim = survivors.stream().filter(n -> Cluster.peersOf(n).contains(victimId)).count();
            final Map<String, Long> endsAtDeath = linkEnds(survivors);
            final long deliveredAtDeath = load.delivered();
            load.dead(victimIndex);
            victim.crashForTest();
            final long diedAt = System.nanoTime();

            Await.until("survivors drop the dead member", 10_000, () -> survivors.stream()
                .noneMatch(n -> Cluster.peersOf(n).contains(victimId)));
            // Keep the load on for several heartbeat windows after the death, and until messages still flow.
            final long loadNs = TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MS * MISSED * WINDOWS_AFTER_DEATH);
            Await.until(() -> "load after the death: " + load, 60_000,
                () -> System.nanoTime() - diedAt > loadNs && load.delivered() > deliveredAtDeath + 10_000);
            publishing.set(false);
            for (final Thread publisher : publishers)
            {
                publisher.join(10_000);
            }

            final Map<String, Long> ends = linkEnds(survivors);
            final long endsTotal = ends.values().stream().mapToLong(Long::longValue).sum();
            final String story = "links ended " + ends + " (before the death " + endsAtDeath + "), links to the dead " +
                "member " + linkedToVictim + ", " + load;
            assertThat(ends.keySet()).as(story).allMatch(end -> end.endsWith("RESET") || end.endsWith("EOF"));
            assertThat(endsTotal).as(story).isEqualTo(linkedToVictim);
            for (final ChainmeshNode survivor : survivors)
            {
                assertThat(survivor.counters().closesSent(CloseReason.HEARTBEAT_TIMEOUT).get()).as(story).isZero();
                assertThat(survivor.counters().errors().get()).as(story).isZero();
            }
            System.out.println("member death under load: " + story);
        }
        finally
        {
            publishing.set(false);
        }
    }

    /**
     * Every member publishes messages of the largest size as fast as the slowest live member takes them: at most
     * {@link #WINDOW_BYTES} of messages not yet delivered to some live member, so links stay full (megabytes queued)
     * while repair stays within retention.
     */
    private static final class Load
    {
        private static final long WINDOW_BYTES = 8L << 20;

        private final List<ChainmeshNode> nodes;
        private final AtomicLongArray published;
        /** delivered[receiver * n + origin]. */
        private final AtomicLongArray delivered;
        private final Map<Long, Integer> indexOfOrigin = new java.util.HashMap<>();
        private final long window;
        private volatile int dead = -1;

        Load(final List<ChainmeshNode> nodes)
        {
            this.nodes = nodes;
            final int n = nodes.size();
            this.published = new AtomicLongArray(n);
            this.delivered = new AtomicLongArray(n * n);
            this.window = WINDOW_BYTES / nodes.get(0).maxMessageLength();
            for (int i = 0; i < n; i++)
            {
                indexOfOrigin.put(nodes.get(i).member().originId(), i);
            }
            for (int i = 0; i < n; i++)
            {
                final int receiver = i;
                nodes.get(i).subscribe(TOPIC, (originId, topic, buffer, offset, length) ->
                {
                    final Integer origin = indexOfOrigin.get(originId);
                    if (null != origin)
                    {
                        delivered.incrementAndGet(receiver * n + origin);
                    }
                });
            }
        }

        void dead(final int index)
        {
            dead = index;
        }

        /** Messages of live origins published but not yet delivered, at the live member furthest behind. */
        long lag()
        {
            final int n = nodes.size();
            long most = 0;
            for (int receiver = 0; receiver < n; receiver++)
            {
                if (receiver == dead)
                {
                    continue;
                }
                long lag = 0;
                for (int origin = 0; origin < n; origin++)
                {
                    if (origin != receiver && origin != dead)
                    {
                        lag += published.get(origin) - delivered.get(receiver * n + origin);
                    }
                }
                most = Math.max(most, lag);
            }
            return most;
        }

        long delivered()
        {
            long total = 0;
            for (int i = 0; i < delivered.length(); i++)
            {
                total += delivered.get(i);
            }
            return total;
        }

        void publish(final int origin, final AtomicBoolean publishing)
        {
            final ChainmeshNode node = nodes.get(origin);
            final int length = node.maxMessageLength();
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[length]);
            while (publishing.get() && dead != origin)
            {
                if (lag() >= window)
                {
                    Thread.onSpinWait();
                    continue;
                }
                final long status = node.offer(TOPIC, payload, 0, length);
                if (status >= 0)
                {
                    published.incrementAndGet(origin);
                }
                else if (status == Status.CLOSED)
                {
                    return;
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
        }

        @Override
        public String toString()
        {
            long total = 0;
            for (int i = 0; i < published.length(); i++)
            {
                total += published.get(i);
            }
            return "published " + total + " messages, delivered " + delivered() + ", lag " + lag() + " of " + window;
        }
    }

    /** Registered links that ended, by how, summed over the nodes; only non-zero entries. */
    private static Map<String, Long> linkEnds(final List<ChainmeshNode> nodes)
    {
        final Map<String, Long> ends = new TreeMap<>();
        for (final ChainmeshNode node : nodes)
        {
            node.counters().reader().forEach((value, id, label) ->
            {
                if (label.startsWith("links ended ") && value > 0)
                {
                    ends.merge(label.substring("links ended ".length()), value, Long::sum);
                }
            });
        }
        return ends;
    }
}
