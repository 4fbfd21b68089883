package io.chainmesh.dist;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What Maven Central requires of each published artifact, checked on the reactor's output: a jar (with a stable
 * module name, nothing shaded in), and with {@code -Prelease} its sources and javadoc jars; the pom metadata
 * (name, description, url, license, developers, scm) through the parent; a BOM that lists them all.
 * Signatures ({@code .asc}) are made by maven-gpg-plugin at deploy time and are not checked here.
 */
class ReleaseBundleIT
{
    /** Module directory, artifactId, Automatic-Module-Name, root package directory. */
    private record Published(String dir, String artifactId, String moduleName, String packageDir)
    {
    }

    private static final List<Published> PUBLISHED = List.of(
        new Published("codec", "chainmesh-codec", "io.chainmesh.codec", "io/chainmesh/codec/"),
        new Published("chain-adapter", "chainmesh-chain-adapter", "io.chainmesh.chain", "io/chainmesh/chain/"),
        new Published("engine", "chainmesh-engine", "io.chainmesh.engine", "io/chainmesh/engine/"),
        new Published("benchmarks", "chainmesh-benchmarks", "io.chainmesh.bench", "io/chainmesh/bench/"),
        new Published("node", "chainmesh-node", "io.chainmesh.node", "io/chainmesh/node/"));

    private final Path root = Path.of(System.getProperty("chainmesh.root")).toAbsolutePath().normalize();
    private final String version = System.getProperty("chainmesh.version");
    private final boolean releaseBundle = Boolean.getBoolean("chainmesh.releaseBundle");

    @Test
    void everyPublishedJarNamesItsModuleAndHoldsOnlyItsOwnClasses() throws IOException
    {
        for (final Published module : PUBLISHED)
        {
            final Path jar = target(module, "");
            assertThat(jar).as(module.artifactId()).isRegularFile();
            try (JarFile file = new JarFile(jar.toFile()))
            {
                assertThat(file.getManifest().getMainAttributes().getValue("Automatic-Module-Name"))
                    .as(module.artifactId()).isEqualTo(module.moduleName());
                assertThat(file.getManifest().getMainAttributes().getValue("Implementation-Version")).isEqualTo(version);
                final List<String> foreign = file.stream().map(ZipEntry::getName)
                    .filter(name -> name.endsWith(".class") && !name.startsWith(module.packageDir()))
                    .toList();
                assertThat(foreign).as(module.artifactId() + " shades nothing in").isEmpty();
            }
        }
    }

    @Test
    void releaseBuildAttachesSourcesAndJavadocOfEveryPublishedJar() throws IOException
    {
        org.junit.jupiter.api.Assumptions.assumeTrue(releaseBundle, "sources and javadoc jars are built by -Prelease");
        for (final Published module : PUBLISHED)
        {
            try (JarFile sources = new JarFile(target(module, "-sources").toFile());
                JarFile javadoc = new JarFile(target(module, "-javadoc").toFile()))
            {
                assertThat(sources.stream().map(ZipEntry::getName))
                    .as(module.artifactId() + " sources").anyMatch(name -> name.startsWith(module.packageDir()) &&
                        name.endsWith(".java"));
                assertThat(javadoc.getEntry("index.html")).as(module.artifactId() + " javadoc").isNotNull();
                assertThat(javadoc.stream().map(ZipEntry::getName))
                    .anyMatch(name -> name.startsWith(module.packageDir()) && name.endsWith(".html"));
            }
        }
    }

