package io.chainmesh.dist;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Debian package as dpkg would install it: its files, their modes, its maintainer scripts and the systemd unit.
 */
class DebianPackageIT
{
    private static DebArchive deb;

    @TempDir
    Path dir;

    @BeforeAll
    static void readPackage() throws IOException
    {
        final Path target = Path.of(System.getProperty("chainmesh.dist"));
        final List<Path> debs;
        try (Stream<Path> files = Files.list(target))
        {
            debs = files.filter(file -> file.getFileName().toString().matches("chainmesh_.+_all\\.deb")).toList();
        }
        assertThat(debs).as("one package in " + target).hasSize(1);
        deb = DebArchive.read(debs.get(0));
    }

    @Test
    void installsTheLauncherJarUnitConfigAndStateDirectory()
    {
        assertThat(deb.debianBinary).isEqualTo("2.0");
        final Map<String, String> files = deb.data.values().stream().filter(entry -> !entry.directory())
            .collect(Collectors.toMap(DebArchive.Entry::path, entry -> Integer.toOctalString(entry.mode() & 07777)));
        assertThat(files).isEqualTo(Map.of(
            "./usr/bin/chainmesh", "755",
            "./usr/share/chainmesh/chainmesh.jar", "644",
            "./lib/systemd/system/chainmesh.service", "644",
            "./etc/chainmesh/node.properties", "640",
            "./etc/default/chainmesh", "644",
            "./usr/share/doc/chainmesh/copyright", "644"));
        assertThat(deb.data.get("./var/lib/chainmesh").directory()).isTrue();
        assertThat(deb.data.get("./usr/share/doc/chainmesh/copyright").text()).contains("Apache License", "Version 2.0");
    }

    @Test
    void controlDeclaresThePackageItsJavaAndItsConffiles()
    {
        final String control = deb.control.get("./control").text();
        assertThat(control).contains("Package: chainmesh\n", "Architecture: all\n")
            .containsPattern("(?m)^Version: " + System.getProperty("chainmesh.version").replace("-SNAPSHOT", "~SNAPSHOT") + "$")
            .containsPattern("(?m)^Depends: .*java17-runtime-headless");
        assertThat(deb.control.get("./conffiles").text().lines())
            .containsExactlyInAnyOrder("/etc/chainmesh/node.properties", "/etc/default/chainmesh");
        for (final String script : List.of("./postinst", "./prerm", "./postrm"))
        {
            assertThat(deb.control.get(script).mode() & 0111).as(script + " is executable").isNotZero();
            assertThat(deb.control.get(script).text()).startsWith("#!/bin/sh\n").contains("set -e");
        }
        assertThat(deb.control.get("./postinst").text())
            .contains("adduser --system --group", "install -d -o chainmesh -g chainmesh -m 0750 /var/lib/chainmesh");
    }

    @Test
    void unitRunsTheInstalledConfigAsAnUnprivilegedHardenedService()
    {
        final Map<String, List<String>> service = section(deb.data.get("./lib/systemd/system/chainmesh.service").text(),
            "Service");
        assertThat(service.get("ExecStart")).containsExactly("/usr/bin/chainmesh node --config /etc/chainmesh/node.properties");
        assertThat(deb.data).containsKey("./usr/bin/chainmesh").containsKey("./etc/chainmesh/node.properties");
        assertThat(service.get("User")).containsExactly("chainmesh");
        assertThat(service.get("SuccessExitStatus")).singleElement().asString().contains("143");
        assertThat(service.get("Restart")).containsExactly("on-failure");
        assertThat(service.get("RestartPreventExitStatus")).containsExactly("2");
        assertThat(service.get("NoNewPrivileges")).containsExactly("yes");
        assertThat(service.get("ProtectSystem")).containsExactly("strict");
        assertThat(service.get("ReadWritePaths")).containsExactly("/var/lib/chainmesh");
        assertThat(service.get("StateDirectory")).containsExactly("chainmesh");
        assertThat(service.get("CapabilityBoundingSet")).containsExactly("");
        assertThat(service).containsKeys("PrivateTmp", "PrivateDevices", "ProtectHome", "ProtectKernelTunables",
            "RestrictAddressFamilies", "SystemCallFilter").doesNotContainKey("MemoryDenyWriteExecute");
        assertThat(section(deb.data.get("./lib/systemd/system/chainmesh.service").text(), "Install").get("WantedBy"))
            .containsExactly("multi-user.target");
    }

    @Test
    void packagedJarRunsWithTheLauncherOptionsAndPrintsTheInstalledConfig() throws IOException, InterruptedException
    {
        final Path jar = dir.resolve("chainmesh.jar");
        Files.write(jar, deb.data.get("./usr/share/chainmesh/chainmesh.jar").content());
        final String launcher = deb.data.get("./usr/bin/chainmesh").text();
        assertThat(launcher).startsWith("#!/bin/sh\n").contains("exec \"$JAVA\" $JAVA_OPTS -jar \"$JAR\" \"$@\"");

        // java -jar, as the launcher runs it: the manifest's Add-Exports is all Agrona needs.
        final Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "node", "--print-example-config")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        process.getOutputStream().close();
        final String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(printed).isEqualTo(deb.data.get("./etc/chainmesh/node.properties").text());
    }

    @Test
    void systemdRatesTheUnitsExposureAtMostTwo() throws IOException, InterruptedException
    {
        final Path analyze = Path.of("/usr/bin/systemd-analyze");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed");
        final Path unit = dir.resolve("chainmesh.service");
        Files.write(unit, deb.data.get("./lib/systemd/system/chainmesh.service").content());
        // Offline: reads the file only. Exit 1 when the exposure level (0.0 safest .. 10.0) is above 2.0.
        final Process process = new ProcessBuilder(analyze.toString(), "security", "--offline=true", "--threshold=20",
            unit.toString()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        final String report = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(report).isZero();
        assertThat(report).contains("Overall exposure level for chainmesh.service");
    }

    /** The keys of one [section] of a unit file, each with its values in order (a key may repeat). */
    private static Map<String, List<String>> section(final String unit, final String name)
    {
        final Map<String, List<String>> keys = new LinkedHashMap<>();
        String current = null;
        for (final String raw : unit.lines().toList())
        {
            final String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";"))
            {
                continue;
            }
            if (line.startsWith("["))
            {
                current = line.substring(1, line.indexOf(']'));
                continue;
            }
            if (name.equals(current))
            {
                final int equals = line.indexOf('=');
                keys.computeIfAbsent(line.substring(0, equals), key -> new ArrayList<>()).add(line.substring(equals + 1));
            }
        }
        return keys;
    }
}
