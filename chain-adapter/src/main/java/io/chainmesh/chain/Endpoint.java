package io.chainmesh.chain;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A member's network address: a literal IPv4 or IPv6 host and a port. Immutable.
 *
 * @param host literal IP address (IPv6 without brackets).
 * @param port TCP port in {@code [1, 65535]}.
 */
public record Endpoint(String host, int port)
{
    /**
     * @param host literal IP address.
     * @param port TCP port.
     */
    public Endpoint
    {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("port=" + port + " must be in [1, 65535]");
        }
    }

    /**
     * @return a resolved socket address built from the literal's bytes: no name service is consulted.
     * @throws IllegalArgumentException when the host is not an IP literal.
     */
    public InetSocketAddress toSocketAddress()
    {
        return new InetSocketAddress(EndpointParser.toAddress(host), port);
    }

    /**
     * The address of an IP literal, by the same strict rules as the node list's endpoints.
     *
     * @param host an IPv4 dotted quad or an IPv6 literal (without brackets).
     * @return the address, built from the literal's bytes: no name service is consulted for any input.
     * @throws IllegalArgumentException naming what is wrong when the text is not such a literal.
     */
    public static InetAddress literalAddress(final String host)
    {
        return EndpointParser.toAddress(Objects.requireNonNull(host, "host"));
    }

    @Override
    public String toString()
    {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
