package io.chainmesh.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.EngineCounters;
import io.chainmesh.engine.FixedBucketHistogram;
import io.chainmesh.engine.PeerView;
import io.chainmesh.engine.broadcast.BroadcastCounters;
import io.chainmesh.engine.broadcast.DeliveryStats;
import io.chainmesh.engine.overlay.OverlayTopology;
import io.chainmesh.node.http.BuildInfo;
import io.chainmesh.node.http.NodeMetrics;
import io.chainmesh.node.http.StatusHttpServer;
import io.chainmesh.node.http.StatusPage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a node serves over HTTP: the status page ({@code /}), its JSON ({@code /overview}), {@code /status},
 * {@code /peers}, {@code /directory} and {@code /metrics}, for one {@link ChainmeshNode}. Used by
 * {@code chainmesh node} and by the in-process devnet (for one of its members).
 * <p>
 * Threads: {@link #start()} starts {@code chainmesh-rates}, which samples the totals once a second for the rates;
 * {@link #route(String)} runs on the HTTP thread and reads the node's thread-safe views and counters.
 */
public final class StatusEndpoints implements StatusHttpServer.Routes, AutoCloseable
{
    /** {@code /status} rates are over this sliding window, sampled every {@link #RATE_SAMPLE_NS}. */
    static final long RATE_WINDOW_NS = TimeUnit.SECONDS.toNanos(10);
    static final long RATE_SAMPLE_NS = TimeUnit.SECONDS.toNanos(1);
    /** Per-origin rows in {@code /overview}: the laggiest first, the rest counted. */
    static final int MAX_ORIGIN_ROWS = 64;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] RATE_NAMES = {"bytesInPerSec", "bytesOutPerSec", "framesInPerSec", "framesOutPerSec",
        "messagesPublishedPerSec", "messagesDeliveredPerSec"};

    private final ChainmeshNode node;
    private final Supplier<DirectorySnapshot> directory;
    private final String role;
    private final BuildInfo build = BuildInfo.current();
    private final long startNs = System.nanoTime();
    private final RateWindow rates = new RateWindow(RATE_NAMES.length, RATE_WINDOW_NS, RATE_SAMPLE_NS, startNs);
    private final NodeMetrics metrics;
    private ScheduledExecutorService rateSampler;
    private volatile Supplier<String> notMemberReason = this::notListedReason;
    private volatile Consumer<Map<String, Object>> extraStatus;
    private volatile Consumer<StringBuilder> extraMetrics;
    private DirectorySnapshot overlaySnapshot;
    private OverlayTopology overlay;

    /**
     * @param node      the node.
     * @param directory the directory the node follows.
     * @param role      what runs the node, shown on the page (e.g. {@code "node"}, {@code "devnet member 0 of 16"}).
     */
    public StatusEndpoints(final ChainmeshNode node, final Supplier<DirectorySnapshot> directory, final String role)
    {
        this.node = node;
        this.directory = directory;
        this.role = role;
        this.metrics = new NodeMetrics(node, directory, build);
    }

    /**
     * @param reason why the node is not a member of its directory, empty when it is (the node runner knows more
     *               than the snapshot: e.g. that no collateral was named).
     * @return this.
     */
    public StatusEndpoints notMemberReason(final Supplier<String> reason)
    {
        this.notMemberReason = reason;
        return this;
    }

    /**
     * Adds what a component beside the node reports (e.g. the application API) to {@code /status} and {@code /metrics}.
     *
     * @param status  adds fields to the {@code /status} document.
     * @param metrics appends families in the text exposition format to {@code /metrics}.
     * @return this.
     */
    public StatusEndpoints extras(final Consumer<Map<String, Object>> status, final Consumer<StringBuilder> metrics)
    {
        this.extraStatus = status;
        this.extraMetrics = metrics;
        return this;
    }

    private String notListedReason()
    {
        return NodeRunner.Membership.of(directory.get(), node.member(), node.publicKey()).reason();
    }

    /**
     * Starts the rate sampler.
     *
     * @return this.
     */
    public StatusEndpoints start()
    {
        rateSampler = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread thread = new Thread(r, "chainmesh-rates");
            thread.setDaemon(true);
            return thread;
        });
        rateSampler.scheduleAtFixedRate(() -> rates.sample(System.nanoTime(), totals()),
            RATE_SAMPLE_NS, RATE_SAMPLE_NS, TimeUnit.NANOSECONDS);
        return this;
    }

    /** Stops the rate sampler (it reads the counters: stop it before they are unmapped). Idempotent. */
    @Override
    public void close()
    {
        if (null != rateSampler)
        {
            rateSampler.shutdownNow();
            try
            {
                rateSampler.awaitTermination(5, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public StatusHttpServer.Response route(final String path)
    {
        switch (path)
        {
            case "/status":
                return json(status());
            case "/peers":
                return json(peers());
            case "/directory":
                return json(directory());
            case "/overview":
                return json(overview());
            case "/metrics":
                final Consumer<StringBuilder> more = extraMetrics;
                if (null == more)
                {
                    return new StatusHttpServer.Response(NodeMetrics.CONTENT_TYPE, metrics.scrape());
                }
                final StringBuilder text = new StringBuilder(metrics.scrape());
                more.accept(text);
                return new StatusHttpServer.Response(NodeMetrics.CONTENT_TYPE, text.toString());
            default:
                return StatusPage.asset(path);
        }
    }

    private Map<String, Object> status()
    {
        final DirectorySnapshot snapshot = directory.get();
        final List<PeerView> peers = node.peers();
        int connected = 0;
        for (final PeerView peer : peers)
        {
            if (peer.state() == PeerView.State.ACTIVE)
            {
                connected++;
            }
        }
        final Map<String, Object> status = new LinkedHashMap<>();
        final String notMember = notMemberReason.get();
        status.put("member", notMember.isEmpty());
        if (!notMember.isEmpty())
        {
            status.put("memberReason", notMember);
        }
        status.put("collateral", node.member().toString());
        status.put("publicKey", node.publicKey().toHex());
        status.put("listenAddress", node.localAddress().getAddress().getHostAddress() + ":" +
            node.localAddress().getPort());
        status.put("uptimeMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));
        status.put("directoryHeight", snapshot.height());
        status.put("directorySize", snapshot.size());
        status.put("peers", peers.size());
        status.put("peersActive", connected);
        final long nowNs = System.nanoTime();
        final long[] now = totals();
        final double[] perSecond = rates.rates(nowNs, now);
        final Map<String, Object> rateMap = new LinkedHashMap<>();
        rateMap.put("windowMs", TimeUnit.NANOSECONDS.toMillis(Math.min(rates.windowNs(), nowNs - startNs)));
        for (int i = 0; i < RATE_NAMES.length; i++)
        {
            rateMap.put(RATE_NAMES[i], Math.round(perSecond[i] * 10.0) / 10.0);
        }
        status.put("rates", rateMap);
        final Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("bytesIn", now[0]);
        totals.put("bytesOut", now[1]);
        totals.put("framesIn", now[2]);
        totals.put("framesOut", now[3]);
        totals.put("messagesPublished", now[4]);
        totals.put("messagesDelivered", now[5]);
        status.put("totals", totals);
        final Consumer<Map<String, Object>> more = extraStatus;
        if (null != more)
        {
            more.accept(status);
        }
        return status;
    }

    private long[] totals()
    {
        final EngineCounters counters = node.counters();
        final BroadcastCounters broadcast = node.broadcastCounters();
        return new long[] {
            counters.bytesIn().get(), counters.bytesOut().get(), counters.framesIn().get(), counters.framesOut().get(),
            null == broadcast ? 0 : broadcast.messagesPublished(), null == broadcast ? 0 : broadcast.messagesDelivered()};
    }

    private List<Map<String, Object>> peers()
    {
        final List<Map<String, Object>> list = new ArrayList<>();
        for (final PeerView peer : node.peers())
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("collateral", null == peer.member() ? null : peer.member().toString());
            entry.put("remoteAddress", String.valueOf(peer.remoteAddress()));
            entry.put("direction", peer.direction().name());
            entry.put("state", peer.state().name());
            entry.put("rttLastNs", peer.rttLastNs());
            entry.put("rttEwmaNs", peer.rttEwmaNs());
            entry.put("bytesIn", peer.bytesIn());
            entry.put("bytesOut", peer.bytesOut());
            entry.put("queuedBytes", peer.queuedBytes());
            list.add(entry);
        }
        return list;
    }

    private Map<String, Object> directory()
    {
        final DirectorySnapshot snapshot = directory.get();
        final Map<String, Object> result = new LinkedHashMap<>();
        result.put("height", snapshot.height());
        result.put("size", snapshot.size());
        final List<Map<String, Object>> members = new ArrayList<>();
        for (final Member member : snapshot.members())
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("collateral", member.collateral());
            entry.put("publicKey", member.publicKey().toHex());
            entry.put("endpoint", member.endpoint().toString());
            entry.put("tier", String.valueOf(member.tier()));
            entry.put("txHash", member.txHash());
            entry.put("outputIndex", member.outputIndex());
            entry.put("confirmedHeight", member.confirmedHeight());
            members.add(entry);
        }
        result.put("members", members);
        return result;
    }

    /** Everything the status page shows, in one document so one poll gives one consistent picture. */
    private Map<String, Object> overview()
    {
        final DirectorySnapshot snapshot = directory.get();
        final Map<String, Object> result = new LinkedHashMap<>();
        result.put("role", role);
        result.put("version", build.version());
        result.put("commit", build.commit());
        result.put("nowMs", System.currentTimeMillis());
        final int self = selfIndex(snapshot);
        result.put("member", self < 0 ? null : snapshot.member(self).collateral());
        result.put("publicKey", self < 0 ? null : memberKey(snapshot.member(self)));
        result.put("status", status());
        result.put("overlay", overlay(snapshot));
        final EngineCounters counters = node.counters();
        result.put("rtt", histogram(counters.rttMicros(), 1e-3));
        final BroadcastCounters broadcast = node.broadcastCounters();
        if (null != broadcast)
        {
            final DeliveryStats delivery = broadcast.delivery();
            result.put("latency", histogram(delivery.ageMillis(), 1.0));
            result.put("origins", origins(snapshot, delivery.origins()));
            final Map<String, Object> problems = new LinkedHashMap<>();
            problems.put("duplicates", broadcast.duplicates());
            problems.put("forged", broadcast.forged());
            problems.put("malformed", broadcast.malformed());
            problems.put("lostBeyondRetention", broadcast.lostBeyondRetention());
            problems.put("offerBackPressured", broadcast.offerBackPressured());
            problems.put("forwardsSkipped", broadcast.forwardsSkipped());
            problems.put("wantsSent", broadcast.wantsSent());
            result.put("broadcast", problems);
        }
        return result;
    }

    private synchronized Map<String, Object> overlay(final DirectorySnapshot snapshot)
    {
        if (snapshot != overlaySnapshot)
        {
            overlaySnapshot = snapshot;
            overlay = OverlayTopology.of(snapshot, node.context().ringSuccessors());
        }
        final Map<String, PeerView> peerByMember = new HashMap<>();
        for (final PeerView peer : node.peers())
        {
            final String key = peerKey(peer);
            if (null != key)
            {
                peerByMember.put(key, peer);
            }
        }
        final int self = selfIndex(snapshot);
        final Map<String, Object> result = new LinkedHashMap<>();
        result.put("size", snapshot.size());
        result.put("selfIndex", self);
        result.put("ringSuccessors", overlay.successors());
        result.put("links", overlay.linkCount());
        final List<Map<String, Object>> neighbours = new ArrayList<>();
        if (self >= 0)
        {
            for (final int index : overlay.neighbours(self))
            {
                final Member member = snapshot.member(index);
                final PeerView peer = peerByMember.remove(member.collateral());
                neighbours.add(peerEntry(index, member, member.endpoint().toString(), overlay.dials(self, index), peer));
            }
        }
        if (!peerByMember.isEmpty())
        {
            // Links the overlay does not name (extra inbound, or a directory change still settling).
            for (int index = 0; index < snapshot.size(); index++)
            {
                final Member member = snapshot.member(index);
                final PeerView peer = peerByMember.remove(member.collateral());
                if (null != peer)
                {
                    neighbours.add(peerEntry(index, member, String.valueOf(peer.remoteAddress()),
                        peer.direction() == PeerView.Direction.OUTBOUND, peer));
                }
            }
            for (final PeerView peer : peerByMember.values())
            {
                neighbours.add(peerEntry(-1, null, String.valueOf(peer.remoteAddress()),
                    peer.direction() == PeerView.Direction.OUTBOUND, peer));
            }
        }
        result.put("neighbours", neighbours);
        return result;
    }

    private static Map<String, Object> peerEntry(
        final int index, final Member member, final String endpoint, final boolean dials, final PeerView peer)
    {
        final Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("index", index);
        entry.put("member", null == member ? peerKey(peer) : member.collateral());
        entry.put("publicKey", null == member ? null : memberKey(member));
        entry.put("endpoint", endpoint);
        entry.put("dials", dials);
        entry.put("state", null == peer ? "DOWN" : peer.state().name());
        entry.put("rttLastMs", null == peer || peer.rttLastNs() < 0 ? null : peer.rttLastNs() / 1e6);
        entry.put("rttEwmaMs", null == peer || peer.rttEwmaNs() < 0 ? null : peer.rttEwmaNs() / 1e6);
        entry.put("bytesIn", null == peer ? 0 : peer.bytesIn());
        entry.put("bytesOut", null == peer ? 0 : peer.bytesOut());
        entry.put("queuedBytes", null == peer ? 0 : peer.queuedBytes());
        return entry;
    }

    // How this class names members, in these four places only: the page shows a member by its collateral, and
    // matches links to directory entries by these keys.

    private int selfIndex(final DirectorySnapshot snapshot)
    {
        return snapshot.indexOf(node.member());
    }

    private static int indexOf(final DirectorySnapshot snapshot, final Member member)
    {
        return snapshot.indexOf(member.id());
    }

    private static String memberKey(final Member member)
    {
        return member.publicKey().toHex();
    }

    private static String peerKey(final PeerView peer)
    {
        return null == peer.member() ? null : peer.member().toString();
    }

    private static Map<String, Object> histogram(final FixedBucketHistogram histogram, final double toMillis)
    {
        final int n = histogram.bucketCount();
        final double[] bounds = new double[n - 1];
        final long[] counts = new long[n];
        for (int i = 0; i < n; i++)
        {
            if (i < n - 1)
            {
                bounds[i] = histogram.upperBound(i) * toMillis;
            }
            counts[i] = histogram.count(i);
        }
        final Map<String, Object> result = new LinkedHashMap<>();
        result.put("boundsMs", bounds);
        result.put("counts", counts);
        result.put("sumMs", histogram.sum() * toMillis);
        return result;
    }

    private static Map<String, Object> origins(final DirectorySnapshot snapshot, final List<DeliveryStats.Origin> all)
    {
        final long nowMs = System.currentTimeMillis();
        final List<DeliveryStats.Origin> sorted = new ArrayList<>(all);
        // Laggiest first: the most batches missing, then the oldest newest batch.
        sorted.sort((a, b) -> a.missing() != b.missing() ? Long.compare(b.missing(), a.missing()) :
            Long.compare(b.lastAgeMillis(), a.lastAgeMillis()));
        final List<Map<String, Object>> rows = new ArrayList<>();
        for (final DeliveryStats.Origin origin : sorted.subList(0, Math.min(MAX_ORIGIN_ROWS, sorted.size())))
        {
            final Member member = snapshot.findByOriginId(origin.originId());
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("originId", Long.toHexString(origin.originId()));
            row.put("index", null == member ? -1 : indexOf(snapshot, member));
            row.put("member", null == member ? null : member.collateral());
            row.put("publicKey", null == member ? null : memberKey(member));
            row.put("batches", origin.batches());
            row.put("messages", origin.messages());
            row.put("highestSeq", origin.highestSeq());
            row.put("missing", origin.missing());
            row.put("lastAgeMs", origin.lastAgeMillis());
            row.put("sinceLastMs", Math.max(0, nowMs - origin.lastCommitMillis()));
            rows.add(row);
        }
        final Map<String, Object> result = new LinkedHashMap<>();
        result.put("count", all.size());
        result.put("rows", rows);
        return result;
    }

    private static StatusHttpServer.Response json(final Object value)
    {
        try
        {
            return new StatusHttpServer.Response("application/json", JSON.writeValueAsString(value) + "\n");
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException("cannot render JSON", ex);
        }
    }
}
