package io.chainmesh.node;

import io.chainmesh.codec.crypto.BitcoinAddress;
import io.chainmesh.codec.crypto.NodeKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.concurrent.Callable;

/**
 * {@code chainmesh keygen}: prints a new secp256k1 key pair and its P2PKH address.
 */
@Command(name = "keygen", mixinStandardHelpOptions = true,
    description = "Generate a new node key (secp256k1): private key, compressed public key, P2PKH address.")
final class KeygenCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call()
    {
        final NodeKey key = NodeKey.generate(new SecureRandom());
        final String address = BitcoinAddress.p2pkh(key.publicKey());
        final PrintWriter out = spec.commandLine().getOut();
        if (json)
        {
            out.printf("{\"privateKey\":\"%s\",\"publicKey\":\"%s\",\"address\":\"%s\"}%n",
                key.privateKeyHex(), key.publicKey().toHex(), address);
        }
        else
        {
            out.println("private key: " + key.privateKeyHex());
            out.println("public key:  " + key.publicKey().toHex());
            out.println("address:     " + address);
        }
        out.flush();
        return 0;
    }
}
