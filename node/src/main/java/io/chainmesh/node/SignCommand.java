package io.chainmesh.node;

import io.chainmesh.codec.crypto.BitcoinMessage;
import io.chainmesh.codec.crypto.NodeKey;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code chainmesh sign}: a Bitcoin signed-message signature, as FluxOS produces and checks them.
 */
@Command(name = "sign", mixinStandardHelpOptions = true,
    description = "Sign a message as a Bitcoin signed message (base64, 65-byte compact, compressed key).")
final class SignCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--key", paramLabel = "<hex>", description = "Private key, 64 hex characters.")
    String keyHex;

    @Option(names = "--key-file", paramLabel = "<path>",
        description = "File holding the private key in hex (keeps it out of shell history).")
    Path keyFile;

    @ArgGroup(exclusive = false, multiplicity = "1")
    MessageInput input;

    @Override
    public Integer call()
    {
        final NodeKey key = ChainmeshCli.parse(null != keyHex ? "--key" : "--key-file", () -> NodeKey.fromHex(privateKeyHex()));
        final String signature = BitcoinMessage.sign(key, input.bytes());
        spec.commandLine().getOut().println(signature);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private String privateKeyHex()
    {
        if ((null == keyHex) == (null == keyFile))
        {
            throw new IllegalArgumentException("give exactly one of --key or --key-file");
        }
        if (null != keyHex)
        {
            return keyHex.trim();
        }
        try
        {
            if (Files.size(keyFile) > 1024)
            {
                throw new IllegalArgumentException("--key-file " + keyFile + " is larger than 1024 bytes");
            }
            return Files.readString(keyFile, StandardCharsets.UTF_8).trim();
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("--key-file " + keyFile + " cannot be read: " + ex, ex);
        }
    }
}
