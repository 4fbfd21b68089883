package io.chainmesh.engine.vectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.batch.BatchDescriptor;
import io.chainmesh.codec.batch.BatchEncoder;
import io.chainmesh.codec.batch.BatchSigner;
import io.chainmesh.codec.control.Auth;
import io.chainmesh.codec.control.Capabilities;
import io.chainmesh.codec.control.Hello;
import io.chainmesh.codec.crypto.EphemeralKey;
import io.chainmesh.codec.crypto.Hkdf;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.codec.ping.PingDescriptor;
import io.chainmesh.codec.record.RecordAead;
import io.chainmesh.codec.record.RecordCipher;
import io.chainmesh.codec.record.SessionKeys;
import io.chainmesh.engine.broadcast.BroadcastTree;
import io.chainmesh.engine.overlay.OverlayTopology;
import io.chainmesh.engine.transport.HandshakeHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Writes the test vectors of {@code docs/vectors} from the code: every input is fixed here (keys, nonces, the
 * RFC 7748 X25519 keys, payloads, ring sizes), the signatures are RFC 6979 deterministic, so the output is the
 * same bytes on every run. {@link ProtocolVectorsFileTest} compares it with the committed files and rewrites them
 * with {@code -Dvectors.write=true}.
 * <p>
 * The record vector continues the handshake vector: its transcript hash and X25519 keys are the handshake's, and
 * its records carry the PING and PONG frames of the session that follows.
 */
final class ProtocolVectors
{
    /** The files, in the order they are written. */
    static final String[] FILES = {"handshake.json", "record.json", "batch.json", "overlay.json"};

    private static final HexFormat HEX = HexFormat.of();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final String DOMAIN = "chainmesh/handshake/v1";
    private static final NodeKey DIALLER_KEY = NodeKey.fromHex("11".repeat(32));
    private static final NodeKey ACCEPTOR_KEY = NodeKey.fromHex("22".repeat(32));
    private static final MemberId DIALLER_MEMBER = MemberId.of("11".repeat(32), 0);
    private static final MemberId ACCEPTOR_MEMBER = MemberId.of("22".repeat(32), 1);
    /** RFC 7748 section 6.1: Alice's and Bob's private keys. */
    private static final String DIALLER_EPHEMERAL = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private static final String ACCEPTOR_EPHEMERAL = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    private static final RecordAead DIALLER_AEAD = RecordAead.AES_256_GCM;
    private static final RecordAead ACCEPTOR_AEAD = RecordAead.CHACHA20_POLY1305;
    private static final long DIRECTORY_HEIGHT = 1_500_000;

    private ProtocolVectors()
    {
    }

    /**
     * @return every vector file's name and its content, in the order of {@link #FILES}.
     */
    static Map<String, String> generate()
    {
        final Map<String, String> files = new LinkedHashMap<>();
        final Handshake handshake = handshake();
        files.put("handshake.json", handshake.json);
        files.put("record.json", record(handshake.transcriptHash));
        files.put("batch.json", batch());
        files.put("overlay.json", overlay());
        return files;
    }

    private record Handshake(String json, byte[] transcriptHash)
    {
    }

    private static Handshake handshake()
    {
        final byte[] diallerNonce = sequence(0x00, 32);
        final byte[] acceptorNonce = sequence(0x20, 32);
        final Hello diallerHello = hello(DIALLER_KEY, DIALLER_MEMBER, diallerNonce, DIALLER_EPHEMERAL, DIALLER_AEAD);
        final Hello acceptorHello = hello(ACCEPTOR_KEY, ACCEPTOR_MEMBER, acceptorNonce, ACCEPTOR_EPHEMERAL, ACCEPTOR_AEAD);
        final byte[] transcriptHash = HandshakeHandler.transcriptHash(diallerHello.toByteArray(), acceptorHello.toByteArray());

        final ObjectNode root = NODES.objectNode();
        root.put("description", "One handshake: both HELLOs, the transcript hash both ends sign, and both AUTH " +
            "signatures. All byte strings are lower-case hex. Chain keys are secp256k1; signatures are RFC 6979 " +
            "deterministic, low-S, r || s. The ephemeral X25519 keys are those of RFC 7748 section 6.1 " +
            "(Alice = dialler, Bob = acceptor).");
        root.put("domain", DOMAIN);
        root.set("dialler", handshakeSide(DIALLER_KEY, DIALLER_MEMBER, DIALLER_EPHEMERAL, diallerHello, transcriptHash));
        root.set("acceptor", handshakeSide(ACCEPTOR_KEY, ACCEPTOR_MEMBER, ACCEPTOR_EPHEMERAL, acceptorHello, transcriptHash));
        root.put("transcriptHash", hex(transcriptHash));
        return new Handshake(json(root), transcriptHash);
    }

