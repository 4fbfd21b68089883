package io.chainmesh.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;

/**
 * Reads fluxbenchd's own view of a node ({@code getstatus}, {@code getbenchmarks}) over JSON-RPC, so
 * chainmesh's benchmarks can be compared with FluxBench's. Same robustness as {@link FluxdRpcSource}:
 * connect and request timeouts, a body cap, and a {@link ChainDataException} naming the field for any
 * bad answer. Missing fields (fluxbenchd omits some while benchmarking) read as 0, false or empty; a
 * present field of the wrong type is an error. A {@code result} that is a JSON string holding the object
 * is accepted too. Thread-safe.
 */
public final class FluxbenchdClient
{
    /** fluxbenchd's default RPC port. */
    public static final int DEFAULT_PORT = 16224;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_TEXT = 128;

    /**
     * fluxbenchd's {@code getstatus} answer.
     *
     * @param status       e.g. {@code online}.
     * @param benchmarking {@code complete}, {@code running}, {@code failed}, ...
     * @param flux         whether fluxd is reachable from fluxbenchd.
     */
    public record Status(String status, String benchmarking, boolean flux)
    {
    }

    /**
     * fluxbenchd's {@code getbenchmarks} answer (units as fluxbenchd reports them).
     *
     * @param ipAddress      public address seen by the benchmark.
     * @param cores          logical cores.
     * @param ramGb          RAM in GB.
     * @param ssdGb          SSD size in GB.
     * @param hddGb          HDD size in GB.
     * @param ddWriteMbs     disk write speed in MB/s.
     * @param totalStorageGb total storage in GB.
     * @param eps            CPU events per second.
     * @param ping           ping in ms.
     * @param downloadMbps   download speed in Mb/s.
     * @param uploadMbps     upload speed in Mb/s.
     * @param benchVersion   fluxbench version.
     * @param fluxVersion    fluxd version.
     * @param architecture   CPU architecture.
     * @param thunder        whether the node runs as a Thunder node.
     * @param realCores      physical cores.
     * @param speed          CPU speed figure.
     */
    public record Benchmarks(
        String ipAddress,
        int cores,
        double ramGb,
        double ssdGb,
        double hddGb,
        double ddWriteMbs,
        double totalStorageGb,
        double eps,
        double ping,
        double downloadMbps,
        double uploadMbps,
        String benchVersion,
        String fluxVersion,
        String architecture,
        boolean thunder,
        int realCores,
        double speed)
    {
    }

    private final JsonRpcClient client;

    /**
     * @param ctx settings; {@link Context#conclude()} is called here.
     */
    public FluxbenchdClient(final Context ctx)
    {
        ctx.conclude();
        this.client = new JsonRpcClient(ctx.uri(), ctx.rpcUser(), ctx.rpcPassword(), ctx.connectTimeoutMs(),
            ctx.requestTimeoutMs(), ctx.maxBodyBytes());
    }

    /**
     * @return the {@code getstatus} answer.
     * @throws ChainDataException on any failure or bad field.
     */
    public Status getStatus()
    {
        final JsonNode result = object(client.call("getstatus"), "getstatus");
        return new Status(text(result, "status", "getstatus"), text(result, "benchmarking", "getstatus"),
            bool(result, "flux", "getstatus"));
    }

    /**
     * @return the {@code getbenchmarks} answer.
     * @throws ChainDataException on any failure or bad field.
     */
    public Benchmarks getBenchmarks()
    {
        final String m = "getbenchmarks";
        final JsonNode r = object(client.call(m), m);
        return new Benchmarks(
            text(r, "ipaddress", m), integer(r, "cores", m), number(r, "ram", m), number(r, "ssd", m),
            number(r, "hdd", m), number(r, "ddwrite", m), number(r, "totalstorage", m), number(r, "eps", m),
            number(r, "ping", m), number(r, "download_speed", m), number(r, "upload_speed", m),
            text(r, "bench_version", m), text(r, "flux_version", m), text(r, "architecture", m),
            bool(r, "thunder", m), integer(r, "real_cores", m), number(r, "speed", m));
    }

    private static JsonNode object(final JsonNode result, final String method)
    {
        if (result.isObject())
        {
            return result;
        }
        if (result.isTextual())
        {
            try
            {
                final JsonNode parsed = MAPPER.readTree(result.asText());
                if (null != parsed && parsed.isObject())
                {
                    return parsed;
                }
            }
            catch (final IOException ex)
            {
                // Reported below.
            }
        }
        throw new ChainDataException(ChainDataException.Kind.MALFORMED, method + " result is not an object: " +
            FluxdNodeListParser.bounded(result.toString(), 60));
    }

    private static String text(final JsonNode node, final String field, final String method)
    {
        final JsonNode value = node.get(field);
        if (null == value || value.isNull())
        {
            return "";
        }
        if (!value.isValueNode())
        {
            throw bad(method, field, value, "a string");
        }
        final String text = value.asText();
        if (text.length() > MAX_TEXT)
        {
            throw new ChainDataException(ChainDataException.Kind.MALFORMED,
                method + " field " + field + " length " + text.length() + " exceeds limit " + MAX_TEXT);
        }
        return text;
    }

