package io.chainmesh.node.json;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JsonErrorsTest
{
    @Test
    void shouldKeepOnlyTheFirstLineOfAParseError()
    {
        assertThat(JsonErrors.firstLine("Unexpected character ('x' (code 120))\n at [Source: \"xxx\"; line: 1]"))
            .isEqualTo("Unexpected character ('x' (code 120))");
    }

    @Test
    void shouldKeepASingleLineWhole()
    {
        assertThat(JsonErrors.firstLine("Unexpected end-of-input")).isEqualTo("Unexpected end-of-input");
    }

    @Test
    void shouldReportNoMessageAsEmpty()
    {
        assertThat(JsonErrors.firstLine(null)).isEmpty();
    }
}
