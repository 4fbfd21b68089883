package io.chainmesh.chain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FluxConfTest
{
    @Test
    void shouldParseKeyValueLinesIgnoringCommentsAndBlanks()
    {
        final FluxConf conf = FluxConf.parse("# comment\nrpcuser=alice\r\n\n  rpcpassword = p=w # trailing\nrpcport=16124\nbogus\n");

        assertThat(conf.rpcUser()).isEqualTo("alice");
        assertThat(conf.rpcPassword()).isEqualTo("p=w");
        assertThat(conf.rpcPort()).isEqualTo(16124);
        assertThat(conf.values()).hasSize(3);
    }

    @Test
    void shouldRejectBadRpcPort()
    {
        assertThatThrownBy(() -> FluxConf.parse("rpcport=99999").rpcPort())
            .isInstanceOf(ChainDataException.class).hasMessageContaining("rpcport=99999");
        assertThat(FluxConf.parse("").rpcPort()).isEqualTo(-1);
    }

    @Test
    void shouldRefuseOversizedFile(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("flux.conf");
        Files.write(file, new byte[FluxConf.MAX_BYTES + 1]);

        assertThatThrownBy(() -> FluxConf.read(file)).isInstanceOf(ChainDataException.class)
            .hasMessageContaining("exceeds limit " + FluxConf.MAX_BYTES);
    }
}
