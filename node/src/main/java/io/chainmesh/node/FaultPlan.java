package io.chainmesh.node;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * The fault plan of {@code chainmesh devnet --processes --faults PLAN}: what happens to which member process, and
 * when. A plan is a comma-separated list of events {@code TIME:ACTION[:TARGET]}, in time order, e.g.
 * {@code 5s:kill9:2,12s:restart:2,20s:partition:0-3|4-7,50s:heal}.
 * <ul>
 *     <li>{@code TIME}: from the start of publishing, with a unit ({@code 500ms}, {@code 5s}, {@code 1m}; a bare
 *     number is seconds); before the end of {@code --duration}.</li>
 *     <li>{@code kill9:M} (SIGKILL), {@code term:M} (SIGTERM: the member closes its node), {@code stop:M} (SIGSTOP),
 *     {@code cont:M} (SIGCONT), {@code restart:M} (a killed member starts again with the same key, port and
 *     directory), {@code restart-wiped:M} (the same with its directory emptied but for its key and config).</li>
 *     <li>{@code partition:G|G[|G...]}: groups of members, each a {@code +}-joined list of indices and ranges
 *     ({@code 0-3+8|4-7}); every member is in exactly one group and links between groups are cut inside the
 *     nodes until {@code heal}.</li>
 * </ul>
 * Everything is checked before anything starts: the syntax, member indices, and the sequence (a member is killed
 * only while it runs or is stopped, restarted only after it was killed, stopped only while running, continued
 * only while stopped; at least two members are alive at every moment; at the end no member is stopped and no
 * partition is in place). Errors name the event and the rule: {@code --faults event 2 '12s:restart:2': member 2 is
 * running; restart needs a member that was killed (kill9 or term)}.
 */
final class FaultPlan
{
    /** Longest plan text accepted. */
    static final int MAX_TEXT = 4_096;
    /** Most events in a plan. */
    static final int MAX_EVENTS = 64;
    /** Longest partition target (it travels to the members as one command line). */
    static final int MAX_PARTITION_TEXT = 200;

    /** What an event does. */
    enum Action
    {
        KILL9("kill9"), TERM("term"), STOP("stop"), CONT("cont"), RESTART("restart"), RESTART_WIPED("restart-wiped"),
        PARTITION("partition"), HEAL("heal");

        final String text;

        Action(final String text)
        {
            this.text = text;
        }

        boolean targetsMember()
        {
            return this != PARTITION && this != HEAL;
        }

        static Action of(final String text)
        {
            for (final Action a : values())
            {
                if (a.text.equals(text))
                {
                    return a;
                }
            }
            return null;
        }
    }

    /**
     * One event.
     *
     * @param atMillis  time from the start of publishing.
     * @param action    what happens.
     * @param member    the member index, or -1 for partition and heal.
     * @param partition the partition target as written ({@code 0-3|4-7}), or null.
     * @param groups    for a partition, the group of each member index; otherwise null.
     */
    record Event(long atMillis, Action action, int member, String partition, int[] groups)
    {
        /**
         * @return the event as written in a plan, normalised: {@code 5s:kill9:2}.
         */
        String text()
        {
            final String time = atMillis % 1000 == 0 ? atMillis / 1000 + "s" : atMillis + "ms";
            return time + ":" + action.text + (member >= 0 ? ":" + member : "") + (null != partition ? ":" + partition : "");
        }
    }

    private final String text;
    private final List<Event> events;

    private FaultPlan(final String text, final List<Event> events)
    {
        this.text = text;
        this.events = List.copyOf(events);
    }

    /**
     * @return the plan as given.
     */
    String text()
    {
        return text;
    }

    /**
     * @return the events, in time order.
     */
    List<Event> events()
    {
        return events;
    }

    /**
     * @return true if some event partitions the members (the members then need link faults).
     */
    boolean partitions()
    {
        return events.stream().anyMatch(e -> e.action() == Action.PARTITION);
    }

