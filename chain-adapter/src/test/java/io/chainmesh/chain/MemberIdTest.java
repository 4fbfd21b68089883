package io.chainmesh.chain;

import io.chainmesh.codec.CodecException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemberIdTest
{
    private static final String HASH = "0123456789abcdef".repeat(4);

    @Test
    void shouldRoundTripTextAndWireEncoding()
    {
        final MemberId id = MemberId.of(HASH.toUpperCase(), 7);

        assertThat(id.toString()).isEqualTo(HASH + ":7");
        assertThat(MemberId.parse(HASH + ":7")).isEqualTo(id).hasSameHashCodeAs(id);
        assertThat(id.toBytes()).hasSize(MemberId.ENCODED_LENGTH);
        assertThat(MemberId.fromBytes(id.toBytes())).isEqualTo(id);
        assertThat(id.txHash()).isEqualTo(HASH);
        assertThat(id.outputIndex()).isEqualTo(7);
        assertThat(id.shortName()).isEqualTo("01234567:7");
    }

    @Test
    void shouldGiveEachOutputOfOneTransactionItsOwnOriginId()
    {
        assertThat(MemberId.of(HASH, 0).originId()).isNotEqualTo(MemberId.of(HASH, 1).originId());
        assertThat(MemberId.of(HASH, 0).originId()).isEqualTo(MemberId.parse(HASH + ":0").originId());
    }

    @Test
    void shouldOrderByHashBytesThenIndexLikeTheHexText()
    {
        final MemberId low = MemberId.of("7f" + "00".repeat(31), 9);
        final MemberId high = MemberId.of("80" + "00".repeat(31), 0);

        assertThat(low).isLessThan(high);
        assertThat(MemberId.of(HASH, 1)).isLessThan(MemberId.of(HASH, 2));
    }

    @Test
    void shouldRefuseMalformedCollateralsWithWhatWasWrong()
    {
        assertThatThrownBy(() -> MemberId.parse("abc:1")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("not txhash:outidx");
        assertThatThrownBy(() -> MemberId.parse(HASH + ":-1")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("non-numeric outidx");
        assertThatThrownBy(() -> MemberId.parse(HASH + ":9999999999")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("exceeds");
        assertThatThrownBy(() -> MemberId.parse(HASH + ":99999999999")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("not txhash:outidx");
        assertThatThrownBy(() -> MemberId.parse(HASH + ":")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemberId.parse(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemberId.parse("x".repeat(10_000))).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("...");
        assertThatThrownBy(() -> MemberId.of("zz".repeat(32), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemberId.of(HASH, -1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("outidx=-1");
        assertThatThrownBy(() -> MemberId.fromBytes(new byte[35])).isInstanceOf(CodecException.class)
            .hasMessageContaining("length=35");
        final byte[] negative = MemberId.of(HASH, 0).toBytes();
        negative[32] = (byte)0x80;
        assertThatThrownBy(() -> MemberId.fromBytes(negative)).isInstanceOf(CodecException.class)
            .hasMessageContaining("exceeds");
    }
}
