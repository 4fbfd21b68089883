package io.chainmesh.node;

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
 * The WebSocket wire (RFC 6455) written by hand for tests that must control every byte: the upgrade request and
 * frames of any first byte, size and masking. Shared by the raw clients of the application API and the FluxOS bridge.
 */
public final class WebSocketWire
{
    /** One frame read from the server. */
    public record Frame(int opcode, byte[] payload)
    {
        /**
         * @return the payload as UTF-8 text.
         */
        public String text()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /**
         * @return the status code of a close frame, or -1 if the payload has none.
         */
        public int closeCode()
        {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
        }
    }

    private WebSocketWire()
    {
    }

    /**
     * Connects, sends an upgrade request for {@code path} with the given extra header lines and reads the response
     * head.
     *
     * @param socket       an unconnected socket (options such as SO_RCVBUF already set).
     * @param address      where to connect.
     * @param path         the request path.
     * @param extraHeaders header lines, each ending with CRLF.
     * @return the response head, up to and including the empty line (less if the server closed first).
     * @throws IOException if the socket fails.
     */
    public static String upgrade(
        final Socket socket, final InetSocketAddress address, final String path, final String extraHeaders)
        throws IOException
    {
        socket.connect(address, 5000);
        socket.setSoTimeout(20_000);
        final String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
        final String request = "GET " + path + " HTTP/1.1\r\n" +
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
        return head.toString();
    }

    /**
     * Writes one frame.
     *
     * @param out       where to write.
     * @param firstByte FIN, reserved bits and opcode, as sent.
     * @param payload   the payload.
     * @param masked    whether to mask it, as a client must.
     * @throws IOException if the write fails.
     */
    public static void writeFrame(final OutputStream out, final int firstByte, final byte[] payload, final boolean masked)
        throws IOException
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

    /**
     * Reads one unmasked frame from the server.
     *
     * @param in where to read.
     * @return the frame, or null at end of stream.
     * @throws IOException if the read fails or the frame claims more than 16 MiB.
     */
    public static Frame readFrame(final DataInputStream in) throws IOException
    {
        final int first = in.read();
        if (first < 0)
        {
            return null;
        }
        long length = in.readUnsignedByte() & 0x7F;
        if (length == 126)
        {
            length = in.readUnsignedShort();
        }
        else if (length == 127)
        {
            length = in.readLong();
        }
        if (length < 0 || length > 16 * 1024 * 1024)
        {
            throw new IOException("frame length " + length + " is not in [0, 16 MiB]");
        }
        final byte[] payload = new byte[(int)length];
        in.readFully(payload);
        return new Frame(first & 0x0F, payload);
    }
}
