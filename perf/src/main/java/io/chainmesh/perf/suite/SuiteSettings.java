package io.chainmesh.perf.suite;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Settings every part of one suite run shares.
 *
 * @param quick      CI smoke mode: every part shortened so the whole suite stays within two minutes.
 * @param repository root of the chainmesh checkout (where {@code perf/baselines} lives).
 * @param mapper     JSON mapper for the parts' figures.
 * @param log        progress lines (stderr).
 */
public record SuiteSettings(boolean quick, Path repository, ObjectMapper mapper, Consumer<String> log)
{
    /**
     * @param full  value in a full run.
     * @param quick value in quick mode.
     * @return the value for this run's mode.
     */
    public long pick(final long full, final long quick)
    {
        return this.quick ? quick : full;
    }
}
