package io.chainmesh.node;

import io.chainmesh.codec.crypto.NodeKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example config ships inside the jar, is what the package installs, and is a config the node accepts.
 */
class ExampleConfigTest
{
    @TempDir
    Path dir;

    private record Result(int exitCode, String out, String err)
    {
    }

    private static Result run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = ChainmeshCli.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void printedExampleIsAValidConfigOnceItsKeyExists() throws IOException
    {
        final Result printed = run("node", "--print-example-config");
        assertThat(printed.exitCode()).isZero();
        assertThat(printed.out()).contains("node.key.file=node.key", "directory.source=fluxd",
            "counters.file=/var/lib/chainmesh/counters.dat");

        // As installed: the key beside the config; the state directory is the test's own.
        final Path config = dir.resolve("node.properties");
        Files.writeString(config, printed.out().replace("/var/lib/chainmesh/", dir.toString() + "/"));
        Files.writeString(dir.resolve("node.key"), NodeKey.generate(new SecureRandom()).privateKeyHex());

        final NodeConfig loaded = NodeConfig.load(config);
        assertThat(loaded.sourceKind()).isEqualTo(NodeConfig.SourceKind.FLUXD);
        assertThat(loaded.listenAddress()).as("binds the listed port + 5 unless set").isNull();
        assertThat(loaded.member()).as("found from fluxd unless set").isNull();
        assertThat(loaded.requireMembership()).isFalse();
        assertThat(loaded.countersFile()).isEqualTo(dir.resolve("counters.dat"));
    }

    @Test
    void helpAndMissingConfigPointAtTheExample()
    {
        assertThat(run("node", "--help").out()).contains("--print-example-config");

        final Result missing = run("node");
        assertThat(missing.exitCode()).isEqualTo(ChainmeshCli.EXIT_USAGE);
        assertThat(missing.err()).contains("--config FILE is required", "chainmesh node --print-example-config");
    }
}
