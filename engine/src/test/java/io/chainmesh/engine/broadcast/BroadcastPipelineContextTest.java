package io.chainmesh.engine.broadcast;

import io.chainmesh.chain.DirectorySnapshot;
import io.chainmesh.codec.crypto.NodeKey;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BroadcastPipelineContextTest
{
    private static final NodeKey KEY = NodeKey.fromHex(String.format("%064x", 4242));

    private static BroadcastPipeline.Context valid()
    {
        return new BroadcastPipeline.Context()
            .nodeKey(KEY)
            .directory(DirectorySnapshot::empty)
            .links(new LoopbackLinks().linkFor(KEY.nodeId()));
    }

    @Test
    void shouldKeepTheIngressRingWithinHalfTheRetentionByDefault()
    {
        // 1024 slots of 64 KiB batches queued ahead of a WANT outlived a 32 MiB retention: at max rate every
        // batch a forward skipped under back pressure was evicted everywhere before its repair was served.
        final BroadcastPipeline.Context defaults = valid().conclude();
        assertThat((long)defaults.ingressRingSize() * 64 * 1024).isLessThanOrEqualTo(defaults.retentionBytes() / 2);
        assertThat(defaults.ingressRingSize()).isEqualTo(256);

        assertThat(valid().retentionBytes(256 << 20).conclude().ingressRingSize()).isEqualTo(1024);
        assertThat(valid().retentionBytes(1 << 20).conclude().ingressRingSize()).isEqualTo(16);
        assertThat(valid().retentionBytes(1 << 20).maxBatchFrameLength(8 * 1024).maxMessageLength(1024).conclude().ingressRingSize())
            .isEqualTo(64);
    }

    @Test
    void shouldRejectAnIngressRingHoldingMoreThanHalfTheRetention()
    {
        assertThatThrownBy(() -> valid().ingressRingSize(1024).conclude())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("ingressRingSize=1024 must be <= retentionBytes / (2 * maxBatchFrameLength) = 256");
        assertThat(valid().ingressRingSize(128).conclude().ingressRingSize()).isEqualTo(128);
        assertThatThrownBy(() -> valid().ingressRingSize(100).conclude())
            .hasMessageContaining("ingressRingSize=100 must be a power of two");
    }
}