    private static Hello hello(
        final NodeKey key, final MemberId member, final byte[] nonce, final String ephemeralPrivateKey, final RecordAead aead)
    {
        return Hello.newBuilder()
            .setProtocolVersion(HandshakeHandler.PROTOCOL_VERSION)
            .setPublicKey(ByteString.copyFrom(key.publicKey().toBytes()))
            .setNonce(ByteString.copyFrom(nonce))
            .setEphemeralKey(ByteString.copyFrom(ephemeralKey(ephemeralPrivateKey).publicKey()))
            .setDirectoryHeight(DIRECTORY_HEIGHT)
            .setCapabilities(Capabilities.of(aead))
            .setMember(ByteString.copyFrom(member.toBytes()))
            .build();
    }

    private static ObjectNode handshakeSide(
        final NodeKey key, final MemberId member, final String ephemeralPrivateKey, final Hello hello,
        final byte[] transcriptHash)
    {
        final ObjectNode side = NODES.objectNode();
        side.put("chainPrivateKey", key.privateKeyHex());
        side.put("publicKey", hex(key.publicKey().toBytes()));
        side.put("member", member.toString());
        side.put("memberBytes", hex(member.toBytes()));
        side.put("originId", String.format("%016x", member.originId()));
        side.put("ephemeralPrivateKey", ephemeralPrivateKey);
        final ObjectNode fields = side.putObject("hello");
        fields.put("protocolVersion", hello.getProtocolVersion());
        fields.put("publicKey", hex(hello.getPublicKey().toByteArray()));
        fields.put("nonce", hex(hello.getNonce().toByteArray()));
        fields.put("ephemeralKey", hex(hello.getEphemeralKey().toByteArray()));
        fields.put("directoryHeight", hello.getDirectoryHeight());
        fields.put("capabilities", hello.getCapabilities());
        fields.put("member", hex(hello.getMember().toByteArray()));
        side.put("helloBody", hex(hello.toByteArray()));
        side.put("helloFrame", hex(controlFrame(FrameType.HELLO, hello)));
        final byte[] signature = key.sign(transcriptHash);
        side.put("authSignature", hex(signature));
        side.put("authFrame", hex(controlFrame(FrameType.AUTH,
            Auth.newBuilder().setSignature(ByteString.copyFrom(signature)).build())));
        return side;
    }

