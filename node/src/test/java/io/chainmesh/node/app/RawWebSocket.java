package io.chainmesh.node.app;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A WebSocket client written against the wire, for tests that must break the protocol (bad opcodes, oversized
 * frames) or stop reading (slow subscribers), which a well-behaved client library cannot.
 */
final class RawWebSocket implements AutoCloseable
{
    /** One frame from the server. */
    record Frame(int opcode, byte[] payload)
    {
        String text()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode()
        {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
        }
    }

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
        socket.connect(address, 5000);
        socket.setSoTimeout(20_000);
        final String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
        final String request = "GET " + AppApiServer.PATH + " HTTP/1.1\r\n" +
            "Host: " + address.getAddress().getHostAddress() + ":" + address.getPort() + "\r\n" +
            "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n" +
            extraHeaders + "\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        final InputStream in = socket.getInputStream();
        final StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0)
        {
            final int b = in.read();
            if (b < 0)
            {
                break;
            }
            head.append((char)b);
        }
        final int end = head.indexOf("\r\n");
        return new RawWebSocket(socket, end < 0 ? head.toString() : head.substring(0, end));
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
        final ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(firstByte);
        final int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126)
        {
            frame.write(maskBit | payload.length);
        }
        else if (payload.length < 65536)
        {
            frame.write(maskBit | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        }
        else
        {
            frame.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8)
            {
                frame.write((int)((long)payload.length >>> shift));
            }
        }
        final byte[] mask = {1, 2, 3, 4};
        if (masked)
        {
            frame.write(mask, 0, 4);
        }
        for (int i = 0; i < payload.length; i++)
        {
            frame.write(masked ? payload[i] ^ mask[i & 3] : payload[i]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /** Reads one frame, or returns null at end of stream. */
    Frame readFrame() throws IOException
    {
        final int first = in.read();
        if (first < 0)
        {
            return null;
        }
        int length = in.readUnsignedByte() & 0x7F;
        if (length == 126)
        {
            length = in.readUnsignedShort();
        }
        else if (length == 127)
        {
            length = (int)in.readLong();
        }
        final byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(first & 0x0F, payload);
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
