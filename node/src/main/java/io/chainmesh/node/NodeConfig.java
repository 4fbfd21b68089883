package io.chainmesh.node;

import io.chainmesh.codec.CodecException;
import io.chainmesh.chain.Endpoint;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.node.app.AppApiServer;
import io.chainmesh.node.app.AppToken;
import io.chainmesh.node.flux.FluxBridge;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;

/**
 * The validated configuration of {@code chainmesh node}, read from a Java properties file.
 * <p>
 * Every field is checked up front by {@link #load(Path)}; a bad or missing field raises
 * {@link ConfigException} whose message names the field and the value. Relative paths are resolved
 * against the config file's directory. See {@code chainmesh node --print-example-config}.
 */
public final class NodeConfig
{
    /** Largest config file read, in bytes. */
    public static final int MAX_CONFIG_BYTES = 64 * 1024;
    /** Largest key file read, in bytes. */
    public static final int MAX_KEY_FILE_BYTES = 4096;

    static final String NODE_KEY_FILE = "node.key.file";
    static final String MEMBER = "node.member";
    static final String REQUIRE_MEMBERSHIP = "node.require.membership";
    static final String LISTEN_ADDRESS = "listen.address";
    static final String DIRECTORY_SOURCE = "directory.source";
    static final String FLUX_CONF = "directory.fluxd.conf";
    static final String RPC_URL = "directory.rpc.url";
    static final String RPC_USER = "directory.rpc.user";
    static final String RPC_PASSWORD = "directory.rpc.password";
    static final String FILE_PATH = "directory.file.path";
    static final String POLL_INTERVAL_MS = "directory.poll.interval.ms";
    static final String HTTP_ADDRESS = "http.address";
    static final String COUNTERS_FILE = "counters.file";
    static final String LAST_GOOD_LIST_FILE = "directory.last.good.file";
    static final String MAX_FRAME_LENGTH = "limits.max.frame.length";
    static final String PEER_OUTBOUND_BUDGET = "limits.peer.outbound.budget";
    static final String MAX_UNAUTHENTICATED = "limits.max.unauthenticated.connections";
    static final String MAX_UNAUTHENTICATED_PER_SOURCE = "limits.max.unauthenticated.per.source";
    static final String APP_ADDRESS = "app.address";
    static final String APP_TOKEN_FILE = "app.token.file";
    static final String APP_MAX_FRAME_LENGTH = "app.max.frame.length";
    static final String APP_CLIENT_QUEUE_BYTES = "app.client.queue.bytes";
    static final String APP_SLOW_SUBSCRIBER = "app.slow.subscriber";
    static final String APP_MAX_CLIENTS = "app.max.clients";
    static final String FLUX_LISTEN_ADDRESS = "flux.listen.address";
    static final String FLUX_FLUXOS_ADDRESS = "flux.fluxos.address";
    static final String FLUX_ADVERTISED_PORT = "flux.advertised.port";
    static final String FLUX_PEERS_ALLOW = "flux.peers.allow";
    static final String FLUX_MAX_PEERS = "flux.max.peers";
    static final String FLUX_MAX_FRAME_LENGTH = "flux.max.frame.length";
    static final String FLUX_SEEN_CAPACITY = "flux.seen.capacity";

    private static final Set<String> KNOWN = Set.of(NODE_KEY_FILE, MEMBER, REQUIRE_MEMBERSHIP, LISTEN_ADDRESS, DIRECTORY_SOURCE, FLUX_CONF,
        RPC_URL, RPC_USER, RPC_PASSWORD, FILE_PATH, POLL_INTERVAL_MS, HTTP_ADDRESS, COUNTERS_FILE, LAST_GOOD_LIST_FILE, MAX_FRAME_LENGTH,
        PEER_OUTBOUND_BUDGET, MAX_UNAUTHENTICATED, MAX_UNAUTHENTICATED_PER_SOURCE, APP_ADDRESS, APP_TOKEN_FILE, APP_MAX_FRAME_LENGTH,
        APP_CLIENT_QUEUE_BYTES, APP_SLOW_SUBSCRIBER, APP_MAX_CLIENTS, FLUX_LISTEN_ADDRESS, FLUX_FLUXOS_ADDRESS, FLUX_ADVERTISED_PORT,
        FLUX_PEERS_ALLOW, FLUX_MAX_PEERS, FLUX_MAX_FRAME_LENGTH, FLUX_SEEN_CAPACITY);

