package io.chainmesh.node;

import io.chainmesh.chain.DevnetChain;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.PeerView;
import io.chainmesh.node.http.StatusHttpServer;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status page in a real browser: Debian's Chromium, headless, against member 0 of a 4-member devnet on
 * 127.0.0.1 that has broadcast a few hundred messages and goes on at about 500 a second while the browser looks. The page's script must have polled {@code /overview} and
 * filled the DOM: 3 linked peers, 3 origins, a latency figure. The screenshot is left in
 * {@code node/target/status-page/status-page.png}.
 * <p>
 * The browser comes from {@code src/test/browser/ensure-chromium.sh}, which installs the {@code chromium} package
 * when it is missing and the test runs as root with apt-get (CI); anywhere else without Chromium the test is skipped
 * and says why.
 */
class StatusPageBrowserTest
{
    private static final int MEMBERS = 4;
    private static final int MESSAGES_PER_MEMBER = 100;
    private static final int TOPIC = 7;
    private static final int BACKGROUND_TOPIC = 8;
    /** About 500 messages a second in all while the browser runs. */
    private static final long BACKGROUND_PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final String[] CHROMIUM_FLAGS = {
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        // Time for a few polls of /overview (1 s apart in the page's clock) before the DOM or screen is taken.
        "--virtual-time-budget=4000", "--window-size=1400,1500"};

    @TempDir
    Path dir;

    @Test
    void shouldShowLinkedPeersOriginsAndLatencyInHeadlessChromium() throws Exception
    {
        final String chromium = chromium();
        final List<AutoCloseable> resources = new ArrayList<>();
        try
        {
            final DevnetChain chain = DevnetChain.launch(new DevnetChain.Context().memberCount(MEMBERS));
            resources.add(chain);
            final List<ChainmeshNode> nodes = new ArrayList<>();
            final AtomicLong deliveredToFirst = new AtomicLong();
            for (int i = 0; i < MEMBERS; i++)
            {
                final ChainmeshNode node = ChainmeshNode.launch(new ChainmeshNode.Context()
                    .nodeKey(chain.memberKey(i))
                    .directorySource(chain)
                    .bindAddress(new InetSocketAddress("127.0.0.1", chain.portFor(i)))
                    .reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
                    .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(50)));
                nodes.add(node);
                resources.add(0, node);
            }
            nodes.get(0).subscribe(TOPIC, (origin, topic, buffer, offset, length) -> deliveredToFirst.incrementAndGet());
            nodes.get(0).subscribe(BACKGROUND_TOPIC, (origin, topic, buffer, offset, length) -> {});
            final StatusEndpoints endpoints = new StatusEndpoints(nodes.get(0), chain::current,
                "devnet member 0 of " + MEMBERS).start();
            resources.add(0, endpoints);
            final StatusHttpServer server = new StatusHttpServer(new InetSocketAddress("127.0.0.1", 0), endpoints).launch();
            resources.add(0, server);
            NodeCommandSystemTest.await("every member links to the 3 others",
                () -> nodes.stream().allMatch(n -> n.peers().stream()
                    .filter(p -> p.state() == PeerView.State.ACTIVE).count() == MEMBERS - 1));
            final UnsafeBuffer message = new UnsafeBuffer(new byte[64]);
            for (int k = 0; k < MESSAGES_PER_MEMBER; k++)
            {
                for (final ChainmeshNode node : nodes)
                {
                    NodeCommandSystemTest.await("offer accepted", () -> node.offer(TOPIC, message, 0, 64) >= 0);
                }
            }
            NodeCommandSystemTest.await("member 0 has every other member's messages",
                () -> deliveredToFirst.get() == (long)(MEMBERS - 1) * MESSAGES_PER_MEMBER);

            // Traffic while the browser looks, on another topic, so the page shows rates and trends moving.
            final AtomicBoolean stop = new AtomicBoolean();
            final Thread background = new Thread(() ->
            {
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
                for (long k = 0; !stop.get(); k++)
                {
                    nodes.get((int)(k % MEMBERS)).offer(BACKGROUND_TOPIC, payload, 0, 64);
                    LockSupport.parkNanos(BACKGROUND_PAUSE_NS);
                }
            }, "status-page-test-traffic");
            background.setDaemon(true);
            background.start();
            resources.add(0, () ->
            {
                stop.set(true);
                background.join(5_000);
            });

            final String url = "http://127.0.0.1:" + server.localAddress().getPort() + "/";
            final String dom = runChromium(chromium, "dom", "--dump-dom", url);

            assertThat(dom).contains("data-state=\"live\"", "data-peers-active=\"" + (MEMBERS - 1) + "\"");
            assertThat(count(dom, "class=\"peer-row\" data-state=\"ACTIVE\"")).isEqualTo(MEMBERS - 1);
            assertThat(count(dom, "class=\"origin-row\"")).isEqualTo(MEMBERS - 1);
            final Matcher latency = Pattern.compile("id=\"latency-p\">([^<]*)<").matcher(dom);
            assertThat(latency.find()).as(dom).isTrue();
            assertThat(latency.group(1)).matches("[0-9.]+ (µs|ms|s)");
            assertThat(dom).containsPattern("id=\"latency-window\">p99 [0-9.]+ (µs|ms|s) · ");
            assertThat(dom).contains("devnet member 0 of " + MEMBERS);

            final Path screenshots = Files.createDirectories(Path.of("target", "status-page"));
            final Path png = screenshots.resolve("status-page.png");
            Files.deleteIfExists(png);
            runChromium(chromium, "screenshot", "--screenshot=" + png.toAbsolutePath(), url);
            final byte[] image = Files.readAllBytes(png);
            assertThat(image.length).isGreaterThan(20_000);
            assertThat(new String(image, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        }
        finally
        {
            for (final AutoCloseable resource : resources)
            {
                CloseHelper.quietClose(resource);
            }
        }
    }

    private static String chromium() throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder("sh", Path.of("src", "test", "browser", "ensure-chromium.sh").toString())
            .redirectError(ProcessBuilder.Redirect.PIPE).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        final String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(15, TimeUnit.MINUTES))
        {
            process.destroyForcibly();
            throw new AssertionError("ensure-chromium.sh did not finish in 15 min: " + err);
        }
        Assumptions.assumeTrue(process.exitValue() == 0,
            "status page browser test skipped: no Chromium (" + err.lines().reduce((a, b) -> b).orElse("") + ")");
        return out.lines().reduce((a, b) -> b).orElseThrow();
    }

    private String runChromium(final String chromium, final String name, final String... args)
        throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(chromium);
        command.addAll(List.of(CHROMIUM_FLAGS));
        command.add("--user-data-dir=" + dir.resolve("profile-" + name));
        command.addAll(List.of(args));
        final Path log = dir.resolve("chromium-" + name + ".log");
        final Path stdout = dir.resolve("chromium-" + name + ".out");
        final Process process = new ProcessBuilder(command).redirectError(log.toFile()).redirectOutput(stdout.toFile())
            .start();
        if (!process.waitFor(120, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("chromium " + name + " did not finish in 120 s: " + Files.readString(log));
        }
        assertThat(process.exitValue()).as("chromium " + name + ": " + Files.readString(log)).isZero();
        return Files.readString(stdout);
    }

    private static int count(final String text, final String needle)
    {
        int count = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1))
        {
            count++;
        }
        return count;
    }
}