    private static String record(final byte[] transcriptHash)
    {
        final EphemeralKey dialler = ephemeralKey(DIALLER_EPHEMERAL);
        final EphemeralKey acceptor = ephemeralKey(ACCEPTOR_EPHEMERAL);
        final byte[] shared = dialler.agree(acceptor.publicKey());
        final SessionKeys diallerKeys = SessionKeys.derive(shared, transcriptHash, true, DIALLER_AEAD, ACCEPTOR_AEAD);
        final SessionKeys acceptorKeys = SessionKeys.derive(shared, transcriptHash, false, ACCEPTOR_AEAD, DIALLER_AEAD);
        final byte[] prk = Hkdf.extract(transcriptHash, shared);

        final ObjectNode root = NODES.objectNode();
        root.put("description", "The record layer of the session that follows docs/vectors/handshake.json: its " +
            "transcript hash and the X25519 keys of RFC 7748 section 6.1, the X25519 secret, the key schedule, and " +
            "sealed records in both directions. The dialler seals with AES-256-GCM (AEAD id 1), the acceptor with " +
            "ChaCha20-Poly1305 (AEAD id 2), as their HELLO capabilities say. Each record's nonce is nonceBase XOR " +
            "the big-endian u64 sequence in its last 8 bytes; the associated data is the record's 6-byte header. " +
            "The plaintexts are PING frames (dialler) and a PONG frame (acceptor). Record 1 of the dialler carries " +
            "KEY_UPDATE, so record 2 is sequence 0 under the next keys.");
        root.put("transcriptHash", hex(transcriptHash));
        root.put("diallerEphemeralPrivateKey", DIALLER_EPHEMERAL);
        root.put("diallerEphemeralKey", hex(dialler.publicKey()));
        root.put("acceptorEphemeralPrivateKey", ACCEPTOR_EPHEMERAL);
        root.put("acceptorEphemeralKey", hex(acceptor.publicKey()));
        root.put("sharedSecret", hex(shared));
        root.put("prk", hex(prk));
        final ArrayNode directions = root.putArray("directions");
        directions.add(direction("dialler->acceptor", DIALLER_AEAD, prk, diallerKeys.sealer(),
            new int[]{FrameType.PING, FrameType.PING, FrameType.PING}, new boolean[]{false, true, false}));
        directions.add(direction("acceptor->dialler", ACCEPTOR_AEAD, prk, acceptorKeys.sealer(),
            new int[]{FrameType.PONG}, new boolean[]{false}));
        return json(root);
    }

    private static ObjectNode direction(
        final String name, final RecordAead aead, final byte[] prk, final RecordCipher sealer, final int[] frameTypes,
        final boolean[] keyUpdates)
    {
        final byte[] info = concat(ascii("chainmesh/record/v1 " + name), new byte[]{(byte)aead.id()});
        final byte[] secret = Hkdf.expand(prk, info, RecordCipher.SECRET_LENGTH);
        final byte[] keyAndNonce = Hkdf.expand(secret, ascii("chainmesh/record/v1 key+iv"), 44);
        final byte[] next = Hkdf.expand(secret, ascii("chainmesh/record/v1 next secret"), RecordCipher.SECRET_LENGTH);
        final byte[] nextKeyAndNonce = Hkdf.expand(next, ascii("chainmesh/record/v1 key+iv"), 44);

        final ObjectNode direction = NODES.objectNode();
        direction.put("name", name);
        direction.put("aead", aead.name());
        direction.put("aeadId", aead.id());
        direction.put("info", hex(info));
        direction.put("trafficSecret", hex(secret));
        direction.put("key", hex(Arrays.copyOf(keyAndNonce, 32)));
        direction.put("nonceBase", hex(Arrays.copyOfRange(keyAndNonce, 32, 44)));
        direction.put("nextTrafficSecret", hex(next));
        direction.put("nextKey", hex(Arrays.copyOf(nextKeyAndNonce, 32)));
        direction.put("nextNonceBase", hex(Arrays.copyOfRange(nextKeyAndNonce, 32, 44)));
        final ArrayNode records = direction.putArray("records");
        for (int i = 0; i < frameTypes.length; i++)
        {
            final ByteBuf plaintext = Unpooled.buffer(PingDescriptor.FRAME_LENGTH);
            PingDescriptor.writeFrame(plaintext, frameTypes[i], i + 1);
            final byte[] plaintextBytes = ByteBufUtil.getBytes(plaintext);
            plaintext.release();

            final ObjectNode record = records.addObject();
            record.put("keyEpoch", sealer.keyEpoch());
            record.put("sequence", sealer.sequence());
            record.put("keyUpdate", keyUpdates[i]);
            record.put("plaintext", hex(plaintextBytes));
            final ByteBuf sealed = Unpooled.buffer(plaintextBytes.length + 64);
            sealed.setBytes(6, plaintextBytes);
            final int length = sealer.seal(sealed, 0, plaintextBytes.length, keyUpdates[i]);
            record.put("record", hex(ByteBufUtil.getBytes(sealed, 0, length)));
            sealed.release();
        }
        return direction;
    }

