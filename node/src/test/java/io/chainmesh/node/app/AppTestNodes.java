package io.chainmesh.node.app;

import io.chainmesh.chain.DevnetChain;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.PeerView;
import org.agrona.CloseHelper;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * An in-process devnet of real nodes on 127.0.0.1, each with the application API on a loopback port 0.
 */
final class AppTestNodes implements AutoCloseable
{
    static final String TOKEN = "test-token-0123456789abcdef";
    /** Small broadcast messages, so a 64 KiB client queue holds them (records up to 1/8 of the queue). */
    static final int MAX_MESSAGE_LENGTH = 4096;

    final DevnetChain chain;
    final List<ChainmeshNode> nodes = new ArrayList<>();
    final List<AppApiServer> apis = new ArrayList<>();
    final Path tokenFile;

    AppTestNodes(final int count, final Path dir, final Consumer<AppApiServer.Context> tuning) throws Exception
    {
        tokenFile = dir.resolve("app.token");
        Files.writeString(tokenFile, TOKEN + "\n");
        chain = DevnetChain.launch(new DevnetChain.Context().memberCount(count));
        try
        {
            for (int i = 0; i < count; i++)
            {
                final AppApiServer.Context appCtx = new AppApiServer.Context()
                    .token(AppToken.read(tokenFile))
                    .directorySource(chain);
                tuning.accept(appCtx);
                final ChainmeshNode.Context nodeCtx = new ChainmeshNode.Context()
                    .nodeKey(chain.memberKey(i))
                    .directorySource(chain)
                    .bindAddress(new InetSocketAddress("127.0.0.1", chain.portFor(i)))
                    .ioThreads(1)
                    .reconcileIntervalNs(TimeUnit.MILLISECONDS.toNanos(50))
                    .backoffMinNs(TimeUnit.MILLISECONDS.toNanos(50))
                    .directHandler(appCtx.directHandler());
                nodeCtx.broadcast().maxMessageLength(MAX_MESSAGE_LENGTH);
                final ChainmeshNode node = ChainmeshNode.launch(nodeCtx);
                nodes.add(node);
                apis.add(AppApiServer.launch(appCtx.node(node)));
            }
            await("every node links to every other", () ->
            {
                for (final ChainmeshNode node : nodes)
                {
                    if (activePeers(node) < count - 1)
                    {
                        return false;
                    }
                }
                return true;
            });
        }
        catch (final Exception | Error ex)
        {
            close();
            throw ex;
        }
    }

    String member(final int index)
    {
        return chain.memberId(index).toString();
    }

    java.net.URI uri(final int index)
    {
        return java.net.URI.create(apis.get(index).url());
    }

    AppClient client(final int index) throws InterruptedException
    {
        final AppClient client = AppClient.connect(uri(index), TOKEN, java.time.Duration.ofSeconds(10));
        final AppClient.Event hello = client.poll(10, TimeUnit.SECONDS);
        if (!(hello instanceof AppClient.Control control) || !control.json().contains("\"hello\""))
        {
            client.close();
            throw new AssertionError("expected hello, got " + hello);
        }
        return client;
    }

    static int activePeers(final ChainmeshNode node)
    {
        int active = 0;
        for (final PeerView peer : node.peers())
        {
            if (peer.state() == PeerView.State.ACTIVE)
            {
                active++;
            }
        }
        return active;
    }

    static void await(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close()
    {
        for (final AppApiServer api : apis)
        {
            CloseHelper.quietClose(api);
        }
        for (final ChainmeshNode node : nodes)
        {
            CloseHelper.quietClose(node);
        }
        CloseHelper.quietClose(chain);
    }
}
