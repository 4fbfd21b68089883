package io.chainmesh.dist;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads a Debian package without dpkg: an {@code ar} archive holding {@code debian-binary},
 * {@code control.tar.gz} and {@code data.tar.gz}, each tar read entry by entry.
 */
final class DebArchive
{
    /** One tar entry: its path as stored ({@code ./etc/...}), mode bits, whether a directory, and its bytes. */
    record Entry(String path, int mode, boolean directory, byte[] content)
    {
        String text()
        {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    final Map<String, Entry> control;
    final Map<String, Entry> data;
    final String debianBinary;

    private DebArchive(final String debianBinary, final Map<String, Entry> control, final Map<String, Entry> data)
    {
        this.debianBinary = debianBinary;
        this.control = control;
        this.data = data;
    }

    static DebArchive read(final Path deb) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(deb);
        if (!new String(bytes, 0, 8, StandardCharsets.US_ASCII).equals("!<arch>\n"))
        {
            throw new IOException(deb + " is not an ar archive");
        }
        String debianBinary = null;
        Map<String, Entry> control = null;
        Map<String, Entry> data = null;
        int offset = 8;
        while (offset + 60 <= bytes.length)
        {
            final String name = new String(bytes, offset, 16, StandardCharsets.US_ASCII).trim().replaceAll("/$", "");
            final int size = Integer.parseInt(new String(bytes, offset + 48, 10, StandardCharsets.US_ASCII).trim());
            final int start = offset + 60;
            final byte[] member = java.util.Arrays.copyOfRange(bytes, start, start + size);
            if (name.equals("debian-binary"))
            {
                debianBinary = new String(member, StandardCharsets.US_ASCII).trim();
            }
            else if (name.startsWith("control.tar"))
            {
                control = tar(uncompress(name, member));
            }
            else if (name.startsWith("data.tar"))
            {
                data = tar(uncompress(name, member));
            }
            offset = start + size + (size & 1);
        }
        if (null == debianBinary || null == control || null == data)
        {
            throw new IOException(deb + " lacks debian-binary, control.tar or data.tar");
        }
        return new DebArchive(debianBinary, control, data);
    }

    private static InputStream uncompress(final String name, final byte[] member) throws IOException
    {
        if (name.endsWith(".gz"))
        {
            return new GZIPInputStream(new ByteArrayInputStream(member));
        }
        if (name.endsWith(".tar"))
        {
            return new ByteArrayInputStream(member);
        }
        throw new IOException("unsupported compression of " + name + " (the package is built with gzip)");
    }

    private static Map<String, Entry> tar(final InputStream in) throws IOException
    {
        final byte[] tar = in.readAllBytes();
        final Map<String, Entry> entries = new LinkedHashMap<>();
        int offset = 0;
        String longName = null;
        while (offset + 512 <= tar.length && tar[offset] != 0)
        {
            final String shortName = field(tar, offset, 100);
            final int mode = (int)octal(tar, offset + 100, 8);
            final long size = octal(tar, offset + 124, 12);
            final char type = (char)tar[offset + 156];
            final String prefix = field(tar, offset + 345, 155);
            final int start = offset + 512;
            final byte[] content = java.util.Arrays.copyOfRange(tar, start, start + (int)size);
            if (type == 'L')
            {
                longName = new String(content, StandardCharsets.UTF_8).replace("\0", "");
            }
            else
            {
                final String path = null != longName ? longName : prefix.isEmpty() ? shortName : prefix + "/" + shortName;
                longName = null;
                final String normalised = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
                entries.put(normalised, new Entry(normalised, mode, type == '5', content));
            }
            offset = start + (int)((size + 511) / 512 * 512);
        }
        return entries;
    }

    private static String field(final byte[] block, final int offset, final int length)
    {
        int end = offset;
        while (end < offset + length && block[end] != 0)
        {
            end++;
        }
        return new String(block, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static long octal(final byte[] block, final int offset, final int length)
    {
        final String text = field(block, offset, length).trim();
        return text.isEmpty() ? 0 : Long.parseLong(text, 8);
    }
}
