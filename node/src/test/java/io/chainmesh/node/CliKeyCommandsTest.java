package io.chainmesh.node;

import io.chainmesh.codec.crypto.BitcoinAddress;
import io.chainmesh.codec.crypto.NodeKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class CliKeyCommandsTest
{
    private static final String KEY = "1111111111111111111111111111111111111111111111111111111111111111";
    private static final String LONG_MESSAGE = "chainmesh ".repeat(40);
    private static final String NON_ASCII = "Grüße, 世界 — ƒlux ✓";

    @TempDir
    Path dir;

    private record Result(int exitCode, String out, String err)
    {
    }

    private static Result run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = ChainmeshCli.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
        return new Result(code, out.toString().trim(), err.toString().trim());
    }

    private static String pubkey()
    {
        return NodeKey.fromHex(KEY).publicKey().toHex();
    }

    @Test
    void shouldGenerateKeyWhosePartsAgree()
    {
        final Result result = run("keygen", "--json");

        assertThat(result.exitCode()).isZero();
        final Matcher m = Pattern.compile(
            "\\{\"privateKey\":\"([0-9a-f]{64})\",\"publicKey\":\"(0[23][0-9a-f]{64})\",\"address\":\"(1[1-9A-HJ-NP-Za-km-z]{25,34})\"}")
            .matcher(result.out());
        assertThat(m.matches()).as(result.out()).isTrue();
        final NodeKey key = NodeKey.fromHex(m.group(1));
        assertThat(key.publicKey().toHex()).isEqualTo(m.group(2));
        assertThat(BitcoinAddress.p2pkh(key.publicKey())).isEqualTo(m.group(3));
    }

    @Test
    void shouldSignAndVerifyShortLongAndNonAsciiMessages()
    {
        for (final String message : new String[] {"hello flux", "", LONG_MESSAGE, NON_ASCII})
        {
            final Result signed = run("sign", "--key", KEY, "--message", message);
            assertThat(signed.exitCode()).as(signed.err()).isZero();
            assertThat(signed.out()).matches("[A-Za-z0-9+/]{87}=");

            final Result verified = run("verify", "--pubkey", pubkey(), "--message", message, "--signature", signed.out());
            assertThat(verified.exitCode()).isZero();
            assertThat(verified.out()).isEqualTo("valid");

            final Result byAddress = run("verify", "--address", BitcoinAddress.p2pkh(NodeKey.fromHex(KEY).publicKey()),
                "--message", message, "--signature", signed.out());
            assertThat(byAddress.out()).isEqualTo("valid");
        }
    }

    @Test
    void shouldSignFileBytesExactlyAsInlineMessage() throws Exception
    {
        final Path file = dir.resolve("message.txt");
        Files.writeString(file, NON_ASCII, StandardCharsets.UTF_8);

        assertThat(run("sign", "--key", KEY, "--message-file", file.toString()).out())
            .isEqualTo(run("sign", "--key", KEY, "--message", NON_ASCII).out());
    }

    @Test
    void shouldReadKeyFromFile() throws Exception
    {
        final Path keyFile = dir.resolve("node.key");
        Files.writeString(keyFile, KEY + "\n");

        assertThat(run("sign", "--key-file", keyFile.toString(), "--message", "x").out())
            .isEqualTo(run("sign", "--key", KEY, "--message", "x").out());
    }

    @Test
    void shouldReportInvalidWithExitOneForOtherMessageOrKey()
    {
        final String signature = run("sign", "--key", KEY, "--message", "original").out();

        final Result tampered = run("verify", "--pubkey", pubkey(), "--message", "tampered", "--signature", signature);
        assertThat(tampered.exitCode()).isEqualTo(1);
        assertThat(tampered.out()).isEqualTo("invalid");

        final String otherKey = NodeKey.fromHex("22".repeat(32)).publicKey().toHex();
        assertThat(run("verify", "--pubkey", otherKey, "--message", "original", "--signature", signature).exitCode())
            .isEqualTo(1);
    }

    @Test
    void shouldExitTwoWithClearMessageForMalformedArguments() throws Exception
    {
        final String signature = run("sign", "--key", KEY, "--message", "m").out();

        assertUsageError(run("sign", "--key", "xyz", "--message", "m"), "--key: private key");
        assertUsageError(run("sign", "--key", "ab".repeat(31), "--message", "m"), "length=31");
        assertUsageError(run("sign", "--message", "m"), "--key");
        assertUsageError(run("sign", "--key", KEY), "--message");
        assertUsageError(run("verify", "--pubkey", "zz", "--message", "m", "--signature", signature), "--pubkey: public key has a non-hex");
        assertUsageError(run("verify", "--pubkey", pubkey().substring(2), "--message", "m", "--signature", signature),
            "public key");
        assertUsageError(run("verify", "--pubkey", pubkey(), "--message", "m", "--signature", "!!!notbase64"), "--signature:");
        assertUsageError(run("verify", "--pubkey", pubkey(), "--message", "m", "--signature", "AAAA"), "65");
        assertUsageError(run("verify", "--address", "1BadAddress0OIl", "--message", "m", "--signature", signature),
            "--address: base58");

        final Path notUtf8 = dir.resolve("binary.bin");
        Files.write(notUtf8, new byte[] {(byte)0xC3, (byte)0x28});
        assertUsageError(run("sign", "--key", KEY, "--message-file", notUtf8.toString()), "UTF-8");
        assertUsageError(run("sign", "--key", KEY, "--message-file", dir.resolve("missing").toString()), "cannot be read");
    }

    private static void assertUsageError(final Result result, final String expectedText)
    {
        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(2);
        assertThat(result.err()).containsIgnoringCase(expectedText);
    }
}