    /**
     * Parses and checks a plan.
     *
     * @param text           the plan.
     * @param nodes          members in the devnet.
     * @param durationMillis time of publishing; every event happens before its end.
     * @return the plan.
     * @throws IllegalArgumentException naming the event and the rule it breaks.
     */
    static FaultPlan parse(final String text, final int nodes, final long durationMillis)
    {
        if (null == text || text.isBlank())
        {
            throw new IllegalArgumentException("--faults is empty: give events TIME:ACTION[:TARGET], e.g. 5s:kill9:2");
        }
        if (text.length() > MAX_TEXT)
        {
            throw new IllegalArgumentException("--faults is " + text.length() + " characters, more than " + MAX_TEXT);
        }
        final String[] parts = text.split(",", -1);
        if (parts.length > MAX_EVENTS)
        {
            throw new IllegalArgumentException("--faults has " + parts.length + " events, more than " + MAX_EVENTS);
        }
        final List<Event> events = new ArrayList<>();
        for (int i = 0; i < parts.length; i++)
        {
            events.add(parseEvent(i + 1, parts[i].trim(), nodes, durationMillis));
        }
        checkSequence(events, parts, nodes);
        return new FaultPlan(text, events);
    }

    private static Event parseEvent(final int number, final String part, final int nodes, final long durationMillis)
    {
        final String where = "--faults event " + number + " '" + part + "': ";
        final String[] fields = part.split(":", -1);
        if (fields.length < 2 || fields.length > 3)
        {
            throw new IllegalArgumentException(where + "expected TIME:ACTION[:TARGET], e.g. 5s:kill9:2");
        }
        final long atMillis;
        try
        {
            atMillis = Durations.parse(fields[0], "s").toMillis();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(where + ex.getMessage(), ex);
        }
        if (atMillis >= durationMillis)
        {
            throw new IllegalArgumentException(where + "time " + fields[0] + " is not before the end of --duration (" +
                durationMillis + " ms)");
        }
        final Action action = Action.of(fields[1].toLowerCase(Locale.ROOT));
        if (null == action)
        {
            throw new IllegalArgumentException(where + "unknown action '" + fields[1] +
                "' (kill9, term, stop, cont, restart, restart-wiped, partition, heal)");
        }
        if (action == Action.HEAL)
        {
            if (fields.length != 2)
            {
                throw new IllegalArgumentException(where + "heal takes no target");
            }
            return new Event(atMillis, action, -1, null, null);
        }
        if (fields.length != 3 || fields[2].isEmpty())
        {
            throw new IllegalArgumentException(where + action.text + " needs a target: " +
                (action == Action.PARTITION ? "groups of members, e.g. partition:0-3|4-7" : "a member index, e.g. " +
                action.text + ":2"));
        }
        if (action == Action.PARTITION)
        {
            return new Event(atMillis, action, -1, fields[2], parseGroups(where, fields[2], nodes));
        }
        return new Event(atMillis, action, parseMember(where, fields[2], nodes), null, null);
    }

    private static int parseMember(final String where, final String text, final int nodes)
    {
        if (!text.matches("\\d{1,3}"))
        {
            throw new IllegalArgumentException(where + "member '" + text + "' is not an index in [0, " + nodes + ")");
        }
        final int member = Integer.parseInt(text);
        if (member >= nodes)
        {
            throw new IllegalArgumentException(where + "member " + member + " is not in [0, --nodes=" + nodes + ")");
        }
        return member;
    }

    /**
     * @param where  the event, for messages.
     * @param text   {@code 0-3+8|4-7}.
     * @param nodes  members.
     * @return the group of each member.
     */
    static int[] parseGroups(final String where, final String text, final int nodes)
    {
        if (text.length() > MAX_PARTITION_TEXT)
        {
            throw new IllegalArgumentException(where + "partition target longer than " + MAX_PARTITION_TEXT + " characters");
        }
        final String[] groups = text.split("\\|", -1);
        if (groups.length < 2)
        {
            throw new IllegalArgumentException(where + "a partition needs at least two groups separated by |, e.g. 0-3|4-7");
        }
        final int[] groupOf = new int[nodes];
        java.util.Arrays.fill(groupOf, -1);
        for (int g = 0; g < groups.length; g++)
        {
            if (groups[g].isEmpty())
            {
                throw new IllegalArgumentException(where + "group " + (g + 1) + " is empty");
            }
            for (final String item : groups[g].split("\\+", -1))
            {
                final String[] range = item.split("-", -1);
                if (range.length > 2)
                {
                    throw new IllegalArgumentException(where + "'" + item + "' is not a member or a range FROM-TO");
                }
                final int from = parseMember(where, range[0], nodes);
                final int to = range.length == 2 ? parseMember(where, range[1], nodes) : from;
                if (to < from)
                {
                    throw new IllegalArgumentException(where + "range " + item + " runs backwards");
                }
                for (int m = from; m <= to; m++)
                {
                    if (groupOf[m] >= 0)
                    {
                        throw new IllegalArgumentException(where + "member " + m + " is in more than one group");
                    }
                    groupOf[m] = g;
                }
            }
        }
        for (int m = 0; m < nodes; m++)
        {
            if (groupOf[m] < 0)
            {
                throw new IllegalArgumentException(where + "member " + m + " is in no group; every member of 0.." +
                    (nodes - 1) + " must be in exactly one");
            }
        }
        return groupOf;
    }

