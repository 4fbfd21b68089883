package io.chainmesh.node.flux;

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
 * A FluxOS-style peer written on a plain socket, so tests control every byte: the upgrade request (path, headers),
 * masked frames of any opcode and size, and whether pings are answered.
 */
final class FluxRawPeer implements AutoCloseable
{
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
        socket.connect(address, 5000);
        socket.setSoTimeout(20_000);
        final String key = Base64.getEncoder().encodeToString("fluxpeer-key-016".getBytes(StandardCharsets.US_ASCII));
        final String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + address.getPort() + "\r\n" +
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n" +
            extraHeaders + "\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        final InputStream raw = socket.getInputStream();
        final StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0)
        {
            final int b = raw.read();
            if (b < 0)
            {
                break;
            }
            head.append((char)b);
        }
        return new FluxRawPeer(socket, head.toString());
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
        final ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x80 | opcode);
        if (payload.length < 126)
        {
            frame.write(0x80 | payload.length);
        }
        else if (payload.length < 65536)
        {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        }
        else
        {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8)
            {
                frame.write((int)((long)payload.length >>> shift));
            }
        }
        final byte[] mask = {1, 2, 3, 4};
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++)
        {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /** Reads one frame, or null at end of stream. Pings are returned like any frame (never answered here). */
    Frame readFrame() throws IOException
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
        final byte[] payload = new byte[(int)length];
        in.readFully(payload);
        return new Frame(first & 0x0F, payload);
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
