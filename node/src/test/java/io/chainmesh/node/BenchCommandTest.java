package io.chainmesh.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class BenchCommandTest
{
    @TempDir
    Path dir;

    private String run(final int expectedExit, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = ChainmeshCli.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
        assertThat(code).as("exit code, stderr: %s", err).isEqualTo(expectedExit);
        return out.toString();
    }

    @Test
    void shouldPrintParseableJsonWithQuickMeasurements() throws Exception
    {
        final String out = run(0, "bench", "--quick", "--json", "--dir", dir.toString());

        final JsonNode json = new ObjectMapper().readTree(out);
        assertThat(json.get("measurements").get("epsSingle").asDouble()).isPositive();
        assertThat(json.get("measurements").get("diskWriteMBps").asDouble()).isPositive();
        assertThat(json.get("tier").asText()).isNotEmpty();
        assertThat(json.get("reason").asText()).isNotEmpty();
    }

    @Test
    void shouldPublishReportsOverDevnetAndPrintNetworkJson() throws Exception
    {
        final String out = run(0, "bench", "--quick", "--json", "--publish", "--nodes", "4", "--dir", dir.toString());

        final JsonNode json = new ObjectMapper().readTree(out);
        assertThat(json.get("networkComplete").asBoolean()).isTrue();
        assertThat(json.get("networkReports")).hasSize(4);
        assertThat(json.get("networkReports").get(0).get("networkRttMicros").asDouble()).isPositive();
    }

    @Test
    void shouldPrintTableWithTierAndReason()
    {
        final String out = run(0, "bench", "--quick", "--dir", dir.toString());

        assertThat(out).contains("cpu eps single").contains("tier").contains("reason");
    }
}
