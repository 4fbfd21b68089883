package io.chainmesh.node.app;

import io.chainmesh.node.WebSocketWire;
import io.chainmesh.node.WebSocketWire.Frame;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A WebSocket client written against the wire, for tests that must break the protocol (bad opcodes, oversized
 * frames) or stop reading (slow subscribers), which a well-behaved client library cannot.
 */
final class RawWebSocket implements AutoCloseable
{
    final Socket socket;
    final DataInputStream in;
    final OutputStream out;
    final String statusLine;

    private RawWebSocket(final Socket socket, final String statusLine) throws IOException
    {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.statusLine = statusLine;
    }

    /**
     * Sends an upgrade request with the given extra header lines and reads the response head.
     *
     * @param receiveBuffer SO_RCVBUF for the socket, or 0 for the default.
     */
    static RawWebSocket connect(final InetSocketAddress address, final String extraHeaders, final int receiveBuffer)
        throws IOException
    {
        final Socket socket = new Socket();
        if (receiveBuffer > 0)
        {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        final String head = WebSocketWire.upgrade(socket, address, AppApiServer.PATH, extraHeaders);
        final int end = head.indexOf("\r\n");
        return new RawWebSocket(socket, end < 0 ? head : head.substring(0, end));
    }

    boolean upgraded()
    {
        return statusLine.startsWith("HTTP/1.1 101");
    }

    /** Writes one masked frame with FIN set. */
    void writeFrame(final int opcode, final byte[] payload) throws IOException
    {
        writeFrame(0x80 | opcode, payload, true);
    }

    void writeFrame(final int firstByte, final byte[] payload, final boolean masked) throws IOException
    {
        WebSocketWire.writeFrame(out, firstByte, payload, masked);
    }

    /** Reads one frame, or returns null at end of stream. */
    Frame readFrame() throws IOException
    {
        return WebSocketWire.readFrame(in);
    }

    /** Reads frames until one is a text frame containing {@code fragment}, or fails at a close or end of stream. */
    Frame readTextContaining(final String fragment) throws IOException
    {
        while (true)
        {
            final Frame frame = readFrame();
            if (null == frame || frame.opcode() == 0x8)
            {
                throw new AssertionError("connection closed before a text frame with " + fragment +
                    (null == frame ? "" : " (close " + frame.closeCode() + ")"));
            }
            if (frame.opcode() == 0x1 && frame.text().contains(fragment))
            {
                return frame;
            }
        }
    }

    /** Reads frames until a close frame (returned) or end of stream (null). */
    Frame readUntilClose() throws IOException
    {
        while (true)
        {
            final Frame frame = readFrame();
            if (null == frame || frame.opcode() == 0x8)
            {
                return frame;
            }
        }
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }
}
