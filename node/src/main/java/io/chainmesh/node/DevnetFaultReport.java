package io.chainmesh.node;

import java.util.List;

/**
 * What a fault plan did to a {@code chainmesh devnet --processes} run, in the JSON report under {@code faults}.
 * Times are seconds from the start of publishing.
 *
 * @param plan          the plan as given ({@code --faults}), or empty for link faults alone.
 * @param linkLatency   the injected link latency ({@code --link-latency}, {@code 50ms-300ms}), or empty.
 * @param phases        the run cut at every fault, and the drain after publishing.
 * @param incarnations  every member process, a restarted member once per start.
 * @param lostAtDeath   messages that killed members had reported published but no live member committed (in flight
 *                      at death; from their last progress report, so a lower bound).
 */
public record DevnetFaultReport(
    String plan,
    String linkLatency,
    List<Phase> phases,
    List<Incarnation> incarnations,
    long lostAtDeath)
{
    /**
     * One phase: from one fault (or the start) to the next (or the end of publishing, or the end of the drain).
     *
     * @param index          0-based.
     * @param startedBy      the event that began it ({@code 5s:kill9:2}), {@code start} or {@code drain}.
     * @param fromSeconds    start.
     * @param toSeconds      end.
     * @param liveMembers    member processes alive and not stopped during it.
     * @param published      messages offered and accepted in it, all members.
     * @param delivered      deliveries in it, all members.
     * @param deliveredPerSecond deliveries per second in it.
     * @param repairFrames   repair frames sent in it.
     * @param latencyMicros  publish-to-deliver latency of its deliveries.
     */
    public record Phase(
        int index,
        String startedBy,
        double fromSeconds,
        double toSeconds,
        int liveMembers,
        long published,
        long delivered,
        double deliveredPerSecond,
        long repairFrames,
        DevnetReport.Latency latencyMicros)
    {
    }

    /**
     * One member process.
     *
     * @param member                    member index.
     * @param incarnation               0 for the first start, then one more per restart.
     * @param startedSeconds            when it was started (negative: before publishing began).
     * @param readySeconds              when it reported ready.
     * @param endedSeconds              when the plan killed it, or null if it lived to the end.
     * @param endedBy                   {@code kill9} or {@code term}, or null.
     * @param published                 messages it published (for a killed process, as last reported).
     * @param owed                      its messages owed to every live member: all it published if it lived, else
     *                                  every one that at least one live member committed.
     * @param deliveredToEveryLiveMember the fewest of its owed messages any live member (other than itself) got.
     * @param catchUpSeconds            for a restarted process: from ready until it had what the others had when it
     *                                  came back; null if it never did or was not restarted.
     * @param delivered                 messages delivered to it (its final report, or its last progress if killed).
     * @param missing                   messages owed to it that it lacks (0 if it did not live to the end).
     * @param beyondRetention           for a restarted process: other members' messages published more than 55 s
     *                                  before it asked for them (when it was ready, or when its oldest message of
     *                                  that origin arrived if later: beyond the engine's 60 s retention), not owed to
     *                                  it.
     */
    public record Incarnation(
        int member,
        int incarnation,
        double startedSeconds,
        double readySeconds,
        Double endedSeconds,
        String endedBy,
        long published,
        long owed,
        long deliveredToEveryLiveMember,
        Double catchUpSeconds,
        long delivered,
        long missing,
        long beyondRetention)
    {
    }
}