    private enum State { RUNNING, STOPPED, DEAD }

    private static void checkSequence(final List<Event> events, final String[] parts, final int nodes)
    {
        final State[] states = new State[nodes];
        java.util.Arrays.fill(states, State.RUNNING);
        final int[] restarts = new int[nodes];
        boolean partitioned = false;
        long last = 0;
        for (int i = 0; i < events.size(); i++)
        {
            final Event e = events.get(i);
            final String where = "--faults event " + (i + 1) + " '" + parts[i].trim() + "': ";
            if (e.atMillis() < last)
            {
                throw new IllegalArgumentException(where + "events must be in time order (an earlier event is at " +
                    last + " ms)");
            }
            last = e.atMillis();
            final int m = e.member();
            switch (e.action())
            {
                case KILL9 -> require(where, states[m] != State.DEAD, "member " + m + " is already dead");
                case TERM -> require(where, states[m] == State.RUNNING, "member " + m + " is " + name(states[m]) +
                    "; term needs a running member");
                case STOP -> require(where, states[m] == State.RUNNING, "member " + m + " is " + name(states[m]) +
                    "; stop needs a running member");
                case CONT -> require(where, states[m] == State.STOPPED, "member " + m + " is " + name(states[m]) +
                    "; cont needs a stopped member");
                case RESTART, RESTART_WIPED -> require(where, states[m] == State.DEAD, "member " + m + " is " +
                    name(states[m]) + "; " + e.action().text + " needs a member that was killed (kill9 or term)");
                case PARTITION -> require(where, !partitioned, "a partition is already in place; heal it first");
                case HEAL -> require(where, partitioned, "there is no partition to heal");
                default -> throw new IllegalStateException(e.action().name());
            }
            switch (e.action())
            {
                case KILL9, TERM -> states[m] = State.DEAD;
                case STOP -> states[m] = State.STOPPED;
                case CONT -> states[m] = State.RUNNING;
                case RESTART, RESTART_WIPED ->
                {
                    states[m] = State.RUNNING;
                    require(where, ++restarts[m] < DevnetMemberCommand.MAX_INCARNATIONS, "member " + m +
                        " is restarted more than " + (DevnetMemberCommand.MAX_INCARNATIONS - 1) + " times");
                }
                case PARTITION -> partitioned = true;
                case HEAL -> partitioned = false;
                default -> throw new IllegalStateException(e.action().name());
            }
            int alive = 0;
            for (final State s : states)
            {
                alive += s != State.DEAD ? 1 : 0;
            }
            require(where, alive >= 2, "only " + alive + " member(s) would be alive; a plan keeps at least two");
        }
        final BitSet stopped = new BitSet();
        for (int m = 0; m < nodes; m++)
        {
            if (states[m] == State.STOPPED)
            {
                stopped.set(m);
            }
        }
        if (!stopped.isEmpty())
        {
            throw new IllegalArgumentException("--faults leaves member(s) " + stopped + " stopped at the end: add cont:" +
                stopped.nextSetBit(0) + " (a stopped member cannot report)");
        }
        if (partitioned)
        {
            throw new IllegalArgumentException("--faults leaves a partition in place at the end: add heal");
        }
    }

    private static String name(final State state)
    {
        return state.name().toLowerCase(Locale.ROOT);
    }

    private static void require(final String where, final boolean condition, final String rule)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(where + rule);
        }
    }
}
