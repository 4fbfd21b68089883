package io.chainmesh.node;

import io.chainmesh.node.app.AppClient;
import io.chainmesh.node.app.AppFrameDescriptor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code chainmesh publish}: broadcasts (or, with {@code --to}, sends directly) messages through a running node's
 * application API: {@code --message} once, or each line of standard input (without its line end).
 * <p>
 * Each message waits for its result. BACK_PRESSURED, NOT_CONNECTED and NO_ROUTE are retried (1 ms, doubling to
 * 100 ms) until {@code --timeout}; any other refusal ends the command. Exit codes: 0 all accepted, 2 bad input,
 * 3 a message refused or timed out, or the connection failed.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
    description = "Publish messages through a node's application API (--message, or one per stdin line).")
final class PublishCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    AppClientOptions app;

    @Option(names = "--topic", required = true, description = "Topic, 0..65279.")
    int topic;

    @Option(names = "--message", description = "The message (its UTF-8 bytes); without it, each stdin line is one.")
    String message;

    @Option(names = "--to", paramLabel = "<txhash:index>",
        description = "Send to this member directly instead of broadcasting.")
    String to;

    @Option(names = "--timeout", defaultValue = "10", paramLabel = "<seconds>",
        description = "How long one message may be retried while the node is back-pressured or unlinked (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    /** Where lines are read from without {@code --message} (tests replace it). */
    java.io.InputStream stdin = System.in;

    @Override
    public Integer call() throws Exception
    {
        if (topic < 0 || topic >= AppFrameDescriptor.RESERVED_TOPIC_MIN)
        {
            throw new IllegalArgumentException("--topic=" + topic + " must be in [0, " +
                (AppFrameDescriptor.RESERVED_TOPIC_MIN - 1) + "]");
        }
        try (AppClient client = app.connect())
        {
            long correlationId = 0;
            if (null != message)
            {
                return publish(client, ++correlationId, message.getBytes(StandardCharsets.UTF_8));
            }
            final BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
            String line;
            while (null != (line = in.readLine()))
            {
                final int exit = publish(client, ++correlationId, line.getBytes(StandardCharsets.UTF_8));
                if (exit != 0)
                {
                    return exit;
                }
            }
            return 0;
        }
    }

    private int publish(final AppClient client, final long correlationId, final byte[] payload) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        long backoffMs = 1;
        while (true)
        {
            if (null == to)
            {
                client.publish(topic, correlationId, payload);
            }
            else
            {
                client.send(to, topic, correlationId, payload);
            }
            final int status = awaitResult(client, correlationId, deadline);
            if (status == AppFrameDescriptor.RESULT_OK)
            {
                return 0;
            }
            final boolean retriable = status == AppFrameDescriptor.RESULT_BACK_PRESSURED ||
                status == AppFrameDescriptor.RESULT_NOT_CONNECTED || status == AppFrameDescriptor.RESULT_NO_ROUTE;
            if (!retriable || System.nanoTime() - deadline > 0)
            {
                return fail("message " + correlationId + " refused: " + AppFrameDescriptor.statusName(status) +
                    (retriable ? " for " + timeoutSeconds + " s" : ""));
            }
            Thread.sleep(backoffMs);
            backoffMs = Math.min(100, backoffMs * 2);
        }
    }

    private int awaitResult(final AppClient client, final long correlationId, final long deadline)
        throws InterruptedException
    {
        while (true)
        {
            final long leftNs = Math.max(TimeUnit.SECONDS.toNanos(1), deadline - System.nanoTime());
            final AppClient.Event event = client.poll(leftNs, TimeUnit.NANOSECONDS);
            if (null == event)
            {
                throw new IllegalStateException("no result for message " + correlationId + " within " + timeoutSeconds + " s");
            }
            if (event instanceof AppClient.Result result && result.correlationId() == correlationId)
            {
                return result.status();
            }
            if (event instanceof AppClient.Closed closed)
            {
                throw new IllegalStateException("node closed the connection: " + closed.code() + " " + closed.reason());
            }
            if (event instanceof AppClient.Control control && control.json().contains("\"error\""))
            {
                throw new IllegalStateException("node reported: " + control.json());
            }
        }
    }

    private int fail(final String message)
    {
        spec.commandLine().getErr().println("error: " + message);
        spec.commandLine().getErr().flush();
        return ChainmeshCli.EXIT_FAILURE;
    }
}