    /** The kind of directory source. */
    public enum SourceKind
    {
        /** fluxd JSON-RPC, from a flux.conf or url + credentials. */
        FLUXD,
        /** A JSON file in {@code viewdeterministicfluxnodelist} shape. */
        FILE,
        /** A devnet endpoint speaking fluxd's JSON-RPC. */
        DEVNET
    }

    private final NodeKey nodeKey;
    private final MemberId member;
    private final boolean requireMembership;
    private final InetSocketAddress listenAddress;
    private final SourceKind sourceKind;
    private final Path fluxConf;
    private final URI rpcUrl;
    private final String rpcUser;
    private final String rpcPassword;
    private final Path filePath;
    private final long pollIntervalMs;
    private final InetSocketAddress httpAddress;
    private final Path countersFile;
    private final Path lastGoodListFile;
    private final int maxFrameLength;
    private final int peerOutboundBudget;
    private final int maxUnauthenticated;
    private final int maxUnauthenticatedPerSource;
    private final InetSocketAddress appAddress;
    private final AppToken appToken;
    private final int appMaxFrameLength;
    private final int appClientQueueBytes;
    private final AppApiServer.SlowSubscriberPolicy appSlowSubscriber;
    private final int appMaxClients;
    private final InetSocketAddress fluxListenAddress;
    private final InetSocketAddress fluxOsAddress;
    private final int fluxAdvertisedPort;
    private final Set<InetAddress> fluxPeersAllow;
    private final int fluxMaxPeers;
    private final int fluxMaxFrameLength;
    private final int fluxSeenCapacity;

