package io.chainmesh.engine.transport;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.chain.Member;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.control.CloseReason;
import io.chainmesh.codec.crypto.PublicKey;
import io.netty.util.NetUtil;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;

/**
 * Decides whether a peer's HELLO claim, "I speak for member M with key K", may proceed to AUTH (which then
 * proves K). Members are collaterals and one operator may list many of them under one key, so the key alone
 * names no member. The rules, in order:
 * <ol>
 *   <li>M is this node's own member: {@link Verdict#SELF}.</li>
 *   <li>M is not listed: {@link Verdict#NOT_LISTED}.</li>
 *   <li>M is listed with a key other than K: {@link Verdict#WRONG_KEY}. A key listed for X cannot claim a
 *   member Y of another key.</li>
 *   <li>A dialler reached a member other than the one it dialled: {@link Verdict#NOT_DIALLED}. The dialler
 *   connected to M's listed endpoint, so on a dialled link the listed endpoint has decided who M is.</li>
 *   <li>An acceptor sees the claim come from a host other than M's listed host: {@link Verdict#WRONG_HOST}.
 *   This is what separates siblings (members of one operator, one key): a node of the operator can claim
 *   a sibling's collateral only from the address the list gives that sibling. Siblings behind one address
 *   (several FluxOS nodes on one IP with UPnP) cannot be told apart by their source address; their
 *   claims are the operator's own business, and the overlay's duplicate-link rule keeps one link per member.</li>
 * </ol>
 * Stateless; any thread.
 */
public final class MemberClaim
{
    /**
     * The outcome of {@link #check}.
     */
    public enum Verdict
    {
        /** The claim may proceed to AUTH. */
        ACCEPTED(CloseReason.CLOSE_REASON_UNSPECIFIED),
        /** The peer claims this node's own member. */
        SELF(CloseReason.SELF_CONNECTION),
        /** The claimed member is not in the directory. */
        NOT_LISTED(CloseReason.NOT_A_MEMBER),
        /** The claimed member is listed with another key. */
        WRONG_KEY(CloseReason.KEY_NOT_LISTED_FOR_MEMBER),
        /** The dialled endpoint answered for another member. */
        NOT_DIALLED(CloseReason.NOT_AN_EXPECTED_LINK),
        /** An inbound claim from a host other than the member's listed one. */
        WRONG_HOST(CloseReason.ADDRESS_NOT_LISTED_FOR_MEMBER);

        private final CloseReason closeReason;

        Verdict(final CloseReason closeReason)
        {
            this.closeReason = closeReason;
        }

        /**
         * @return the reason sent in CLOSE when the claim is refused.
         */
        public CloseReason closeReason()
        {
            return closeReason;
        }

        /**
         * @param snapshot the directory the claim was checked against.
         * @param claimed  the member claimed.
         * @param key      the key presented.
         * @param dialled  the member dialled, or null on an accepted connection.
         * @param remote   the peer's address.
         * @return a message for CLOSE and logs that says what was wrong.
         */
        public String describe(
            final DirectorySnapshot snapshot,
            final MemberId claimed,
            final PublicKey key,
            final MemberId dialled,
            final SocketAddress remote)
        {
            final Member listed = snapshot.find(claimed);
            return switch (this)
            {
                case ACCEPTED -> "accepted";
                case SELF -> "connected to itself (member " + claimed + ")";
                case NOT_LISTED -> "member " + claimed + " is not in the directory at height " + snapshot.height();
                case WRONG_KEY -> "member " + claimed + " is listed with key " + listed.publicKey() + ", not " + key;
                case NOT_DIALLED -> "dialled " + dialled + " but " + claimed + " answered";
                case WRONG_HOST -> "member " + claimed + " is listed at " + listed.endpoint().host() +
                    ", its claim came from " + remote;
            };
        }
    }

    private MemberClaim()
    {
    }

    /**
     * @param snapshot the current directory.
     * @param self     this node's member.
     * @param claimed  the member the peer's HELLO names.
     * @param key      the key the peer's HELLO names.
     * @param dialled  the member this node dialled, or null when it accepted the connection.
     * @param remote   the peer's address for the listed-host rule, or null to skip that rule (a dialled link,
     *                 or a deployment that turned the rule off).
     * @return the verdict.
     */
    public static Verdict check(
        final DirectorySnapshot snapshot,
        final MemberId self,
        final MemberId claimed,
        final PublicKey key,
        final MemberId dialled,
        final SocketAddress remote)
    {
        if (claimed.equals(self))
        {
            return Verdict.SELF;
        }
        final Member listed = snapshot.find(claimed);
        if (null == listed)
        {
            return Verdict.NOT_LISTED;
        }
        if (!listed.publicKey().equals(key))
        {
            return Verdict.WRONG_KEY;
        }
        if (null != dialled && !claimed.equals(dialled))
        {
            return Verdict.NOT_DIALLED;
        }
        if (remote instanceof InetSocketAddress && !sameHost(listed.endpoint().host(), (InetSocketAddress)remote))
        {
            return Verdict.WRONG_HOST;
        }
        return Verdict.ACCEPTED;
    }

    /**
     * @param listedHost an IP literal from the directory (never a name: no lookup happens).
     * @param remote     a peer's socket address.
     * @return true if both name the same IP, counting an IPv4-mapped IPv6 address as its IPv4 address.
     */
    static boolean sameHost(final String listedHost, final InetSocketAddress remote)
    {
        if (null == remote.getAddress())
        {
            return false;
        }
        final byte[] listed = NetUtil.createByteArrayFromIpAddressString(listedHost);
        return null != listed && Arrays.equals(unmapped(listed), unmapped(remote.getAddress().getAddress()));
    }

    private static byte[] unmapped(final byte[] address)
    {
        if (16 == address.length)
        {
            for (int i = 0; i < 10; i++)
            {
                if (0 != address[i])
                {
                    return address;
                }
            }
            if ((byte)0xFF == address[10] && (byte)0xFF == address[11])
            {
                return Arrays.copyOfRange(address, 12, 16);
            }
        }
        return address;
    }
}
