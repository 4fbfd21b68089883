package io.chainmesh.codec.docs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the repository's Markdown honest: every link resolves to a file (and heading) inside the repository,
 * READMEs stay short, and READMEs and {@code docs/} describe what is true now, without dates, run narratives or
 * references to places a clone does not have. Run records under {@code perf/results/} may carry dates (their file
 * names do, and so may a README's link to one); their links are checked like any other.
 * <p>
 * It lives in the first module of the build so a broken link fails fast; it reads the files of the working tree
 * (surefire runs in the module's directory, the repository is its parent).
 */
class RepositoryDocsTest
{
    private static final int MAX_README_LINES = 150;

    /** {@code [text](target)} and {@code ![alt](target)}; the target ends at whitespace or the closing parenthesis. */
    private static final Pattern LINK = Pattern.compile("!?\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");
    /** Paths of run records: their names carry the run's date, which is fine to mention. */
    private static final Pattern RESULT_PATH = Pattern.compile("(?:perf/)?results/[A-Za-z0-9_./<>*-]+");

    /** What the present-tense docs must not contain. */
    private static final List<Pattern> FORBIDDEN = List.of(
        Pattern.compile("\\b20\\d\\d-[01]\\d-[0-3]\\d\\b"),
        Pattern.compile("(?i)run of the day"),
        Pattern.compile("(?i)\\b(today|yesterday|this morning|this session)\\b"),
        Pattern.compile("\\.\\./shared\\b"),
        Pattern.compile("(?i)\\bissues? #?\\d+"),
        Pattern.compile("(?i)\\(fixed\\)"),
        Pattern.compile("(?i)\\bhelpers?\\b"));

    static Path repositoryRoot()
    {
        final Path root = Path.of(System.getProperty("chainmesh.repository.root", "..")).toAbsolutePath().normalize();
        assertThat(root.resolve("pom.xml")).as("repository root " + root).isRegularFile();
        assertThat(root.resolve("codec")).as("repository root " + root).isDirectory();
        return root;
    }

    static List<Path> markdownFiles(final Path root) throws IOException
    {
        try (Stream<Path> paths = Files.walk(root))
        {
            return paths
                .filter(p -> p.getFileName().toString().endsWith(".md"))
                .filter(p -> !excluded(root.relativize(p)))
                .sorted()
                .collect(Collectors.toList());
        }
    }

    private static boolean excluded(final Path relative)
    {
        for (final Path part : relative)
        {
            final String name = part.toString();
            if (name.equals("target") || name.equals("node_modules") || name.startsWith("."))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean isRunRecord(final Path relative)
    {
        return relative.startsWith(Path.of("perf", "results"));
    }

    /** Lines outside fenced code blocks (code may show anything, e.g. a command's literal output). */
    private static List<String> prose(final List<String> lines)
    {
        final List<String> result = new ArrayList<>();
        boolean inFence = false;
        for (final String line : lines)
        {
            if (FENCE.matcher(line).find())
            {
                inFence = !inFence;
                result.add("");
                continue;
            }
            result.add(inFence ? "" : line);
        }
        return result;
    }

    /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
    static String anchor(final String heading)
    {
        final String text = heading.replaceAll("`", "").replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
        final StringBuilder slug = new StringBuilder();
        for (final char c : text.toLowerCase(Locale.ROOT).toCharArray())
        {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_')
            {
                slug.append(c);
            }
            else if (c == ' ')
            {
                slug.append('-');
            }
        }
        return slug.toString();
    }

    private static Set<String> anchors(final Path markdown) throws IOException
    {
        final Set<String> anchors = new HashSet<>();
        final Set<String> seen = new HashSet<>();
        for (final String line : prose(Files.readAllLines(markdown, StandardCharsets.UTF_8)))
        {
            final Matcher heading = HEADING.matcher(line);
            if (heading.matches())
            {
                final String base = anchor(heading.group(1));
                String slug = base;
                for (int i = 1; !seen.add(slug); i++)
                {
                    slug = base + "-" + i;
                }
                anchors.add(slug);
            }
        }
        return anchors;
    }

    @Test
    void shouldResolveEveryLinkInsideTheRepository() throws IOException
    {
        final Path root = repositoryRoot();
        final List<Path> files = markdownFiles(root);
        assertThat(files).as("Markdown files").isNotEmpty();
        final List<String> broken = new ArrayList<>();
        int links = 0;
        for (final Path file : files)
        {
            final List<String> lines = prose(Files.readAllLines(file, StandardCharsets.UTF_8));
            for (int i = 0; i < lines.size(); i++)
            {
                final String line = lines.get(i).replaceAll("`[^`]*`", "``");
                final Matcher link = LINK.matcher(lines.get(i));
                while (link.find())
                {
                    links++;
                    final String where = root.relativize(file) + ":" + (i + 1) + ": ";
                    final String problem = check(root, file, link.group(1));
                    if (null != problem)
                    {
                        broken.add(where + problem);
                    }
                }
                if (line.matches(".*\\]\\(\\s*https?:.*") || line.matches(".*<https?://.*"))
                {
                    broken.add(root.relativize(file) + ":" + (i + 1) + ": link outside the repository");
                }
            }
        }
        assertThat(links).as("links found (the pattern still matches)").isGreaterThan(10);
        assertThat(broken).as("broken or outside links").isEmpty();
    }

    private static String check(final Path root, final Path file, final String target) throws IOException
    {
        if (target.matches("(?i)[a-z][a-z0-9+.-]*:.*"))
        {
            return target + " points outside the repository";
        }
        final int hash = target.indexOf('#');
        final String pathPart = hash < 0 ? target : target.substring(0, hash);
        final String fragment = hash < 0 ? null : target.substring(hash + 1);
        final Path resolved = pathPart.isEmpty() ? file : file.getParent().resolve(pathPart).normalize();
        if (!resolved.startsWith(root))
        {
            return target + " resolves outside the repository";
        }
        if (!Files.exists(resolved))
        {
            return target + " does not exist";
        }
        if (excluded(root.relativize(resolved)) && !resolved.equals(root))
        {
            return target + " points into a build or hidden directory";
        }
        if (null != fragment && resolved.toString().endsWith(".md") && !anchors(resolved).contains(fragment))
        {
            return target + " names no heading of " + root.relativize(resolved);
        }
        return null;
    }

    @Test
    void shouldKeepReadmesAndDocsInThePresentTense() throws IOException
    {
        final Path root = repositoryRoot();
        final List<String> found = new ArrayList<>();
        int checked = 0;
        for (final Path file : markdownFiles(root))
        {
            final Path relative = root.relativize(file);
            if (isRunRecord(relative))
            {
                continue;
            }
            checked++;
            final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++)
            {
                final String line = RESULT_PATH.matcher(lines.get(i)).replaceAll("results/…");
                for (final Pattern forbidden : FORBIDDEN)
                {
                    final Matcher m = forbidden.matcher(line);
                    if (m.find())
                    {
                        found.add(relative + ":" + (i + 1) + ": \"" + m.group() + "\" in: " + lines.get(i).strip());
                    }
                }
            }
        }
        assertThat(checked).as("READMEs and docs checked").isGreaterThan(5);
        assertThat(found).as("dates, narratives and references to what a clone does not have").isEmpty();
    }

    @Test
    void shouldKeepEveryReadmeShort() throws IOException
    {
        final Path root = repositoryRoot();
        final List<String> tooLong = new ArrayList<>();
        for (final Path file : markdownFiles(root))
        {
            if (file.getFileName().toString().equals("README.md"))
            {
                final long count = Files.readAllLines(file, StandardCharsets.UTF_8).size();
                if (count > MAX_README_LINES)
                {
                    tooLong.add(root.relativize(file) + ": " + count + " lines");
                }
            }
        }
        assertThat(tooLong).as("READMEs over " + MAX_README_LINES + " lines").isEmpty();
    }

    @Test
    void shouldFindForbiddenTextAndBrokenAnchorsWhenTheyAreThere() throws IOException
    {
        final Path root = repositoryRoot();
        final Path readme = root.resolve("README.md");
        assertThat(check(root, readme, "docs/PROTOCOL.md#4-handshake")).isNull();
        assertThat(check(root, readme, "docs/PROTOCOL.md#no-such-heading")).contains("names no heading");
        assertThat(check(root, readme, "docs/NO-SUCH-FILE.md")).contains("does not exist");
        assertThat(check(root, readme, "../shared/DESIGN.md")).contains("outside the repository");
        assertThat(check(root, readme, "https://example.org/")).contains("outside the repository");
        assertThat(FORBIDDEN.stream().anyMatch(p -> p.matcher("measured on 2026-12-01").find())).isTrue();
        assertThat(FORBIDDEN.stream().anyMatch(p -> p.matcher("see ../shared/DESIGN.md").find())).isTrue();
        assertThat(FORBIDDEN.stream().anyMatch(p -> p.matcher("third run of the day").find())).isTrue();
        assertThat(FORBIDDEN.stream().anyMatch(p -> p.matcher("fixed in issue 6").find())).isTrue();
        final String allowed = RESULT_PATH.matcher("[`results/2026-12-01-suite.md`](results/2026-12-01-suite.md)")
            .replaceAll("results/…");
        assertThat(FORBIDDEN.stream().anyMatch(p -> p.matcher(allowed).find())).as(allowed).isFalse();
        assertThat(anchor("10. Repair: DIGEST, WANT, WANT_MISS")).isEqualTo("10-repair-digest-want-want_miss");
        assertThat(anchor("`chainmesh node --config <file>`: one real node")).isEqualTo("chainmesh-node---config-file-one-real-node");
        final Matcher link = LINK.matcher("see [the spec](../docs/PROTOCOL.md#4-handshake) and ![chart](charts/a.png)");
        assertThat(link.find()).isTrue();
        assertThat(link.group(1)).isEqualTo("../docs/PROTOCOL.md#4-handshake");
        assertThat(link.find()).isTrue();
        assertThat(link.group(1)).isEqualTo("charts/a.png");
    }
}
