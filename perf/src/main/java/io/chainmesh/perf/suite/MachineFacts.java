package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What a reader needs to judge the figures: the machine, the JVM and the versions of everything measured. */
final class MachineFacts
{
    private MachineFacts()
    {
    }

    static ObjectNode machine(final ObjectMapper mapper)
    {
        final ObjectNode node = mapper.createObjectNode();
        node.put("cores", Runtime.getRuntime().availableProcessors());
        node.put("cpuModel", cpuModel());
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
        {
            node.put("memoryMiB", os.getTotalMemorySize() / (1024 * 1024));
        }
        node.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " +
            System.getProperty("os.arch"));
        node.put("loadAverageAtStart", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        node.put("jvm", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " " +
            System.getProperty("java.runtime.version"));
        node.put("jvmArguments", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        node.put("maxHeapMiB", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        return node;
    }

    static ObjectNode versions(final ObjectMapper mapper)
    {
        final ObjectNode node = mapper.createObjectNode();
        node.put("chainmesh", System.getProperty("chainmesh.commit", "unknown"));
        node.put("netty", jarVersion("io.netty.channel.Channel"));
        node.put("aeron", jarVersion("io.aeron.Aeron"));
        node.put("agrona", jarVersion("org.agrona.DirectBuffer"));
        node.put("bouncyCastle", jarVersion("org.bouncycastle.crypto.signers.ECDSASigner"));
        node.put("disruptor", jarVersion("com.lmax.disruptor.RingBuffer"));
        node.put("hdrHistogram", jarVersion("org.HdrHistogram.Histogram"));
        node.put("jmh", jarVersion("org.openjdk.jmh.runner.Runner"));
        node.put("jfreechart", jarVersion("org.jfree.chart.JFreeChart"));
        node.put("node", command(List.of("node", "--version")));
        node.put("npm", command(List.of("npm", "--version")));
        return node;
    }

    /** The version directory of the Maven jar a class was loaded from, e.g. {@code 4.2.20.Final}. */
    static String jarVersion(final String className)
    {
        try
        {
            // Not initialised: a class's static state (JMH's Runner reads jmh.ignoreLock once) stays for its real use.
            final var source = Class.forName(className, false, MachineFacts.class.getClassLoader())
                .getProtectionDomain().getCodeSource();
            final Path jar = Path.of(source.getLocation().toURI());
            return null == jar.getParent() ? jar.toString() : jar.getParent().getFileName().toString();
        }
        catch (final ReflectiveOperationException | java.net.URISyntaxException | RuntimeException ex)
        {
            return "unknown (" + ex.getClass().getSimpleName() + ")";
        }
    }

    private static String cpuModel()
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8).stream()
                .filter(line -> line.startsWith("model name")).map(line -> line.substring(line.indexOf(':') + 1).trim())
                .findFirst().orElse("unknown");
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    private static String command(final List<String> command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0 ? out : "unavailable";
        }
        catch (final IOException ex)
        {
            return "unavailable";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "unavailable";
        }
    }
}
