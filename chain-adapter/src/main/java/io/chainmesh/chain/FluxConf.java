package io.chainmesh.chain;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings of a {@code flux.conf} file: {@code key=value} lines, {@code #} starts a comment,
 * blank lines ignored, the last occurrence of a key wins. Only the keys chainmesh needs are
 * interpreted ({@code rpcuser}, {@code rpcpassword}, {@code rpcport}); the rest are kept as read.
 * The file is capped at {@link #MAX_BYTES} so a wrong path cannot make us read a huge file. Immutable.
 */
public final class FluxConf
{
    /** Largest file read. */
    public static final int MAX_BYTES = 256 * 1024;

    private final Map<String, String> values;

    private FluxConf(final Map<String, String> values)
    {
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * @param path the file.
     * @return its settings.
     * @throws ChainDataException ({@link ChainDataException.Kind#IO}) if it cannot be read or is too large.
     */
    public static FluxConf read(final Path path)
    {
        final byte[] bytes;
        try (InputStream in = Files.newInputStream(path))
        {
            bytes = in.readNBytes(MAX_BYTES + 1);
        }
        catch (final IOException ex)
        {
            throw new ChainDataException(ChainDataException.Kind.IO, "cannot read flux.conf " + path + ": " + ex, ex);
        }
        if (bytes.length > MAX_BYTES)
        {
            throw new ChainDataException(ChainDataException.Kind.OVERSIZED,
                "flux.conf " + path + " exceeds limit " + MAX_BYTES + " bytes");
        }
        return parse(new String(bytes, StandardCharsets.UTF_8));
    }

    /**
     * @param text file contents.
     * @return its settings.
     */
    public static FluxConf parse(final String text)
    {
        final Map<String, String> values = new LinkedHashMap<>();
        for (final String rawLine : text.split("\r?\n"))
        {
            final int hash = rawLine.indexOf('#');
            final String line = (hash >= 0 ? rawLine.substring(0, hash) : rawLine).trim();
            final int eq = line.indexOf('=');
            if (eq > 0)
            {
                values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return new FluxConf(values);
    }

    /**
     * @param key a setting name.
     * @return its value, or null.
     */
    public String get(final String key)
    {
        return values.get(key);
    }

    /**
     * @return {@code rpcuser}, or null.
     */
    public String rpcUser()
    {
        return values.get("rpcuser");
    }

    /**
     * @return {@code rpcpassword}, or null.
     */
    public String rpcPassword()
    {
        return values.get("rpcpassword");
    }

    /**
     * @return {@code rpcport}, or -1 when absent.
     * @throws ChainDataException if present but not a port number.
     */
    public int rpcPort()
    {
        final String text = values.get("rpcport");
        if (null == text)
        {
            return -1;
        }
        try
        {
            final int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535)
            {
                return port;
            }
        }
        catch (final NumberFormatException ignore)
        {
            // Reported below.
        }
        throw new ChainDataException(ChainDataException.Kind.MALFORMED, "flux.conf rpcport=" + text + " is not in [1, 65535]");
    }

    /**
     * @return all settings, in file order.
     */
    public Map<String, String> values()
    {
        return values;
    }
}
