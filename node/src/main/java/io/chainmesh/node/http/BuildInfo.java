package io.chainmesh.node.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What build is running: the version from the Maven descriptor packed into the jar
 * ({@code META-INF/maven/io.chainmesh/chainmesh-node/pom.properties}) and the commit from a {@code git.properties}
 * resource when the build writes one ({@code git.commit.id.abbrev} or {@code git.commit.id}); {@code "unknown"}
 * for either when absent (running from {@code target/classes}, or a build without git).
 *
 * @param version the version.
 * @param commit  the commit id.
 */
public record BuildInfo(String version, String commit)
{
    /** Value of a field that the build did not record. */
    public static final String UNKNOWN = "unknown";

    /** @return the running build's info. */
    public static BuildInfo current()
    {
        final Properties pom = load("/META-INF/maven/io.chainmesh/chainmesh-node/pom.properties");
        final Properties git = load("/git.properties");
        final String commit = git.getProperty("git.commit.id.abbrev", git.getProperty("git.commit.id", UNKNOWN));
        return new BuildInfo(pom.getProperty("version", UNKNOWN), commit.isBlank() ? UNKNOWN : commit);
    }

    private static Properties load(final String resource)
    {
        final Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(resource))
        {
            if (null != in)
            {
                properties.load(in);
            }
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            // A damaged descriptor means the field is unknown, not that the node cannot serve metrics.
            properties.clear();
        }
        return properties;
    }
}