    private static String batch()
    {
        final NodeKey key = DIALLER_KEY;
        final MemberId origin = DIALLER_MEMBER;
        final long batchSeq = 1_700_000_000_000_000L;
        final long timestampMillis = 1_700_000_000_123L;
        final int[] topics = {1, 7, 0xFFFF};
        final byte[][] entries = {ascii("hello"), new byte[]{0, 1, 2, 3}, new byte[0]};

        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
        final BatchEncoder encoder = new BatchEncoder().wrap(buffer, 0, buffer.capacity())
            .begin(origin.originId(), batchSeq, timestampMillis);
        for (int i = 0; i < topics.length; i++)
        {
            if (!encoder.tryAppend(topics[i], new UnsafeBuffer(entries[i]), 0, entries[i].length))
            {
                throw new IllegalStateException("entry " + i + " does not fit");
            }
        }
        final int frameLength = encoder.sign(new BatchSigner(key));
        final byte[] frame = new byte[frameLength];
        buffer.getBytes(0, frame);
        final int signedLength = BatchDescriptor.signedLength(frameLength);
        final byte[] signedHash = sha256(Arrays.copyOfRange(frame, BatchDescriptor.SIGNED_OFFSET,
            BatchDescriptor.SIGNED_OFFSET + signedLength));

        final ObjectNode root = NODES.objectNode();
        root.put("description", "One signed BATCH frame of three entries (the last one empty). The signature is " +
            "RFC 6979 deterministic low-S ECDSA (secp256k1) over SHA-256 of the frame from originId (offset 6) to " +
            "the end of the last entry; the 6-byte frame header is not signed.");
        root.put("originPrivateKey", key.privateKeyHex());
        root.put("originNodeId", hex(key.publicKey().toBytes()));
        root.put("originMember", origin.toString());
        root.put("originMemberBytes", hex(origin.toBytes()));
        root.put("originId", String.format("%016x", origin.originId()));
        root.put("batchSeq", batchSeq);
        root.put("timestampMillis", timestampMillis);
        root.put("flags", frame[5] & 0xFF);
        final ArrayNode entryNodes = root.putArray("entries");
        for (int i = 0; i < topics.length; i++)
        {
            entryNodes.addObject().put("topic", topics[i]).put("bytes", hex(entries[i]));
        }
        root.put("signedOffset", BatchDescriptor.SIGNED_OFFSET);
        root.put("signedLength", signedLength);
        root.put("signedHash", hex(signedHash));
        root.put("signature", hex(Arrays.copyOfRange(frame, frameLength - 64, frameLength)));
        root.put("frame", hex(frame));
        return json(root);
    }

    /** A checked-range case: the inputs and why the answer is what it is; the answer comes from the code. */
    private record RangeCase(int n, int explicit, int offset, int fromOffset, String why)
    {
    }

    private static final RangeCase[] RANGE_CASES = {
        new RangeCase(20, 7, 9, 7, "offset 8 of 20 is down: offset 7 hands its range [9, 16) to offset 9"),
        new RangeCase(128, 63, 65, 63, "offset 64 of 128 is down: offset 63 hands its range [65, 128) to offset 65"),
        new RangeCase(128, 1, 80, 73, "inside that hand-over, 73 is 80's parent and names the shaped range [80, 81)"),
        new RangeCase(128, 1, 80, 64, "a narrower range from anyone else is ignored: the default [80, 88) is covered"),
        new RangeCase(10, 9, 2, 0, "a wider range is taken, capped at the end of the ring"),
    };

