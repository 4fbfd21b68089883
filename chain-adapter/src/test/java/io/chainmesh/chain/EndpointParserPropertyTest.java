package io.chainmesh.chain;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EndpointParserPropertyTest
{
    @Property(tries = 300)
    void shouldRoundTripAnyIpv4WithPort(
        @ForAll @IntRange(min = 0, max = 255) final int a,
        @ForAll @IntRange(min = 0, max = 255) final int b,
        @ForAll @IntRange(min = 0, max = 255) final int c,
        @ForAll @IntRange(min = 0, max = 255) final int d,
        @ForAll @IntRange(min = 1, max = 65535) final int port)
    {
        final Endpoint endpoint = new Endpoint(a + "." + b + "." + c + "." + d, port);

        assertThat(EndpointParser.parse(endpoint.toString(), 1)).isEqualTo(endpoint);
    }

    @Property(tries = 300)
    void shouldRoundTripAnyIpv6WithPort(
        @ForAll @IntRange(min = 0, max = 0xffff) final int g1,
        @ForAll @IntRange(min = 0, max = 0xffff) final int g8,
        @ForAll @IntRange(min = 1, max = 65535) final int port)
    {
        final Endpoint endpoint = new Endpoint(Integer.toHexString(g1) + "::" + Integer.toHexString(g8), port);

        assertThat(EndpointParser.parse(endpoint.toString(), 1)).isEqualTo(endpoint);
        assertThat(EndpointParser.parse(endpoint.host(), 7).port()).isEqualTo(7);
    }

    @Property(tries = 500)
    void shouldAnswerAnyTextWithEndpointOrReason(@ForAll @StringLength(max = 60) final String text)
    {
        try
        {
            final Endpoint endpoint = EndpointParser.parse(text, 16127);
            assertThat(EndpointParser.isIpv4(endpoint.host()) || EndpointParser.isIpv6(endpoint.host())).isTrue();
        }
        catch (final EntryException expected)
        {
            assertThat(expected.reason()).isIn(RejectReason.BAD_ENDPOINT, RejectReason.UNSUPPORTED_HOST, RejectReason.BAD_PORT);
        }
    }

    @Property(tries = 100)
    void shouldRefuseHostNamesAsUnsupportedHost(@ForAll @StringLength(min = 1, max = 20) final String label)
    {
        final String host = "x" + label.replaceAll("[^a-z]", "") + ".invalid";

        assertThatThrownBy(() -> EndpointParser.parse(host + ":16127", 1))
            .isInstanceOf(EntryException.class)
            .satisfies(e -> assertThat(((EntryException)e).reason()).isEqualTo(RejectReason.UNSUPPORTED_HOST));
    }
}
