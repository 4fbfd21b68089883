package io.chainmesh.codec;

import org.agrona.DirectBuffer;

/**
 * Checks that the JVM lets Agrona reach {@code jdk.internal.misc.Unsafe}.
 * <p>
 * Agrona 2.x links {@code org.agrona.UnsafeApi} against {@code jdk.internal.misc.Unsafe} directly; there is no
 * system property or fallback that avoids it. Without the export the first buffer access fails deep inside Agrona
 * with an {@link IllegalAccessError} that does not say how to fix it, so the engine checks this first and names
 * the exact JVM option instead. An executable jar can carry the export in its manifest
 * ({@code Add-Exports: java.base/jdk.internal.misc}), as {@code chainmesh.jar} does.
 */
public final class AgronaAccess
{
    private static final String PACKAGE = "jdk.internal.misc";

    private AgronaAccess()
    {
    }

    /**
     * @return the JVM option that grants Agrona the access it needs, for the module Agrona is loaded in
     *         ({@code ALL-UNNAMED} on the class path, {@code org.agrona} on the module path).
     */
    public static String requiredJvmOption()
    {
        final Module agrona = DirectBuffer.class.getModule();
        return "--add-exports java.base/" + PACKAGE + "=" + (agrona.isNamed() ? agrona.getName() : "ALL-UNNAMED");
    }

    /**
     * @return true if {@code java.base} exports {@code jdk.internal.misc} to the module Agrona is loaded in.
     */
    public static boolean isGranted()
    {
        return Object.class.getModule().isExported(PACKAGE, DirectBuffer.class.getModule());
    }

    /**
     * Fails at once, naming the JVM option, when Agrona cannot reach {@code jdk.internal.misc.Unsafe}.
     *
     * @throws IllegalStateException if the export is missing.
     */
    public static void requireGranted()
    {
        if (!isGranted())
        {
            throw new IllegalStateException("chainmesh needs the JVM option '" + requiredJvmOption() +
                "': Agrona 2.x buffers use jdk.internal.misc.Unsafe, which java.base does not export otherwise " +
                "(add it to the java command line, to JDK_JAVA_OPTIONS, or as 'Add-Exports: java.base/" + PACKAGE +
                "' in the manifest of an executable jar)");
        }
    }
}
