package io.chainmesh.node.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The status page's files, packed in the jar under {@code io/chainmesh/node/http/page/} and served as they are: no
 * CDN, no font or script from elsewhere. The page polls {@code /overview} once a second and draws everything itself.
 */
public final class StatusPage
{
    private static final Map<String, String[]> FILES = Map.of(
        "/", new String[] {"index.html", "text/html; charset=utf-8"},
        "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
        "/app.js", new String[] {"app.js", "text/javascript; charset=utf-8"},
        "/style.css", new String[] {"style.css", "text/css; charset=utf-8"});

    private StatusPage()
    {
    }

    /**
     * @param path a request path.
     * @return the file served at that path, or null if there is none.
     */
    public static StatusHttpServer.Response asset(final String path)
    {
        final String[] file = FILES.get(path);
        return null == file ? null : new StatusHttpServer.Response(file[1], read(file[0]));
    }

    private static String read(final String name)
    {
        try (InputStream in = StatusPage.class.getResourceAsStream("page/" + name))
        {
            if (null == in)
            {
                throw new IllegalStateException("status page file " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
