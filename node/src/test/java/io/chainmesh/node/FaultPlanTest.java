package io.chainmesh.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultPlanTest
{
    @Test
    void shouldParseEveryActionInTimeOrder()
    {
        final FaultPlan plan = FaultPlan.parse("5s:kill9:2,12s:restart:2,20s:partition:0-3|4-7,30s:stop:3,35s:cont:3," +
            "40s:term:1,45s:restart-wiped:1,50s:heal", 8, 60_000);

        assertThat(plan.events()).extracting(FaultPlan.Event::text).containsExactly("5s:kill9:2", "12s:restart:2",
            "20s:partition:0-3|4-7", "30s:stop:3", "35s:cont:3", "40s:term:1", "45s:restart-wiped:1", "50s:heal");
        assertThat(plan.events().get(0).atMillis()).isEqualTo(5_000);
        assertThat(plan.events().get(2).groups()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
        assertThat(plan.partitions()).isTrue();
    }

    @Test
    void shouldTakeMillisecondsBareSecondsAndGroupsOfSingleMembers()
    {
        final FaultPlan plan = FaultPlan.parse("500ms:partition:0+2|1+3-4, 1.5:heal", 5, 2_000);

        assertThat(plan.events()).extracting(FaultPlan.Event::atMillis).containsExactly(500L, 1_500L);
        assertThat(plan.events().get(0).groups()).containsExactly(0, 1, 0, 1, 1);
        assertThat(FaultPlan.parse("1s:kill9:0", 3, 2_000).partitions()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "'';--faults is empty",
        "'  ';--faults is empty",
        "5s;--faults event 1 '5s': expected TIME:ACTION[:TARGET]",
        "5s:kill9:2:9;--faults event 1 '5s:kill9:2:9': expected TIME:ACTION[:TARGET]",
        "5x:kill9:2;--faults event 1 '5x:kill9:2': '5x' is not a duration",
        "-1s:kill9:2;is not a duration",
        "99999999999999999999s:kill9:2;--faults event 1 '99999999999999999999s:kill9:2': '99999999999999999999s' is longer than 365 days",
        "60s:kill9:2;time 60s is not before the end of --duration (60000 ms)",
        "5s:explode:2;unknown action 'explode'",
        "5s:kill9;kill9 needs a target: a member index, e.g. kill9:2",
        "5s:kill9:;kill9 needs a target",
        "5s:kill9:8;member 8 is not in [0, --nodes=8)",
        "5s:kill9:two;member 'two' is not an index in [0, 8)",
        "5s:kill9:-1;member '-1' is not an index",
        "5s:kill9:1234;member '1234' is not an index",
        "5s:heal:2;heal takes no target",
        "5s:heal;there is no partition to heal",
        "5s:partition:0-7;a partition needs at least two groups",
        "5s:partition:0-3|;group 2 is empty",
        "5s:partition:0-3|3-7;member 3 is in more than one group",
        "5s:partition:0-3|5-7;member 4 is in no group",
        "5s:partition:3-0|4-7;range 3-0 runs backwards",
        "5s:partition:0-1-2|3-7;'0-1-2' is not a member or a range",
        "5s:partition:0-3|4-9;member 9 is not in [0, --nodes=8)",
        "5s:partition:0-3|4-7,6s:partition:0|1-7;a partition is already in place",
        "5s:partition:0-3|4-7;leaves a partition in place at the end: add heal",
        "5s:restart:1;member 1 is running; restart needs a member that was killed (kill9 or term)",
        "5s:kill9:1,6s:kill9:1;member 1 is already dead",
        "5s:stop:1,6s:term:1;member 1 is stopped; term needs a running member",
        "5s:cont:1;member 1 is running; cont needs a stopped member",
        "5s:stop:1;leaves member(s) {1} stopped at the end: add cont:1",
        "5s:stop:1,6s:stop:1;member 1 is stopped; stop needs a running member",
        "5s:kill9:1,4s:restart:1;events must be in time order",
        "1s:kill9:1,2s:kill9:2,3s:kill9:3,4s:kill9:4,5s:kill9:5,6s:kill9:6,7s:kill9:7;only 1 member(s) would be alive",
    })
    void shouldRefuseABadPlanNamingTheEventAndTheRule(final String plan, final String message)
    {
        assertThatThrownBy(() -> FaultPlan.parse(plan, 8, 60_000)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(message);
    }

    @Test
    void shouldRefuseAPlanTooLongOrWithTooManyEvents()
    {
        assertThatThrownBy(() -> FaultPlan.parse("1s:kill9:1,".repeat(400), 8, 60_000))
            .hasMessageContaining("more than " + FaultPlan.MAX_TEXT);
        assertThatThrownBy(() -> FaultPlan.parse(String.join(",", java.util.Collections.nCopies(65, "1s:heal")), 8, 60_000))
            .hasMessageContaining("65 events, more than 64");
        assertThatThrownBy(() -> FaultPlan.parse("1s:partition:" + "0+".repeat(120) + "0|1-7,2s:heal", 8, 60_000))
            .hasMessageContaining("longer than 200 characters");
    }

    @Test
    void shouldRefuseMoreRestartsThanIncarnationsTracked()
    {
        final StringBuilder plan = new StringBuilder();
        for (int i = 0; i < DevnetMemberCommand.MAX_INCARNATIONS; i++)
        {
            plan.append(plan.length() > 0 ? "," : "").append(2 * i).append("s:kill9:1,").append(2 * i + 1).append("s:restart:1");
        }

        assertThatThrownBy(() -> FaultPlan.parse(plan.toString(), 3, 600_000))
            .hasMessageContaining("member 1 is restarted more than " + (DevnetMemberCommand.MAX_INCARNATIONS - 1) + " times");
        assertThat(List.of(FaultPlan.Action.values())).hasSize(8);
    }
}
