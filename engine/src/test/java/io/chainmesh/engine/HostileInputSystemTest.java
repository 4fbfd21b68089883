package io.chainmesh.engine;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.codec.control.Close;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.chain.MemberId;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileInputSystemTest
{
    /**
     * Reads frames from a raw socket until the peer closes; returns the CLOSE reason it sent, or null.
     */
    private static CloseReason readUntilClosed(final Socket socket) throws IOException
    {
        final DataInputStream in = new DataInputStream(socket.getInputStream());
        CloseReason reason = null;
        try
        {
            while (true)
            {
                final int length = in.readInt();
                assertThat(length).isBetween(2, 65536);
                final int type = in.readUnsignedByte();
                in.readUnsignedByte();
                final byte[] body = new byte[length - 2];
                in.readFully(body);
                if (type == FrameType.CLOSE)
                {
                    reason = Close.parseFrom(body).getReason();
                }
            }
        }
        catch (final EOFException | SocketException ex)
        {
            return reason;
        }
    }

    private static Socket connect(final ChainmeshNode node) throws IOException
    {
        final Socket socket = new Socket("127.0.0.1", node.localAddress().getPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    @Test
    void shouldCloseHostileConnectionsBeforeAuthWithoutAffectingPeers() throws Exception
    {
        final AtomicInteger delivered = new AtomicInteger();
        try (Cluster cluster = new Cluster(3, 1, ctx -> ctx
            .handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(400))
            .maxPreAuthBytes(2048)
            .directHandler((source, buffer, offset, length) -> delivered.incrementAndGet())))
        {
            final DirectorySnapshot snapshot = cluster.publishAll();
            Await.until("topology", 10_000, () -> cluster.formsTopology(snapshot, 2));
            final ChainmeshNode target = cluster.nodes.get(0);
            final EngineCounters counters = target.counters();

            // garbage: a HELLO frame whose body is not a valid Hello
            try (Socket socket = connect(target))
            {
                final OutputStream out = socket.getOutputStream();
                out.write(new byte[]{0, 0, 0, 12, FrameType.HELLO, 0, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF,
                    (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF});
                out.flush();
                assertThat(readUntilClosed(socket)).isEqualTo(CloseReason.PROTOCOL_VIOLATION);
            }
            // oversized: a length field of 2^31-1
            try (Socket socket = connect(target))
            {
                socket.getOutputStream().write(new byte[]{0x7F, (byte)0xFF, (byte)0xFF, (byte)0xFF, FrameType.HELLO, 0});
                assertThat(readUntilClosed(socket)).isEqualTo(CloseReason.FRAME_TOO_LARGE);
            }
            // more than the pre-auth budget inside one legal-sized frame
            try (Socket socket = connect(target))
            {
                final ByteBuffer frame = ByteBuffer.allocate(6 + 8192);
                frame.putInt(2 + 8192).put((byte)FrameType.HELLO).put((byte)0);
                socket.getOutputStream().write(frame.array());
                assertThat(readUntilClosed(socket)).isEqualTo(CloseReason.PROTOCOL_VIOLATION);
            }
            // a frame other than HELLO first
            try (Socket socket = connect(target))
            {
                socket.getOutputStream().write(new byte[]{0, 0, 0, 18, FrameType.PING, 0,
                    0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2});
                assertThat(readUntilClosed(socket)).isEqualTo(CloseReason.PROTOCOL_VIOLATION);
            }
            // slow loris: one byte, then nothing
            final long start = System.nanoTime();
            try (Socket socket = connect(target))
            {
                socket.getOutputStream().write(0);
                assertThat(readUntilClosed(socket)).isEqualTo(CloseReason.HANDSHAKE_TIMEOUT);
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(300);
            // silent connection that never sends anything
            try (Socket socket = connect(target))
            {
                assertThat(readUntilClosed(socket)).isEqualTo(CloseReason.HANDSHAKE_TIMEOUT);
            }

            assertThat(counters.handshakeFailures(CloseReason.PROTOCOL_VIOLATION).get()).isEqualTo(3);
            assertThat(counters.handshakeFailures(CloseReason.FRAME_TOO_LARGE).get()).isEqualTo(1);
            assertThat(counters.handshakeFailures(CloseReason.HANDSHAKE_TIMEOUT).get()).isEqualTo(2);

            // the real links stayed up and still carry messages
            assertThat(cluster.formsTopology(snapshot, 2)).isTrue();
            assertThat(counters.linksClosed().get()).isZero();
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
            int sent = 0;
            for (final ChainmeshNode node : cluster.nodes)
            {
                if (node != target)
                {
                    final MemberId to = target.member();
                    assertThat(node.send(to, payload, 0, 64)).isEqualTo(Status.OK);
                    sent++;
                }
            }
            final int expected = sent;
            Await.until("delivery after attacks", 5_000, () -> delivered.get() == expected);
        }
    }

    @Test
    void shouldNotReadSocketAfterHostileCloseForever() throws Exception
    {
        try (Cluster cluster = new Cluster(1, 1, ctx -> ctx.handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200))))
        {
            cluster.publishAll();
            try (Socket socket = connect(cluster.nodes.get(0)))
            {
                final InputStream in = socket.getInputStream();
                // the node speaks first: its HELLO arrives before anything is sent
                final byte[] header = in.readNBytes(6);
                assertThat(header[4]).isEqualTo((byte)FrameType.HELLO);
            }
        }
    }
}
