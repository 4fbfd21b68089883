package io.chainmesh.chain;

/**
 * Checks for the optional dependencies of this module. Jackson is optional so that an application that brings its
 * own {@link DirectorySource} (or uses {@link InMemoryDirectorySource}) does not pull it in; the sources that read
 * fluxd's JSON ({@link FluxdRpcSource}, {@link JsonFileSource}) check for it first and name what is missing,
 * instead of failing later with a {@link NoClassDefFoundError}.
 */
final class OptionalDependencies
{
    private static final String JACKSON_CLASS = "com.fasterxml.jackson.databind.ObjectMapper";

    private OptionalDependencies()
    {
    }

    /**
     * @param user the class that needs Jackson, for the message.
     * @throws IllegalStateException if jackson-databind is not on the class path.
     */
    static void requireJackson(final String user)
    {
        try
        {
            Class.forName(JACKSON_CLASS, false, OptionalDependencies.class.getClassLoader());
        }
        catch (final ClassNotFoundException ex)
        {
            throw new IllegalStateException(user + " reads JSON with com.fasterxml.jackson.core:jackson-databind, an " +
                "optional dependency of chainmesh-chain-adapter: declare it (2.20.x) to use this source", ex);
        }
    }
}
