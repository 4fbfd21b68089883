package io.chainmesh.node.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The shared secret a client must present to use the application API, read once from a file.
 * <p>
 * A token is 16 to 256 characters of {@code A-Z a-z 0-9 - . _ ~} (valid both in an {@code Authorization: Bearer}
 * header and in a {@code Sec-WebSocket-Protocol} value), e.g. 64 hex digits from
 * {@code head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'}. Surrounding whitespace in the file is ignored.
 * Comparison hashes both sides with SHA-256 and compares the digests with {@link MessageDigest#isEqual}, so the
 * time taken says nothing about how much of a guess matched, nor about the token's length.
 */
public final class AppToken
{
    /** Shortest token. */
    public static final int MIN_LENGTH = 16;
    /** Longest token. */
    public static final int MAX_LENGTH = 256;
    private static final int MAX_FILE_BYTES = 4096;

    private final byte[] digest;

    private AppToken(final String token)
    {
        digest = sha256(token);
    }

    /**
     * @param file the token file.
     * @return the token.
     * @throws IllegalArgumentException naming the file and the rule broken (never echoing the content).
     */
    public static AppToken read(final Path file)
    {
        final String token;
        try
        {
            if (!Files.isRegularFile(file))
            {
                throw new IllegalArgumentException(file + " is not a readable file");
            }
            if (Files.size(file) > MAX_FILE_BYTES)
            {
                throw new IllegalArgumentException(file + " is " + Files.size(file) + " bytes, exceeds limit " +
                    MAX_FILE_BYTES);
            }
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException(file + " cannot be read: " + ex.getMessage(), ex);
        }
        final String problem = check(token);
        if (null != problem)
        {
            throw new IllegalArgumentException(file + " does not hold a valid token: " + problem);
        }
        return new AppToken(token);
    }

    /**
     * @param token a candidate token.
     * @return null if it is well formed, else what is wrong (without echoing it).
     */
    public static String check(final String token)
    {
        if (token.length() < MIN_LENGTH || token.length() > MAX_LENGTH)
        {
            return "length " + token.length() + " must be in [" + MIN_LENGTH + ", " + MAX_LENGTH + "]";
        }
        for (int i = 0; i < token.length(); i++)
        {
            final char c = token.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.' || c == '_' || c == '~'))
            {
                return "character " + i + " is not one of A-Z a-z 0-9 - . _ ~";
            }
        }
        return null;
    }

    /**
     * @param candidate what a client presented (null for nothing).
     * @return true if it is the token; constant time in the candidate's content.
     */
    public boolean matches(final String candidate)
    {
        return null != candidate && MessageDigest.isEqual(digest, sha256(candidate));
    }

    private static byte[] sha256(final String value)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
    }
}
