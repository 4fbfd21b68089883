package io.chainmesh.chain;

import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonFileSourceTest
{
    @TempDir
    Path dir;

    private DevnetChain chain;
    private Path file;
    private long mtime = 1_700_000_000_000L;

    @BeforeEach
    void setUp()
    {
        chain = new DevnetChain(new DevnetChain.Context().seed(21).memberCount(8).initiallyActive(6).basePort(40000));
        file = dir.resolve("nodes.json");
    }

    @AfterEach
    void tearDown()
    {
        chain.close();
    }

    /** Writes content and bumps the mtime explicitly so that change detection never depends on timestamp granularity. */
    private void write(final byte[] content) throws IOException
    {
        Files.write(file, content);
        mtime += 1_000;
        Files.setLastModifiedTime(file, FileTime.fromMillis(mtime));
    }

    private void writeArray(final List<Member> members) throws IOException
    {
        write(FluxdNodeListWriter.toJsonArray(members));
    }

    private void writeEnvelope(final long height, final List<Member> members) throws IOException
    {
        try (OutputStream out = Files.newOutputStream(file))
        {
            FluxdNodeListWriter.writeEnvelope(height, members, out);
        }
        mtime += 1_000;
        Files.setLastModifiedTime(file, FileTime.fromMillis(mtime));
    }

    @Test
    void shouldLoadBareArrayWithCounterHeight() throws IOException
    {
        writeArray(chain.current().members());
        try (JsonFileSource source = new JsonFileSource(new JsonFileSource.Context().path(file)))
        {
            assertThat(source.checkNow()).isTrue();
            assertThat(source.current().members()).isEqualTo(chain.current().members());
            assertThat(source.current().height()).isEqualTo(1);

            assertThat(source.checkNow()).as("unchanged file is not reloaded").isFalse();

            chain.join(6);
            chain.advance();
            writeArray(chain.current().members());
            final List<DirectoryDiff> diffs = new CopyOnWriteArrayList<>();
            source.subscribe((snapshot, diff) -> diffs.add(diff));
            assertThat(source.checkNow()).isTrue();
            assertThat(source.current().height()).isEqualTo(2);
            assertThat(diffs).singleElement().satisfies(d ->
                assertThat(d.joined()).extracting(Member::id).containsExactly(chain.memberId(6)));
        }
    }

    @Test
    void shouldUseEnvelopeHeightAndRefuseGoingBack() throws IOException
    {
        writeEnvelope(500, chain.current().members());
        try (JsonFileSource source = new JsonFileSource(new JsonFileSource.Context().path(file)))
        {
            assertThat(source.checkNow()).isTrue();
            assertThat(source.current().height()).isEqualTo(500);

            writeEnvelope(499, chain.current().members().subList(0, 2));
            assertThat(source.checkNow()).isFalse();
            assertThat(source.lastError()).contains("height 499").contains("below the published height 500");
            assertThat(source.current().size()).isEqualTo(6);
        }
    }

    @Test
    void shouldKeepSnapshotWhenFileBecomesGarbageOrDisappears() throws IOException
    {
        writeArray(chain.current().members());
        try (JsonFileSource source = new JsonFileSource(new JsonFileSource.Context().path(file)))
        {
            assertThat(source.checkNow()).isTrue();
            final DirectorySnapshot good = source.current();

            write("not json".getBytes());
            assertThat(source.checkNow()).isFalse();
            assertThat(source.lastError()).contains("not valid JSON");

            write("{\"result\":{}}".getBytes());
            assertThat(source.checkNow()).isFalse();
            assertThat(source.lastError()).contains("result must be an array");

            Files.delete(file);
            assertThat(source.checkNow()).isFalse();
            assertThat(source.lastError()).contains("cannot stat");
            assertThat(source.current()).isSameAs(good);

            writeArray(chain.current().members());
            assertThat(source.checkNow()).isTrue();
            assertThat(source.lastError()).isEmpty();
        }
    }

    @Test
    void shouldRefuseOversizedFile() throws IOException
    {
        writeArray(chain.current().members());
        try (JsonFileSource source = new JsonFileSource(new JsonFileSource.Context().path(file).maxFileBytes(100)))
        {
            assertThat(source.checkNow()).isFalse();
            assertThat(source.lastError()).contains("exceeds limit 100 bytes");
            assertThat(source.current().size()).isZero();
        }
    }

    @Test
    void shouldCheckOnlyWhenIntervalElapsedByClock() throws IOException
    {
        writeArray(chain.current().members());
        final CachedEpochClock clock = new CachedEpochClock();
        try (JsonFileSource source = new JsonFileSource(new JsonFileSource.Context().path(file).clock(clock).pollIntervalMs(500)))
        {
            assertThat(source.doWork()).isEqualTo(1);
            clock.advance(499);
            assertThat(source.doWork()).isZero();
            clock.advance(1);
            assertThat(source.doWork()).isEqualTo(1);
            assertThat(source.reloadCount()).isEqualTo(1);
        }
    }

    @Test
    void shouldReloadOnItsOwnThreadWhenFileChanges() throws Exception
    {
        writeArray(chain.current().members());
        final CountDownLatch reloaded = new CountDownLatch(1);
        try (JsonFileSource source = JsonFileSource.launch(new JsonFileSource.Context().path(file).pollIntervalMs(10)))
        {
            assertThat(source.current().size()).isEqualTo(6);
            source.subscribe((snapshot, diff) -> reloaded.countDown());
            chain.leave(0);
            chain.advance();
            writeArray(chain.current().members());
            assertThat(reloaded.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(source.current().size()).isEqualTo(5);
        }
    }

    @Test
    void shouldRejectMissingPath()
    {
        assertThatThrownBy(() -> new JsonFileSource(new JsonFileSource.Context()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path");
    }
    @Test
    void shouldReportChangedEndpointInDiff() throws IOException
    {
        final List<Member> members = chain.current().members();
        writeArray(members);
        try (JsonFileSource source = new JsonFileSource(new JsonFileSource.Context().path(file)))
        {
            assertThat(source.checkNow()).isTrue();
            final List<DirectoryDiff> diffs = new CopyOnWriteArrayList<>();
            source.subscribe((snapshot, diff) -> diffs.add(diff));
            final Member moved = members.get(2);
            final List<Member> next = new java.util.ArrayList<>(members);
            next.set(2, new Member(MemberId.of(moved.txHash(), moved.outputIndex()), moved.publicKey(), new Endpoint("127.0.0.2", 9999),
                moved.tier(), moved.addedHeight(), moved.confirmedHeight(), moved.lastConfirmedHeight(),
                moved.lastPaidHeight(), moved.paymentAddress(), moved.rank()));
            writeArray(next);

            assertThat(source.checkNow()).isTrue();
            assertThat(diffs).singleElement().satisfies(diff ->
            {
                assertThat(diff.joined()).isEmpty();
                assertThat(diff.left()).isEmpty();
                assertThat(diff.changed()).singleElement()
                    .satisfies(m -> assertThat(m.endpoint()).isEqualTo(new Endpoint("127.0.0.2", 9999)));
            });
        }
    }
}
