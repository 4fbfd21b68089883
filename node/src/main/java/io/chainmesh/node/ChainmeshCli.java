package io.chainmesh.node;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code chainmesh}: the command-line entry point of the fat jar.
 */
@Command(
    name = "chainmesh",
    mixinStandardHelpOptions = true,
    versionProvider = ChainmeshCli.Version.class,
    description = "Low-latency peer-to-peer networking over a blockchain's deterministic node list.",
    subcommands = {KeygenCommand.class})
public final class ChainmeshCli
{
    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(execute(args));
    }

    /**
     * Runs a command without exiting the JVM, for tests and embedding.
     *
     * @param args command line.
     * @return the exit code.
     */
    public static int execute(final String... args)
    {
        return new CommandLine(new ChainmeshCli()).execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = ChainmeshCli.class.getPackage().getImplementationVersion();
            return new String[] {"chainmesh " + (null == version ? "dev" : version)};
        }
    }
}
