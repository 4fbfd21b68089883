package io.chainmesh.engine.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.chainmesh.chain.MemberId;
import io.chainmesh.codec.control.Auth;
import io.chainmesh.codec.control.ControlCodec;
import io.chainmesh.codec.control.Hello;
import io.chainmesh.codec.crypto.NodeKey;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.chainmesh.engine.transport.HandshakeHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the handshake against {@code docs/vectors/handshake.json} (the vector {@code docs/PROTOCOL.md} points a
 * second implementation to): both HELLOs as they travel, the transcript hash, both AUTH signatures and frames.
 * The hash is computed twice, by {@link HandshakeHandler#transcriptHash} and from the spec's text with the JDK.
 */
class HandshakeVectorTest
{
    private static final HexFormat HEX = HexFormat.of();

    private static JsonNode vector() throws IOException
    {
        final Path root = Path.of(System.getProperty("chainmesh.repository.root", "..")).toAbsolutePath().normalize();
        final Path file = root.resolve("docs").resolve("vectors").resolve("handshake.json");
        assertThat(file).as("test vector file").isRegularFile();
        return new ObjectMapper().readTree(Files.readAllBytes(file));
    }

    private static byte[] hex(final JsonNode node, final String field)
    {
        assertThat(node.has(field)).as("vector field " + field).isTrue();
        return HEX.parseHex(node.get(field).asText());
    }

    private static byte[] bytes(final ByteBuf buffer)
    {
        try
        {
            return ByteBufUtil.getBytes(buffer);
        }
        finally
        {
            buffer.release();
        }
    }

    @Test
    void shouldReproduceTheHandshakeVector() throws Exception
    {
        final JsonNode v = vector();
        final JsonNode dialler = v.get("dialler");
        final JsonNode acceptor = v.get("acceptor");
        final byte[] diallerBody = checkHello(dialler);
        final byte[] acceptorBody = checkHello(acceptor);

        final byte[] transcriptHash = hex(v, "transcriptHash");
        assertThat(HandshakeHandler.transcriptHash(diallerBody, acceptorBody)).isEqualTo(transcriptHash);
        assertThat(HandshakeHandler.transcriptHash(acceptorBody, diallerBody)).as("order matters")
            .isNotEqualTo(transcriptHash);

        // The spec's text: SHA-256(domain || u32 len || dialler HELLO body || u32 len || acceptor HELLO body).
        final MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update(v.get("domain").asText().getBytes(StandardCharsets.US_ASCII));
        sha256.update(ByteBuffer.allocate(4).putInt(0, diallerBody.length));
        sha256.update(diallerBody);
        sha256.update(ByteBuffer.allocate(4).putInt(0, acceptorBody.length));
        sha256.update(acceptorBody);
        assertThat(sha256.digest()).isEqualTo(transcriptHash);

        checkAuth(dialler, transcriptHash);
        checkAuth(acceptor, transcriptHash);
    }

    private static byte[] checkHello(final JsonNode side)
    {
        final NodeKey key = NodeKey.fromBytes(hex(side, "chainPrivateKey"));
        assertThat(key.publicKey().toBytes()).isEqualTo(hex(side, "publicKey"));
        final MemberId member = MemberId.parse(side.get("member").asText());
        assertThat(member.toBytes()).isEqualTo(hex(side, "memberBytes"));
        assertThat(member.originId()).isEqualTo(Long.parseUnsignedLong(side.get("originId").asText(), 16));

        final JsonNode fields = side.get("hello");
        final Hello hello = Hello.newBuilder()
            .setProtocolVersion(fields.get("protocolVersion").asInt())
            .setPublicKey(ByteString.copyFrom(hex(fields, "publicKey")))
            .setMember(ByteString.copyFrom(hex(fields, "member")))
            .setNonce(ByteString.copyFrom(hex(fields, "nonce")))
            .setEphemeralKey(ByteString.copyFrom(hex(fields, "ephemeralKey")))
            .setDirectoryHeight(fields.get("directoryHeight").asLong())
            .setCapabilities(fields.get("capabilities").asLong())
            .build();
        assertThat(hello.getProtocolVersion()).isEqualTo(HandshakeHandler.PROTOCOL_VERSION);
        final byte[] body = hex(side, "helloBody");
        assertThat(HEX.formatHex(hello.toByteArray())).isEqualTo(HEX.formatHex(body));
        final byte[] frame = hex(side, "helloFrame");
        assertThat(HEX.formatHex(bytes(Frames.encodeControl(UnpooledByteBufAllocator.DEFAULT, FrameType.HELLO, hello))))
            .isEqualTo(HEX.formatHex(frame));
        final ByteBuf wire = Unpooled.wrappedBuffer(frame);
        assertThat(ControlCodec.parseHello(wire)).isEqualTo(hello);
        wire.release();
        return body;
    }

    private static void checkAuth(final JsonNode side, final byte[] transcriptHash)
    {
        final NodeKey key = NodeKey.fromBytes(hex(side, "chainPrivateKey"));
        final byte[] signature = hex(side, "authSignature");
        assertThat(key.sign(transcriptHash)).as("RFC 6979 signatures are deterministic").isEqualTo(signature);
        assertThat(key.publicKey().verify(transcriptHash, signature)).isTrue();
        final Auth auth = Auth.newBuilder().setSignature(ByteString.copyFrom(signature)).build();
        final byte[] frame = hex(side, "authFrame");
        assertThat(HEX.formatHex(bytes(Frames.encodeControl(UnpooledByteBufAllocator.DEFAULT, FrameType.AUTH, auth))))
            .isEqualTo(HEX.formatHex(frame));
        final ByteBuf wire = Unpooled.wrappedBuffer(frame);
        assertThat(ControlCodec.parseAuth(wire)).isEqualTo(auth);
        wire.release();
    }
}
