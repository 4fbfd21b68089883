package io.chainmesh.chain;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzz targets for the chain adapter's parsers of hostile text: the fluxd node list, the JSON
 * file source, the {@code ip} field and {@code flux.conf}. Each asserts the documented contract: only the
 * documented exception escapes, results stay bounded by the input, and a parsed node list written back by
 * {@link FluxdNodeListWriter} parses to the same members. Without {@code JAZZER_FUZZ} they run once over the
 * empty input and the committed inputs in
 * {@code src/test/resources/io/chainmesh/chain/ChainFuzzTestInputs/<method>} ({@link ChainFuzzSeeds} writes
 * the seeds); {@code perf/fuzz.sh} runs them coverage-guided.
 */
class ChainFuzzTest
{
    private static Path directory;

    @BeforeAll
    static void createDirectory() throws IOException
    {
        directory = Files.createTempDirectory("chainmesh-fuzz-json");
    }

    @AfterAll
    static void deleteDirectory() throws IOException
    {
        try (var files = Files.list(directory))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                Files.delete(file);
            }
        }
        Files.delete(directory);
    }

    /**
     * A node list: parses or raises {@link ChainDataException} (malformed, or the RPC error an envelope
     * carries); every array element is either a member or
     * counted as rejected, members are unique by public key, and the accepted members written back as a
     * node list parse to the same members.
     */
    @FuzzTest(maxDuration = "5m")
    void nodeListParser(final byte[] json)
    {
        final ParseResult result;
        try
        {
            result = parser().parse(json, 0, json.length);
        }
        catch (final ChainDataException expected)
        {
            // An RPC envelope may carry the daemon's error instead of a result.
            assertThat(expected.kind()).isIn(ChainDataException.Kind.MALFORMED, ChainDataException.Kind.RPC_ERROR,
                ChainDataException.Kind.WARMING_UP);
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        assertThat(result.members().size() + result.rejectedCount()).isEqualTo(result.entryCount());
        assertThat(result.entryCount()).isLessThanOrEqualTo(json.length);
        assertThat(result.rejectionExamples().size()).isLessThanOrEqualTo(parser().context().maxRejectionExamples());
        final Set<Object> collaterals = new HashSet<>();
        final Set<Object> endpoints = new HashSet<>();
        for (final Member member : result.members())
        {
            assertThat(collaterals.add(member.id())).isTrue();
            assertThat(endpoints.add(member.endpoint())).isTrue();
        }
        final byte[] written = FluxdNodeListWriter.toJsonArray(result.members());
        final ParseResult again = parser().parse(written, 0, written.length);
        assertThat(again.members()).isEqualTo(result.members());
        assertThat(again.rejectedCount()).isZero();
    }

    private static FluxdNodeListParser parser()
    {
        return new FluxdNodeListParser(new FluxdNodeListParser.Context().parallelKeyDecoding(false));
    }

    /**
     * Two successive versions of the node list file (the input split at its first NUL byte) read by a
     * {@link JsonFileSource}: a check never throws; it either publishes the parsed snapshot with no error, or
     * keeps the previous snapshot and names the error.
     */
    @FuzzTest(maxDuration = "5m")
    void jsonFileSource(final byte[] input)
    {
        int split = 0;
        while (split < input.length && input[split] != 0)
        {
            split++;
        }
        final Path file = directory.resolve("nodes.json");
        try (JsonFileSource source = new JsonFileSource(new JsonFileSource.Context().path(file).maxFileBytes(1 << 16)))
        {
            checkVersion(source, file, Arrays.copyOf(input, split));
            if (split < input.length)
            {
                checkVersion(source, file, Arrays.copyOfRange(input, split + 1, input.length));
            }
        }
    }

    private static void checkVersion(final JsonFileSource source, final Path file, final byte[] contents)
    {
        try
        {
            Files.deleteIfExists(file);
            Files.write(file, contents);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        final var before = source.current();
        final long reloads = source.reloadCount();
        if (source.checkNow())
        {
            assertThat(source.lastError()).isEmpty();
            assertThat(source.reloadCount()).isEqualTo(reloads + 1);
            assertThat(source.current().size()).isEqualTo(source.lastParse().members().size());
            assertThat(source.current().height()).isGreaterThanOrEqualTo(before.height());
        }
        else
        {
            assertThat(source.current()).isSameAs(before);
            assertThat(source.reloadCount()).isEqualTo(reloads);
        }
    }

    /**
     * A node list {@code ip} field: an endpoint with a port in range, or {@link EntryException} with
     * BAD_ENDPOINT, BAD_PORT or UNSUPPORTED_HOST; an endpoint's own text parses back to the same endpoint.
     */
    @FuzzTest(maxDuration = "5m")
    void endpointParser(final byte[] input)
    {
        final String text = new String(input, StandardCharsets.UTF_8);
        final Endpoint endpoint;
        try
        {
            endpoint = EndpointParser.parse(text, FluxdNodeListParser.DEFAULT_FLUXOS_PORT);
        }
        catch (final EntryException expected)
        {
            assertThat(expected.reason()).isIn(RejectReason.BAD_ENDPOINT, RejectReason.BAD_PORT, RejectReason.NO_ADDRESS,
                RejectReason.UNSUPPORTED_HOST);
            return;
        }
        assertThat(endpoint.port()).isBetween(1, 65535);
        assertThat(EndpointParser.parse(endpoint.toString(), 1)).isEqualTo(endpoint);
    }

    /**
     * {@code flux.conf} text: parsing never throws; every setting's key and value are trimmed substrings of
     * one line, and {@code rpcPort} is -1, a port, or {@link ChainDataException}.
     */
    @FuzzTest(maxDuration = "5m")
    void fluxConf(final byte[] input)
    {
        final String text = new String(input, StandardCharsets.UTF_8);
        final FluxConf conf = FluxConf.parse(text);
        assertThat(conf.values().size()).isLessThanOrEqualTo(text.length());
        conf.values().forEach((key, value) ->
        {
            assertThat(key).isNotEmpty().isEqualTo(key.trim()).doesNotContain("\n", "#", "=");
            assertThat(value).isEqualTo(value.trim()).doesNotContain("\n", "#");
        });
        try
        {
            final int port = conf.rpcPort();
            assertThat(port == -1 || (port >= 1 && port <= 65535)).isTrue();
        }
        catch (final ChainDataException expected)
        {
            assertThat(expected.kind()).isEqualTo(ChainDataException.Kind.MALFORMED);
        }
    }
}
