package io.chainmesh.node.flux;

import io.chainmesh.node.WebSocketWire;
import io.chainmesh.node.WebSocketWire.Frame;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A FluxOS-style peer written on a plain socket, so tests control every byte: the upgrade request (path, headers),
 * masked frames of any opcode and size, and whether pings are answered.
 */
final class FluxRawPeer implements AutoCloseable
{
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    final String head;

    private FluxRawPeer(final Socket socket, final String head) throws IOException
    {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.head = head;
    }

    static FluxRawPeer connect(final InetSocketAddress address, final String path, final String extraHeaders)
        throws IOException
    {
        final Socket socket = new Socket();
        final String head = WebSocketWire.upgrade(socket, address, path, extraHeaders);
        return new FluxRawPeer(socket, head);
    }

    boolean upgraded()
    {
        return head.startsWith("HTTP/1.1 101");
    }

    void sendText(final String text) throws IOException
    {
        writeFrame(0x1, text.getBytes(StandardCharsets.UTF_8));
    }

    void writeFrame(final int opcode, final byte[] payload) throws IOException
    {
        WebSocketWire.writeFrame(out, 0x80 | opcode, payload, true);
    }

    /** Reads one frame, or null at end of stream. Pings are returned like any frame (never answered here). */
    Frame readFrame() throws IOException
    {
        return WebSocketWire.readFrame(in);
    }

    /** Reads until a frame of this opcode (answering pings with pongs), or fails at a close or end of stream. */
    Frame read(final int opcode) throws IOException
    {
        while (true)
        {
            final Frame frame = readFrame();
            if (null == frame || (frame.opcode() == 0x8 && opcode != 0x8))
            {
                throw new AssertionError("closed before a frame of opcode " + opcode +
                    (null == frame ? "" : " (close " + frame.closeCode() + ")"));
            }
            if (frame.opcode() == 0x9)
            {
                writeFrame(0xA, frame.payload());
            }
            if (frame.opcode() == opcode)
            {
                return frame;
            }
        }
    }

    /** Reads until the close frame (its code) or end of stream (-1), never answering pings. */
    int readCloseCode() throws IOException
    {
        while (true)
        {
            final Frame frame = readFrame();
            if (null == frame)
            {
                return -1;
            }
            if (frame.opcode() == 0x8)
            {
                return frame.closeCode();
            }
        }
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }
}