    @Test
    void pomsCarryTheMetadataCentralRequires() throws Exception
    {
        final Element parent = pom(root.resolve("pom.xml"));
        assertCentralMetadata(parent, "chainmesh-parent");
        assertThat(text(parent, "version")).isEqualTo(version);
        for (final Published module : PUBLISHED)
        {
            final Element pom = pom(root.resolve(module.dir()).resolve("pom.xml"));
            assertThat(text(pom, "artifactId")).isEqualTo(module.artifactId());
            assertThat(text(pom, "name")).as(module.artifactId()).isNotBlank();
            assertThat(text(pom, "description")).as(module.artifactId()).isNotBlank();
            assertThat(text(child(pom, "parent"), "artifactId")).isEqualTo("chainmesh-parent");
        }
        assertThat(Files.readString(root.resolve("LICENSE"))).contains("Apache License", "Version 2.0, January 2004");
    }

    @Test
    void bomListsEveryPublishedArtifactAtTheProjectVersion() throws Exception
    {
        final Element bom = pom(root.resolve("bom/pom.xml"));
        assertCentralMetadata(bom, "chainmesh-bom");
        assertThat(text(bom, "description")).isNotBlank();
        assertThat(text(bom, "version")).isEqualTo(version);
        assertThat(child(bom, "parent")).as("a BOM with a parent would import its dependencyManagement").isNull();
        final List<String> managed = new ArrayList<>();
        final NodeList dependencies = child(child(bom, "dependencyManagement"), "dependencies").getElementsByTagName("dependency");
        for (int i = 0; i < dependencies.getLength(); i++)
        {
            final Element dependency = (Element)dependencies.item(i);
            assertThat(text(dependency, "groupId")).isEqualTo("io.chainmesh");
            assertThat(text(dependency, "version")).isEqualTo("${project.version}");
            managed.add(text(dependency, "artifactId"));
        }
        assertThat(managed).containsExactlyInAnyOrderElementsOf(PUBLISHED.stream().map(Published::artifactId).toList());

        // The BOM pins its release plugins itself (no parent): the same versions as the parent's properties.
        final Element properties = child(pom(root.resolve("pom.xml")), "properties");
        final String bomText = Files.readString(root.resolve("bom/pom.xml"));
        assertThat(bomText)
            .contains("<artifactId>maven-gpg-plugin</artifactId>\n            <version>" +
                text(properties, "gpg-plugin.version") + "</version>")
            .contains("<artifactId>central-publishing-maven-plugin</artifactId>\n            <version>" +
                text(properties, "central-publishing-plugin.version") + "</version>");
    }

    private void assertCentralMetadata(final Element pom, final String what)
    {
        assertThat(text(pom, "name")).as(what + " name").isNotBlank();
        assertThat(text(pom, "url")).as(what + " url").startsWith("https://");
        final Element license = child(child(pom, "licenses"), "license");
        assertThat(text(license, "name")).isEqualTo("Apache-2.0");
        assertThat(text(license, "url")).startsWith("https://www.apache.org/licenses/LICENSE-2.0");
        assertThat(text(child(child(pom, "developers"), "developer"), "name")).as(what + " developer").isNotBlank();
        final Element scm = child(pom, "scm");
        assertThat(text(scm, "connection")).startsWith("scm:git:");
        assertThat(text(scm, "developerConnection")).startsWith("scm:git:");
        assertThat(text(scm, "url")).startsWith("https://");
    }

    private Path target(final Published module, final String classifier)
    {
        return root.resolve(module.dir()).resolve("target").resolve(module.artifactId() + "-" + version + classifier + ".jar");
    }

    private static Element pom(final Path file) throws Exception
    {
        final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        final Document document = factory.newDocumentBuilder().parse(file.toFile());
        return document.getDocumentElement();
    }

    /** A direct child element, or null. */
    private static Element child(final Element parent, final String name)
    {
        if (null == parent)
        {
            return null;
        }
        for (Node node = parent.getFirstChild(); null != node; node = node.getNextSibling())
        {
            if (node instanceof Element element && name.equals(element.getTagName()))
            {
                return element;
            }
        }
        return null;
    }

    private static String text(final Element parent, final String name)
    {
        final Element element = child(parent, name);
        return null == element ? null : element.getTextContent().trim();
    }
}
