package io.chainmesh.node;

import io.chainmesh.engine.transport.HandshakeHandler;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class CliVersionTest
{
    @Test
    void versionNamesTheBuildsVersionAndCommit()
    {
        final StringWriter out = new StringWriter();
        final int code = ChainmeshCli.commandLine(new PrintWriter(out), new PrintWriter(new StringWriter()))
            .execute("--version");

        assertThat(code).isZero();
        // The commit is known in a git checkout and "unknown" in a source tarball; never a placeholder.
        assertThat(out.toString().trim())
            .matches("chainmesh \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(commit ([0-9a-f]{10}(, modified)?|unknown)\\), protocol " +
                HandshakeHandler.PROTOCOL_VERSION + ", Java .+");
    }

    @Test
    void subcommandsPrintTheSameVersion()
    {
        final StringWriter top = new StringWriter();
        ChainmeshCli.commandLine(new PrintWriter(top), new PrintWriter(new StringWriter())).execute("--version");
        final StringWriter node = new StringWriter();
        final int code = ChainmeshCli.commandLine(new PrintWriter(node), new PrintWriter(new StringWriter()))
            .execute("node", "--version");
        assertThat(code).isZero();
        assertThat(node.toString()).isEqualTo(top.toString()).startsWith("chainmesh ");
    }

    @Test
    void aBuildWithoutGitMetadataSaysUnknown()
    {
        final String unexpanded = "version=0.1.0\ncommit=${git.commit.id.abbrev}\ndirty=${git.dirty}\n";
        assertThat(ChainmeshCli.Version.versionLine(new ByteArrayInputStream(unexpanded.getBytes(StandardCharsets.UTF_8))))
            .startsWith("chainmesh 0.1.0 (commit unknown), protocol " + HandshakeHandler.PROTOCOL_VERSION + ", Java ");
        assertThat(ChainmeshCli.Version.versionLine(null)).startsWith("chainmesh unknown (commit unknown), protocol ");
        final String dirty = "version=0.2.0\ncommit=0123456789\ndirty=true\n";
        assertThat(ChainmeshCli.Version.versionLine(new ByteArrayInputStream(dirty.getBytes(StandardCharsets.UTF_8))))
            .startsWith("chainmesh 0.2.0 (commit 0123456789, modified), protocol ");
    }
}
