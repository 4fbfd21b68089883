package io.chainmesh.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmesh.node.app.AppClient;
import io.chainmesh.node.app.AppFrameDescriptor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code chainmesh subscribe}: prints every message of the given topics that a running node receives from other
 * members, one line per message, until interrupted or {@code --count} messages.
 * <p>
 * Formats: {@code text} (the payload as UTF-8, with {@code \\}, line ends, tabs and other control characters
 * escaped so one message stays one line), {@code json} ({@code member}, {@code topic}, {@code direct}, payload in
 * base64), {@code hex}. Messages the node dropped for this client (slow subscriber) are reported on stderr. Exit
 * codes: 0 after {@code --count} messages, 2 bad input, 3 the connection failed or the node closed it.
 */
@Command(name = "subscribe", mixinStandardHelpOptions = true,
    description = "Print the messages of topics received through a node's application API, one line each.")
final class SubscribeCommand implements Callable<Integer>
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    AppClientOptions app;

    @Option(names = "--topic", required = true, split = ",", description = "Topic(s), 0..65279 (repeat or comma-separate).")
    List<Integer> topics;

    @Option(names = "--count", defaultValue = "0", description = "Exit after this many messages; 0 runs until interrupted.")
    long count;

    @Option(names = "--format", defaultValue = "text", description = "text, json or hex (default ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() throws Exception
    {
        if (!format.matches("text|json|hex"))
        {
            throw new IllegalArgumentException("--format=" + format + " must be one of text, json, hex");
        }
        for (final int topic : topics)
        {
            if (topic < 0 || topic >= AppFrameDescriptor.RESERVED_TOPIC_MIN)
            {
                throw new IllegalArgumentException("--topic=" + topic + " must be in [0, " +
                    (AppFrameDescriptor.RESERVED_TOPIC_MIN - 1) + "]");
            }
        }
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        try (AppClient client = app.connect())
        {
            long id = 0;
            for (final int topic : topics)
            {
                client.subscribe(topic, ++id);
            }
            long subscribed = 0;
            long received = 0;
            while (count == 0 || received < count)
            {
                final AppClient.Event event = client.poll(1, TimeUnit.SECONDS);
                if (event instanceof AppClient.Delivery delivery)
                {
                    out.println(render(delivery));
                    out.flush();
                    received++;
                    if (out.checkError())
                    {
                        return 0;
                    }
                }
                else if (event instanceof AppClient.Result result)
                {
                    if (result.status() != AppFrameDescriptor.RESULT_OK)
                    {
                        err.println("error: subscribe to topic " + result.topic() + " refused: " +
                            AppFrameDescriptor.statusName(result.status()));
                        err.flush();
                        return ChainmeshCli.EXIT_FAILURE;
                    }
                    if (++subscribed == topics.size())
                    {
                        err.println("subscribed to " + topics + " at " + app.url);
                        err.flush();
                    }
                }
                else if (event instanceof AppClient.Control control)
                {
                    if (control.json().contains("\"dropped\"") || control.json().contains("\"error\""))
                    {
                        err.println("node: " + control.json());
                        err.flush();
                    }
                }
                else if (event instanceof AppClient.Closed closed)
                {
                    err.println("error: node closed the connection: " + closed.code() + " " + closed.reason());
                    err.flush();
                    return ChainmeshCli.EXIT_FAILURE;
                }
            }
            return 0;
        }
    }

    private String render(final AppClient.Delivery delivery) throws Exception
    {
        switch (format)
        {
            case "json":
                final Map<String, Object> line = new LinkedHashMap<>();
                line.put("member", delivery.member());
                line.put("topic", delivery.topic());
                line.put("direct", delivery.direct());
                line.put("payload", Base64.getEncoder().encodeToString(delivery.payload()));
                return JSON.writeValueAsString(line);
            case "hex":
                return HexFormat.of().formatHex(delivery.payload());
            default:
                return escape(new String(delivery.payload(), StandardCharsets.UTF_8));
        }
    }

    static String escape(final String text)
    {
        final StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default ->
                {
                    if (c < 0x20 || c == 0x7F)
                    {
                        out.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
