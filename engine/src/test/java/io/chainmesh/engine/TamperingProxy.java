package io.chainmesh.engine;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP relay on 127.0.0.1 that sits on the path of a link and can misbehave, frame by frame, on the
 * dialler-to-acceptor direction (the acceptor-to-dialler direction is relayed untouched). It parses the
 * chainmesh framing ({@code u32 length} + body), which records keep, so it can act on whole records
 * after the handshake without knowing any key. Every byte it relays client-to-server is captured, per connection.
 * <p>
 * Only the newest connection is tampered with (a refused first dial may have been re-dialled before the
 * link came up); older ones are relayed as they are.
 * Threads: one acceptor, two pumps per connection; all daemon, stopped by {@link #close()}.
 */
final class TamperingProxy implements AutoCloseable
{
    /** What to do to the frames that follow {@link #arm(Mode)}. */
    enum Mode
    {
        /** Relay unchanged. */
        NONE,
        /** Flip one bit in the middle of the next frame's body. */
        FLIP_BIT,
        /** Cut the last 5 bytes of the next frame and fix its length field, as a clean truncation would. */
        TRUNCATE,
        /** Send the first 10 bytes of the next frame, then close both connections. */
        TRUNCATE_AND_CLOSE,
        /** Relay the next frame, then send it again. */
        REPLAY,
        /** Hold the next frame until the one after it has been relayed, then send it. */
        REORDER
    }

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Thread acceptor;
    private final CopyOnWriteArrayList<Socket> sockets = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<ByteArrayOutputStream> captures = new CopyOnWriteArrayList<>();
    private final AtomicReference<Mode> armed = new AtomicReference<>(Mode.NONE);
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch tampered = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile int connections;

    TamperingProxy(final int targetPort) throws IOException
    {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.acceptor = new Thread(this::acceptLoop, "tampering-proxy-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port()
    {
        return server.getLocalPort();
    }

    /** Tamper with the next frame(s) of the newest connection, client to server. */
    void arm(final Mode mode)
    {
        armed.set(mode);
    }

    /** Released when a REORDER holds its first frame. */
    CountDownLatch held()
    {
        return held;
    }

    /** Released once the armed action has been carried out. */
    CountDownLatch tampered()
    {
        return tampered;
    }

    /** @return a copy of everything relayed from client to server so far, connection after connection. */
    byte[] captured()
    {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        capturedConnections().forEach(all::writeBytes);
        return all.toByteArray();
    }

    /**
     * @return a copy of what was relayed from client to server so far on each connection, in the order the
     *         connections were accepted (a re-dial after a refused first dial is a second connection).
     */
    List<byte[]> capturedConnections()
    {
        final List<byte[]> copies = new ArrayList<>();
        for (final ByteArrayOutputStream capture : captures)
        {
            synchronized (capture)
            {
                copies.add(capture.toByteArray());
            }
        }
        return copies;
    }

    private void acceptLoop()
    {
        while (!closed)
        {
            try
            {
                final Socket client = server.accept();
                final Socket upstream = new Socket();
                upstream.connect(target, 5000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                final ByteArrayOutputStream capture = new ByteArrayOutputStream();
                captures.add(capture);
                final int id = ++connections;
                start("c2s", () -> framePump(client, upstream, id, capture));
                start("s2c", () -> rawPump(upstream, client));
            }
            catch (final IOException ex)
            {
                if (!closed)
                {
                    continue;
                }
                return;
            }
        }
    }

    private void start(final String name, final Runnable pump)
    {
        final Thread thread = new Thread(pump, "tampering-proxy-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void rawPump(final Socket from, final Socket to)
    {
        final byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream())
        {
            int n;
            while ((n = in.read(buffer)) >= 0)
            {
                out.write(buffer, 0, n);
            }
        }
        catch (final IOException ignore)
        {
            // The other pump or close() ended the connection.
        }
        closeQuietly(from);
        closeQuietly(to);
    }

    private void framePump(final Socket from, final Socket to, final int id, final ByteArrayOutputStream capture)
    {
        try (DataInputStream in = new DataInputStream(from.getInputStream()); OutputStream out = to.getOutputStream())
        {
            byte[] heldFrame = null;
            while (true)
            {
                final int length;
                try
                {
                    length = in.readInt();
                }
                catch (final EOFException ex)
                {
                    break;
                }
                if (length < 0 || length > 64 * 1024 * 1024)
                {
                    throw new IOException("frame length " + length + " out of range");
                }
                final byte[] frame = new byte[4 + length];
                frame[0] = (byte)(length >>> 24);
                frame[1] = (byte)(length >>> 16);
                frame[2] = (byte)(length >>> 8);
                frame[3] = (byte)length;
                in.readFully(frame, 4, length);
                final Mode mode = id == connections ? armed.getAndSet(Mode.NONE) : Mode.NONE;
                if (null != heldFrame)
                {
                    send(out, capture, frame);
                    // The reordering is done once the later frame is out. The acceptor may refuse it and end the
                    // connection (the other pump then closes both sockets) before the held frame is written, so
                    // that write may fail; it must not keep the tampering from being reported.
                    tampered.countDown();
                    final byte[] late = heldFrame;
                    heldFrame = null;
                    send(out, capture, late);
                    continue;
                }
                switch (mode)
                {
                    case FLIP_BIT:
                        frame[4 + length / 2] ^= 0x04;
                        send(out, capture, frame);
                        tampered.countDown();
                        break;

                    case TRUNCATE:
                    {
                        final byte[] cut = java.util.Arrays.copyOf(frame, frame.length - 5);
                        final int shorter = length - 5;
                        cut[0] = (byte)(shorter >>> 24);
                        cut[1] = (byte)(shorter >>> 16);
                        cut[2] = (byte)(shorter >>> 8);
                        cut[3] = (byte)shorter;
                        send(out, capture, cut);
                        tampered.countDown();
                        break;
                    }

                    case TRUNCATE_AND_CLOSE:
                        send(out, capture, java.util.Arrays.copyOf(frame, 10));
                        out.flush();
                        tampered.countDown();
                        closeQuietly(to);
                        closeQuietly(from);
                        return;

                    case REPLAY:
                        send(out, capture, frame);
                        send(out, capture, frame);
                        tampered.countDown();
                        break;

                    case REORDER:
                        heldFrame = frame;
                        held.countDown();
                        break;

                    default:
                        send(out, capture, frame);
                        break;
                }
            }
        }
        catch (final IOException ignore)
        {
            // Connection ended.
        }
        closeQuietly(from);
        closeQuietly(to);
    }

    private static void send(final OutputStream out, final ByteArrayOutputStream capture, final byte[] frame)
        throws IOException
    {
        synchronized (capture)
        {
            capture.write(frame, 0, frame.length);
        }
        out.write(frame);
        out.flush();
    }

    private static void closeQuietly(final Socket socket)
    {
        try
        {
            socket.close();
        }
        catch (final IOException ignore)
        {
            // Closing anyway.
        }
    }

    @Override
    public void close()
    {
        closed = true;
        try
        {
            server.close();
        }
        catch (final IOException ignore)
        {
            // Closing anyway.
        }
        sockets.forEach(TamperingProxy::closeQuietly);
        try
        {
            acceptor.join(2000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
