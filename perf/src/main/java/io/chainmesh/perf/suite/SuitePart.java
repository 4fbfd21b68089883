package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One part of the suite. A part measures something against its baseline within a bounded time and returns its
 * raw figures as JSON; {@link SuiteReport} turns known parts into tables and charts and lists the others as
 * they are, so a new part (say, encrypted against plaintext links) plugs in by being added to {@link PerfSuite}.
 */
public interface SuitePart
{
    /**
     * @return key of the part's figures under {@code parts} in the result JSON, e.g. {@code pointToPoint}.
     */
    String name();

    /**
     * Runs the part to the end and releases everything it started.
     *
     * @param settings suite-wide settings (quick mode, output directory, log).
     * @return the part's raw figures.
     * @throws Exception if the part cannot complete; the suite records the failure and carries on.
     */
    JsonNode run(SuiteSettings settings) throws Exception;
}
