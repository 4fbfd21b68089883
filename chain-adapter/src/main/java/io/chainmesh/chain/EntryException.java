package io.chainmesh.chain;

/**
 * Internal signal that one node list entry is invalid; carries the reason. Stackless because it is
 * part of normal control flow when a list holds many bad entries.
 */
final class EntryException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final RejectReason reason;

    EntryException(final RejectReason reason, final String message)
    {
        super(message, null, false, false);
        this.reason = reason;
    }

    RejectReason reason()
    {
        return reason;
    }
}
