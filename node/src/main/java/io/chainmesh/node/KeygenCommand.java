package io.chainmesh.node;

import io.chainmesh.codec.crypto.NodeKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.security.SecureRandom;
import java.util.concurrent.Callable;

/**
 * {@code chainmesh keygen}: prints a new secp256k1 key pair.
 */
@Command(name = "keygen", mixinStandardHelpOptions = true, description = "Generate a new node key (secp256k1).")
final class KeygenCommand implements Callable<Integer>
{
    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call()
    {
        final NodeKey key = NodeKey.generate(new SecureRandom());
        if (json)
        {
            System.out.printf("{\"privateKey\":\"%s\",\"publicKey\":\"%s\"}%n", key.privateKeyHex(), key.nodeId().toHex());
        }
        else
        {
            System.out.println("private key: " + key.privateKeyHex());
            System.out.println("public key:  " + key.nodeId().toHex());
        }
        return 0;
    }
}
