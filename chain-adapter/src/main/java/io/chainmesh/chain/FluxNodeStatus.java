package io.chainmesh.chain;

/**
 * A node's own entry as {@code getfluxnodestatus} reports it.
 *
 * @param status  fluxd's status text, e.g. {@code CONFIRMED} when the node is in the list.
 * @param member  the entry validated as a member, or null when absent or invalid.
 * @param problem why {@code member} is null (empty when it is set).
 */
public record FluxNodeStatus(String status, Member member, String problem)
{
    /**
     * @return true if fluxd reports the node as confirmed and its entry is valid.
     */
    public boolean isConfirmed()
    {
        return "CONFIRMED".equalsIgnoreCase(status) && null != member;
    }
}
