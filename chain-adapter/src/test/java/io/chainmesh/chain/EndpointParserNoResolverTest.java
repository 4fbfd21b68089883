package io.chainmesh.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The endpoint parser never consults the system resolver: its compiled classes reference no resolving JDK method,
 * and tricky inputs are either refused with a reason or parsed to exactly the expected bytes.
 */
class EndpointParserNoResolverTest
{
    /** JDK methods that may consult the resolver when given text: {@code owner.name descriptor}. */
    private static final List<String> RESOLVING = List.of(
        "java/net/InetAddress.getByName (Ljava/lang/String;)Ljava/net/InetAddress;",
        "java/net/InetAddress.getAllByName (Ljava/lang/String;)[Ljava/net/InetAddress;",
        "java/net/InetAddress.getLocalHost ()Ljava/net/InetAddress;",
        "java/net/InetAddress.getHostName ()Ljava/lang/String;",
        "java/net/InetAddress.getCanonicalHostName ()Ljava/lang/String;",
        "java/net/InetSocketAddress.<init> (Ljava/lang/String;I)V",
        "java/net/InetSocketAddress.getHostName ()Ljava/lang/String;");

    @Test
    void shouldReferenceNoResolvingMethodInCompiledClasses() throws IOException
    {
        for (final Class<?> type : List.of(EndpointParser.class, Endpoint.class))
        {
            final List<String> refs = methodRefs(type);
            assertThat(refs).as("method references of %s", type.getSimpleName()).isNotEmpty();
            assertThat(refs).as("resolving calls in %s", type.getSimpleName()).doesNotContainAnyElementsOf(RESOLVING);
        }
        assertThat(methodRefs(EndpointParser.class))
            .contains("java/net/InetAddress.getByAddress ([B)Ljava/net/InetAddress;");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "[.1:2]:16127          | BAD_ENDPOINT     | dotted quad '.1' is not the last group",
        "[.1]                  | BAD_ENDPOINT     | not an IPv6 literal",
        "[localhost]:16127     | BAD_ENDPOINT     | not an IPv6 literal",
        "[1.2.3.4]:16127       | BAD_ENDPOINT     | not an IPv6 literal",
        "[::1%eth0]:16127      | BAD_ENDPOINT     | zone id",
        "[::g]:16127           | BAD_ENDPOINT     | group 'g'",
        "[1::2::3]             | BAD_ENDPOINT     | more than once",
        "[:1::2]               | BAD_ENDPOINT     | single ':'",
        "[1:2:3:4:5:6:7:8:9]   | BAD_ENDPOINT     | more than eight groups",
        "[1:2:3:4:5:6:7]       | BAD_ENDPOINT     | not eight",
        "[1:2:3:4:5:6:7:8::]   | BAD_ENDPOINT     | and '::'",
        "[12345::1]            | BAD_ENDPOINT     | one to four hex digits",
        "[::1.2.3]             | BAD_ENDPOINT     | embedded",
        "[::1.2.3.4:5]         | BAD_ENDPOINT     | not the last group",
        "[1:2:3:4:5:6:7:1.2.3.4] | BAD_ENDPOINT   | more than eight",
        "[::١]                 | BAD_ENDPOINT     | hex digits",
        "localhost             | UNSUPPORTED_HOST | host name",
        "localhost:16127       | UNSUPPORTED_HOST | host name",
        "example.com:16127     | UNSUPPORTED_HOST | host name",
        "abc.onion:16127       | UNSUPPORTED_HOST | onion",
        "1.2.3                 | BAD_ENDPOINT     | 3 part(s)",
        "1.2.3.4.5             | BAD_ENDPOINT     | more than four parts",
        "0x7f.1                | BAD_ENDPOINT     | '0x7f' is not a decimal number",
        "0x7f000001            | BAD_ENDPOINT     | dotted-quad",
        "127.1:16127           | BAD_ENDPOINT     | 2 part(s)",
        "2130706433            | BAD_ENDPOINT     | above 255",
        "010.1.1.1             | BAD_ENDPOINT     | leading zero",
        "1.2.3.256             | BAD_ENDPOINT     | above 255",
        "1.2.3.0255            | BAD_ENDPOINT     | dotted-quad",
        "1..2.3                | BAD_ENDPOINT     | empty",
        "1.2.3.4.              | BAD_ENDPOINT     | more than four parts",
        ".1.2.3                | BAD_ENDPOINT     | empty",
        "1.2.3.-4              | BAD_ENDPOINT     | not a decimal",
        "1.2.3.4:0             | BAD_PORT         | not in [1",
        "1.2.3.4:65535         | BAD_PORT         | listens",
        "1.2.3.4:+80           | BAD_PORT         | not a number",
        "1.2.3.4]:80           | BAD_ENDPOINT     | not an IP literal",
        "[::1                  | BAD_ENDPOINT     | closing bracket",
        "[::1]x                | BAD_ENDPOINT     | after the bracket",
        "::1::                 | BAD_ENDPOINT     | more than once",
        "1:2                   | BAD_ENDPOINT     | 1 part(s)",
    })
    void shouldRefuseWithReason(final String text, final RejectReason reason, final String why)
    {
        assertThatThrownBy(() -> EndpointParser.parse(text, 16127))
            .isInstanceOf(EntryException.class)
            .hasMessageContaining(why)
            .satisfies(e -> assertThat(((EntryException)e).reason()).isEqualTo(reason));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "1.2.3.4               | 1.2.3.4          | 16127 | 01020304",
        "0.0.0.0:1             | 0.0.0.0          | 1     | 00000000",
        " 255.255.255.255:80   | 255.255.255.255  | 80    | ffffffff",
        "10.0.0.1:16122        | 10.0.0.1         | 16122 | 0a000001",
        "[::1]:16127           | ::1              | 16127 | 00000000000000000000000000000001",
        "[::]                  | ::               | 16127 | 00000000000000000000000000000000",
        "::                    | ::               | 16127 | 00000000000000000000000000000000",
        "2001:DB8::1           | 2001:db8::1      | 16127 | 20010db8000000000000000000000001",
        "[1::]:9               | 1::              | 9     | 00010000000000000000000000000000",
        "[1:2:3:4:5:6:7::]     | 1:2:3:4:5:6:7::  | 16127 | 00010002000300040005000600070000",
        "[::2:3:4:5:6:7:8]     | ::2:3:4:5:6:7:8  | 16127 | 00000002000300040005000600070008",
        "1:2:3:4:5:6:7:8       | 1:2:3:4:5:6:7:8  | 16127 | 00010002000300040005000600070008",
        "[::ffff:1.2.3.4]:5    | ::ffff:1.2.3.4   | 5     | 01020304",
        "[64:ff9b::192.0.2.33] | 64:ff9b::192.0.2.33 | 16127 | 0064ff9b0000000000000000c0000221",
        "[1:2:3:4:5:6:1.2.3.4] | 1:2:3:4:5:6:1.2.3.4 | 16127 | 00010002000300040005000601020304",
        "[fe80::0:0001]        | fe80::0:0001     | 16127 | fe800000000000000000000000000001",
    })
    void shouldParseExactly(final String text, final String host, final int port, final String hexBytes)
    {
        final Endpoint endpoint = EndpointParser.parse(text, 16127);

        assertThat(endpoint).isEqualTo(new Endpoint(host, port));
        final InetSocketAddress address = endpoint.toSocketAddress();
        assertThat(address.isUnresolved()).isFalse();
        assertThat(address.getPort()).isEqualTo(port);
        assertThat(hex(address.getAddress().getAddress())).isEqualTo(hexBytes);
    }

    @Test
    void shouldParseEveryJdkFormattedIpv6AddressToItsBytes() throws Exception
    {
        final Random random = new Random(42);
        for (int i = 0; i < 2_000; i++)
        {
            final byte[] bytes = new byte[16];
            random.nextBytes(bytes);
            for (int g = 0; g < 8; g++)
            {
                if (random.nextInt(3) == 0)
                {
                    bytes[2 * g] = 0;
                    bytes[2 * g + 1] = 0;
                }
            }
            final String full = Inet6Address.getByAddress(null, bytes, -1).getHostAddress();
            final String compressed = full.replaceFirst("(^|:)(0(:|$)){2,}", "::").replaceFirst("^::$|:::", "::");
            for (final String text : List.of(full, compressed, "[" + compressed.toUpperCase() + "]:80"))
            {
                final Endpoint endpoint = EndpointParser.parse(text, 16127);
                final InetAddress expected = InetAddress.getByAddress(bytes);
                assertThat(endpoint.toSocketAddress().getAddress()).as(text).isEqualTo(expected);
            }
        }
    }

    @Test
    void shouldRefuseNonLiteralHostInEndpointWithoutResolving()
    {
        assertThatThrownBy(() -> new Endpoint("localhost", 16127).toSocketAddress())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("localhost");
    }

    private static String hex(final byte[] bytes)
    {
        final StringBuilder text = new StringBuilder();
        for (final byte b : bytes)
        {
            text.append(String.format("%02x", b & 0xff));
        }
        return text.toString();
    }

    /**
     * Reads the constant pool of a compiled class and lists its method references.
     *
     * @param type a class of this module.
     * @return {@code owner.name descriptor} of every Methodref and InterfaceMethodref.
     * @throws IOException when the class file cannot be read.
     */
    private static List<String> methodRefs(final Class<?> type) throws IOException
    {
        try (InputStream stream = type.getResourceAsStream(type.getSimpleName() + ".class");
            DataInputStream in = new DataInputStream(stream))
        {
            assertThat(in.readInt()).isEqualTo(0xCAFEBABE);
            in.readUnsignedShort();
            in.readUnsignedShort();
            final int count = in.readUnsignedShort();
            final Object[] pool = new Object[count];
            final int[][] refs = new int[count][];
            for (int i = 1; i < count; i++)
            {
                final int tag = in.readUnsignedByte();
                switch (tag)
                {
                    case 1 -> pool[i] = in.readUTF();
                    case 3, 4 -> in.readInt();
                    case 5, 6 ->
                    {
                        in.readLong();
                        i++;
                    }
                    case 7, 8, 16, 19, 20 -> refs[i] = new int[] {tag, in.readUnsignedShort()};
                    case 9, 10, 11, 12, 17, 18 -> refs[i] = new int[] {tag, in.readUnsignedShort(), in.readUnsignedShort()};
                    case 15 ->
                    {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    default -> throw new IOException("constant pool tag " + tag + " at " + i);
                }
            }
            final List<String> methods = new ArrayList<>();
            for (int i = 1; i < count; i++)
            {
                if (null != refs[i] && (refs[i][0] == 10 || refs[i][0] == 11))
                {
                    final String owner = (String)pool[refs[refs[i][1]][1]];
                    final int[] nameAndType = refs[refs[i][2]];
                    methods.add(owner + "." + pool[nameAndType[1]] + " " + pool[nameAndType[2]]);
                }
            }
            return methods;
        }
    }
}
