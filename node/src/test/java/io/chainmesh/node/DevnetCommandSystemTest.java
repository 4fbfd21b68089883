package io.chainmesh.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DevnetCommandSystemTest
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
    void shouldRunDevnetEndToEndDeliveringEveryMessageAndWriteReport() throws Exception
    {
        final Path report = dir.resolve("report.json");

        final Result result = run("devnet", "--nodes", "6", "--duration", "2", "--rate", "1000", "--linger-ms", "5",
            "--report", report.toString());

        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
        assertThat(result.out()).containsPattern("status page of member 0 \\(live while the devnet runs\\): http://127\\.0\\.0\\.1:[0-9]+/")
            .contains("overlay formed: 6 nodes").contains("warm-up: ").contains("(not measured)")
            .contains("PASSED").contains("total");
        final JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertThat(json.get("passed").asBoolean()).isTrue();
        // The workload is paced, and closed-loop on a loaded machine: how many get published is not the point, all of them arriving is.
        assertThat(json.get("published").asLong()).isPositive();
        assertThat(json.get("delivered").asLong()).isEqualTo(json.get("expectedDeliveries").asLong());
        assertThat(json.get("missing").asLong()).isZero();
        assertThat(json.get("perNode").size()).isEqualTo(6);
        assertThat(json.get("latencyMicros").get("count").asLong()).isEqualTo(json.get("delivered").asLong());
    }

    @Test
    void shouldRunWithChurnAndStillDeliverToSteadyMembers() throws Exception
    {
        final Path report = dir.resolve("churn.json");

        final Result result = run("devnet", "--nodes", "6", "--duration", "3", "--rate", "600", "--linger-ms", "5",
            "--warmup", "0", "--churn", "--report", report.toString());

        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
        assertThat(result.out()).contains("churn: member 3 left").contains("churn: member 3 rejoined");
        final JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertThat(json.get("churned").asInt()).isEqualTo(3);
        assertThat(json.get("perNode").get(3).get("published").asLong()).isZero();
    }

    @Test
    void shouldRejectBadSettingsWithExitTwo()
    {
        final Result result = run("devnet", "--nodes", "1");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("nodes=1 must be in [2, 256]");
        final Result warmup = run("devnet", "--warmup", "-1");
        assertThat(warmup.exitCode()).isEqualTo(2);
        assertThat(warmup.err()).contains("Invalid value for option '--warmup': '-1' is not a duration");
        final Result tooLong = run("devnet", "--warmup", "11m");
        assertThat(tooLong.exitCode()).isEqualTo(2);
        assertThat(tooLong.err()).contains("warmup=660000ms must be in [0, 10 min]");
    }
}