    private NodeConfig(final Properties p, final Path base)
    {
        for (final String name : p.stringPropertyNames())
        {
            if (!KNOWN.contains(name))
            {
                // The value is not echoed: a misspelt password key must not end up in a log.
                throw new ConfigException(name, "is not a known setting (known: " + new java.util.TreeSet<>(KNOWN) + ")");
            }
        }
        nodeKey = readKey(path(p, base, NODE_KEY_FILE, true));
        member = memberId(p);
        requireMembership = bool(p, REQUIRE_MEMBERSHIP, false);
        listenAddress = null == p.getProperty(LISTEN_ADDRESS) ? null : address(p, LISTEN_ADDRESS, null);
        final String kind = required(p, DIRECTORY_SOURCE);
        switch (kind)
        {
            case "fluxd" -> sourceKind = SourceKind.FLUXD;
            case "file" -> sourceKind = SourceKind.FILE;
            case "devnet" -> sourceKind = SourceKind.DEVNET;
            default -> throw new ConfigException(DIRECTORY_SOURCE, kind, "must be one of fluxd, file, devnet");
        }
        pollIntervalMs = longValue(p, POLL_INTERVAL_MS, 1000, 10, 600_000);
        if (sourceKind == SourceKind.FILE)
        {
            filePath = path(p, base, FILE_PATH, true);
            if (!Files.isRegularFile(filePath))
            {
                throw new ConfigException(FILE_PATH, filePath.toString(), "is not a readable file");
            }
            fluxConf = null;
            rpcUrl = null;
            rpcUser = null;
            rpcPassword = null;
        }
        else
        {
            filePath = null;
            fluxConf = sourceKind == SourceKind.FLUXD ? path(p, base, FLUX_CONF, false) : null;
            if (null != fluxConf)
            {
                if (!Files.isRegularFile(fluxConf))
                {
                    throw new ConfigException(FLUX_CONF, fluxConf.toString(), "is not a readable file");
                }
                rpcUrl = null;
                rpcUser = null;
                rpcPassword = null;
            }
            else
            {
                rpcUrl = uri(required(p, RPC_URL));
                rpcUser = required(p, RPC_USER);
                rpcPassword = required(p, RPC_PASSWORD);
            }
        }
        httpAddress = address(p, HTTP_ADDRESS, "127.0.0.1:0");
        countersFile = path(p, base, COUNTERS_FILE, true);
        if (null != countersFile.getParent() && !Files.isDirectory(countersFile.getParent()))
        {
            throw new ConfigException(COUNTERS_FILE, countersFile.toString(), "has no existing parent directory");
        }
        final Path lastGood = path(p, base, LAST_GOOD_LIST_FILE, false);
        lastGoodListFile = null != lastGood ? lastGood : (null == countersFile.getParent() ? Path.of(".") :
            countersFile.getParent()).resolve("directory-last-good.json");
        if (null != lastGoodListFile.getParent() && !Files.isDirectory(lastGoodListFile.getParent()))
        {
            throw new ConfigException(LAST_GOOD_LIST_FILE, lastGoodListFile.toString(), "has no existing parent directory");
        }
        maxFrameLength = (int)longValue(p, MAX_FRAME_LENGTH,
            io.chainmesh.codec.frame.FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 64, 64 * 1024 * 1024);
        final long budget = longValue(p, PEER_OUTBOUND_BUDGET,
            io.chainmesh.engine.ChainmeshNode.Context.DEFAULT_PEER_OUTBOUND_BUDGET, 64 * 1024, 1L << 30);
        if (Long.bitCount(budget) != 1)
        {
            throw new ConfigException(PEER_OUTBOUND_BUDGET, Long.toString(budget), "must be a power of two");
        }
        peerOutboundBudget = (int)budget;
        maxUnauthenticated = (int)longValue(p, MAX_UNAUTHENTICATED,
            io.chainmesh.engine.ChainmeshNode.Context.DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS, 1, 1_000_000);
        maxUnauthenticatedPerSource = (int)longValue(p, MAX_UNAUTHENTICATED_PER_SOURCE,
            Math.min(maxUnauthenticated, io.chainmesh.engine.ChainmeshNode.Context.DEFAULT_MAX_UNAUTHENTICATED_PER_SOURCE),
            1, maxUnauthenticated);
        final String app = p.getProperty(APP_ADDRESS);
        if (null == app || app.isBlank())
        {
            for (final String name : new String[] {APP_TOKEN_FILE, APP_MAX_FRAME_LENGTH, APP_CLIENT_QUEUE_BYTES,
                APP_SLOW_SUBSCRIBER, APP_MAX_CLIENTS})
            {
                if (null != p.getProperty(name))
                {
                    throw new ConfigException(name, "has no effect without " + APP_ADDRESS);
                }
            }
            appAddress = null;
            appToken = null;
        }
        else
        {
            appAddress = address(p, APP_ADDRESS, null);
            if (!appAddress.getAddress().isLoopbackAddress())
            {
                throw new ConfigException(APP_ADDRESS, app.trim(),
                    "must be a loopback address (127.0.0.1 or ::1): the API is for programs on this host");
            }
            final Path tokenFile = path(p, base, APP_TOKEN_FILE, true);
            try
            {
                appToken = AppToken.read(tokenFile);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ConfigException(APP_TOKEN_FILE, ex.getMessage());
            }
        }
        appMaxFrameLength = (int)longValue(p, APP_MAX_FRAME_LENGTH, AppApiServer.Context.DEFAULT_MAX_FRAME_LENGTH,
            64, 16 * 1024 * 1024);
        final long queueBytes = longValue(p, APP_CLIENT_QUEUE_BYTES, AppApiServer.Context.DEFAULT_QUEUE_BYTES,
            64 * 1024, 256 * 1024 * 1024);
        if (Long.bitCount(queueBytes) != 1)
        {
            throw new ConfigException(APP_CLIENT_QUEUE_BYTES, Long.toString(queueBytes), "must be a power of two");
        }
        appClientQueueBytes = (int)queueBytes;
        final String slow = p.getProperty(APP_SLOW_SUBSCRIBER, "close").trim();
        switch (slow)
        {
            case "close" -> appSlowSubscriber = AppApiServer.SlowSubscriberPolicy.CLOSE;
            case "drop" -> appSlowSubscriber = AppApiServer.SlowSubscriberPolicy.DROP;
            default -> throw new ConfigException(APP_SLOW_SUBSCRIBER, slow, "must be one of close, drop");
        }
        appMaxClients = (int)longValue(p, APP_MAX_CLIENTS, AppApiServer.Context.DEFAULT_MAX_CLIENTS, 1, 4096);
        fluxListenAddress = blank(p, FLUX_LISTEN_ADDRESS) ? null : address(p, FLUX_LISTEN_ADDRESS, null);
        fluxOsAddress = blank(p, FLUX_FLUXOS_ADDRESS) ? null : address(p, FLUX_FLUXOS_ADDRESS, null);
        if (null != fluxOsAddress && 0 == fluxOsAddress.getPort())
        {
            throw new ConfigException(FLUX_FLUXOS_ADDRESS, p.getProperty(FLUX_FLUXOS_ADDRESS).trim(),
                "port must be FluxOS's API port, not 0");
        }
        if (null == fluxListenAddress && null == fluxOsAddress)
        {
            for (final String name : new String[] {FLUX_ADVERTISED_PORT, FLUX_PEERS_ALLOW, FLUX_MAX_PEERS,
                FLUX_MAX_FRAME_LENGTH, FLUX_SEEN_CAPACITY})
            {
                if (null != p.getProperty(name))
                {
                    throw new ConfigException(name, "has no effect without " + FLUX_LISTEN_ADDRESS + " or " +
                        FLUX_FLUXOS_ADDRESS);
                }
            }
        }
        fluxAdvertisedPort = (int)longValue(p, FLUX_ADVERTISED_PORT, 0, 0, 65535);
        fluxPeersAllow = inetAddresses(p, FLUX_PEERS_ALLOW);
        fluxMaxPeers = (int)longValue(p, FLUX_MAX_PEERS, FluxBridge.Context.DEFAULT_MAX_PEERS, 1, 1024);
        fluxMaxFrameLength = (int)longValue(p, FLUX_MAX_FRAME_LENGTH, FluxBridge.Context.DEFAULT_MAX_FRAME_LENGTH,
            1024, 16 * 1024 * 1024);
        fluxSeenCapacity = (int)longValue(p, FLUX_SEEN_CAPACITY, FluxBridge.Context.DEFAULT_SEEN_CAPACITY, 1, 1 << 24);
    }

