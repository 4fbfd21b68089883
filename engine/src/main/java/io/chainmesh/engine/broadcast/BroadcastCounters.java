package io.chainmesh.engine.broadcast;

import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The broadcast pipeline's counters, allocated in a {@link CountersManager} so they can be read from
 * outside the process. Each counter has one writer thread, named beside it.
 */
public final class BroadcastCounters implements AutoCloseable
{
    // application threads (offer)
    final AtomicCounter offerBackPressured;
    final AtomicCounter offerNotConnected;
    final AtomicCounter offerTooLarge;
    final AtomicCounter offerBackPressuredByLinks;
    // batcher thread
    final AtomicCounter messagesPublished;
    final AtomicCounter batchesPublished;
    // IO threads (onFrame)
    final AtomicCounter ingressFull;
    // commit thread
    final AtomicCounter batchesCommitted;
    final AtomicCounter messagesDelivered;
    final AtomicCounter duplicates;
    final AtomicCounter malformed;
    final AtomicCounter notAMember;
    final AtomicCounter forged;
    final AtomicCounter tooOld;
    final AtomicCounter fromTheFuture;
    final AtomicCounter batchesForwarded;
    final AtomicCounter forwardNotConnected;
    final AtomicCounter forwardBackPressured;
    final AtomicCounter wantsSent;
    final AtomicCounter repairFramesSent;
    final AtomicCounter wantMissSent;
    final AtomicCounter lostBeyondRetention;
    final AtomicCounter handlerErrors;
    final AtomicCounter peersClosedForInvalid;
    final AtomicCounter stale;
    final AtomicCounter repairBackPressured;
    final AtomicCounter repairFloorsSent;
    final AtomicCounter peersClosedBeyondRetention;
    final AtomicCounter forwardsHandedOver;
    final AtomicCounter repairForwardsHeld;
    final AtomicCounter duplicatesBeforeVerify;
    final AtomicCounter forwardsResent;
    final AtomicCounter forwardsLeftToRepair;
    final AtomicCounter originPauses;
    final AtomicCounter slowPeers;
    final AtomicCounter wantMissUnasked;
    final AtomicCounter repairCutByBudget;
    final AtomicCounter repairCutByPeerAllowance;
    final AtomicCounter repairRangesHeldByAsker;

    // commit thread
    final DeliveryStats delivery = new DeliveryStats();

    private final AtomicCounter[] all;

