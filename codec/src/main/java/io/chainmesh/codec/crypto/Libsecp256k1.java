package io.chainmesh.codec.crypto;

import fr.acinq.secp256k1.Secp256k1CFunctions;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.util.BigIntegers;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * Bitcoin Core's libsecp256k1 for signing and signature verification, through ACINQ's JNI binding
 * ({@code fr.acinq.secp256k1:secp256k1-kmp-jni-jvm-linux}, whose jar carries the linux x86-64 and aarch64
 * shared libraries). Only the binding's Java class of native methods is used: the library is loaded here,
 * so neither the binding's Kotlin loader nor the Kotlin standard library is needed.
 * <p>
 * Loading happens once, on first use: the shared library is copied from the class path to a temporary
 * file, loaded, the file deleted, a signing and verifying context created, and a self-test run (a Bouncy Castle
 * signature must verify, a changed one must not, and the library's own signature must be Bouncy Castle's to the
 * byte). Any failure leaves {@link #isAvailable()} false with
 * the reason in {@link #loadFailure()}, and {@link EcdsaVerifier#preferred()} and {@link EcdsaSigner#preferred}
 * fall back to Bouncy Castle.
 * {@code -Dchainmesh.secp256k1.native=false} turns the native provider off.
 */
public final class Libsecp256k1
{
    /** System property that turns the native provider off when {@code false}. */
    public static final String ENABLED_PROPERTY = "chainmesh.secp256k1.native";

    private static final String LIBRARY_NAME = "libsecp256k1-jni.so";
    private static final long CONTEXT;
    private static final String LOAD_FAILURE;

    static
    {
        long context = 0;
        String failure = null;
        if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY)))
        {
            failure = "turned off by -D" + ENABLED_PROPERTY + "=false";
        }
        else
        {
            try
            {
                context = load();
                failure = selfTest(context);
            }
            catch (final IOException | RuntimeException | LinkageError ex)
            {
                failure = ex.getClass().getSimpleName() + ": " + ex.getMessage();
            }
        }
        CONTEXT = null == failure ? context : 0;
        LOAD_FAILURE = failure;
    }

    private Libsecp256k1()
    {
    }

    /**
     * @return true if the native library loaded and passed its self-test.
     */
    public static boolean isAvailable()
    {
        return null == LOAD_FAILURE;
    }

    /**
     * @return why the native library is not used, or null when it is.
     */
    public static String loadFailure()
    {
        return LOAD_FAILURE;
    }

    /**
     * @return a verifier for one thread that hands libsecp256k1 uncompressed keys (no square root per check).
     * @throws IllegalStateException if the library is not available.
     */
    public static EcdsaVerifier verifier()
    {
        return verifier(true);
    }

    /**
     * @param uncompressedKeys hand the library 65-byte keys (decoded once per signer and cached) instead of
     *                         the 33-byte compressed keys it decompresses on every check.
     * @return a verifier for one thread.
     * @throws IllegalStateException if the library is not available.
     */
    public static EcdsaVerifier verifier(final boolean uncompressedKeys)
    {
        if (!isAvailable())
        {
            throw new IllegalStateException("libsecp256k1 is not available: " + LOAD_FAILURE);
        }
        return new NativeVerifier(CONTEXT, uncompressedKeys);
    }

    /**
     * @param key the private key.
     * @return a signer for one thread.
     * @throws IllegalStateException if the library is not available.
     */
    public static EcdsaSigner signer(final ECPrivateKeyParameters key)
    {
        if (!isAvailable())
        {
            throw new IllegalStateException("libsecp256k1 is not available: " + LOAD_FAILURE);
        }
        return new NativeSigner(CONTEXT, key);
    }

    /**
     * @param maxCachedKeys most key encodings the verifier keeps.
     * @return a verifier for one thread with a smaller key cache (tests of its bound).
     */
    static NativeVerifier verifierWithKeyCache(final int maxCachedKeys)
    {
        verifier(true);
        return new NativeVerifier(CONTEXT, true, maxCachedKeys);
    }

    private static long load() throws IOException
    {
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        final String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        final String platform = (os.contains("linux") ? "linux" : os) + "-" +
            ("amd64".equals(arch) || "x86_64".equals(arch) ? "x86_64" : arch);
        final String resource = "fr/acinq/secp256k1/jni/native/" + platform + "/" + LIBRARY_NAME;
        final ClassLoader loader = Libsecp256k1.class.getClassLoader();
        try (InputStream in = null == loader ? null : loader.getResourceAsStream(resource))
        {
            if (null == in)
            {
                throw new IOException("no " + resource + " on the class path (platform " + platform + ")");
            }
            final Path file = Files.createTempFile("chainmesh-libsecp256k1-", ".so");
            try
            {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
            }
            finally
            {
                // The mapping outlives the file: nothing is left behind in the temporary directory.
                Files.deleteIfExists(file);
            }
        }
        final long context = Secp256k1CFunctions.secp256k1_context_create(
            Secp256k1CFunctions.SECP256K1_CONTEXT_SIGN | Secp256k1CFunctions.SECP256K1_CONTEXT_VERIFY);
        if (0 == context)
        {
            throw new IllegalStateException("secp256k1_context_create returned null");
        }
        return context;
    }

    private static String selfTest(final long context)
    {
        final ECPrivateKeyParameters key = new ECPrivateKeyParameters(BigInteger.valueOf(0x5eed), Secp256k1.DOMAIN);
        final byte[] compressed = Secp256k1.PARAMS.getG().multiply(key.getD()).normalize().getEncoded(true);
        final PublicKey signer = PublicKey.fromBytes(compressed);
        final byte[] hash = new byte[32];
        hash[0] = 1;
        final byte[] signature = new byte[Secp256k1.SIGNATURE_LENGTH];
        Ecdsa.sign(key, hash, signature, 0);
        final NativeVerifier verifier = new NativeVerifier(context, true);
        if (!verifier.verify(signer, hash, signature, 0))
        {
            return "self-test: a valid signature did not verify";
        }
        if (!Arrays.equals(signature, new NativeSigner(context, key).signature(hash)))
        {
            return "self-test: the library's signature differs from Bouncy Castle's (RFC 6979, low-S)";
        }
        hash[0] = 2;
        if (verifier.verify(signer, hash, signature, 0))
        {
            return "self-test: a signature over another hash verified";
        }
        return null;
    }

    /** One key's signer: the secret as the 32 bytes the binding takes, encoded once. */
    static final class NativeSigner implements EcdsaSigner
    {
        private final long context;
        private final byte[] secret;

        NativeSigner(final long context, final ECPrivateKeyParameters key)
        {
            this.context = context;
            this.secret = BigIntegers.asUnsignedByteArray(32, key.getD());
        }

        @Override
        public void sign(final byte[] hash32, final byte[] dst, final int offset)
        {
            System.arraycopy(signature(hash32), 0, dst, offset, Secp256k1.SIGNATURE_LENGTH);
        }

        byte[] signature(final byte[] hash32)
        {
            // libsecp256k1's default nonce is RFC 6979's and its signatures are low-S: Ecdsa.sign's bytes.
            return Secp256k1CFunctions.secp256k1_ecdsa_sign(context, hash32, secret);
        }

        @Override
        public String provider()
        {
            return "libsecp256k1";
        }
    }

    /**
     * One thread's verifier: scratch arrays for the JNI call and a cache of the signers' key encodings, so a
     * key is encoded once and not per batch. The cache is an open-addressing table by key hash that grows with
     * the distinct keys seen (Flux mainnet lists about 3,000) up to {@link #MAX_CACHED_KEYS}; past that a miss
     * replaces an entry of its probe run. Its memory is bounded whatever the peers send, and a hit allocates
     * nothing.
     */
    static final class NativeVerifier implements EcdsaVerifier
    {
        /** Most key encodings one verifier keeps (about 0.7 MiB when full). */
        static final int MAX_CACHED_KEYS = 8192;
        private static final int INITIAL_SLOTS = 64;
        /** Slots looked at before a full table replaces one: keeps a miss as cheap as a hit. */
        private static final int PROBE_LIMIT = 8;
        private static final byte[] N = unsigned32(Secp256k1.N);
        private static final byte[] HALF_N = unsigned32(Secp256k1.HALF_N);

        private final long context;
        private final boolean uncompressedKeys;
        private final byte[] signatureScratch = new byte[Secp256k1.SIGNATURE_LENGTH];
        private PublicKey[] cachedSigners = new PublicKey[INITIAL_SLOTS];
        private byte[][] cachedKeys = new byte[INITIAL_SLOTS][];
        private int cachedCount;
        private int replacements;
        private final int maxCachedKeys;
        private final int maxSlots;

        NativeVerifier(final long context, final boolean uncompressedKeys)
        {
            this(context, uncompressedKeys, MAX_CACHED_KEYS);
        }

        NativeVerifier(final long context, final boolean uncompressedKeys, final int maxCachedKeys)
        {
            this.context = context;
            this.uncompressedKeys = uncompressedKeys;
            this.maxCachedKeys = maxCachedKeys;
            this.maxSlots = Math.max(INITIAL_SLOTS, 2 * Integer.highestOneBit(maxCachedKeys));
        }

        @Override
        public boolean verify(final PublicKey signer, final byte[] hash32, final byte[] signature, final int offset)
        {
            if (null == signer || null == signature || offset < 0 ||
                signature.length - offset < Secp256k1.SIGNATURE_LENGTH || null == hash32 || hash32.length != 32)
            {
                return false;
            }
            // The same range rule as Ecdsa.verify, checked here so that no input makes the binding throw:
            // 0 < r < n and 0 < s <= n/2 (libsecp256k1 itself rejects high-S too).
            if (isZero(signature, offset) || compare(signature, offset, N) >= 0 ||
                isZero(signature, offset + 32) || compare(signature, offset + 32, HALF_N) > 0)
            {
                return false;
            }
            System.arraycopy(signature, offset, signatureScratch, 0, Secp256k1.SIGNATURE_LENGTH);
            try
            {
                return 1 == Secp256k1CFunctions.secp256k1_ecdsa_verify(context, signatureScratch, hash32, key(signer));
            }
            catch (final RuntimeException ex)
            {
                return false;
            }
        }

        @Override
        public String provider()
        {
            return "libsecp256k1";
        }

        /** @return how many key encodings the cache holds (for tests). */
        int cachedKeys()
        {
            return cachedCount;
        }

        /** @return the cache's slots (for tests). */
        int cacheSlots()
        {
            return cachedSigners.length;
        }

        private byte[] key(final PublicKey signer)
        {
            final PublicKey[] signers = cachedSigners;
            final int mask = signers.length - 1;
            final int home = mix(signer.hashCode()) & mask;
            for (int i = 0; i < PROBE_LIMIT; i++)
            {
                final int slot = (home + i) & mask;
                final PublicKey cached = signers[slot];
                if (cached == signer || (null != cached && signer.equals(cached)))
                {
                    return cachedKeys[slot];
                }
                if (null == cached)
                {
                    if (cachedCount < maxCachedKeys)
                    {
                        return insert(slot, signer);
                    }
                    // Full: the key takes the place of one ahead of it in its run, or goes uncached if none is.
                    return i > 0 ?
                        insert((home + (replacements++ & Integer.MAX_VALUE) % i) & mask, signer) : encode(signer);
                }
            }
            if (signers.length < maxSlots)
            {
                grow();
                return key(signer);
            }
            // Full and the probe run taken: replace one of its slots in turn, so no run is pinned to one key.
            return insert((home + (replacements++ & (PROBE_LIMIT - 1))) & mask, signer);
        }

        private byte[] insert(final int slot, final PublicKey signer)
        {
            final byte[] encoded = encode(signer);
            if (null == cachedSigners[slot])
            {
                cachedCount++;
            }
            cachedSigners[slot] = signer;
            cachedKeys[slot] = encoded;
            if (cachedCount * 2 > cachedSigners.length && cachedSigners.length < maxSlots)
            {
                grow();
            }
            return encoded;
        }

        private byte[] encode(final PublicKey signer)
        {
            return uncompressedKeys ? signer.publicKeyParameters().getQ().getEncoded(false) : signer.toBytes();
        }

        private void grow()
        {
            final PublicKey[] oldSigners = cachedSigners;
            final byte[][] oldKeys = cachedKeys;
            final int slots = oldSigners.length * 2;
            final PublicKey[] signers = new PublicKey[slots];
            final byte[][] keys = new byte[slots][];
            int count = 0;
            for (int i = 0; i < oldSigners.length; i++)
            {
                final PublicKey signer = oldSigners[i];
                if (null == signer)
                {
                    continue;
                }
                final int home = mix(signer.hashCode()) & (slots - 1);
                for (int probe = 0; probe < PROBE_LIMIT; probe++)
                {
                    final int slot = (home + probe) & (slots - 1);
                    if (null == signers[slot])
                    {
                        signers[slot] = signer;
                        keys[slot] = oldKeys[i];
                        count++;
                        break;
                    }
                }
            }
            cachedSigners = signers;
            cachedKeys = keys;
            cachedCount = count;
        }

        private static int mix(final int hash)
        {
            // Keys hash their compressed bytes (Arrays.hashCode): spread them before masking.
            final int h = hash * 0x9E3779B9;
            return h ^ (h >>> 16);
        }

        private static boolean isZero(final byte[] src, final int offset)
        {
            int bits = 0;
            for (int i = 0; i < 32; i++)
            {
                bits |= src[offset + i];
            }
            return 0 == bits;
        }

        private static int compare(final byte[] src, final int offset, final byte[] bound)
        {
            for (int i = 0; i < 32; i++)
            {
                final int difference = (src[offset + i] & 0xff) - (bound[i] & 0xff);
                if (0 != difference)
                {
                    return difference;
                }
            }
            return 0;
        }

        private static byte[] unsigned32(final BigInteger value)
        {
            final byte[] bytes = new byte[32];
            Ecdsa.writeUnsigned32(value, bytes, 0);
            return bytes;
        }
    }
}