    private static boolean blank(final Properties p, final String name)
    {
        return null == p.getProperty(name) || p.getProperty(name).isBlank();
    }

    private static Set<InetAddress> inetAddresses(final Properties p, final String name)
    {
        if (blank(p, name))
        {
            return Set.of();
        }
        final Set<InetAddress> addresses = new java.util.LinkedHashSet<>();
        for (final String part : p.getProperty(name).split(","))
        {
            final String host = part.trim();
            if (host.isEmpty())
            {
                continue;
            }
            if (addresses.size() >= 256)
            {
                throw new ConfigException(name, host, "must be a comma-separated list of at most 256 literal IP addresses");
            }
            try
            {
                addresses.add(Endpoint.literalAddress(host));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ConfigException(name, host, "must be a comma-separated list of at most 256 literal IP addresses");
            }
        }
        return Set.copyOf(addresses);
    }

    /**
     * Reads and validates a config file.
     *
     * @param file the properties file.
     * @return the validated config.
     * @throws ConfigException naming the bad field (or {@code config} for an unreadable file).
     */
    public static NodeConfig load(final Path file)
    {
        final Properties properties = new Properties();
        try
        {
            final long size = Files.size(file);
            if (size > MAX_CONFIG_BYTES)
            {
                throw new ConfigException("config", file.toString(),
                    "is " + size + " bytes, exceeds limit " + MAX_CONFIG_BYTES);
            }
            try (InputStream in = Files.newInputStream(file);
                Reader reader = new java.io.InputStreamReader(in, StandardCharsets.UTF_8))
            {
                properties.load(reader);
            }
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            if (ex instanceof ConfigException)
            {
                throw (ConfigException)ex;
            }
            throw new ConfigException("config", file.toString(), "cannot be read: " + ex.getMessage());
        }
        final Path base = null == file.toAbsolutePath().getParent() ? Path.of(".") : file.toAbsolutePath().getParent();
        return new NodeConfig(properties, base);
    }

    /**
     * Validates properties already in memory (tests, embedding).
     *
     * @param properties the settings.
     * @param base       directory relative paths resolve against.
     * @return the validated config.
     * @throws ConfigException naming the bad field.
     */
    public static NodeConfig of(final Properties properties, final Path base)
    {
        return new NodeConfig(properties, base);
    }

    private static String required(final Properties p, final String name)
    {
        final String value = p.getProperty(name);
        if (null == value || value.isBlank())
        {
            throw new ConfigException(name, value, "is required");
        }
        return value.trim();
    }

    private static Path path(final Properties p, final Path base, final String name, final boolean required)
    {
        final String value = p.getProperty(name);
        if (null == value || value.isBlank())
        {
            if (required)
            {
                throw new ConfigException(name, value, "is required");
            }
            return null;
        }
        try
        {
            return base.resolve(value.trim()).normalize();
        }
        catch (final java.nio.file.InvalidPathException ex)
        {
            throw new ConfigException(name, value, "is not a valid path");
        }
    }

