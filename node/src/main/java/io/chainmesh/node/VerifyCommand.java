package io.chainmesh.node;

import io.chainmesh.codec.crypto.BitcoinAddress;
import io.chainmesh.codec.crypto.BitcoinMessage;
import io.chainmesh.codec.crypto.PublicKey;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code chainmesh verify}: checks a Bitcoin signed-message signature against a public key or a
 * P2PKH address. Exit 0 and {@code valid}; exit 1 and {@code invalid}; exit 2 for malformed input.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Verify a Bitcoin signed-message signature. Exit 0 valid, 1 invalid, 2 malformed input.")
final class VerifyCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--pubkey", paramLabel = "<hex>", description = "Signer's public key (compressed or uncompressed hex).")
    String pubkeyHex;

    @Option(names = "--address", paramLabel = "<p2pkh>", description = "Signer's P2PKH address, instead of --pubkey.")
    String address;

    @Option(names = "--signature", required = true, paramLabel = "<base64>", description = "The signature, base64.")
    String signature;

    @ArgGroup(exclusive = false, multiplicity = "1")
    MessageInput input;

    @Override
    public Integer call()
    {
        if ((null == pubkeyHex) == (null == address))
        {
            throw new IllegalArgumentException("give exactly one of --pubkey or --address");
        }
        final byte[] message = input.bytes();
        final boolean valid;
        if (null != pubkeyHex)
        {
            final PublicKey signer = ChainmeshCli.parse("--pubkey", () -> PublicKey.fromHex(pubkeyHex.trim()));
            valid = ChainmeshCli.parse("--signature", () -> BitcoinMessage.verify(signer, message, signature.trim()));
        }
        else
        {
            ChainmeshCli.parse("--address", () -> BitcoinAddress.decodeBase58Check(address.trim()));
            valid = ChainmeshCli.parse("--signature", () -> BitcoinMessage.verifyAddress(address.trim(), message, signature.trim()));
        }
        final PrintWriter out = spec.commandLine().getOut();
        out.println(valid ? "valid" : "invalid");
        out.flush();
        return valid ? 0 : ChainmeshCli.EXIT_NEGATIVE;
    }
}
