package io.chainmesh.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EndpointParserPropertyTest
{
    @SeededTest(cases = 300)
    void shouldRoundTripAnyIpv4WithPort(final SeededCase sample)
    {
        final int a = sample.intBetween(0, 255);
        final int b = sample.intBetween(0, 255);
        final int c = sample.intBetween(0, 255);
        final int d = sample.intBetween(0, 255);
        final int port = sample.intBetween(1, Member.MAX_LISTED_PORT);
        final Endpoint endpoint = new Endpoint(a + "." + b + "." + c + "." + d, port);

        assertThat(EndpointParser.parse(endpoint.toString(), 1)).isEqualTo(endpoint);
    }

    @SeededTest(cases = 300)
    void shouldRoundTripAnyIpv6WithPort(final SeededCase sample)
    {
        final int g1 = sample.intBetween(0, 0xffff);
        final int g8 = sample.intBetween(0, 0xffff);
        final int port = sample.intBetween(1, Member.MAX_LISTED_PORT);
        final Endpoint endpoint = new Endpoint(Integer.toHexString(g1) + "::" + Integer.toHexString(g8), port);

        assertThat(EndpointParser.parse(endpoint.toString(), 1)).isEqualTo(endpoint);
        assertThat(EndpointParser.parse(endpoint.host(), 7).port()).isEqualTo(7);
    }

    @SeededTest(cases = 500)
    void shouldAnswerAnyTextWithEndpointOrReason(final SeededCase sample)
    {
        final String text = sample.rawText(0, 60);
        try
        {
            final Endpoint endpoint = EndpointParser.parse(text, 16127);
            assertThat(EndpointParser.isIpv4(endpoint.host()) || EndpointParser.isIpv6(endpoint.host())).isTrue();
        }
        catch (final EntryException expected)
        {
            assertThat(expected.reason()).isIn(RejectReason.BAD_ENDPOINT, RejectReason.UNSUPPORTED_HOST, RejectReason.BAD_PORT,
                RejectReason.NO_ADDRESS);
        }
    }

    @SeededTest(cases = 100)
    void shouldRefuseHostNamesAsUnsupportedHost(final SeededCase sample)
    {
        final String label = sample.rawText(1, 20);
        final String host = "x" + label.replaceAll("[^a-z]", "") + ".invalid";

        assertThatThrownBy(() -> EndpointParser.parse(host + ":16127", 1))
            .isInstanceOf(EntryException.class)
            .satisfies(e -> assertThat(((EntryException)e).reason()).isEqualTo(RejectReason.UNSUPPORTED_HOST));
    }
}