    private static double number(final JsonNode node, final String field, final String method)
    {
        final JsonNode value = node.get(field);
        if (null == value || value.isNull())
        {
            return 0;
        }
        if (value.isNumber())
        {
            return value.asDouble();
        }
        if (value.isTextual() && value.asText().length() <= 32)
        {
            try
            {
                final double parsed = Double.parseDouble(value.asText().trim());
                if (Double.isFinite(parsed))
                {
                    return parsed;
                }
            }
            catch (final NumberFormatException ex)
            {
                // Reported below.
            }
        }
        throw bad(method, field, value, "a number");
    }

    private static int integer(final JsonNode node, final String field, final String method)
    {
        final double value = number(node, field, method);
        if (value != Math.rint(value) || value < 0 || value > Integer.MAX_VALUE)
        {
            throw bad(method, field, node.get(field), "a non-negative integer");
        }
        return (int)value;
    }

    private static boolean bool(final JsonNode node, final String field, final String method)
    {
        final JsonNode value = node.get(field);
        if (null == value || value.isNull())
        {
            return false;
        }
        if (value.isBoolean())
        {
            return value.asBoolean();
        }
        if (value.isTextual() && ("true".equalsIgnoreCase(value.asText()) || "false".equalsIgnoreCase(value.asText())))
        {
            return Boolean.parseBoolean(value.asText().toLowerCase(java.util.Locale.ROOT));
        }
        throw bad(method, field, value, "a boolean");
    }

    private static ChainDataException bad(final String method, final String field, final JsonNode value, final String expected)
    {
        return new ChainDataException(ChainDataException.Kind.MALFORMED, method + " field " + field + "=" +
            FluxdNodeListParser.bounded(value.toString(), 40) + " is not " + expected);
    }

    /**
     * Settings; fluent setters, validated by {@link #conclude()}.
     */
    public static final class Context
    {
        private URI uri = URI.create("http://127.0.0.1:" + DEFAULT_PORT + "/");
        private String rpcUser;
        private String rpcPassword;
        private long connectTimeoutMs = 3_000;
        private long requestTimeoutMs = 10_000;
        private int maxBodyBytes = 1024 * 1024;

        /**
         * @param uri endpoint (default {@code http://127.0.0.1:16224/}).
         * @return this.
         */
        public Context uri(final URI uri)
        {
            this.uri = uri;
            return this;
        }

        /**
         * @return endpoint.
         */
        public URI uri()
        {
            return uri;
        }

        /**
         * @param user     basic auth user, or null for none (default none).
         * @param password basic auth password.
         * @return this.
         */
        public Context credentials(final String user, final String password)
        {
            this.rpcUser = user;
            this.rpcPassword = password;
            return this;
        }

        /**
         * @return basic auth user or null.
         */
        public String rpcUser()
        {
            return rpcUser;
        }

        /**
         * @return basic auth password or null.
         */
        public String rpcPassword()
        {
            return rpcPassword;
        }

        /**
         * @param ms TCP connect timeout (default 3000).
         * @return this.
         */
        public Context connectTimeoutMs(final long ms)
        {
            this.connectTimeoutMs = ms;
            return this;
        }

        /**
         * @return TCP connect timeout.
         */
        public long connectTimeoutMs()
        {
            return connectTimeoutMs;
        }

        /**
         * @param ms overall time for one call (default 10000).
         * @return this.
         */
        public Context requestTimeoutMs(final long ms)
        {
            this.requestTimeoutMs = ms;
            return this;
        }

        /**
         * @return overall time for one call.
         */
        public long requestTimeoutMs()
        {
            return requestTimeoutMs;
        }

        /**
         * @param bytes largest answer accepted (default 1 MiB).
         * @return this.
         */
        public Context maxBodyBytes(final int bytes)
        {
            this.maxBodyBytes = bytes;
            return this;
        }

        /**
         * @return largest answer accepted.
         */
        public int maxBodyBytes()
        {
            return maxBodyBytes;
        }

        /**
         * Validates the settings.
         *
         * @return this.
         * @throws IllegalArgumentException naming the first invalid setting.
         */
        public Context conclude()
        {
            if (null == uri)
            {
                throw new IllegalArgumentException("uri must be set");
            }
            if (connectTimeoutMs <= 0 || requestTimeoutMs <= 0)
            {
                throw new IllegalArgumentException("connectTimeoutMs=" + connectTimeoutMs + " and requestTimeoutMs=" +
                    requestTimeoutMs + " must be > 0");
            }
            if (maxBodyBytes < 1024)
            {
                throw new IllegalArgumentException("maxBodyBytes=" + maxBodyBytes + " must be >= 1024");
            }
            return this;
        }
    }
}
