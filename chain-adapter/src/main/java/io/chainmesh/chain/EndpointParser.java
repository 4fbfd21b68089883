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
 * IP literals are parsed here, character by character (IPv4 only as a strict dotted quad: no leading zeros, no
 * hex, no fewer parts), and addresses are built with {@link InetAddress#getByAddress(byte[])}: the system resolver is
 * never consulted, whatever the input.
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
            requireIpv6(trimmed, host);
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
                requireIpv6(trimmed, host);
            }
            if (host.indexOf(':') < 0 && !isIpv4(host))
            {
                throw unsupportedOrBad(trimmed, host);
            }
        }
        return new Endpoint(host.toLowerCase(Locale.ROOT), null == port ? defaultPort : parsePort(trimmed, port));
    }

    private static void requireIpv6(final String text, final String host)
    {
        try
        {
            ipv6Bytes(host);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new EntryException(RejectReason.BAD_ENDPOINT, "ip '" + text + "' is not an IPv6 literal: " + ex.getMessage());
        }
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
        final String lastLabel = host.substring(host.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        final boolean numericLast = !lastLabel.isEmpty() && (lastLabel.startsWith("0x") || isDecimal(lastLabel));
        if (letter && !numericLast)
        {
            return new EntryException(RejectReason.UNSUPPORTED_HOST, "ip '" + text + "' is a host name, not an IP literal");
        }
        return new EntryException(RejectReason.BAD_ENDPOINT, "ip '" + text + "' is not a dotted-quad IPv4 literal: " +
            ipv4Failure(host));
    }

    private static boolean isDecimal(final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c < '0' || c > '9')
            {
                return false;
            }
        }
        return true;
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
     * @return true for a strict dotted-quad IPv4 literal: four decimal parts in [0, 255], no leading zeros.
     */
    static boolean isIpv4(final String host)
    {
        return null == ipv4Failure(host);
    }

    /**
     * @param host text to check (no brackets, no zone id).
     * @return true for an IPv6 literal, with or without {@code ::} and an embedded dotted quad.
     */
    static boolean isIpv6(final String host)
    {
        try
        {
            ipv6Bytes(host);
            return true;
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
    }

    /**
     * The address of an IP literal, built from its bytes: no name service is consulted for any input.
     *
     * @param host an IPv4 or IPv6 literal as {@link #parse} accepts it (IPv6 without brackets).
     * @return the address.
     * @throws IllegalArgumentException when the text is not such a literal.
     */
    static InetAddress toAddress(final String host)
    {
        final byte[] bytes = host.indexOf(':') >= 0 ? ipv6Bytes(host) : ipv4Bytes(host);
        try
        {
            return InetAddress.getByAddress(bytes);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException("host '" + host + "' gave " + bytes.length + " address bytes", ex);
        }
    }

    private static byte[] ipv4Bytes(final String host)
    {
        final String failure = ipv4Failure(host);
        if (null != failure)
        {
            throw new IllegalArgumentException("host '" + host + "' is not a dotted-quad IPv4 literal: " + failure);
        }
        final byte[] bytes = new byte[4];
        int part = 0;
        int value = 0;
        for (int i = 0; i <= host.length(); i++)
        {
            if (i == host.length() || host.charAt(i) == '.')
            {
                bytes[part++] = (byte)value;
                value = 0;
            }
            else
            {
                value = value * 10 + (host.charAt(i) - '0');
            }
        }
        return bytes;
    }

    /**
     * @param host text to check.
     * @return null for a dotted quad (four decimal parts of one to three digits in [0, 255], no leading zero, which
     * some parsers read as octal), otherwise why not.
     */
    private static String ipv4Failure(final String host)
    {
        if (host.length() > 15)
        {
            return "longer than 15 characters";
        }
        int parts = 0;
        int start = 0;
        for (int i = 0; i <= host.length(); i++)
        {
            if (i < host.length() && host.charAt(i) != '.')
            {
                continue;
            }
            final String part = host.substring(start, i);
            parts++;
            if (parts > 4)
            {
                return "more than four parts";
            }
            if (part.isEmpty())
            {
                return "part " + parts + " is empty";
            }
            if (!isDecimal(part))
            {
                return "part '" + part + "' is not a decimal number";
            }
            if (part.length() > 3 || Integer.parseInt(part) > 255)
            {
                return "part '" + part + "' is above 255";
            }
            if (part.length() > 1 && part.charAt(0) == '0')
            {
                return "part '" + part + "' has a leading zero (octal in some parsers)";
            }
            start = i + 1;
        }
        return 4 == parts ? null : "it has " + parts + " part(s), not four";
    }

    /**
     * Parses an IPv6 literal per RFC 4291 section 2.2: eight groups of one to four hex digits, one {@code ::}
     * standing for one or more zero groups, the last two groups optionally written as a dotted quad.
     *
     * @param host text without brackets; a zone id ({@code %eth0}) is refused.
     * @return the 16 address bytes.
     * @throws IllegalArgumentException saying why the text is not an IPv6 literal.
     */
    private static byte[] ipv6Bytes(final String host)
    {
        final int length = host.length();
        if (length < 2 || length > MAX_IPV6_LENGTH)
        {
            throw new IllegalArgumentException("length " + length + " is not in [2, " + MAX_IPV6_LENGTH + "]");
        }
        if (host.indexOf('%') >= 0)
        {
            throw new IllegalArgumentException("it has a zone id ('%'), which names a local interface");
        }
        final int gap = host.indexOf("::");
        if (gap >= 0 && host.indexOf("::", gap + 1) >= 0)
        {
            throw new IllegalArgumentException("'::' appears more than once");
        }
        final byte[] bytes = new byte[16];
        final int[] groups = new int[8];
        int count = 0;
        int gapAt = -1;
        int i = 0;
        if (gap == 0)
        {
            gapAt = 0;
            i = 2;
        }
        else if (host.charAt(0) == ':')
        {
            throw new IllegalArgumentException("starts with a single ':'");
        }
        while (i < length)
        {
            int end = i;
            while (end < length && host.charAt(end) != ':')
            {
                end++;
            }
            final String group = host.substring(i, end);
            if (group.indexOf('.') >= 0)
            {
                if (end != length)
                {
                    throw new IllegalArgumentException("dotted quad '" + group + "' is not the last group");
                }
                if (count > 6)
                {
                    throw new IllegalArgumentException("a dotted quad after " + count + " groups makes more than eight");
                }
                final byte[] quad;
                try
                {
                    quad = ipv4Bytes(group);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new IllegalArgumentException("embedded " + ex.getMessage(), ex);
                }
                groups[count++] = ((quad[0] & 0xff) << 8) | (quad[1] & 0xff);
                groups[count++] = ((quad[2] & 0xff) << 8) | (quad[3] & 0xff);
                i = end;
                break;
            }
            if (group.isEmpty() || group.length() > 4)
            {
                throw new IllegalArgumentException("group '" + group + "' is not one to four hex digits");
            }
            int value = 0;
            for (int k = 0; k < group.length(); k++)
            {
                final int digit = hexDigit(group.charAt(k));
                if (digit < 0)
                {
                    throw new IllegalArgumentException("group '" + group + "' is not one to four hex digits");
                }
                value = (value << 4) | digit;
            }
            if (count == 8)
            {
                throw new IllegalArgumentException("more than eight groups");
            }
            groups[count++] = value;
            if (end == length)
            {
                i = end;
            }
            else if (end == gap)
            {
                gapAt = count;
                i = end + 2;
            }
            else if (end + 1 == length)
            {
                throw new IllegalArgumentException("ends with a single ':'");
            }
            else
            {
                i = end + 1;
            }
        }
        if (gapAt < 0 ? count != 8 : count > 7)
        {
            throw new IllegalArgumentException(count + " groups " + (gapAt < 0 ? "without '::', not eight" : "and '::'"));
        }
        final int zeros = 8 - count;
        for (int g = 0, out = 0; g < count; g++, out++)
        {
            if (g == gapAt)
            {
                out += zeros;
            }
            bytes[out * 2] = (byte)(groups[g] >>> 8);
            bytes[out * 2 + 1] = (byte)groups[g];
        }
        return bytes;
    }

    private static int hexDigit(final char c)
    {
        if (c >= '0' && c <= '9')
        {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f')
        {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F')
        {
            return c - 'A' + 10;
        }
        return -1;
    }
}
