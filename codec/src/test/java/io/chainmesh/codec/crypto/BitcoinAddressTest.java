package io.chainmesh.codec.crypto;

import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.Hex;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BitcoinAddressTest
{
    @Test
    void shouldDeriveKnownAddressesOfKeyOne()
    {
        final NodeKey one = NodeKey.fromHex("00".repeat(31) + "01");
        // Well-known addresses of the generator point, compressed and uncompressed.
        assertThat(BitcoinAddress.p2pkh(one.publicKey())).isEqualTo("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH");
        final byte[] uncompressed = one.publicKey().publicKeyParameters().getQ().getEncoded(false);
        assertThat(BitcoinAddress.p2pkh((byte)0, uncompressed)).isEqualTo("1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm");
    }

    @Test
    void shouldRoundTripPayloadWithLeadingZeros()
    {
        final byte[] payload = Hex.decode("payload", "0000" + "ab".repeat(19), 64);
        final String text = BitcoinAddress.encodeBase58Check(payload);
        assertThat(text).startsWith("11");
        assertThat(BitcoinAddress.decodeBase58Check(text)).isEqualTo(payload);
        assertThat(BitcoinAddress.decodeBase58Check("1111111111111111111114oLvT2")).isEqualTo(new byte[21]);
    }

    @Test
    void shouldRejectBadBase58Check()
    {
        assertThatThrownBy(() -> BitcoinAddress.decodeBase58Check("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAM0"))
            .isInstanceOf(CodecException.class).hasMessage("base58 character '0' at index 33 is not in the alphabet");
        assertThatThrownBy(() -> BitcoinAddress.decodeBase58Check("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMI"))
            .isInstanceOf(CodecException.class).hasMessageContaining("'I'");
        assertThatThrownBy(() -> BitcoinAddress.decodeBase58Check("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMé"))
            .isInstanceOf(CodecException.class).hasMessageContaining("not in the alphabet");
        assertThatThrownBy(() -> BitcoinAddress.decodeBase58Check("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMJ"))
            .isInstanceOf(CodecException.class).hasMessageContaining("checksum mismatch");
        assertThatThrownBy(() -> BitcoinAddress.decodeBase58Check("1".repeat(129)))
            .isInstanceOf(CodecException.class).hasMessage("base58check length 129 exceeds limit 128");
        assertThatThrownBy(() -> BitcoinAddress.decodeBase58Check("2g"))
            .isInstanceOf(CodecException.class).hasMessageContaining("below minimum 5");
        assertThatThrownBy(() -> BitcoinAddress.decodeBase58Check(""))
            .isInstanceOf(CodecException.class).hasMessageContaining("below minimum 5");
        assertThatThrownBy(() -> BitcoinAddress.decodeBase58Check(null))
            .isInstanceOf(CodecException.class).hasMessage("base58check text is missing");
    }

    @Test
    void shouldRejectKeyOfWrongLength()
    {
        assertThatThrownBy(() -> BitcoinAddress.p2pkh((byte)0, new byte[32]))
            .isInstanceOf(CodecException.class).hasMessage("public key length=32 must be 33 or 65");
    }

    @Test
    void shouldRejectAddressOfWrongPayloadLengthInVerify()
    {
        final String shortPayload = BitcoinAddress.encodeBase58Check(new byte[10]);
        assertThatThrownBy(() -> BitcoinMessage.verifyAddress(shortPayload, new byte[0], "x"))
            .isInstanceOf(CodecException.class).hasMessage("P2PKH address payload length 10 must be 21 or 22");
    }
}