    BroadcastCounters(final CountersManager manager, final String node)
    {
        all = new AtomicCounter[] {
            offerBackPressured = manager.newCounter("broadcast offer back-pressured: " + node),
            offerNotConnected = manager.newCounter("broadcast offer not connected: " + node),
            offerTooLarge = manager.newCounter("broadcast offer too large: " + node),
            offerBackPressuredByLinks = manager.newCounter("broadcast offer back-pressured, links full: " + node),
            messagesPublished = manager.newCounter("broadcast messages published: " + node),
            batchesPublished = manager.newCounter("broadcast batches published: " + node),
            ingressFull = manager.newCounter("broadcast ingress full: " + node),
            batchesCommitted = manager.newCounter("broadcast batches committed: " + node),
            messagesDelivered = manager.newCounter("broadcast messages delivered: " + node),
            duplicates = manager.newCounter("broadcast duplicate batches: " + node),
            malformed = manager.newCounter("broadcast malformed batches: " + node),
            notAMember = manager.newCounter("broadcast batches from non-members: " + node),
            forged = manager.newCounter("broadcast forged batches: " + node),
            tooOld = manager.newCounter("broadcast batches too old: " + node),
            fromTheFuture = manager.newCounter("broadcast batches from the future: " + node),
            batchesForwarded = manager.newCounter("broadcast batches forwarded: " + node),
            forwardNotConnected = manager.newCounter("broadcast forwards skipped, not connected: " + node),
            forwardBackPressured = manager.newCounter("broadcast forwards skipped, back-pressured: " + node),
            wantsSent = manager.newCounter("broadcast repair wants sent: " + node),
            repairFramesSent = manager.newCounter("broadcast repair batches sent: " + node),
            wantMissSent = manager.newCounter("broadcast repair beyond retention: " + node),
            lostBeyondRetention = manager.newCounter("broadcast batches lost beyond retention: " + node),
            handlerErrors = manager.newCounter("broadcast handler errors: " + node),
            peersClosedForInvalid = manager.newCounter("broadcast peers closed for invalid batches: " + node),
            stale = manager.newCounter("broadcast batches below the replay window: " + node),
            repairBackPressured = manager.newCounter("broadcast repair answers cut by back pressure: " + node),
            repairFloorsSent = manager.newCounter("broadcast repair history floors sent: " + node),
            peersClosedBeyondRetention = manager.newCounter("broadcast peers closed beyond retention: " + node),
            forwardsHandedOver = manager.newCounter("broadcast forwards handed over past a down member: " + node),
            repairForwardsHeld = manager.newCounter("broadcast repaired forwards not sent, child holds them: " + node),
            duplicatesBeforeVerify = manager.newCounter("broadcast duplicates skipped before verification: " + node),
            forwardsResent = manager.newCounter("broadcast forwards resent once the link drained: " + node),
            forwardsLeftToRepair = manager.newCounter("broadcast skipped forwards left to repair: " + node),
            originPauses = manager.newCounter("broadcast origin paused, links full: " + node),
            slowPeers = manager.newCounter("broadcast slow peers not waited for: " + node),
            wantMissUnasked = manager.newCounter("broadcast repair beyond-retention answers not asked for: " + node),
            repairCutByBudget = manager.newCounter("broadcast repair answers cut by the repair budget: " + node),
            repairCutByPeerAllowance = manager.newCounter("broadcast repair answers cut by the allowance of the asker: " + node),
            repairRangesHeldByAsker = manager.newCounter("broadcast repair ranges trimmed, the asker holds them: " + node),
        };
    }

    /**
     * @return the age of delivered messages and each origin's progress here.
     */
    public DeliveryStats delivery()
    {
        return delivery;
    }

    /** @return batches too far below the origin's highest for the replay window to tell apart from a replay. */
    public long stale()
    {
        return stale.get();
    }

    /** @return WANT answers stopped at a back-pressured link (the requester asks again for the rest). */
    public long repairBackPressured()
    {
        return repairBackPressured.get();
    }

    /** @return WANT answers stopped because repair had used its share of this interval (the requester asks again). */
    public long repairCutByBudget()
    {
        return repairCutByBudget.get();
    }

    /**
     * @return WANT answers stopped because the asking peer had taken its repair allowance (a share of what this
     *         node retains and commits); the requester asks again.
     */
    public long repairCutByPeerAllowance()
    {
        return repairCutByPeerAllowance.get();
    }

    /** @return WANT ranges served only above the contiguous mark the asker's own digest vouches for. */
    public long repairRangesHeldByAsker()
    {
        return repairRangesHeldByAsker.get();
    }

    /** @return offers refused with BACK_PRESSURED because forwards owed to peers were above the high-water mark. */
    public long offerBackPressuredByLinks()
    {
        return offerBackPressuredByLinks.get();
    }

    /** @return times this node stopped taking offers because the forwards it owes peers piled up. */
    public long originPauses()
    {
        return originPauses.get();
    }

    /**
     * @return times a peer stayed backed up so long that publishing stopped waiting for it (what it is owed
     *         beyond what its link takes is left to repair).
     */
    public long slowPeers()
    {
        return slowPeers.get();
    }

    /**
     * @return WANT_MISS frames ignored because they did not answer this node's last WANT for that origin to
     *         that peer (late answers, or a peer trying to make this node skip what others still retain).
     */
    public long wantMissUnasked()
    {
        return wantMissUnasked.get();
    }

    /** @return WANT_MISS frames sent because a requested range is no longer retained here. */
    public long wantMissSent()
    {
        return wantMissSent.get();
    }

