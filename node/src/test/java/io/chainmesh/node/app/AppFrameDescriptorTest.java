package io.chainmesh.node.app;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The application API's layout checks and token rules, without sockets.
 */
class AppFrameDescriptorTest
{
    @TempDir
    Path dir;

    @Test
    void shouldAcceptWellFormedRequestsAndReadTheirHeader()
    {
        final byte[] send = AppApiSystemTest.frame(AppFrameDescriptor.TYPE_SEND, 0, 0xFEFF, -1,
            new byte[] {3, 'a', ':', '1', 42});
        final UnsafeBuffer buffer = new UnsafeBuffer(send);
        assertThat(AppFrameDescriptor.checkRequest(buffer, 0, send.length)).isEqualTo(AppFrameDescriptor.TYPE_SEND);
        assertThat(AppFrameDescriptor.topic(buffer, 0)).isEqualTo(0xFEFF);
        assertThat(AppFrameDescriptor.correlationId(buffer, 0)).isEqualTo(0xFFFF_FFFFL);
        assertThat(AppFrameDescriptor.checkMemberLength(buffer, 0, send.length)).isEqualTo(3);
        final byte[] publish = AppApiSystemTest.frame(AppFrameDescriptor.TYPE_PUBLISH, 0, 1, 1, new byte[0]);
        assertThat(AppFrameDescriptor.checkRequest(new UnsafeBuffer(publish), 0, publish.length))
            .isEqualTo(AppFrameDescriptor.TYPE_PUBLISH);
    }

    @Test
    void shouldNameTheFieldAndValueOfEveryLayoutViolation()
    {
        assertRejected(new byte[7], "frame length=7 is shorter than the header length 8");
        assertRejected(AppApiSystemTest.frame(AppFrameDescriptor.TYPE_RESULT, 0, 1, 0, new byte[4]), "type=0x81");
        assertRejected(AppApiSystemTest.frame(0, 0, 1, 0, new byte[0]), "type=0x0 is not a request type");
        assertRejected(AppApiSystemTest.frame(AppFrameDescriptor.TYPE_PUBLISH, 1, 1, 0, new byte[0]), "flags=0x1 must be 0");
        assertRejected(AppApiSystemTest.frame(AppFrameDescriptor.TYPE_PUBLISH, 0, 0xFF00, 0, new byte[0]),
            "topic=65280 is reserved");
        assertRejected(AppApiSystemTest.frame(AppFrameDescriptor.TYPE_UNSUBSCRIBE, 0, 1, 0, new byte[2]),
            "frame length=10 must be 8");
        assertRejected(AppApiSystemTest.frame(AppFrameDescriptor.TYPE_SEND, 0, 1, 0, new byte[0]),
            "frame length=8 has no member length byte");
        assertRejected(AppApiSystemTest.frame(AppFrameDescriptor.TYPE_SEND, 0, 1, 0, new byte[] {2, 'a', 'b'}),
            "member length=2 must be in [3, 75]");
        assertRejected(AppApiSystemTest.frame(AppFrameDescriptor.TYPE_SEND, 0, 1, 0, new byte[] {76}),
            "member length=76 must be in [3, 75]");
        assertRejected(AppApiSystemTest.frame(AppFrameDescriptor.TYPE_SEND, 0, 1, 0, new byte[] {5, 'a', ':', '1'}),
            "member length=5 runs past frame length=12");
    }

    @Test
    void shouldReadTokenFilesAndCompareTokensExactly() throws Exception
    {
        final Path file = dir.resolve("token");
        Files.writeString(file, "\n  abcdefghijklmnop-._~0123  \n");
        final AppToken token = AppToken.read(file);
        assertThat(token.matches("abcdefghijklmnop-._~0123")).isTrue();
        assertThat(token.matches("abcdefghijklmnop-._~012")).isFalse();
        assertThat(token.matches("abcdefghijklmnop-._~01234")).isFalse();
        assertThat(token.matches("")).isFalse();
        assertThat(token.matches(null)).isFalse();
        Files.writeString(file, "a".repeat(257));
        assertThatThrownBy(() -> AppToken.read(file)).hasMessageContaining("length 257 must be in [16, 256]")
            .hasMessageNotContaining("aaaa");
        Files.writeString(file, "abcdefghijklmnop\"q");
        assertThatThrownBy(() -> AppToken.read(file)).hasMessageContaining("character 16 is not one of");
        Files.write(file, new byte[5000]);
        assertThatThrownBy(() -> AppToken.read(file)).hasMessageContaining("5000 bytes, exceeds limit 4096");
    }

    private static void assertRejected(final byte[] frame, final String message)
    {
        assertThatThrownBy(() -> AppFrameDescriptor.checkRequest(new UnsafeBuffer(frame), 0, frame.length))
            .isInstanceOf(AppFrameDescriptor.AppFrameException.class)
            .hasMessageContaining(message);
    }
}
