package io.chainmesh.chain;

/**
 * The one exception the chain adapter throws when a whole answer from the chain is unusable: fluxd
 * unreachable, a timeout, an HTTP error, a JSON-RPC error, a body over its size limit, or a node list
 * that is not JSON or not an array. Sources catch it and keep their previous snapshot.
 * <p>
 * Single bad entries of a list never raise it: they are rejected one by one (see {@link RejectReason}).
 * The message names the input and the rule it broke, e.g.
 * {@code "response body exceeds limit 1048576 bytes from http://127.0.0.1:16124/"}.
 */
public final class ChainDataException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** Not a JSON-RPC error code. */
    public static final int NO_RPC_CODE = 0;

    /** fluxd's "still loading" error code (RPC_IN_WARMUP). */
    public static final int RPC_IN_WARMUP = -28;

    /** JSON-RPC's "method not found" error code. */
    public static final int RPC_METHOD_NOT_FOUND = -32601;

    /**
     * What went wrong, coarse enough to drive health states and log-once decisions.
     */
    public enum Kind
    {
        /** Connection refused, reset or closed early. */
        UNREACHABLE,
        /** No complete answer within the configured timeout. */
        TIMEOUT,
        /** HTTP 401/403: wrong rpcuser/rpcpassword. */
        UNAUTHORIZED,
        /** A non-200 HTTP status without a JSON-RPC error body. */
        HTTP_STATUS,
        /** A response body or file over its size limit. */
        OVERSIZED,
        /** Not JSON, truncated JSON, or not the expected shape. */
        MALFORMED,
        /** The daemon is still starting (JSON-RPC error -28). */
        WARMING_UP,
        /** Any other JSON-RPC error; see {@link #rpcCode()}. */
        RPC_ERROR,
        /** A local I/O failure (e.g. reading a file). */
        IO
    }

    /** What went wrong. */
    private final Kind kind;
    /** The JSON-RPC error code for {@link Kind#RPC_ERROR} and {@link Kind#WARMING_UP}. */
    private final int rpcCode;

    /**
     * @param kind    what went wrong.
     * @param message names the input and the rule it broke.
     */
    public ChainDataException(final Kind kind, final String message)
    {
        this(kind, message, NO_RPC_CODE, null);
    }

    /**
     * @param kind    what went wrong.
     * @param message names the input and the rule it broke.
     * @param cause   the lower-level failure.
     */
    public ChainDataException(final Kind kind, final String message, final Throwable cause)
    {
        this(kind, message, NO_RPC_CODE, cause);
    }

    /**
     * @param kind    what went wrong.
     * @param message names the input and the rule it broke.
     * @param rpcCode the JSON-RPC error code, or {@link #NO_RPC_CODE}.
     * @param cause   the lower-level failure, may be null.
     */
    public ChainDataException(final Kind kind, final String message, final int rpcCode, final Throwable cause)
    {
        super(message, cause);
        this.kind = kind;
        this.rpcCode = rpcCode;
    }

    /**
     * Builds the exception for a JSON-RPC error object.
     *
     * @param code    the error code.
     * @param message the daemon's message.
     * @param method  the method that was called.
     * @return a {@link Kind#WARMING_UP} exception for -28, else {@link Kind#RPC_ERROR}.
     */
    public static ChainDataException rpcError(final int code, final String message, final String method)
    {
        final Kind kind = RPC_IN_WARMUP == code ? Kind.WARMING_UP : Kind.RPC_ERROR;
        return new ChainDataException(kind, "JSON-RPC error " + code + " from " + method + ": " + message, code, null);
    }

    /**
     * @return what went wrong.
     */
    public Kind kind()
    {
        return kind;
    }

    /**
     * @return the JSON-RPC error code, or {@link #NO_RPC_CODE}.
     */
    public int rpcCode()
    {
        return rpcCode;
    }
}
