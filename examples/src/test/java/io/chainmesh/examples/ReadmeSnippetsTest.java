package io.chainmesh.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Java snippet of the Markdown that shows embedding (the examples and engine READMEs, {@code docs/EMBEDDING.md})
 * is a tagged region of an example program, character for character (indentation aside), so a snippet compiles and
 * runs because its program does.
 */
class ReadmeSnippetsTest
{
    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern TAG = Pattern.compile("//\\s*tag::([\\w-]+)\\[]");
    private static final Pattern END = Pattern.compile("//\\s*end::([\\w-]+)\\[]");

    @Test
    void everyJavaSnippetIsARegionOfAnExample() throws IOException
    {
        final Map<String, String> regions = regions(MODULE.resolve("src/main/java/io/chainmesh/examples"));
        assertThat(regions).containsKeys("PublishSubscribe#publish-subscribe", "DirectMessages#direct",
            "PollingDirectorySource#poll", "Members#member");
        int snippets = 0;
        for (final Path readme : List.of(MODULE.resolve("README.md"), MODULE.resolve("../engine/README.md"),
            MODULE.resolve("../docs/EMBEDDING.md")))
        {
            final Matcher block = JAVA_BLOCK.matcher(Files.readString(readme));
            while (block.find())
            {
                snippets++;
                final String snippet = dedent(block.group(1));
                assertThat(regions.values()).as(readme + " snippet:\n" + snippet).contains(snippet);
            }
        }
        assertThat(snippets).isGreaterThanOrEqualTo(6);
    }

    private static Map<String, String> regions(final Path sources) throws IOException
    {
        final Map<String, String> regions = new HashMap<>();
        try (Stream<Path> files = Files.list(sources))
        {
            for (final Path file : files.filter(f -> f.toString().endsWith(".java")).toList())
            {
                final String name = file.getFileName().toString().replace(".java", "");
                String tag = null;
                final List<String> lines = new ArrayList<>();
                for (final String line : Files.readAllLines(file))
                {
                    final Matcher start = TAG.matcher(line);
                    final Matcher end = END.matcher(line);
                    if (start.find())
                    {
                        tag = start.group(1);
                        lines.clear();
                    }
                    else if (end.find() && null != tag)
                    {
                        regions.put(name + "#" + tag, dedent(String.join("\n", lines) + "\n"));
                        tag = null;
                    }
                    else if (null != tag)
                    {
                        lines.add(line);
                    }
                }
            }
        }
        return regions;
    }

    private static String dedent(final String text)
    {
        final List<String> lines = text.lines().map(String::stripTrailing).toList();
        final int indent = lines.stream().filter(line -> !line.isEmpty())
            .mapToInt(line -> line.length() - line.stripLeading().length()).min().orElse(0);
        final StringBuilder out = new StringBuilder();
        for (final String line : lines)
        {
            out.append(line.isEmpty() ? "" : line.substring(indent)).append('\n');
        }
        return out.toString();
    }
}
