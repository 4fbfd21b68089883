package io.chainmesh.node.app;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.DirectorySource;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The one place where the application API's member names meet the engine's peer identity. On the API a member
 * is named by its collateral outpoint {@code txhash:outputIndex} ({@link Member#collateral()}); the engine
 * addresses peers by {@link MemberId} and names broadcast origins by {@link MemberId#originId()}. Both directions
 * are looked up in tables built from each {@link DirectorySnapshot}.
 * <p>
 * Threads: the directory source's thread rebuilds the tables and publishes them through a volatile field; the
 * engine's commit and IO threads and the API's thread read them without locks or allocation.
 */
final class AppMembers implements AutoCloseable
{
    private final MemberId self;
    private final AutoCloseable subscription;
    private volatile Names names;

    AppMembers(final DirectorySource source, final MemberId self)
    {
        this.self = self;
        names = new Names(source.current(), self);
        subscription = source.subscribe((snapshot, diff) -> names = new Names(snapshot, self));
    }

    /**
     * @param originId a broadcast origin or {@code MemberId.originId()} of a direct sender.
     * @return its member name as ASCII bytes (shared, never modify), or null if the directory does not list it.
     */
    byte[] nameOf(final long originId)
    {
        return names.nameByOrigin.get(originId);
    }

    /**
     * @param source a direct message's sender.
     * @return its member name as ASCII bytes (shared, never modify), or null if the directory does not list it.
     */
    byte[] nameOf(final MemberId source)
    {
        return names.nameByOrigin.get(source.originId());
    }

    /**
     * @param name a member name {@code txhash:outputIndex}.
     * @return the engine's address of that member, or null if the directory does not list it.
     */
    MemberId peerOf(final String name)
    {
        return names.peerByName.get(name);
    }

    /** @return this node's member name, or null while the directory does not list it. */
    String selfName()
    {
        return names.selfName;
    }

    /** @return the snapshot the tables were built from. */
    DirectorySnapshot snapshot()
    {
        return names.snapshot;
    }

    @Override
    public void close()
    {
        org.agrona.CloseHelper.quietClose(subscription);
    }

    private static final class Names
    {
        final DirectorySnapshot snapshot;
        final Long2ObjectHashMap<byte[]> nameByOrigin = new Long2ObjectHashMap<>();
        final Map<String, MemberId> peerByName = new HashMap<>();
        final String selfName;

        Names(final DirectorySnapshot snapshot, final MemberId self)
        {
            this.snapshot = snapshot;
            String selfCollateral = null;
            for (final Member member : snapshot.members())
            {
                final String name = member.collateral();
                nameByOrigin.put(member.originId(), name.getBytes(StandardCharsets.US_ASCII));
                peerByName.put(name, member.id());
                if (member.id().equals(self))
                {
                    selfCollateral = name;
                }
            }
            selfName = selfCollateral;
        }
    }
}
