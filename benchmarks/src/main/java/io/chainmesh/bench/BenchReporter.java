package io.chainmesh.bench;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.DirectorySource;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.control.BenchReport;
import io.chainmesh.engine.ChainmeshNode;
import io.chainmesh.engine.Status;
import io.chainmesh.engine.broadcast.MessageHandler;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes this node's signed {@link BenchReport} on {@link BenchReports#TOPIC} through the engine's
 * signed broadcast, and collects every member's reports into a {@link BenchReportBook}.
 * <p>
 * Received reports are parsed with the size limit, their signer's origin id must equal the batch's
 * origin (a member cannot relay or claim another member's report), then the book verifies the report
 * signature and membership. {@link #onMessage} runs on the engine's commit thread, which owns
 * {@code scratch}; counters and the book may be read from any thread.
 */
public final class BenchReporter implements MessageHandler, AutoCloseable
{
    private final ChainmeshNode node;
    private final DirectorySource directory;
    private final BenchReportBook book;
    private final byte[] scratch = new byte[BenchReports.MAX_REPORT_BYTES];
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong wrongOrigin = new AtomicLong();
    private final AutoCloseable subscription;

    /**
     * Subscribes to {@link BenchReports#TOPIC} on the node (replacing any handler of that topic).
     *
     * @param node      the running node.
     * @param directory the node's directory source (membership of signers).
     * @param book      where accepted reports go.
     */
    public BenchReporter(final ChainmeshNode node, final DirectorySource directory, final BenchReportBook book)
    {
        this.node = node;
        this.directory = directory;
        this.book = book;
        this.subscription = node.subscribe(BenchReports.TOPIC, this);
    }

    /**
     * Publishes a report (and offers it to the local book, since a node does not receive its own
     * broadcasts).
     *
     * @param report  this node's signed report.
     * @param timeout how long to retry while back-pressured or not yet connected.
     * @param unit    its unit.
     * @return the engine's status: a non-negative position when accepted, else a {@code Status} code.
     */
    public long publish(final BenchReport report, final long timeout, final TimeUnit unit)
    {
        final byte[] bytes = report.toByteArray();
        if (bytes.length > BenchReports.MAX_REPORT_BYTES)
        {
            throw new CodecException("bench report length " + bytes.length + " exceeds limit " +
                BenchReports.MAX_REPORT_BYTES);
        }
        book.offer(node.member(), report, directory.current());
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        long status;
        do
        {
            // publish() retries back pressure; NOT_CONNECTED (overlay still forming) is retried here.
            status = node.publish(BenchReports.TOPIC, buffer, 0, bytes.length,
                Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (status >= 0 || status == Status.CLOSED ||
                status == Status.MESSAGE_TOO_LARGE)
            {
                return status;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        while (System.nanoTime() - deadline < 0);
        return status;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onMessage(final long originId, final int topic, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < 0 || length > BenchReports.MAX_REPORT_BYTES)
        {
            malformed.incrementAndGet();
            return;
        }
        buffer.getBytes(offset, scratch, 0, length);
        final BenchReport report;
        try
        {
            report = BenchReports.parse(scratch, 0, length);
        }
        catch (final CodecException | IllegalArgumentException ex)
        {
            malformed.incrementAndGet();
            return;
        }
        final DirectorySnapshot snapshot = directory.current();
        final Member origin = snapshot.findByOriginId(originId);
        if (null == origin || !java.util.Arrays.equals(origin.publicKey().toBytes(), report.getNodeId().toByteArray()))
        {
            wrongOrigin.incrementAndGet();
            return;
        }
        book.offer(origin.id(), report, snapshot);
    }

    /**
     * @return the book of latest reports.
     */
    public BenchReportBook book()
    {
        return book;
    }

    /**
     * @return the latest valid report per member.
     */
    public Map<MemberId, BenchReport> latest()
    {
        return book.latest();
    }

    /**
     * @return the book's table in ring order.
     */
    public String table()
    {
        return book.table(directory.current());
    }

    /**
     * @return messages on the topic that were too long or did not parse.
     */
    public long malformedCount()
    {
        return malformed.get();
    }

    /**
     * @return reports whose signer was not the batch's origin (rejected before verification).
     */
    public long wrongOriginCount()
    {
        return wrongOrigin.get();
    }

    /**
     * Unsubscribes; idempotent.
     */
    @Override
    public void close()
    {
        CloseHelper.quietClose(subscription);
    }
}
