package io.chainmesh.codec.property;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.crypto.BitcoinAddress;
import io.chainmesh.codec.crypto.BitcoinMessage;
import io.chainmesh.codec.crypto.NodeKey;

import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class CryptoPropertiesTest
{
    private static final NodeKey KEY = NodeKey.fromHex("55".repeat(32));

    @SeededTest(cases = 25)
    void shouldSignAndRecoverAnyMessage(final SeededCase sample)
    {
        final byte[] message = sample.bytes(600);
        final String signature = BitcoinMessage.sign(KEY, message);
        assertThat(BitcoinMessage.recover(message, signature)).isEqualTo(KEY.publicKey());
        assertThat(BitcoinMessage.verifyAddress(BitcoinAddress.p2pkh(KEY.publicKey()), message, signature)).isTrue();
    }

    @SeededTest(cases = 100)
    void shouldVerifyOrRaiseCodecExceptionForRandomSignatureBytes(final SeededCase sample)
    {
        final String signature = Base64.getEncoder().encodeToString(sample.bytes(60, 70));
        try
        {
            assertThat(BitcoinMessage.verify(KEY.publicKey(), new byte[]{1}, signature)).isFalse();
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).startsWith("signature");
        }
    }

    @SeededTest(cases = 60)
    void shouldVerifyRandomWellFormedSignaturesWithoutThrowing(final SeededCase sample)
    {
        final byte[] rs = sample.bytes(64, 64);
        final int header = sample.intBetween(27, 34);
        final byte[] compact = new byte[65];
        compact[0] = (byte)header;
        System.arraycopy(rs, 0, compact, 1, 64);
        final String signature = Base64.getEncoder().encodeToString(compact);
        assertThat(BitcoinMessage.verify(KEY.publicKey(), new byte[]{2}, signature)).isFalse();
        assertThat(BitcoinMessage.verifyAddress(BitcoinAddress.p2pkh(KEY.publicKey()), new byte[]{2}, signature)).isFalse();
        try
        {
            assertThat(BitcoinMessage.recover(new byte[]{2}, signature)).isNotEqualTo(KEY.publicKey());
        }
        catch (final CodecException expected)
        {
            assertThat(expected.getMessage()).startsWith("no public key recovers");
        }
    }

    @SeededTest(cases = 300)
    void shouldVerifyOrRaiseCodecExceptionForRandomText(final SeededCase sample)
    {
        final String text = sample.rawText(0, 120);
        try
        {
            assertThat(BitcoinMessage.verify(KEY.publicKey(), new byte[0], text)).isFalse();
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

    @SeededTest(cases = 300)
    void shouldRoundTripBase58Check(final SeededCase sample)
    {
        final byte[] payload = sample.bytes(1, 80);
        assertThat(BitcoinAddress.decodeBase58Check(BitcoinAddress.encodeBase58Check(payload))).isEqualTo(payload);
    }
}
