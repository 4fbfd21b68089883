package io.chainmesh.chain;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Parses a node list {@code ip} field into an {@link Endpoint} without ever resolving a name:
 * {@code 1.2.3.4}, {@code 1.2.3.4:16127}, {@code [::1]:16127}, {@code [::1]} and a bare IPv6 literal
 * ({@code 2001:db8::1}). A missing port gets the default port. Onion addresses and host names are
 * refused ({@link RejectReason#UNSUPPORTED_HOST}), an empty field is {@link RejectReason#NO_ADDRESS}, other garbage
 * is {@link RejectReason#BAD_ENDPOINT}. A port above {@link Member#MAX_LISTED_PORT} is {@link RejectReason#BAD_PORT}:
 * chainmesh listens {@link Member#MESH_PORT_OFFSET} above the listed port.
 * Stateless and thread-safe.
 */
final class EndpointParser
{
    private static final int MAX_IPV6_LENGTH = 45;

    private EndpointParser()
    {
    }

    /**
     * @param text        the {@code ip} field.
     * @param defaultPort port used when the text has none.
     * @return the endpoint.
     * @throws EntryException with the reason when the text is not an IP literal with a valid port.
     */
    static Endpoint parse(final String text, final int defaultPort)
    {
        final String trimmed = text.trim();
        if (trimmed.isEmpty())
        {
            throw new EntryException(RejectReason.NO_ADDRESS, "ip is empty: the entry has no address");
        }
        final String host;
        final String port;
        if (trimmed.charAt(0) == '[')
        {
            final int close = trimmed.indexOf(']');
            if (close < 0)
            {
                throw new EntryException(RejectReason.BAD_ENDPOINT, "ip '" + trimmed + "' has no closing bracket");
            }
            host = trimmed.substring(1, close);
            final String rest = trimmed.substring(close + 1);
            if (rest.isEmpty())
            {
                port = null;
            }
            else if (rest.charAt(0) == ':')
            {
                port = rest.substring(1);
            }
            else
            {
                throw new EntryException(RejectReason.BAD_ENDPOINT, "ip '" + trimmed + "' has text after the bracket");
            }
            if (!isIpv6(host))
            {
                throw new EntryException(RejectReason.BAD_ENDPOINT, "ip '" + trimmed + "' is not an IPv6 literal");
            }
        }
        else
        {
            final int first = trimmed.indexOf(':');
            if (first < 0)
            {
                host = trimmed;
                port = null;
            }
            else if (first == trimmed.lastIndexOf(':'))
            {
                host = trimmed.substring(0, first);
                port = trimmed.substring(first + 1);
            }
            else
            {
                host = trimmed;
                port = null;
                if (!isIpv6(host))
                {
                    throw new EntryException(RejectReason.BAD_ENDPOINT, "ip '" + trimmed + "' is not an IPv6 literal");
                }
            }
            if (host.indexOf(':') < 0 && !isIpv4(host))
            {
                throw unsupportedOrBad(trimmed, host);
            }
        }
        return new Endpoint(host.toLowerCase(Locale.ROOT), null == port ? defaultPort : parsePort(trimmed, port));
    }

    private static EntryException unsupportedOrBad(final String text, final String host)
    {
        if (host.toLowerCase(Locale.ROOT).endsWith(".onion"))
        {
            return new EntryException(RejectReason.UNSUPPORTED_HOST, "ip '" + text + "' is an onion address");
        }
        boolean letter = false;
        for (int i = 0; i < host.length(); i++)
        {
            final char c = host.charAt(i);
            final boolean hostChar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.';
            if (!hostChar)
            {
                return new EntryException(RejectReason.BAD_ENDPOINT, "ip '" + text + "' is not an IP literal");
            }
            letter |= Character.isLetter(c);
        }
        return letter ?
            new EntryException(RejectReason.UNSUPPORTED_HOST, "ip '" + text + "' is a host name, not an IP literal") :
            new EntryException(RejectReason.BAD_ENDPOINT, "ip '" + text + "' is not a valid IPv4 literal");
    }

    private static int parsePort(final String text, final String port)
    {
        if (port.isEmpty() || port.length() > 5)
        {
            throw new EntryException(RejectReason.BAD_PORT, "port '" + port + "' of ip '" + text + "' is not in [1, 65535]");
        }
        int value = 0;
        for (int i = 0; i < port.length(); i++)
        {
            final char c = port.charAt(i);
            if (c < '0' || c > '9')
            {
                throw new EntryException(RejectReason.BAD_PORT, "port '" + port + "' of ip '" + text + "' is not a number");
            }
            value = value * 10 + (c - '0');
        }
        if (value < 1 || value > Member.MAX_LISTED_PORT)
        {
            throw new EntryException(RejectReason.BAD_PORT, "port " + value + " of ip '" + text + "' is not in [1, " +
                Member.MAX_LISTED_PORT + "] (chainmesh listens " + Member.MESH_PORT_OFFSET + " above it)");
        }
        return value;
    }

    /**
     * @param host text to check.
     * @return true for a strict dotted-quad IPv4 literal (four decimal parts in [0, 255]).
     */
    static boolean isIpv4(final String host)
    {
        final int length = host.length();
        if (length < 7 || length > 15)
        {
            return false;
        }
        int parts = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= length; i++)
        {
            if (i == length || host.charAt(i) == '.')
            {
                if (0 == digits || value > 255)
                {
                    return false;
                }
                parts++;
                value = 0;
                digits = 0;
            }
            else
            {
                final char c = host.charAt(i);
                if (c < '0' || c > '9' || ++digits > 3)
                {
                    return false;
                }
                value = value * 10 + (c - '0');
            }
        }
        return 4 == parts;
    }

    /**
     * @param host text to check (no brackets, no zone id).
     * @return true for an IPv6 literal.
     */
    static boolean isIpv6(final String host)
    {
        if (host.length() < 2 || host.length() > MAX_IPV6_LENGTH || host.indexOf(':') < 0)
        {
            return false;
        }
        for (int i = 0; i < host.length(); i++)
        {
            final char c = host.charAt(i);
            if (Character.digit(c, 16) < 0 && c != ':' && c != '.')
            {
                return false;
            }
        }
        try
        {
            // Safe from DNS: the text holds only hex digits, ':' and '.', and contains ':', so the JDK
            // treats it as an IPv6 literal and either parses it or throws without a lookup.
            InetAddress.getByName(host);
            return true;
        }
        catch (final UnknownHostException | IllegalArgumentException ex)
        {
            return false;
        }
    }
}
