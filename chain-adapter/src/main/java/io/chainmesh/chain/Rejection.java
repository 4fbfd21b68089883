package io.chainmesh.chain;

/**
 * One rejected node list entry, kept as an example for logs and diagnostics.
 *
 * @param index      position of the entry in the input array.
 * @param collateral the entry's collateral as far as it could be read (bounded), or empty.
 * @param reason     why it was rejected.
 * @param message    what was wrong, naming the field and value.
 */
public record Rejection(int index, String collateral, RejectReason reason, String message)
{
    @Override
    public String toString()
    {
        return "#" + index + " " + collateral + " " + reason + ": " + message;
    }
}
