package io.chainmesh.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs each example program as an embedder would, on 127.0.0.1 with ports picked by the OS.
 */
@Timeout(90)
class ExamplesTest
{
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @Test
    void bobReceivesEveryMessageAlicePublishes()
        throws InterruptedException
    {
        assertThat(PublishSubscribe.run(10, out)).isEqualTo(10);
        assertThat(printed()).contains("bob received: hello 0", "bob received: hello 9");
    }

    @Test
    void aliceGetsAnAnswerToEveryDirectRequest()
        throws InterruptedException
    {
        assertThat(DirectMessages.run(5, out)).isEqualTo(5);
        assertThat(printed()).contains("alice received: re: request 0", "alice received: re: request 4");
    }

    @Test
    void nodesFollowTheApplicationsOwnRegistry()
        throws InterruptedException
    {
        assertThat(OwnDirectorySource.run(out)).as(printed()).isTrue();
        assertThat(printed()).contains("every node has 2 active peers", "the other two dropped it");
    }

    private String printed()
    {
        return printed.toString(StandardCharsets.UTF_8);
    }
}
