package io.chainmesh.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code chainmesh node --config <file>}: runs one node until SIGTERM/SIGINT.
 * <p>
 * Exit codes: 2 for a bad config (the message names the field), 3 if the node cannot start, 0 after a
 * clean shutdown, also when SIGTERM/SIGINT started it (see {@link #closeThenExitZero}).
 */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = {"Run one chainmesh node from a config file until SIGTERM/SIGINT.",
        "A complete config with every key explained: chainmesh node --print-example-config > node.properties"})
final class NodeCommand implements Callable<Integer>
{
    /** The example config inside the jar, also installed as /etc/chainmesh/node.properties by the package. */
    static final String EXAMPLE_CONFIG = "chainmesh-node.example.properties";

    private static final Logger LOG = LoggerFactory.getLogger(NodeCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
        description = "Properties file (required to run; see --print-example-config).")
    Path config;

    @Option(names = "--print-example-config",
        description = "Print an example config with every key explained, and exit.")
    boolean printExampleConfig;

    @Option(names = "--log-level", defaultValue = "INFO",
        description = "Level of the io.chainmesh loggers: ERROR, WARN, INFO, DEBUG (default ${DEFAULT-VALUE}).")
    String logLevel;

    @Override
    public Integer call() throws InterruptedException, IOException
    {
        if (printExampleConfig)
        {
            spec.commandLine().getOut().print(exampleConfig());
            spec.commandLine().getOut().flush();
            return 0;
        }
        if (null == config)
        {
            throw new IllegalArgumentException(
                "--config FILE is required; an example with every key: chainmesh node --print-example-config");
        }
        applyLogLevel(logLevel);
        final NodeConfig nodeConfig = NodeConfig.load(config);
        final NodeRunner runner;
        try
        {
            runner = NodeRunner.launch(nodeConfig);
        }
        catch (final NodeRunner.NotAMemberException ex)
        {
            LOG.error("node refused to start: {}", ex.getMessage());
            spec.commandLine().getErr().println("error: " + ex.getMessage());
            spec.commandLine().getErr().flush();
            return ChainmeshCli.EXIT_USAGE;
        }
        catch (final Exception ex)
        {
            LOG.error("node failed to start: {}", ex.toString());
            spec.commandLine().getErr().println("error: node failed to start (listen.address=" +
                nodeConfig.listenAddress() + ", http.address=" + nodeConfig.httpAddress() + "): " + ex);
            spec.commandLine().getErr().flush();
            return ChainmeshCli.EXIT_FAILURE;
        }
        final Thread hook = new Thread(() -> closeThenExitZero(runner), "chainmesh-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        spec.commandLine().getOut().println("node " + runner.node().member() + " listening on " +
            runner.node().localAddress() + ", http on " + runner.httpAddress() +
            (null == runner.app() ? "" : ", app API on " + runner.app().url()));
        spec.commandLine().getOut().flush();
        runner.awaitClosed();
        return 0;
    }

    /**
     * The shutdown hook: closes the node, then ends the JVM with 0. A JVM ended by SIGTERM or SIGINT otherwise exits
     * 128 + the signal number (143, 130) even after a clean shutdown, which service managers count as a failure.
     * {@code halt} skips the rest of the JVM's shutdown sequence; the node registers no other hook, so nothing is lost.
     * If closing throws, the hook ends without halting and the JVM keeps its signal exit code.
     *
     * @param runner the running node.
     */
    static void closeThenExitZero(final NodeRunner runner)
    {
        runner.close();
        LOG.info("shutdown complete, exit 0");
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(0);
    }

    /**
     * @return the example config shipped in the jar.
     * @throws IOException if it cannot be read.
     */
    static String exampleConfig() throws IOException
    {
        try (InputStream in = NodeCommand.class.getResourceAsStream(EXAMPLE_CONFIG))
        {
            if (null == in)
            {
                throw new IOException(EXAMPLE_CONFIG + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void applyLogLevel(final String level)
    {
        if (!level.matches("ERROR|WARN|INFO|DEBUG|TRACE"))
        {
            throw new IllegalArgumentException("--log-level=" + level + " must be one of ERROR, WARN, INFO, DEBUG, TRACE");
        }
        // The jar's logback.xml defaults to WARN for the devnet's quiet output; a daemon wants its events.
        if (LoggerFactory.getLogger("io.chainmesh") instanceof ch.qos.logback.classic.Logger logger)
        {
            logger.setLevel(ch.qos.logback.classic.Level.toLevel(level));
        }
    }
}
