package io.chainmesh.engine.transport;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.codec.control.Close;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameDecoder;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.codec.ping.PingDescriptor;
import io.chainmesh.codec.record.RecordAead;
import io.chainmesh.codec.record.RecordDescriptor;
import io.chainmesh.codec.record.SessionKeys;
import io.chainmesh.engine.ChannelCipher;
import io.chainmesh.engine.EngineCounters;
import io.chainmesh.engine.TestDirectory;
import io.chainmesh.engine.overlay.OverlayTopology;
import io.chainmesh.engine.overlay.OverlayView;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RecordSealer} and {@link RecordOpener} on {@link EmbeddedChannel}s (no sockets): round trips,
 * reads split anywhere, frames across record boundaries, limits, and the switch point in a handshake.
 */
class RecordLayerTest
{
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Frames that came out of the opener, copied. */
    private static final class Collector extends ChannelInboundHandlerAdapter
    {
        final List<byte[]> frames = new ArrayList<>();

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf frame = (ByteBuf)msg;
            frames.add(ByteBufUtil.getBytes(frame));
            frame.release();
        }
    }

    private final EngineCounters sealerCounters = EngineCounters.allocate();
    private final EngineCounters openerCounters = EngineCounters.allocate();
    private Collector collector;
    private EmbeddedChannel sender;
    private EmbeddedChannel receiver;

    private void wire(final int maxRecordPlaintext, final long rekeyRecords, final long rekeyBytes)
    {
        final byte[] secret = new byte[32];
        final byte[] transcript = new byte[32];
        RANDOM.nextBytes(secret);
        RANDOM.nextBytes(transcript);
        final SessionKeys dialler = SessionKeys.derive(secret, transcript, true, RecordAead.AES_256_GCM,
            RecordAead.AES_256_GCM);
        final SessionKeys acceptor = SessionKeys.derive(secret, transcript, false, RecordAead.AES_256_GCM,
            RecordAead.AES_256_GCM);
        collector = new Collector();
        sender = new EmbeddedChannel(new RecordSealer(dialler.sealer(),
            new RecordSettings(ChannelCipher.AES_GCM, maxRecordPlaintext, rekeyRecords, rekeyBytes),
            sealerCounters.records()));
        receiver = new EmbeddedChannel(new FrameDecoder(RecordDescriptor.MAX_LENGTH_FIELD),
            new RecordOpener(acceptor.opener(), openerCounters, 1024 * 1024), collector);
    }

    private static ByteBuf frame(final int bodyLength, final int seed)
    {
        final ByteBuf frame = Unpooled.buffer(6 + bodyLength);
        frame.writeInt(2 + bodyLength).writeByte(FrameType.DIRECT).writeByte(0);
        for (int i = 0; i < bodyLength; i++)
        {
            frame.writeByte((seed + i) & 0x7F);
        }
        return frame;
    }

    private List<ByteBuf> sent()
    {
        final List<ByteBuf> records = new ArrayList<>();
        ByteBuf record;
        while (null != (record = sender.readOutbound()))
        {
            records.add(record);
        }
        return records;
    }

    private void finish()
    {
        sender.finishAndReleaseAll();
        receiver.finishAndReleaseAll();
    }

    @Test
    void shouldSealManyWritesIntoOneRecordPerFlushAndOpenThemBack()
    {
        wire(16 * 1024, 1 << 20, 1L << 30);
        final List<byte[]> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++)
        {
            final ByteBuf frame = frame(64, i);
            expected.add(ByteBufUtil.getBytes(frame));
            sender.write(frame);
        }
        sender.flush();
        final List<ByteBuf> records = sent();
        assertThat(records).hasSize(1);
        final byte[] wire = ByteBufUtil.getBytes(records.get(0));
        assertThat(wire.length).isEqualTo(50 * 70 + RecordDescriptor.OVERHEAD);
        assertThat(new String(wire, StandardCharsets.ISO_8859_1)).doesNotContain(
            new String(expected.get(0), 6, 64, StandardCharsets.ISO_8859_1));
        receiver.writeInbound(records.get(0));
        assertThat(collector.frames).hasSize(50);
        for (int i = 0; i < 50; i++)
        {
            assertThat(collector.frames.get(i)).isEqualTo(expected.get(i));
        }
        assertThat(sealerCounters.records().recordsSealed().get()).isEqualTo(1);
        assertThat(openerCounters.records().recordsOpened().get()).isEqualTo(1);
        finish();
    }

    @Test
    void shouldGiveBackTheMemoryALargeFrameTookOnceItIsConsumed()
    {
        wire(16 * 1024, 1 << 20, 1L << 30);
        final RecordOpener opener = receiver.pipeline().get(RecordOpener.class);
        final ByteBuf large = frame(512 * 1024, 3);
        final byte[] expected = ByteBufUtil.getBytes(large);
        sender.writeAndFlush(large);
        for (final ByteBuf record : sent())
        {
            receiver.writeInbound(record);
        }
        assertThat(collector.frames).hasSize(1);
        assertThat(collector.frames.get(0)).isEqualTo(expected);
        assertThat(opener.bufferCapacity()).isGreaterThanOrEqualTo(512 * 1024);

        sender.writeAndFlush(frame(64, 4));
        for (final ByteBuf record : sent())
        {
            receiver.writeInbound(record);
        }
        assertThat(collector.frames).hasSize(2);
        assertThat(opener.bufferCapacity()).as("back to its initial size").isLessThanOrEqualTo(4 * 2 * RecordDescriptor.MAX_LENGTH_FIELD);
        finish();
    }

    @Test
    void shouldReassembleFramesSplitAcrossRecordsAndReadsOneByteAtATime()
    {
        wire(1024, 1 << 20, 1L << 30);
        final List<byte[]> expected = new ArrayList<>();
        // 5000-byte frames over 1 KiB records, a frame exactly one record long, and tiny ones between.
        for (final int body : new int[]{5000, 10, 1024 - 6, 1, 3000})
        {
            final ByteBuf frame = frame(body, body);
            expected.add(ByteBufUtil.getBytes(frame));
            sender.writeAndFlush(frame);
        }
        final ByteBuf stream = Unpooled.buffer();
        for (final ByteBuf record : sent())
        {
            assertThat(record.readableBytes()).isLessThanOrEqualTo(1024 + RecordDescriptor.OVERHEAD);
            stream.writeBytes(record);
            record.release();
        }
        while (stream.isReadable())
        {
            receiver.writeInbound(stream.readRetainedSlice(1));
        }
        stream.release();
        assertThat(collector.frames).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++)
        {
            assertThat(collector.frames.get(i)).isEqualTo(expected.get(i));
        }
        finish();
    }

    @Test
    void shouldRekeyOnFlaggedRecordsAtBothEnds()
    {
        wire(1024, 2, 1L << 30);
        for (int i = 0; i < 9; i++)
        {
            sender.writeAndFlush(frame(100, i));
        }
        final List<ByteBuf> records = sent();
        assertThat(records).hasSize(9);
        for (final ByteBuf record : records)
        {
            receiver.writeInbound(record);
        }
        assertThat(collector.frames).hasSize(9);
        assertThat(sealerCounters.records().rekeysSent().get()).isEqualTo(4);
        assertThat(openerCounters.records().rekeysReceived().get()).isEqualTo(4);
        finish();
    }

    @Test
    void shouldCompleteWritePromisesWithTheirRecord()
    {
        wire(1024, 1 << 20, 1L << 30);
        final ChannelFuture first = sender.write(frame(10, 1));
        final ChannelFuture spanning = sender.write(frame(3000, 2));
        assertThat(spanning.isDone()).as("its last byte is not sealed yet").isFalse();
        sender.flush();
        assertThat(first.isSuccess()).isTrue();
        assertThat(spanning.isSuccess()).isTrue();
        sent().forEach(ByteBuf::release);
        finish();
    }

    @Test
    void shouldRefuseAnOversizeRecordLengthBeforeBufferingIt()
    {
        wire(1024, 1 << 20, 1L << 30);
        final ByteBuf bad = Unpooled.buffer().writeInt(RecordDescriptor.MAX_LENGTH_FIELD + 1)
            .writeByte(FrameType.RECORD).writeByte(0);
        receiver.writeInbound(bad);
        assertThat(openerCounters.records().failures(RecordCounters.Failure.MALFORMED).get()).isEqualTo(1);
        assertThat(openerCounters.closesSent(CloseReason.RECORD_MALFORMED).get()).isEqualTo(1);
        final ByteBuf close = receiver.readOutbound();
        assertThat(ControlCodec.parseClose(close).getText()).contains("exceeds limit " + RecordDescriptor.MAX_LENGTH_FIELD);
        close.release();
        assertThat(collector.frames).isEmpty();
        finish();
    }

    @Test
    void shouldRefuseAFrameThatIsNotARecordAndAShortRecord()
    {
        wire(1024, 1 << 20, 1L << 30);
        receiver.writeInbound(frame(40, 0));
        assertThat(openerCounters.records().failures(RecordCounters.Failure.MALFORMED).get()).isEqualTo(1);
        final ByteBuf close = receiver.readOutbound();
        assertThat(ControlCodec.parseClose(close).getText()).contains("DIRECT is not RECORD");
        close.release();
        finish();

        wire(1024, 1 << 20, 1L << 30);
        receiver.writeInbound(Unpooled.buffer().writeInt(10).writeByte(FrameType.RECORD).writeByte(0).writeZero(8));
        final ByteBuf shortClose = receiver.readOutbound();
        assertThat(ControlCodec.parseClose(shortClose).getText()).contains("RECORD length 10 must be in");
        shortClose.release();
        finish();
    }

    @Test
    void shouldDeliverNothingOfARecordWhoseTagFailsNorAnythingAfterIt()
    {
        wire(1024, 1 << 20, 1L << 30);
        sender.writeAndFlush(frame(50, 1));
        sender.writeAndFlush(frame(50, 2));
        final List<ByteBuf> records = sent();
        records.get(0).setByte(30, records.get(0).getByte(30) ^ 1);
        // Both in one read: the second, intact record must not be delivered after the failure either.
        receiver.writeInbound(Unpooled.wrappedBuffer(records.get(0), records.get(1)));
        assertThat(collector.frames).isEmpty();
        assertThat(openerCounters.records().failures(RecordCounters.Failure.AUTHENTICATION).get()).isEqualTo(1);
        final ByteBuf close = receiver.readOutbound();
        assertThat(ControlCodec.parseClose(close).getReason()).isEqualTo(CloseReason.RECORD_AUTHENTICATION_FAILED);
        close.release();
        finish();
    }

    // ------------------------------------------------------------------ handshake switch point

    private static final class Events implements LinkEvents
    {
        final List<Link> authenticated = new ArrayList<>();
        OverlayView view;

        @Override
        public OverlayView view()
        {
            return view;
        }

        @Override
        public void onAuthenticated(final Link link)
        {
            authenticated.add(link);
        }

        @Override
        public void onLinkClosed(final Link link)
        {
        }

        @Override
        public void onRefusedByPeer(final MemberId expectedPeer, final CloseReason reason)
        {
        }

        @Override
        public void onDirect(final Link link, final MutableDirectBuffer buffer, final int offset, final int length)
        {
        }

        @Override
        public void onBroadcast(final Link link, final ByteBuf frame)
        {
        }
    }

    private static EmbeddedChannel node(final NodeKey key, final Events events, final EngineCounters counters,
        final boolean dialler, final MemberId expected, final ChannelCipher cipher)
    {
        final LinkConfig config = new LinkConfig(key, events, counters, SystemNanoClock.INSTANCE, RANDOM,
            TimeUnit.SECONDS.toNanos(5), 4096, 1024 * 1024, TimeUnit.SECONDS.toNanos(1), 3, 64 * 1024, () -> 1L,
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE),
            new RecordSettings(cipher, 16384, 1 << 20, 1L << 30), true);
        final EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline()
            .addLast(PreAuthGuard.NAME, new PreAuthGuard(config.maxPreAuthBytes(), config.counters()))
            .addLast(ChannelSetup.DECODER, new FrameDecoder(config.maxFrameLength()))
            .addLast(HandshakeHandler.NAME, new HandshakeHandler(config, dialler, expected));
        return channel;
    }

    /** Moves everything written by {@code from} into {@code to} as one inbound buffer (one socket read). */
    private static int pumpMerged(final EmbeddedChannel from, final EmbeddedChannel to)
    {
        final ByteBuf merged = Unpooled.buffer();
        int moved = 0;
        ByteBuf buf;
        while (null != (buf = from.readOutbound()))
        {
            merged.writeBytes(buf);
            buf.release();
            moved++;
        }
        if (moved > 0)
        {
            to.writeInbound(merged);
        }
        else
        {
            merged.release();
        }
        return moved;
    }

    @Test
    void shouldOpenTheFirstRecordThatArrivesInTheSameReadAsTheAuth()
    {
        final List<NodeKey> keys = TestDirectory.keys(2);
        final DirectorySnapshot snapshot = TestDirectory.snapshot(1, keys, List.of(10, 11));
        final Events eventsA = new Events();
        final Events eventsB = new Events();
        eventsA.view = new OverlayView(OverlayTopology.of(snapshot, 2), TestDirectory.memberIdOf(keys.get(0)));
        eventsB.view = new OverlayView(OverlayTopology.of(snapshot, 2), TestDirectory.memberIdOf(keys.get(1)));
        final EngineCounters countersA = EngineCounters.allocate();
        final EngineCounters countersB = EngineCounters.allocate();
        final EmbeddedChannel a = node(keys.get(0), eventsA, countersA, true, TestDirectory.memberIdOf(keys.get(1)), ChannelCipher.AES_GCM);
        final EmbeddedChannel b = node(keys.get(1), eventsB, countersB, false, null, ChannelCipher.CHACHA20_POLY1305);
        pumpMerged(a, b);          // a's HELLO: b answers HELLO + AUTH
        pumpMerged(b, a);          // a sends AUTH, authenticates b
        assertThat(eventsA.authenticated).hasSize(1);
        // a's first sealed frame goes out right behind its AUTH: b reads both in one buffer.
        final ByteBuf ping = Unpooled.buffer();
        PingDescriptor.writeFrame(ping, FrameType.PING, 7);
        a.writeAndFlush(ping);
        pumpMerged(a, b);
        assertThat(eventsB.authenticated).hasSize(1);
        assertThat(countersB.records().recordsOpened().get()).isEqualTo(1);
        pumpMerged(b, a);          // b's PONG, sealed with ChaCha20-Poly1305
        assertThat(countersA.records().recordsOpened().get()).isEqualTo(1);
        assertThat(countersA.records().failures(RecordCounters.Failure.AUTHENTICATION).get()).isZero();
        assertThat(a.pipeline().get(RecordOpener.NAME)).isNotNull();
        assertThat(a.pipeline().get(RecordSealer.NAME)).isNotNull();
        a.finishAndReleaseAll();
        b.finishAndReleaseAll();
    }

    @Test
    void shouldRefuseAPlaintextPeerWithChannelSecurityMismatchInTheClear()
    {
        final List<NodeKey> keys = TestDirectory.keys(2);
        final DirectorySnapshot snapshot = TestDirectory.snapshot(1, keys, List.of(10, 11));
        final Events eventsA = new Events();
        final Events eventsB = new Events();
        eventsA.view = new OverlayView(OverlayTopology.of(snapshot, 2), TestDirectory.memberIdOf(keys.get(0)));
        eventsB.view = new OverlayView(OverlayTopology.of(snapshot, 2), TestDirectory.memberIdOf(keys.get(1)));
        final EngineCounters countersB = EngineCounters.allocate();
        final EmbeddedChannel a = node(keys.get(0), eventsA, EngineCounters.allocate(), true, TestDirectory.memberIdOf(keys.get(1)),
            ChannelCipher.PLAINTEXT);
        final EmbeddedChannel b = node(keys.get(1), eventsB, countersB, false, null, ChannelCipher.AES_GCM);
        ((ByteBuf)b.readOutbound()).release();
        final ByteBuf hello = a.readOutbound();
        b.writeInbound(hello);
        final ByteBuf close = b.readOutbound();
        final Close parsed = ControlCodec.parseClose(close);
        close.release();
        assertThat(parsed.getReason()).isEqualTo(CloseReason.CHANNEL_SECURITY_MISMATCH);
        assertThat(parsed.getText()).contains("requires encrypted records");
        assertThat(countersB.handshakeFailures(CloseReason.CHANNEL_SECURITY_MISMATCH).get()).isEqualTo(1);
        assertThat(b.pipeline().get(RecordSealer.NAME)).isNull();
        a.finishAndReleaseAll();
        b.finishAndReleaseAll();
    }
}
