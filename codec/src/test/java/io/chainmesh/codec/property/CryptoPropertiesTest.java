package io.chainmesh.codec.property;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.crypto.BitcoinAddress;
import io.chainmesh.codec.crypto.BitcoinMessage;
import io.chainmesh.codec.crypto.NodeKey;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class CryptoPropertiesTest
{
    private static final NodeKey KEY = NodeKey.fromHex("55".repeat(32));

    @Property(tries = 25)
    void shouldSignAndRecoverAnyMessage(@ForAll @Size(max = 600) final byte[] message)
    {
        final String signature = BitcoinMessage.sign(KEY, message);
        assertThat(BitcoinMessage.recover(message, signature)).isEqualTo(KEY.nodeId());
        assertThat(BitcoinMessage.verifyAddress(BitcoinAddress.p2pkh(KEY.nodeId()), message, signature)).isTrue();
    }

    @Property(tries = 100)
    void shouldVerifyOrRaiseCodecExceptionForRandomSignatureBytes(@ForAll @Size(min = 60, max = 70) final byte[] bytes)
    {
        final String signature = Base64.getEncoder().encodeToString(bytes);
        try
        {
            assertThat(BitcoinMessage.verify(KEY.nodeId(), new byte[]{1}, signature)).isFalse();
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).startsWith("signature");
        }
    }

    @Property(tries = 60)
    void shouldVerifyRandomWellFormedSignaturesWithoutThrowing(
        @ForAll @Size(value = 64) final byte[] rs, @ForAll @IntRange(min = 27, max = 34) final int header)
    {
        final byte[] compact = new byte[65];
        compact[0] = (byte)header;
        System.arraycopy(rs, 0, compact, 1, 64);
        final String signature = Base64.getEncoder().encodeToString(compact);
        assertThat(BitcoinMessage.verify(KEY.nodeId(), new byte[]{2}, signature)).isFalse();
        assertThat(BitcoinMessage.verifyAddress(BitcoinAddress.p2pkh(KEY.nodeId()), new byte[]{2}, signature)).isFalse();
        try
        {
            assertThat(BitcoinMessage.recover(new byte[]{2}, signature)).isNotEqualTo(KEY.nodeId());
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).startsWith("no public key recovers");
        }
    }

    @Property(tries = 300)
    void shouldVerifyOrRaiseCodecExceptionForRandomText(@ForAll @StringLength(max = 120) final String text)
    {
        try
        {
            assertThat(BitcoinMessage.verify(KEY.nodeId(), new byte[0], text)).isFalse();
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).isNotBlank();
        }
        try
        {
            assertThat(BitcoinAddress.decodeBase58Check(text)).isNotNull();
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).startsWith("base58");
        }
    }

    @Property(tries = 300)
    void shouldRoundTripBase58Check(@ForAll @Size(min = 1, max = 80) final byte[] payload)
    {
        assertThat(BitcoinAddress.decodeBase58Check(BitcoinAddress.encodeBase58Check(payload))).isEqualTo(payload);
    }
}
