package io.chainmesh.engine;

/**
 * Results of the engine's non-blocking calls ({@link ChainmeshNode#send}); like Aeron's
 * {@code Publication.offer}: a value {@code >= 0} means accepted, a negative value says why not.
 * Every negative result is also counted (see {@link EngineCounters}); nothing is refused silently.
 */
public final class Status
{
    /** Accepted: the message is queued on the link towards its destination. */
    public static final long OK = 0;
    /** The link's outbound byte budget is full or the channel is not writable; retry later. */
    public static final long BACK_PRESSURED = -1;
    /** The destination is not a member, is this node, or no connected neighbour is closer to it. */
    public static final long NO_ROUTE = -2;
    /** The node is closed. */
    public static final long CLOSED = -3;
    /** The payload is longer than {@link ChainmeshNode#maxDirectPayloadLength()}. */
    public static final long MESSAGE_TOO_LARGE = -4;
    /** Reserved for broadcast {@code offer} (issue 6): no peer is connected. */
    public static final long NOT_CONNECTED = -5;

    private Status()
    {
    }

    /**
     * @param status a status returned by the engine.
     * @return its name, for logs and tests.
     */
    public static String name(final long status)
    {
        if (status >= 0)
        {
            return "OK";
        }
        switch ((int)status)
        {
            case -1: return "BACK_PRESSURED";
            case -2: return "NO_ROUTE";
            case -3: return "CLOSED";
            case -4: return "MESSAGE_TOO_LARGE";
            case -5: return "NOT_CONNECTED";
            default: return "UNKNOWN(" + status + ")";
        }
    }
}
