package io.chainmesh.node;

import io.chainmesh.codec.CodecException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code chainmesh}: the command-line entry point of the fat jar.
 * <p>
 * Exit codes: 0 success, 1 a negative answer (e.g. {@code verify} found the signature invalid),
 * 2 bad arguments or input (picocli's usage code), 3 a runtime failure.
 */
@Command(
    name = "chainmesh",
    mixinStandardHelpOptions = true,
    versionProvider = ChainmeshCli.Version.class,
    description = "Low-latency peer-to-peer networking over a blockchain's deterministic node list.",
    subcommands = {DevnetCommand.class, NodeCommand.class, PublishCommand.class, SubscribeCommand.class, StatCommand.class,
        BenchCommand.class, KeygenCommand.class, SignCommand.class, VerifyCommand.class, DevnetMemberCommand.class})
public final class ChainmeshCli
{
    /** Exit code for a negative answer. */
    public static final int EXIT_NEGATIVE = 1;
    /** Exit code for bad arguments or malformed input. */
    public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;
    /** Exit code for a failure while running. */
    public static final int EXIT_FAILURE = 3;

    private ChainmeshCli()
    {
    }

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(execute(args));
    }

    /**
     * Runs a command without exiting the JVM, printing to the process's standard streams.
     *
     * @param args command line.
     * @return the exit code.
     */
    public static int execute(final String... args)
    {
        return commandLine(
            new PrintWriter(System.out, true, java.nio.charset.StandardCharsets.UTF_8),
            new PrintWriter(System.err, true, java.nio.charset.StandardCharsets.UTF_8)).execute(args);
    }

    /**
     * Builds the command line with the given output streams, for tests and embedding.
     *
     * @param out standard output.
     * @param err standard error.
     * @return a configured picocli command line.
     */
    public static CommandLine commandLine(final PrintWriter out, final PrintWriter err)
    {
        final CommandLine commandLine = new CommandLine(new ChainmeshCli());
        // Every subcommand's -V/--version prints the same line as the top command's.
        commandLine.getSubcommands().values().forEach(sub -> sub.getCommandSpec().versionProvider(new Version()));
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) ->
        {
            if (ex instanceof CodecException || ex instanceof IllegalArgumentException)
            {
                cmd.getErr().println("error: " + ex.getMessage());
                cmd.getErr().flush();
                return EXIT_USAGE;
            }
            cmd.getErr().println("error: " + ex);
            cmd.getErr().flush();
            return EXIT_FAILURE;
        });
        return commandLine;
    }

    /**
     * Runs a parse step, naming the option in the error if the input is malformed.
     *
     * @param option the option the input came from.
     * @param parse  the step.
     * @param <T>    its result.
     * @return the result.
     * @throws IllegalArgumentException {@code "<option>: <what was wrong>"}.
     */
    static <T> T parse(final String option, final java.util.function.Supplier<T> parse)
    {
        try
        {
            return parse.get();
        }
        catch (final CodecException ex)
        {
            throw new IllegalArgumentException(option + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * @return true if standard input and output are a terminal: redraw progress, clear the screen. Up to JDK 21
     *         {@link System#console()} is null otherwise; from JDK 22 it may not be, and {@code Console.isTerminal()}
     *         (looked up reflectively, the build targets 17) says.
     */
    static boolean isTerminal()
    {
        final java.io.Console console = System.console();
        if (null == console)
        {
            return false;
        }
        try
        {
            return (Boolean)java.io.Console.class.getMethod("isTerminal").invoke(console);
        }
        catch (final ReflectiveOperationException | ClassCastException ex)
        {
            return true;
        }
    }

    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            return new String[] {versionLine(ChainmeshCli.class.getResourceAsStream("version.properties"))};
        }

        /**
         * @param resource the build's {@code version.properties}, or null when it is missing.
         * @return {@code chainmesh <version> (commit <id>[, modified]), protocol <n>, Java <version>}, "unknown" for
         *     whatever the build did not know; {@code n} is the wire protocol version the node speaks.
         */
        static String versionLine(final java.io.InputStream resource)
        {
            final java.util.Properties properties = new java.util.Properties();
            if (null != resource)
            {
                try (java.io.InputStream in = resource)
                {
                    properties.load(in);
                }
                catch (final java.io.IOException ex)
                {
                    properties.clear();
                }
            }
            final String commit = known(properties.getProperty("commit"));
            return "chainmesh " + known(properties.getProperty("version")) + " (commit " + commit +
                ("unknown".equals(commit) || !"true".equals(properties.getProperty("dirty")) ? "" : ", modified") +
                "), protocol " + io.chainmesh.engine.transport.HandshakeHandler.PROTOCOL_VERSION + ", Java " +
                Runtime.version();
        }

        private static String known(final String value)
        {
            // An unexpanded ${...} is a build without git metadata.
            return null == value || value.isBlank() || value.startsWith("${") ? "unknown" : value.trim();
        }
    }
}
