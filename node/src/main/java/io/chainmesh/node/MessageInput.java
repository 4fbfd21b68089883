package io.chainmesh.node;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The message of {@code sign} and {@code verify}: given inline or read from a UTF-8 file.
 */
final class MessageInput
{
    /** Largest message file accepted. */
    static final int MAX_MESSAGE_FILE_BYTES = 16 * 1024 * 1024;

    @Option(names = "--message", description = "The message text (signed as its UTF-8 bytes).")
    String message;

    @Option(names = "--message-file", paramLabel = "<path>",
        description = "Read the message from a UTF-8 file: its bytes exactly, including any trailing newline.")
    Path messageFile;

    /**
     * @return the message bytes.
     * @throws IllegalArgumentException if neither or both options are given, or the file is
     *                                  unreadable, too large or not UTF-8.
     */
    byte[] bytes()
    {
        if ((null == message) == (null == messageFile))
        {
            throw new IllegalArgumentException("give exactly one of --message or --message-file");
        }
        if (null != message)
        {
            return message.getBytes(StandardCharsets.UTF_8);
        }
        final byte[] bytes = readBounded(messageFile);
        try
        {
            StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes));
        }
        catch (final CharacterCodingException ex)
        {
            throw new IllegalArgumentException("--message-file " + messageFile + " is not valid UTF-8", ex);
        }
        return bytes;
    }

    private static byte[] readBounded(final Path path)
    {
        try (InputStream in = Files.newInputStream(path))
        {
            final byte[] bytes = in.readNBytes(MAX_MESSAGE_FILE_BYTES + 1);
            if (bytes.length > MAX_MESSAGE_FILE_BYTES)
            {
                throw new IllegalArgumentException(
                    "--message-file " + path + " exceeds limit " + MAX_MESSAGE_FILE_BYTES + " bytes");
            }
            return bytes;
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("--message-file " + path + " cannot be read: " + ex, ex);
        }
    }
}