    private static String overlay()
    {
        final int n = 20;
        final int successors = 2;
        final ObjectNode root = NODES.objectNode();
        root.put("description", "The worked example of PROTOCOL.md sections 7 and 9.3: the overlay targets of a " +
            "ring of " + n + " members with k = " + successors + " ring successors and radix-" + BroadcastTree.RADIX +
            " fingers (ring indices), and the " + BroadcastTree.RADIX + "-nomial broadcast tree of one origin over it " +
            "(offsets from the origin). Children are listed as [offset, range length]. checkedRanges: the range a " +
            "receiver covers given an explicit range E in the flags, its offset and the sender's offset, on a ring " +
            "of n members.");
        root.put("n", n);
        root.put("successors", successors);
        root.put("radix", BroadcastTree.RADIX);
        final ArrayNode targets = root.putArray("targets");
        for (int i = 0; i < n; i++)
        {
            targets.addRawValue(new RawValue(inlineInts(OverlayTopology.computeTargets(i, n, successors))));
        }
        final ArrayNode tree = root.putArray("tree");
        for (int offset = 0; offset < n; offset++)
        {
            final int range = BroadcastTree.rangeLength(offset, n);
            final StringJoiner children = new StringJoiner(", ", "[", "]");
            for (int j = 0; j < BroadcastTree.childCount(range); j++)
            {
                children.add(inlineInts(new int[]{offset + BroadcastTree.childDistance(j),
                    BroadcastTree.childRangeLength(range, j)}));
            }
            tree.addRawValue(new RawValue(
                "{ \"offset\": " + offset + ", \"range\": " + range + ", \"children\": " + children + " }"));
        }
        final ArrayNode checked = root.putArray("checkedRanges");
        for (final RangeCase c : RANGE_CASES)
        {
            final int covers = BroadcastTree.checkedRange(
                c.explicit, c.offset, c.n, BatchDescriptor.MAX_EXPLICIT_RANGE, c.fromOffset);
            checked.addRawValue(new RawValue("{ \"n\": " + c.n + ", \"explicit\": " + c.explicit + ", \"offset\": " +
                c.offset + ", \"fromOffset\": " + c.fromOffset + ", \"covers\": " + covers + ", \"why\": " +
                quoted(c.why) + " }"));
        }
        return json(root);
    }

    private static String inlineInts(final int[] values)
    {
        final StringJoiner joined = new StringJoiner(", ", "[", "]");
        for (final int value : values)
        {
            joined.add(Integer.toString(value));
        }
        return joined.toString();
    }

    private static String quoted(final String text)
    {
        try
        {
            return MAPPER.writeValueAsString(text);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** Two-space indentation, {@code "name": value}, one member or element a line, LF, a final newline. */
    private static String json(final ObjectNode root)
    {
        final DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        final DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withArrayEmptySeparator("")
            .withObjectEmptySeparator(""))
            .withObjectIndenter(indenter)
            .withArrayIndenter(indenter);
        try
        {
            return MAPPER.writer(printer).writeValueAsString(root) + "\n";
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static byte[] controlFrame(final int type, final MessageLite message)
    {
        final ByteBuf frame = Frames.encodeControl(UnpooledByteBufAllocator.DEFAULT, type, message);
        try
        {
            return ByteBufUtil.getBytes(frame);
        }
        finally
        {
            frame.release();
        }
    }

    /** The JDK's X25519 key generator takes its private key from the random source: hand it a fixed one. */
    private static EphemeralKey ephemeralKey(final String privateKeyHex)
    {
        final byte[] privateKey = HEX.parseHex(privateKeyHex);
        return EphemeralKey.generate(new SecureRandom()
        {
            private static final long serialVersionUID = 1L;

            @Override
            public void nextBytes(final byte[] out)
            {
                if (out.length != privateKey.length)
                {
                    throw new IllegalStateException("X25519 asked for " + out.length + " random bytes");
                }
                System.arraycopy(privateKey, 0, out, 0, privateKey.length);
            }
        });
    }

    private static byte[] sequence(final int first, final int length)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(first + i);
        }
        return bytes;
    }

    private static byte[] sha256(final byte[] bytes)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 unavailable", ex);
        }
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] result = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, result, a.length, b.length);
        return result;
    }

    private static String hex(final byte[] bytes)
    {
        return HEX.formatHex(bytes);
    }
}
