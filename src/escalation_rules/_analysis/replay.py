"""Replaying a logged issue under a policy: what the policy would have done, step by step."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Final, Literal

import attrs

from .._engine.context import make_context
from .._engine.policy import out_of_range
from .._engine.sla_select import select
from .._engine.versions import PolicySet
from .._exceptions import IssueError
from .._frozendict import FrozenDict
from .._instants import local
from .._model.actions import Action, Escalate
from .._model.events import (
    CLOSED,
    KIND_ACTION_TAKEN,
    KIND_LEVEL_CHANGED,
    KIND_STATUS_CHANGED,
    Event,
)
from .._suggest import did_you_mean
from .._time.clocks import WALL
from .describe import action_text

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._engine.sla_policies import SlaPeriod
    from .._io.eventlog import LoggedIssue
    from .._model.issue import Issue


#: The what-if run stops after this many evaluations (it normally ends long before: with no
#: new event, each rule fires at most once per crossing or anchor event).
_WHAT_IF_STEPS: Final = 256


@attrs.frozen
class PolicyAction:
    """An action the policy decided during a replay, and the instant it decided it."""

    at: datetime
    action: Action

    @property
    def reason(self) -> str:
        """Why the policy decided it."""
        return self.action.reason


@attrs.frozen
class TimelineEntry:
    """One line of a replay's timeline: a real event, or an action the policy decided.

    Attributes:
        at: the instant.
        source: ``"real"`` for an event of the log, ``"policy"`` for a decided action.
        event: the real `Event` (``source == "real"``).
        action: the policy's action (``source == "policy"``).
    """

    at: datetime
    source: Literal["real", "policy"]
    event: Event | None = attrs.field(default=None, kw_only=True)
    action: Action | None = attrs.field(default=None, kw_only=True)

    def describe(self) -> str:
        """A short human description, e.g. ``"level_changed L2"`` or ``"escalate L2: ..."``."""
        if self.action is not None:
            return f"{action_text(self.action)}: {self.action.reason}"
        event = self.event
        assert event is not None
        detail = event.status or event.level or event.team or event.action or event.name or ""
        raw = event.data.get("raw")
        if raw is not None:
            detail = f"{detail} ({raw})"
        return f"{event.kind.value} {detail}".rstrip()


@attrs.frozen
class LevelComparison:
    """The real and the policy's escalation of one issue to one level (or above).

    Attributes:
        level: a level above the one the issue started at.
        real_at: when the real history first put the issue at this level or above
            (``None``: never).
        policy_at: when the policy first escalated it to this level or above: in the replay,
            or, if the real escalation came first, in the what-if run from just before it
            (``None``: never).
        what_if: ``policy_at`` comes from the what-if run.
    """

    level: str
    real_at: datetime | None
    policy_at: datetime | None
    what_if: bool = False

    @property
    def delta(self) -> timedelta | None:
        """``policy_at - real_at``: negative when the policy was earlier; ``None`` unless both."""
        if self.real_at is None or self.policy_at is None:
            return None
        return self.policy_at - self.real_at


@attrs.frozen
class Replay:
    """What a policy would have done to one real issue.

    Attributes:
        logged: the `LoggedIssue` replayed.
        issue: the issue at the end: the real events, and the policy's actions recorded as
            ``ACTION_TAKEN`` events without a level.
        timeline: the real events and the policy's actions, in time order (at one instant,
            in the order they happened: an action decided at the instant of an event comes
            after it, one decided at a ``next_evaluation_at`` before an event at that same
            instant).
        actions: the policy's actions alone, in order.
        start_level: the level the issue started at (the policy's first when unset).
        levels: one `LevelComparison` per level above `start_level`.
        resolved_at: when the issue was finally resolved or closed (the last time it went
            from open or pending to resolved or closed, if it stayed so); ``None`` if not.
        resolved_level: the level at that instant.
        entries: how many times the real history moved the issue up into each level.
        sla_breached: by SLA clock (``policy.sla_clocks``), whether it was breached: checked
            just before each real level change (so each level stay of ``time_at_level``
            counts) and at the end of the replay. Only clocks that had a target for the
            issue at one of those instants appear.
        slas: which SLA policy applied and since when (`Policy.sla_timeline` at the end of
            the replay): one `SlaPeriod` per change, the first at the creation. Empty for
            a policy without SLA policies.
    """

    logged: LoggedIssue
    issue: Issue
    timeline: tuple[TimelineEntry, ...]
    actions: tuple[PolicyAction, ...]
    start_level: str
    levels: tuple[LevelComparison, ...]
    resolved_at: datetime | None
    resolved_level: str | None
    entries: Mapping[str, int]
    sla_breached: Mapping[str, bool] = attrs.field(factory=FrozenDict, kw_only=True)
    slas: tuple[SlaPeriod, ...] = attrs.field(default=(), kw_only=True)

    @property
    def sla(self) -> str | None:
        """The SLA policy that applied at the end (``None``: none, or no SLA policies)."""
        return self.slas[-1].sla if self.slas else None

    @property
    def recurring(self) -> bool:
        """Did the real history move the issue up into the same level more than once?"""
        return any(n > 1 for n in self.entries.values())

    @property
    def resolution_time(self) -> timedelta | None:
        """From creation to the final resolution, or ``None`` if it was not resolved."""
        return None if self.resolved_at is None else self.resolved_at - self.logged.created_at

    def to_text(self) -> str:
        """The timeline as text, real events on the left and the policy's actions indented.

        With SLA policies, a ``sla`` line says which one applies from each change on (after
        the real events of that instant, before the policy's actions).
        """
        lines = [
            f"issue {self.logged.id} ({self.logged.priority or '-'}, {self.logged.category or '-'})"
        ]
        periods = list(self.slas)
        zone = self.logged.created_at.tzinfo
        k = 0
        for entry in self.timeline:
            while k < len(periods) and _sla_first(periods[k].since, entry):
                lines.append(_sla_line(periods[k], zone))
                k += 1
            side = "real  " if entry.source == "real" else "  policy"
            lines.append(f"{local(entry.at, zone)}  {side}  {entry.describe()}")
        lines.extend(_sla_line(period, zone) for period in periods[k:])
        return "\n".join(lines)


def _sla_first(since: datetime, entry: TimelineEntry) -> bool:
    """Does an SLA change at *since* come before *entry* in the text?"""
    return since < entry.at or (since == entry.at and entry.source == "policy")


def _sla_line(period: SlaPeriod, zone: tzinfo | None) -> str:
    name = "none (no SLA policy matches)" if period.sla is None else period.sla
    return f"{local(period.since, zone)}    sla     {name}"


def replay(
    policy: Policy | PolicySet, logged: LoggedIssue, *, until: datetime | None = None
) -> Replay:
    """Replay one real issue under *policy*.

    Args:
        policy: the policy to try; a `PolicySet`: its version in force at the issue's creation.
        logged: the issue and its real events, e.g. from `read_log`.
        until: keep evaluating after the last event up to this instant (by default the
            replay ends at the last event: the log says nothing about later).

    Raises:
        IssueError: an event moves the issue to a level the policy does not have, or the
            events are not in time order.
    """
    if isinstance(policy, PolicySet):
        policy = policy.in_force(logged.created_at)
    return Replayer(policy).run(logged, until)


class Replayer:
    """Replays issues under one policy; holds only what the policy determines."""

    __slots__ = ("evaluate", "ids", "policy", "position", "target_clocks")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.evaluate = policy.evaluate
        self.ids = tuple(level.id for level in policy.levels)
        self.position = {level_id: i for i, level_id in enumerate(self.ids)}
        # The clocks `Policy.sla_clocks` can return (a target somewhere), in its order.
        self.target_clocks = tuple(n for n in policy.clocks if n in policy.target_clocks)

    def _position(self, level: str, logged: LoggedIssue, index: int) -> int:
        position = self.position.get(level)
        if position is None:
            raise IssueError(
                f"{logged.where(index)}: issue {logged.id!r} moves to level {level!r}, which "
                f"the policy {self.policy.name!r} does not have; its levels are "
                f"{list(self.ids)} (map the log's levels with [levels] in the log mapping)",
                value=level,
                suggestion=did_you_mean(level, self.ids),
            )
        return position

    def run(self, logged: LoggedIssue, until: datetime | None) -> Replay:
        """Replay *logged*; an instant the policy's deadlines push past the year 9999 (or
        before year 1) is an `IssueError` naming the issue."""
        try:
            return self._run(logged, until)
        except OverflowError:
            place = f"{logged.where(0)}: " if logged.lines else ""
            raise IssueError(
                f"{place}issue {logged.id!r} (created "
                f"{logged.created_at.isoformat()}): the policy's deadlines for it fall "
                "outside the years 1 to 9999",
                value=logged.id,
            ) from None

    def _run(self, logged: LoggedIssue, until: datetime | None) -> Replay:
        state = _Run(self, logged)
        decide = state.decide
        events = logged.events
        count = len(events)
        next_at: datetime | None = None
        previous = logged.created_at
        index = 0
        while index < count:
            at = events[index].at
            if at < previous:
                raise IssueError(
                    f"{logged.where(index)}: the events of issue {logged.id!r} are not in "
                    f"time order ({local(at)} after {local(previous)})",
                    value=events[index],
                )
            previous = at
            while next_at is not None and next_at <= at:
                next_at = decide(next_at)
            index = state.apply(at, index)
            next_at = decide(at)
        if until is not None:
            while next_at is not None and next_at <= until:
                next_at = decide(next_at)
        end = previous if until is None else max(previous, until)
        state.check_sla(end)
        return state.result(end)

    def _what_if(
        self,
        issue: Issue,
        now: datetime,
        escalations: Mapping[int, Escalate],
        last_real_level: int,
        wanted: list[int],
    ) -> dict[int, datetime]:
        """When would the policy have escalated *issue* to each wanted level, from *now* on?

        The policy's escalations since the last real level change are applied (they were
        recorded without a level), then the policy runs alone: no new event, its own
        escalations applied, from one ``next_evaluation_at`` to the next.
        """
        position_of = self.position
        history = list(issue.history)
        level, changed = issue.level, False
        reached = 0 if level is None else position_of[level]
        for index, escalation in escalations.items():
            to = position_of[escalation.to]
            if index > last_real_level and to > reached:
                history[index] = Event.taken(escalation, history[index].at)
                level, reached, changed = escalation.to, to, True
        if changed:
            issue = attrs.evolve(issue, history=tuple(history), level=level)
        record = Event.taken
        found: dict[int, datetime] = {}
        at = now
        for _ in range(_WHAT_IF_STEPS):
            decision = self.evaluate(issue, at)
            if decision.actions:
                for action in decision.actions:
                    if isinstance(action, Escalate):
                        to = position_of[action.to]
                        for q in wanted:
                            if q <= to and q not in found:
                                found[q] = at
                # As Issue.record, for all the actions at once: an escalation moves the
                # issue, a routing reassigns it.
                issue = _append(issue, [record(action, at) for action in decision.actions])
                if len(found) == len(wanted):
                    break
                continue  # a new level can have actions due at once
            if decision.next_evaluation_at is None:
                break
            at = decision.next_evaluation_at
        return found


class _Run:
    """One replay under way: the issue so far, the timeline, and when each side reached
    each level (indexed by the level's position in the policy)."""

    __slots__ = (
        "actions",
        "breached",
        "compared",
        "current",
        "done",
        "entries",
        "escalations",
        "issue",
        "last_real_level",
        "logged",
        "policy_first",
        "real_first",
        "replayer",
        "resolved_at",
        "resolved_level",
        "start",
        "timeline",
    )

    def __init__(self, replayer: Replayer, logged: LoggedIssue) -> None:
        self.replayer = replayer
        self.logged = logged
        self.issue = issue = logged.issue()
        self.start = 0 if issue.level is None else replayer._position(issue.level, logged, 0)
        self.current = self.start
        size = len(replayer.ids)
        self.policy_first: list[datetime | None] = [None] * size
        self.compared: dict[int, tuple[datetime | None, bool]] = {}
        self.real_first: list[datetime | None] = [None] * size
        self.entries = [0] * size
        self.escalations: dict[int, Escalate] = {}  # history index -> the escalation there
        self.last_real_level = -1  # history index of the last real level change
        self.timeline: list[TimelineEntry] = []
        self.actions: list[PolicyAction] = []
        self.resolved_at: datetime | None = None
        self.resolved_level: str | None = None
        self.done = False
        self.breached: dict[str, bool] = {}

    def check_sla(self, now: datetime) -> None:
        """Record which SLA clocks with a target for the issue at *now* are breached: as
        `Policy.sla_clocks`, without the `ClockState`s, and skipping the clocks without a
        target, those already breached (an or: nothing undoes it), and those that cannot
        be yet: in elapsed time (`WALL`, no business days) a cycle counts at most the time
        since the creation, and a clock that cannot be cancelled keeps its target."""
        breached = self.breached
        names = [name for name in self.replayer.target_clocks if not breached.get(name)]
        if not names:
            return
        policy, issue = self.replayer.policy, self.issue
        try:
            context = make_context(policy, issue.as_of(now), now)
            age = context.now - issue.created_at
            for name in names:
                target, measure = select(context, name)[:2]
                if target is None:
                    continue
                within = measure is WALL and target.days is None and target.duration > age
                if within and not policy.clocks[name].cancel:
                    breached[name] = False
                    continue
                core = context.sla_core(name)
                if core is not None and core.target is not None:
                    breached[name] = core.reaches(core.target.duration)[0]
        except OverflowError as error:
            raise out_of_range(issue, now, error) from None

    def decide(self, now: datetime) -> datetime | None:
        """Evaluate the issue at *now* and record the actions; the next evaluation instant."""
        issue = self.issue
        decision = self.replayer.evaluate(issue, now)
        if not decision.actions:
            return decision.next_evaluation_at
        position_of, policy_first = self.replayer.position, self.policy_first
        taken: list[Event] = []
        for action in decision.actions:
            if isinstance(action, Escalate):
                to = position_of[action.to]
                for q in range(self.current + 1, to + 1):
                    if policy_first[q] is None:
                        policy_first[q] = now
                self.escalations[len(issue.history) + len(taken)] = action
            # Recorded without a level or team: not decided again, but the real
            # history alone moves the issue.
            taken.append(Event(KIND_ACTION_TAKEN, now, action=action.key, rule=action.rule))
            self.timeline.append(TimelineEntry(now, "policy", action=action))
            self.actions.append(PolicyAction(now, action))
        self.issue = _append(issue, taken)
        return decision.next_evaluation_at

    def apply(self, at: datetime, index: int) -> int:
        """Apply the real events at *at* from *index* on; the index after them.

        The events of one instant (one row of the log) are applied together, and the
        policy evaluated once after them.
        """
        events, count = self.logged.events, len(self.logged.events)
        batch: list[Event] = []
        while index < count and events[index].at == at:
            event = events[index]
            if event.kind is KIND_LEVEL_CHANGED and event.level is not None:
                batch = self.level_changed(event.level, at, index, batch)
            elif event.kind is KIND_STATUS_CHANGED and event.status is not None:
                self.status_changed(event.status, at)
            batch.append(event)
            self.timeline.append(TimelineEntry(at, "real", event=event))
            index += 1
        self.issue = _append(self.issue, batch)
        return index

    def level_changed(
        self, level: str, at: datetime, index: int, batch: list[Event]
    ) -> list[Event]:
        """A real move to *level* at *at* (the event at *index*, not yet in *batch*).

        Returns the batch of events still to apply: when the what-if run is needed, the
        batch so far is applied first.
        """
        moved_to = self.replayer._position(level, self.logged, index)
        # The level stay ends: did its clocks breach? (Events earlier at this
        # same instant add no time to any clock, so they need not be applied.)
        self.check_sla(at)
        if moved_to > self.current:
            self.entries[moved_to] += 1
            wanted = []
            for q in range(self.start + 1, moved_to + 1):
                if self.real_first[q] is not None:
                    continue
                self.real_first[q] = at
                if self.policy_first[q] is not None:
                    self.compared[q] = (self.policy_first[q], False)
                else:
                    wanted.append(q)
            if wanted:
                self.issue, batch = _append(self.issue, batch), []
                found = self.replayer._what_if(
                    self.issue, at, self.escalations, self.last_real_level, wanted
                )
                for q in wanted:
                    self.compared[q] = (found.get(q), True)
        self.current = moved_to
        self.last_real_level = len(self.issue.history) + len(batch)  # this event's index
        return batch

    def status_changed(self, status: str, at: datetime) -> None:
        """A real status change: the issue may be resolved, or no longer."""
        now_done = self.replayer.policy.map_status(status, self.logged.id) in CLOSED
        if now_done and not self.done:
            self.resolved_at, self.resolved_level = at, self.replayer.ids[self.current]
        elif self.done and not now_done:
            self.resolved_at = self.resolved_level = None
        self.done = now_done

    def result(self, end: datetime) -> Replay:
        ids = self.replayer.ids
        levels = []
        for q in range(self.start + 1, len(ids)):
            if q in self.compared:
                policy_at, what_if = self.compared[q]
            else:
                policy_at, what_if = self.policy_first[q], False
            levels.append(LevelComparison(ids[q], self.real_first[q], policy_at, what_if))
        return Replay(
            logged=self.logged,
            issue=self.issue,
            timeline=tuple(self.timeline),
            actions=tuple(self.actions),
            start_level=ids[self.start],
            levels=tuple(levels),
            resolved_at=self.resolved_at,
            resolved_level=self.resolved_level,
            entries=FrozenDict({ids[q]: n for q, n in enumerate(self.entries) if n}),
            sla_breached=FrozenDict(self.breached),
            slas=self.replayer.policy.sla_timeline(self.issue, end),
        )


def _append(issue: Issue, events: list[Event]) -> Issue:
    """*issue* with *events* appended (`Issue.with_events`: no rebuild of the history)."""
    return issue.with_events(events) if events else issue