    /** @return peers closed with BEYOND_RETENTION (they kept asking for what is no longer retained). */
    public long peersClosedBeyondRetention()
    {
        return peersClosedBeyondRetention.get();
    }

    /** @return tree forwards sent to a member further down a range because the member due was not connected. */
    public long forwardsHandedOver()
    {
        return forwardsHandedOver.get();
    }

    /** @return repaired batches not forwarded to a tree child whose word is that it holds them already. */
    public long repairForwardsHeld()
    {
        return repairForwardsHeld.get();
    }

    /** @return forwards skipped under back pressure, then resent from retention once the peer's link took frames again. */
    public long forwardsResent()
    {
        return forwardsResent.get();
    }

    /**
     * @return forwards skipped under back pressure and not resent (the owed queue was full, the batch was
     *         evicted first, or the link went down): the peer gets them by WANT repair, or counts them lost.
     */
    public long forwardsLeftToRepair()
    {
        return forwardsLeftToRepair.get();
    }

    /** @return duplicate batches recognised before signature verification (not verified, not committed). */
    public long duplicatesBeforeVerify()
    {
        return duplicatesBeforeVerify.get();
    }

    /** @return messages offered and accepted into batches. */
    public long messagesPublished()
    {
        return messagesPublished.get();
    }

    /** @return signed batches this node originated. */
    public long batchesPublished()
    {
        return batchesPublished.get();
    }

    /** @return batches (own and others') committed: verified, new, retained, delivered and forwarded. */
    public long batchesCommitted()
    {
        return batchesCommitted.get();
    }

    /** @return messages delivered to subscribers (others' messages only). */
    public long messagesDelivered()
    {
        return messagesDelivered.get();
    }

    /** @return batches received again after commit: found before verification or at the commit stage. */
    public long duplicates()
    {
        return duplicates.get() + duplicatesBeforeVerify.get();
    }

    /** @return batches rejected because their signature did not verify. */
    public long forged()
    {
        return forged.get();
    }

    /** @return batches rejected as malformed. */
    public long malformed()
    {
        return malformed.get();
    }

    /** @return batches rejected because their origin is not in the directory. */
    public long notAMember()
    {
        return notAMember.get();
    }

    /** @return batches rejected because their timestamp was outside the accepted window. */
    public long outsideTimeWindow()
    {
        return tooOld.get() + fromTheFuture.get();
    }

    /** @return batch transmissions to peers, first-hand and forwarded (repair not included). */
    public long batchesForwarded()
    {
        return batchesForwarded.get();
    }

    /** @return tree or flood sends skipped because the peer was not connected or over budget. */
    public long forwardsSkipped()
    {
        return forwardNotConnected.get() + forwardBackPressured.get();
    }

    /** @return WANT requests sent. */
    public long wantsSent()
    {
        return wantsSent.get();
    }

    /** @return batches sent in answer to WANTs. */
    public long repairFramesSent()
    {
        return repairFramesSent.get();
    }

    /** @return batches this node gave up on because no peer retained them any more. */
    public long lostBeyondRetention()
    {
        return lostBeyondRetention.get();
    }

    /** @return offers refused with back pressure (a full egress ring, or {@link #offerBackPressuredByLinks()}). */
    public long offerBackPressured()
    {
        return offerBackPressured.get();
    }

    /** @return frames an IO thread could not hand to the pipeline because the ingress ring was full. */
    public long ingressFull()
    {
        return ingressFull.get();
    }

    /** @return exceptions thrown by subscribers (counted, the pipeline goes on). */
    public long handlerErrors()
    {
        return handlerErrors.get();
    }

    /**
     * @return the counters that are not zero, {@code label=value} (for diagnostics, allocates).
     */
    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder("{");
        for (final AtomicCounter counter : all)
        {
            final long value = counter.get();
            if (value != 0)
            {
                final String label = counter.label();
                final int colon = label.lastIndexOf(':');
                text.append(text.length() > 1 ? ", " : "").append(label, "broadcast ".length(), colon < 0 ? label.length() : colon)
                    .append('=').append(value);
            }
        }
        return text.append('}').toString();
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(all);
    }
}