    private static NodeKey readKey(final Path file)
    {
        try
        {
            if (!Files.isRegularFile(file))
            {
                throw new ConfigException(NODE_KEY_FILE, file.toString(), "is not a readable file");
            }
            final long size = Files.size(file);
            if (size > MAX_KEY_FILE_BYTES)
            {
                throw new ConfigException(NODE_KEY_FILE, file.toString(),
                    "is " + size + " bytes, exceeds limit " + MAX_KEY_FILE_BYTES);
            }
            final String hex = Files.readString(file, StandardCharsets.UTF_8).trim();
            return NodeKey.fromHex(hex);
        }
        catch (final IOException ex)
        {
            throw new ConfigException(NODE_KEY_FILE, file.toString(), "cannot be read: " + ex.getMessage());
        }
        catch (final CodecException | IllegalArgumentException ex)
        {
            if (ex instanceof ConfigException)
            {
                throw (ConfigException)ex;
            }
            throw new ConfigException(NODE_KEY_FILE, file.toString(),
                "does not hold a 64-hex-digit private key: " + ex.getMessage());
        }
    }

    private static InetSocketAddress address(final Properties p, final String name, final String defaultValue)
    {
        final String value = null == p.getProperty(name) ? defaultValue : p.getProperty(name).trim();
        if (null == value || value.isEmpty())
        {
            throw new ConfigException(name, value, "is required (host:port)");
        }
        final int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1)
        {
            throw new ConfigException(name, value, "must be host:port");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try
        {
            port = Integer.parseInt(value.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new ConfigException(name, value, "port is not a number");
        }
        if (port < 0 || port > 65535)
        {
            throw new ConfigException(name, value, "port must be in [0, 65535]");
        }
        try
        {
            return new InetSocketAddress(Endpoint.literalAddress(host), port);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(name, value, "host must be a literal IP address");
        }
    }

    private static long longValue(
        final Properties p, final String name, final long defaultValue, final long min, final long max)
    {
        final String value = p.getProperty(name);
        if (null == value)
        {
            return defaultValue;
        }
        final long parsed;
        try
        {
            parsed = Long.parseLong(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new ConfigException(name, value, "is not an integer");
        }
        if (parsed < min || parsed > max)
        {
            throw new ConfigException(name, value, "must be in [" + min + ", " + max + "]");
        }
        return parsed;
    }

    private static URI uri(final String value)
    {
        try
        {
            final URI uri = new URI(value);
            if (!"http".equals(uri.getScheme()) || null == uri.getHost() || uri.getPort() < 1)
            {
                throw new ConfigException(RPC_URL, value, "must be http://host:port");
            }
            return uri;
        }
        catch (final URISyntaxException ex)
        {
            throw new ConfigException(RPC_URL, value, "is not a valid URI");
        }
    }

    /**
     * @return where the last node list the node accepted is kept, to start from when the source has none at start
     *         (default {@code directory-last-good.json} beside the counters file).
     */
    public Path lastGoodListFile()
    {
        return lastGoodListFile;
    }

    /** @return the node's key. */
    public NodeKey nodeKey()
    {
        return nodeKey;
    }

    /** @return the configured member (collateral), or null to find it from fluxd or the key's single entry. */
    public MemberId member()
    {
        return member;
    }

    /** @return true if the node refuses to start when it is not a member of the list. */
    public boolean requireMembership()
    {
        return requireMembership;
    }

    private static MemberId memberId(final Properties p)
    {
        final String value = p.getProperty(MEMBER);
        if (null == value || value.isBlank())
        {
            return null;
        }
        try
        {
            return MemberId.parse(value.trim());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(MEMBER, value, "must be the collateral txhash:outidx (" + ex.getMessage() + ")");
        }
    }

    private static boolean bool(final Properties p, final String name, final boolean defaultValue)
    {
        final String value = p.getProperty(name);
        if (null == value || value.isBlank())
        {
            return defaultValue;
        }
        switch (value.trim())
        {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw new ConfigException(name, value, "must be true or false");
        }
    }

    /**
     * @return address the node's transport binds, or null to bind {@code 0.0.0.0} at the member's mesh port (the
     *         listed port + {@link io.chainmesh.chain.Member#MESH_PORT_OFFSET}).
     */
    public InetSocketAddress listenAddress()
    {
        return listenAddress;
    }

    /** @return the directory source kind. */
    public SourceKind sourceKind()
    {
        return sourceKind;
    }

    /** @return flux.conf path, or null when url + credentials are used. */
    public Path fluxConf()
    {
        return fluxConf;
    }

    /** @return the RPC URL, or null. */
    public URI rpcUrl()
    {
        return rpcUrl;
    }

    /** @return the RPC user, or null. */
    public String rpcUser()
    {
        return rpcUser;
    }

    /** @return the RPC password, or null. */
    public String rpcPassword()
    {
        return rpcPassword;
    }

    /** @return the JSON directory file, or null. */
    public Path filePath()
    {
        return filePath;
    }

    /** @return directory poll interval in ms. */
    public long pollIntervalMs()
    {
        return pollIntervalMs;
    }

    /** @return address the HTTP status server binds. */
    public InetSocketAddress httpAddress()
    {
        return httpAddress;
    }

    /** @return the counters file path. */
    public Path countersFile()
    {
        return countersFile;
    }

    /** @return the transport's max frame length. */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /** @return the per-peer outbound budget in bytes. */
    public int peerOutboundBudget()
    {
        return peerOutboundBudget;
    }

    /** @return the cap on inbound connections not authenticated yet. */
    public int maxUnauthenticated()
    {
        return maxUnauthenticated;
    }

    /** @return the cap on inbound connections not authenticated yet, per source address. */
    public int maxUnauthenticatedPerSource()
    {
        return maxUnauthenticatedPerSource;
    }

    /** @return the application API's loopback address, or null when the API is off. */
    public InetSocketAddress appAddress()
    {
        return appAddress;
    }

    /** @return the application API's token, or null when the API is off. */
    public AppToken appToken()
    {
        return appToken;
    }

    /** @return the largest WebSocket message a client may send. */
    public int appMaxFrameLength()
    {
        return appMaxFrameLength;
    }

    /** @return the per-client delivery queue in bytes. */
    public int appClientQueueBytes()
    {
        return appClientQueueBytes;
    }

    /** @return what a full delivery queue costs a client. */
    public AppApiServer.SlowSubscriberPolicy appSlowSubscriber()
    {
        return appSlowSubscriber;
    }

    /** @return clients served at once. */
    public int appMaxClients()
    {
        return appMaxClients;
    }

    /** @return where FluxOS peers connect to this node's FluxOS bridge, or null for no inbound endpoint. */
    public InetSocketAddress fluxListenAddress()
    {
        return fluxListenAddress;
    }

    /** @return the local FluxOS's API address the bridge dials, or null. */
    public InetSocketAddress fluxOsAddress()
    {
        return fluxOsAddress;
    }

    /** @return true if the FluxOS bridge runs (either address is set). */
    public boolean fluxBridgeEnabled()
    {
        return null != fluxListenAddress || null != fluxOsAddress;
    }

    /** @return the port the bridge names in its dial path; 0 for its listen port. */
    public int fluxAdvertisedPort()
    {
        return fluxAdvertisedPort;
    }

    /** @return addresses inbound FluxOS peers may connect from; empty for any. */
    public Set<InetAddress> fluxPeersAllow()
    {
        return fluxPeersAllow;
    }

    /** @return most FluxOS peers at once. */
    public int fluxMaxPeers()
    {
        return fluxMaxPeers;
    }

    /** @return largest FluxOS WebSocket message, bytes. */
    public int fluxMaxFrameLength()
    {
        return fluxMaxFrameLength;
    }

    /** @return FluxOS messages remembered for de-duplication. */
    public int fluxSeenCapacity()
    {
        return fluxSeenCapacity;
    }

    /**
     * A config field is missing or invalid; the message names it: {@code listen.address=foo must be host:port}.
     */
    public static final class ConfigException extends IllegalArgumentException
    {
        private static final long serialVersionUID = 1L;

        private final String field;

        /**
         * @param field the setting's name.
         * @param value its value (may be null).
         * @param rule  what is wrong.
         */
        public ConfigException(final String field, final String value, final String rule)
        {
            super(field + "=" + (null == value ? "<missing>" : value) + " " + rule);
            this.field = field;
        }

        /**
         * @param field the setting's name.
         * @param rule  what is wrong, when the value must not be echoed.
         */
        public ConfigException(final String field, final String rule)
        {
            super(field + " " + rule);
            this.field = field;
        }

        /** @return the setting's name. */
        public String field()
        {
            return field;
        }
    }
}
